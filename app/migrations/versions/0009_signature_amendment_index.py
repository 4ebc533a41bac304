"""An index on project_signature.amendment_id: a 项目调整's record holds its signatures, read on every
act on the amendment (records.Child); without the index each act scanned every signature of the
database (about a second per act on a province's 390,000 signatures, issue 19).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('project_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_signature_amendment_id'), ['amendment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_signature_amendment_id'))

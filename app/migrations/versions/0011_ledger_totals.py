"""Ledger totals (issue 19): per project and per town, fund and source, what the plans in force arrange
and what has been paid, kept by triggers (services.money.totals) so that the ledger sorts and the 按镇
view read them instead of re-adding every payment, with each project's last payment date, so the
payments after a 基准日 are found without scanning. The tables are filled from the data already in the file, then the triggers created.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

from app.models.totals import RATE_PPM
from app.services.money import totals

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_total',
    sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('arranged', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('last_paid_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_total'))
    )
    op.create_table('town_fund_total',
    sa.Column('town_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('fund_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.Enum('provincial', 'prd_city', 'local_city', 'county', 'other', name='fundsource', native_enum=False, length=32), nullable=False),
    sa.Column('arranged', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('town_id', 'fund_id', 'source', name=op.f('pk_town_fund_total'))
    )
    for statement in totals.BACKFILL:
        op.execute(statement)
    op.create_index('ix_project_total_listed', 'project_total', ['listed'], unique=False)
    op.create_index('ix_project_total_spent', 'project_total', ['listed', 'spent'], unique=False)
    op.create_index('ix_project_total_arranged', 'project_total', ['listed', 'arranged'], unique=False)
    op.create_index('ix_project_total_rate', 'project_total', ['listed', sa.text(RATE_PPM)], unique=False)
    op.create_index('ix_project_total_last_paid_on', 'project_total', ['last_paid_on'], unique=False)
    for statement in totals.TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    for name in totals.TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_table('town_fund_total')
    op.drop_table('project_total')

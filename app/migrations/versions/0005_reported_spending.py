"""支出数 reported by a lower level (a county's 表2-2 for its city, a city's for the province): a new
table, empty after the upgrade, so nothing older needs adopting.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reported_spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('spent >= 0', name=op.f('ck_reported_spending_spent_not_negative')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_reported_spending_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_reported_spending_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reported_spending')),
    sa.UniqueConstraint('fund_id', 'region_code', 'as_of', name='one_figure_per_day'),
    sa.UniqueConstraint('uuid', name=op.f('uq_reported_spending_uuid'))
    )
    with op.batch_alter_table('reported_spending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reported_spending_fund_id'), ['fund_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reported_spending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reported_spending_fund_id'))

    op.drop_table('reported_spending')

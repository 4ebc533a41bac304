"""A pooled fund's budget and execution (seed 002): the budget, its lines and its 绩效目标, three new
tables, empty after the upgrade, so nothing older needs adopting (each budget is recorded by the signed
act that saves it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fund_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('approved_by', sa.String(length=120), nullable=False),
    sa.Column('overall_goal', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_fund_budget_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_fund_budget_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_budget')),
    sa.UniqueConstraint('fund_id', name=op.f('uq_fund_budget_fund_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_fund_budget_uuid'))
    )
    op.create_table('fund_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('planned', sa.BigInteger(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('issued', sa.BigInteger(), nullable=True),
    sa.Column('spent', sa.BigInteger(), nullable=True),
    sa.Column('evaluated', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_fund_budget_line_level_1_to_4')),
    sa.CheckConstraint("section IN ('income', 'spending')", name=op.f('ck_fund_budget_line_section_known')),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_fund_budget_line_amount_not_negative')),
    sa.CheckConstraint('issued IS NULL OR issued >= 0', name=op.f('ck_fund_budget_line_issued_not_negative')),
    sa.CheckConstraint('spent IS NULL OR spent >= 0', name=op.f('ck_fund_budget_line_spent_not_negative')),
    sa.ForeignKeyConstraint(['budget_id'], ['fund_budget.id'], name=op.f('fk_fund_budget_line_budget_id_fund_budget'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_budget_line'))
    )
    with op.batch_alter_table('fund_budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_budget_line_budget_id'), ['budget_id'], unique=False)
    op.create_table('fund_budget_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level1', sa.String(length=40), nullable=False),
    sa.Column('level2', sa.String(length=40), nullable=False),
    sa.Column('level3', sa.String(length=200), nullable=False),
    sa.Column('target_year', sa.String(length=100), nullable=False),
    sa.Column('target_period', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['fund_budget.id'], name=op.f('fk_fund_budget_target_budget_id_fund_budget'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_budget_target'))
    )
    with op.batch_alter_table('fund_budget_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_budget_target_budget_id'), ['budget_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fund_budget_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_budget_target_budget_id'))
    op.drop_table('fund_budget_target')
    with op.batch_alter_table('fund_budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_budget_line_budget_id'))
    op.drop_table('fund_budget_line')
    op.drop_table('fund_budget')

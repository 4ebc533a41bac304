"""绩效自评: the evaluation and its indicator outline, two new tables, empty after the upgrade, so
nothing older needs adopting (each evaluation is recorded by the signed act that saves it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('overall_goal', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_evaluation_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_evaluation_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('fund_id', 'region_code', name='one_evaluation_per_region'),
    sa.UniqueConstraint('uuid', name=op.f('uq_evaluation_uuid'))
    )
    op.create_table('evaluation_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.Column('target_text', sa.String(length=100), nullable=False),
    sa.Column('measure', sa.String(length=30), nullable=False),
    sa.Column('actual_text', sa.String(length=100), nullable=False),
    sa.Column('deduction', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint('deduction >= 0', name=op.f('ck_evaluation_item_deduction_not_negative')),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_evaluation_item_level_1_to_3')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_item_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_item'))
    )
    with op.batch_alter_table('evaluation_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_item_evaluation_id'), ['evaluation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evaluation_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_item_evaluation_id'))

    op.drop_table('evaluation_item')
    op.drop_table('evaluation')

"""Project lifecycle: signing keys, project signatures, 负面清单 category, 公示 date, content
version, reversing expenditures (红字冲销), and an audit chain that cannot fork.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('sealed_private_key', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_key_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_key')),
    sa.UniqueConstraint('public_key', name=op.f('uq_user_key_public_key'))
    )
    with op.batch_alter_table('user_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_key_user_id'), ['user_id'], unique=False)

    op.create_table('project_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('town_officer', 'town_leader', 'team_leader', 'county_reviewer', 'county_finance', 'admin', name='userrole', native_enum=False, length=32), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False, server_default='1'),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("role IN ('town_leader', 'team_leader', 'county_reviewer')", name=op.f('ck_project_signature_signing_role')),
    sa.ForeignKeyConstraint(['key_id'], ['user_key.id'], name=op.f('fk_project_signature_key_id_user_key')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_signature_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_project_signature_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_signature'))
    )
    with op.batch_alter_table('project_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_signature_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_prev_hash'), ['prev_hash'])

    with op.batch_alter_table('expenditure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversal_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_expenditure_reversal_of_id'), ['reversal_of_id'])
        batch_op.create_foreign_key(batch_op.f('fk_expenditure_entered_by_id_user_account'), 'user_account', ['entered_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_expenditure_reversal_of_id_expenditure'), 'expenditure', ['reversal_of_id'], ['id'])

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spending_category', sa.Enum('construction', 'equipment', 'industry_support', 'subsidy', 'interest_subsidy', 'services', 'training', 'planning', 'maintenance', 'basic_expenses', 'bonuses', 'enterprise_losses', 'office_buildings', 'budget_gaps_debts', 'large_capital_works', 'vehicles_telecoms', 'sham_finance', 'prohibited', 'otherwise_funded', name='spendingcategory', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('publicity_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('content_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('drafted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('accepted_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_project_drafted_by_id_user_account'), 'user_account', ['drafted_by_id'], ['id'])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_drafted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('accepted_on')
        batch_op.drop_column('approved_on')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('drafted_by_id')
        batch_op.drop_column('content_version')
        batch_op.drop_column('publicity_starts_on')
        batch_op.drop_column('spending_category')

    with op.batch_alter_table('expenditure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_expenditure_reversal_of_id_expenditure'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_expenditure_entered_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_expenditure_reversal_of_id'), type_='unique')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('reversal_of_id')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_event_prev_hash'), type_='unique')

    with op.batch_alter_table('project_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_signature_project_id'))

    op.drop_table('project_signature')
    with op.batch_alter_table('user_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_key_user_id'))

    op.drop_table('user_key')

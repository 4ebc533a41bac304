"""Initial schema: regions, work teams, funds and allocations, projects with indicators and
expenditures, task list and targets, pairing, users, audit log and settings.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('city',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city')),
    sa.UniqueConstraint('code', name=op.f('uq_city_code'))
    )
    op.create_table('fund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=False),
    sa.Column('level', sa.Enum('central', 'provincial', 'city', 'county', name='fundlevel', native_enum=False, length=32), nullable=False),
    sa.Column('budget_unit', sa.String(length=120), nullable=False),
    sa.Column('department', sa.String(length=120), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund')),
    sa.UniqueConstraint('uuid', name=op.f('uq_fund_uuid'))
    )
    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_year'), ['year'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username')),
    sa.UniqueConstraint('uuid', name=op.f('uq_user_account_uuid'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_uuid', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=False),
    sa.Column('after_json', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity', ['entity_type', 'entity_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_user_id'), ['user_id'], unique=False)

    op.create_table('county',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_county_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_county')),
    sa.UniqueConstraint('code', name=op.f('uq_county_code'))
    )
    with op.batch_alter_table('county', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_county_city_id'), ['city_id'], unique=False)

    op.create_table('fund_income',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('provincial', 'prd_city', 'local_city', 'county', 'other', name='fundsource', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_fund_income_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_income'))
    )
    with op.batch_alter_table('fund_income', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_income_fund_id'), ['fund_id'], unique=False)

    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prd_city_id', sa.Integer(), nullable=True),
    sa.Column('helped_city_id', sa.Integer(), nullable=False),
    sa.Column('town_category', sa.Enum('key_support', 'consolidation', 'pilot_demo', name='towncategory', native_enum=False, length=32), nullable=False),
    sa.Column('helper_kind', sa.String(length=60), nullable=False),
    sa.Column('helper', sa.String(length=60), nullable=False),
    sa.Column('towns_count', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['helped_city_id'], ['city.id'], name=op.f('fk_pairing_helped_city_id_city')),
    sa.ForeignKeyConstraint(['prd_city_id'], ['city.id'], name=op.f('fk_pairing_prd_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing'))
    )
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_helped_city_id'), ['helped_city_id'], unique=False)

    op.create_table('performance_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level1', sa.Enum('output', 'benefit', 'satisfaction', name='indicatorlevel1', native_enum=False, length=32), nullable=False),
    sa.Column('level2', sa.Enum('quantity', 'quality', 'timeliness', 'cost', 'economic', 'social', 'ecological', 'sustainable', 'beneficiary_satisfaction', name='indicatorlevel2', native_enum=False, length=32), nullable=False),
    sa.Column('level3', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('comparator', sa.Enum('>=', '<=', '=', 'qualitative', name='comparator', native_enum=False, length=32), nullable=False),
    sa.Column('target_text', sa.String(length=100), nullable=False),
    sa.Column('target_value', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_performance_target_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_target'))
    )
    with op.batch_alter_table('performance_target', schema=None) as batch_op:
        batch_op.create_index('ix_performance_target_city_year', ['city_id', 'year'], unique=False)

    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('town_officer', 'town_leader', 'team_leader', 'county_reviewer', 'county_finance', 'admin', name='userrole', native_enum=False, length=32), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_role_grant_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_user_id'), ['user_id'], unique=False)

    op.create_table('task_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=120), nullable=False),
    sa.Column('purpose_category', sa.Enum('planning', 'poverty_link', 'industry', 'infrastructure', 'public_service', 'party_building', name='purposecategory', native_enum=False, length=32), nullable=False),
    sa.Column('purpose_text', sa.String(length=120), nullable=False),
    sa.Column('nature', sa.Enum('binding', 'guiding', name='tasknature', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('implementation', sa.String(length=60), nullable=False),
    sa.Column('quantity_text', sa.Text(), nullable=False),
    sa.Column('deadline_text', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_task_item_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_item'))
    )
    with op.batch_alter_table('task_item', schema=None) as batch_op:
        batch_op.create_index('ix_task_item_city_year', ['city_id', 'year'], unique=False)

    op.create_table('town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.Enum('town', 'township', 'ethnic_township', 'subdistrict', 'office', 'farm', 'forest_farm', 'other', name='townkind', native_enum=False, length=32), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('key_support', 'consolidation', 'pilot_demo', name='towncategory', native_enum=False, length=32), nullable=True),
    sa.Column('helper_type', sa.Enum('prd_city', 'provincial_units', 'local_city', 'local_county', name='helpertype', native_enum=False, length=32), nullable=True),
    sa.Column('helper_city_id', sa.Integer(), nullable=True),
    sa.Column('helper_unit', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_town_city_id_city')),
    sa.ForeignKeyConstraint(['county_id'], ['county.id'], name=op.f('fk_town_county_id_county')),
    sa.ForeignKeyConstraint(['helper_city_id'], ['city.id'], name=op.f('fk_town_helper_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_town')),
    sa.UniqueConstraint('code', name=op.f('uq_town_code'))
    )
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.create_index('ix_town_city_id', ['city_id'], unique=False)
        batch_op.create_index('ix_town_county_id', ['county_id'], unique=False)

    op.create_table('allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(city_id IS NOT NULL) + (county_id IS NOT NULL) + (town_id IS NOT NULL) = 1', name=op.f('ck_allocation_one_region')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_allocation_amount_not_negative')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_allocation_city_id_city')),
    sa.ForeignKeyConstraint(['county_id'], ['county.id'], name=op.f('fk_allocation_county_id_county')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_allocation_fund_id_fund')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_allocation_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation')),
    sa.UniqueConstraint('uuid', name=op.f('uq_allocation_uuid'))
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index('ix_allocation_fund_city', ['fund_id', 'city_id'], unique=False)
        batch_op.create_index('ix_allocation_fund_county', ['fund_id', 'county_id'], unique=False)
        batch_op.create_index('ix_allocation_fund_town', ['fund_id', 'town_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=True),
    sa.Column('purpose_category', sa.Enum('planning', 'poverty_link', 'industry', 'infrastructure', 'public_service', 'party_building', name='purposecategory', native_enum=False, length=32), nullable=False),
    sa.Column('task_item_id', sa.Integer(), nullable=True),
    sa.Column('construction_nature', sa.Enum('new', 'expansion', 'continued', 'maintenance', 'non_construction', name='constructionnature', native_enum=False, length=32), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('responsible_unit', sa.String(length=120), nullable=False),
    sa.Column('responsible_person', sa.String(length=40), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('amount_provincial', sa.BigInteger(), nullable=False),
    sa.Column('amount_prd_city', sa.BigInteger(), nullable=False),
    sa.Column('amount_local_city', sa.BigInteger(), nullable=False),
    sa.Column('amount_county', sa.BigInteger(), nullable=False),
    sa.Column('amount_other', sa.BigInteger(), nullable=False),
    sa.Column('support_method', sa.Enum('direct_subsidy', 'service_purchase', 'interest_subsidy', 'build_then_subsidise', 'award_for_subsidy', 'private_public_aid', 'asset_equity', 'ppp', name='supportmethod', native_enum=False, length=32), nullable=False),
    sa.Column('beneficiaries', sa.String(length=200), nullable=False),
    sa.Column('beneficiary_households', sa.Integer(), nullable=False),
    sa.Column('beneficiary_people', sa.Integer(), nullable=False),
    sa.Column('poverty_households', sa.Integer(), nullable=False),
    sa.Column('poverty_people', sa.Integer(), nullable=False),
    sa.Column('monitored_households', sa.Integer(), nullable=False),
    sa.Column('monitored_people', sa.Integer(), nullable=False),
    sa.Column('farmer_linkage', sa.Text(), nullable=False),
    sa.Column('asset_type', sa.Enum('operating', 'public_welfare', 'household', name='assettype', native_enum=False, length=32), nullable=True),
    sa.Column('asset_receiver', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('draft', 'signed_once', 'double_signed', 'approved', 'returned', 'in_progress', 'completed', 'accepted', 'cancelled', name='projectstatus', native_enum=False, length=32), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_project_fund_id_fund')),
    sa.ForeignKeyConstraint(['task_item_id'], ['task_item.id'], name=op.f('fk_project_task_item_id_task_item')),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_project_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('uuid', name=op.f('uq_project_uuid'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index('ix_project_fund', ['fund_id'], unique=False)
        batch_op.create_index('ix_project_town_status', ['town_id', 'status'], unique=False)

    op.create_table('village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_village_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village')),
    sa.UniqueConstraint('code', name=op.f('uq_village_code'))
    )
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_town_id'), ['town_id'], unique=False)

    op.create_table('work_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('dispatching_unit', sa.String(length=120), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_work_team_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_team')),
    sa.UniqueConstraint('town_id', name=op.f('uq_work_team_town_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_work_team_uuid'))
    )
    op.create_table('expenditure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('payee', sa.String(length=120), nullable=False),
    sa.Column('voucher_no', sa.String(length=40), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_expenditure_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expenditure')),
    sa.UniqueConstraint('uuid', name=op.f('uq_expenditure_uuid'))
    )
    with op.batch_alter_table('expenditure', schema=None) as batch_op:
        batch_op.create_index('ix_expenditure_project_date_amount', ['project_id', 'spent_on', 'amount'], unique=False)

    op.create_table('project_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level1', sa.Enum('output', 'benefit', 'satisfaction', name='indicatorlevel1', native_enum=False, length=32), nullable=False),
    sa.Column('level2', sa.Enum('quantity', 'quality', 'timeliness', 'cost', 'economic', 'social', 'ecological', 'sustainable', 'beneficiary_satisfaction', name='indicatorlevel2', native_enum=False, length=32), nullable=False),
    sa.Column('level3', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('comparator', sa.Enum('>=', '<=', '=', 'qualitative', name='comparator', native_enum=False, length=32), nullable=False),
    sa.Column('target_text', sa.String(length=100), nullable=False),
    sa.Column('target_value', sa.String(length=40), nullable=True),
    sa.Column('actual_text', sa.String(length=100), nullable=False),
    sa.Column('actual_value', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_indicator_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_indicator'))
    )
    with op.batch_alter_table('project_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_indicator_project_id'), ['project_id'], unique=False)

    op.create_table('project_village',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_village_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], name=op.f('fk_project_village_village_id_village')),
    sa.PrimaryKeyConstraint('project_id', 'village_id', name=op.f('pk_project_village'))
    )
    op.create_table('work_team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('role', sa.Enum('leader', 'first_secretary', 'tech_commissioner', 'sanzhi_yifu', 'graduate_volunteer', 'selected_graduate', 'finance_assistant', 'member', name='teamrole', native_enum=False, length=32), nullable=False),
    sa.Column('unit', sa.String(length=120), nullable=False),
    sa.Column('rank', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['work_team.id'], name=op.f('fk_work_team_member_team_id_work_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_team_member'))
    )
    with op.batch_alter_table('work_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_team_member_team_id'), ['team_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_team_member_team_id'))

    op.drop_table('work_team_member')
    op.drop_table('project_village')
    with op.batch_alter_table('project_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_indicator_project_id'))

    op.drop_table('project_indicator')
    with op.batch_alter_table('expenditure', schema=None) as batch_op:
        batch_op.drop_index('ix_expenditure_project_date_amount')

    op.drop_table('expenditure')
    op.drop_table('work_team')
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_town_id'))

    op.drop_table('village')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_town_status')
        batch_op.drop_index('ix_project_fund')

    op.drop_table('project')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index('ix_allocation_fund_town')
        batch_op.drop_index('ix_allocation_fund_county')
        batch_op.drop_index('ix_allocation_fund_city')

    op.drop_table('allocation')
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.drop_index('ix_town_county_id')
        batch_op.drop_index('ix_town_city_id')

    op.drop_table('town')
    with op.batch_alter_table('task_item', schema=None) as batch_op:
        batch_op.drop_index('ix_task_item_city_year')

    op.drop_table('task_item')
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grant_user_id'))

    op.drop_table('role_grant')
    with op.batch_alter_table('performance_target', schema=None) as batch_op:
        batch_op.drop_index('ix_performance_target_city_year')

    op.drop_table('performance_target')
    with op.batch_alter_table('pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_helped_city_id'))

    op.drop_table('pairing')
    with op.batch_alter_table('fund_income', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_income_fund_id'))

    op.drop_table('fund_income')
    with op.batch_alter_table('county', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_county_city_id'))

    op.drop_table('county')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_user_id'))
        batch_op.drop_index('ix_audit_event_entity')

    op.drop_table('audit_event')
    op.drop_table('user_account')
    op.drop_table('setting')
    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_year'))

    op.drop_table('fund')
    op.drop_table('city')

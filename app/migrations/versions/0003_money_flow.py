"""Money as the programme moves it: the allocation tree and 到位, the county's signed 资金安排 (plans,
lines by project and source, town amounts), 报账 claims with vouchers, payments by fund and source,
项目调整 proposals, 公示 records, the asset register, actual dates, 省直管县 and towns outside the programme.

Existing data is carried over: payments take their project's fund (their source stays unknown), the
2021 provincial fund gets its period, 预算单位 and income lines (RETURNS.md §2.15), a fund's issuing
region is read from where it was first issued, and allocations are linked to the one allocation of
the same fund one level up where there is exactly one, so nothing is counted twice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fund_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_force', 'superseded', name='planstatus', native_enum=False, length=32), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_role', sa.Enum('town_officer', 'town_leader', 'team_leader', 'county_reviewer', 'county_finance', 'city_finance', 'province_finance', 'admin', name='userrole', native_enum=False, length=32), nullable=True),
    sa.Column('key_id', sa.Integer(), nullable=True),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['user_account.id'], name=op.f('fk_fund_plan_drafted_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_fund_plan_fund_id_fund')),
    sa.ForeignKeyConstraint(['key_id'], ['user_key.id'], name=op.f('fk_fund_plan_key_id_user_key')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'], name=op.f('fk_fund_plan_signed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_plan')),
    sa.UniqueConstraint('region_code', 'fund_id', 'year', 'revision', name='one_revision'),
    sa.UniqueConstraint('uuid', name=op.f('uq_fund_plan_uuid'))
    )
    with op.batch_alter_table('fund_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_plan_fund_id'), ['fund_id'], unique=False)

    op.create_table('plan_town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_plan_town_amount_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['fund_plan.id'], name=op.f('fk_plan_town_plan_id_fund_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['town_id'], ['town.id'], name=op.f('fk_plan_town_town_id_town')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_town')),
    sa.UniqueConstraint('plan_id', 'town_id', name='one_town')
    )
    op.create_table('arrival',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('voucher_no', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_arrival_amount_positive')),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocation.id'], name=op.f('fk_arrival_allocation_id_allocation')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_arrival_entered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrival')),
    sa.UniqueConstraint('uuid', name=op.f('uq_arrival_uuid'))
    )
    with op.batch_alter_table('arrival', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrival_allocation_id'), ['allocation_id'], unique=False)

    op.create_table('asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('asset_type', sa.Enum('operating', 'public_welfare', 'household', 'none', name='assettype', native_enum=False, length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('custodian', sa.String(length=120), nullable=False),
    sa.Column('upkeep_yearly', sa.BigInteger(), nullable=False),
    sa.Column('handed_over_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('upkeep_yearly >= 0', name=op.f('ck_asset_upkeep_not_negative')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_asset_value_not_negative')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_asset_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_asset_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset')),
    sa.UniqueConstraint('uuid', name=op.f('uq_asset_uuid'))
    )
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_project_id'), ['project_id'], unique=False)

    op.create_table('plan_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('provincial', 'prd_city', 'local_city', 'county', 'other', name='fundsource', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_plan_line_amount_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['fund_plan.id'], name=op.f('fk_plan_line_plan_id_fund_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_plan_line_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_line')),
    sa.UniqueConstraint('plan_id', 'project_id', 'source', name='one_line')
    )
    with op.batch_alter_table('plan_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_line_project_id'), ['project_id'], unique=False)

    op.create_table('project_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'signed_once', 'double_signed', 'approved', 'returned', 'withdrawn', name='amendmentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['user_account.id'], name=op.f('fk_project_amendment_drafted_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_amendment_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_amendment')),
    sa.UniqueConstraint('uuid', name=op.f('uq_project_amendment_uuid'))
    )
    with op.batch_alter_table('project_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_amendment_project_id'), ['project_id'], unique=False)

    op.create_table('publicity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('village', 'town', 'library_notice', 'post_notice', name='publicitykind', native_enum=False, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=200), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_publicity_entered_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_publicity_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity')),
    sa.UniqueConstraint('uuid', name=op.f('uq_publicity_uuid'))
    )
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_project_id'), ['project_id'], unique=False)

    op.create_table('claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('provincial', 'prd_city', 'local_city', 'county', 'other', name='fundsource', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('payee', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('voucher_numbers', sa.String(length=400), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('filed', 'paid', 'rejected', 'withdrawn', name='claimstatus', native_enum=False, length=32), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('expenditure_id', sa.Integer(), nullable=True),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_claim_amount_positive')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_claim_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['expenditure_id'], ['expenditure.id'], name=op.f('fk_claim_expenditure_id_expenditure')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_claim_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_claim_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim')),
    sa.UniqueConstraint('expenditure_id', name=op.f('uq_claim_expenditure_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_claim_uuid'))
    )
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_status'), ['status'], unique=False)

    op.create_table('claim_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_claim_attachment_claim_id_claim'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_attachment'))
    )
    with op.batch_alter_table('claim_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_attachment_claim_id'), ['claim_id'], unique=False)

    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('issued_by_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_allocation_parent_id', ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_allocation_parent_id_allocation'), 'allocation', ['parent_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_allocation_issued_by_id_user_account'), 'user_account', ['issued_by_id'], ['id'])

    with op.batch_alter_table('county', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direct_province', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('expenditure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fund_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.Enum('provincial', 'prd_city', 'local_city', 'county', 'other', name='fundsource', native_enum=False, length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_expenditure_fund_id_fund'), 'fund', ['fund_id'], ['id'])

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('region_code', sa.String(length=9), nullable=False, server_default='44'))

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('completed_on', sa.Date(), nullable=True))

    with op.batch_alter_table('project_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amendment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_project_signature_amendment_id_project_amendment'), 'project_amendment', ['amendment_id'], ['id'])

    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_programme', sa.Boolean(), nullable=False, server_default=sa.true()))

    _carry_over_data()


FUND_2021 = "2021年省级乡村振兴驻镇帮镇扶村资金"


def _carry_over_data() -> None:
    run = op.execute
    # 深汕特别合作区's four towns (in 海丰县 by code, governed by 深圳) are outside the programme.
    run("UPDATE town SET in_programme = 0 WHERE code IN ('441521102', '441521103', '441521104', '441521105')")
    run("UPDATE expenditure SET fund_id = (SELECT fund_id FROM project WHERE project.id = expenditure.project_id)")
    run("UPDATE fund SET region_code = COALESCE((SELECT county.code FROM allocation JOIN county "
        "ON county.id = allocation.county_id WHERE allocation.fund_id = fund.id ORDER BY allocation.id LIMIT 1), "
        "'44') WHERE level = 'county'")
    run("UPDATE fund SET region_code = COALESCE((SELECT city.code FROM allocation JOIN city "
        "ON city.id = allocation.city_id WHERE allocation.fund_id = fund.id ORDER BY allocation.id LIMIT 1), "
        "'44') WHERE level = 'city'")
    # A town's allocation is the money its county received, a county's the money its city received.
    run("UPDATE allocation SET parent_id = (SELECT p.id FROM allocation p JOIN town t ON t.county_id = p.county_id "
        "WHERE t.id = allocation.town_id AND p.fund_id = allocation.fund_id) WHERE town_id IS NOT NULL "
        "AND (SELECT count(*) FROM allocation p JOIN town t ON t.county_id = p.county_id "
        "WHERE t.id = allocation.town_id AND p.fund_id = allocation.fund_id) = 1")
    run("UPDATE allocation SET parent_id = (SELECT p.id FROM allocation p JOIN county c ON c.city_id = p.city_id "
        "WHERE c.id = allocation.county_id AND p.fund_id = allocation.fund_id) WHERE county_id IS NOT NULL "
        "AND (SELECT count(*) FROM allocation p JOIN county c ON c.city_id = p.city_id "
        "WHERE c.id = allocation.county_id AND p.fund_id = allocation.fund_id) = 1")
    # The 2021 provincial fund as seed 000 describes it (RETURNS.md §2.15): issued at the end of
    # September 2021 under 粤财农〔2021〕123号, to be spent by the end of 2022, 30亿 bonds + 15亿 涉农资金.
    run(f"UPDATE fund SET budget_unit = '广东省农业农村厅', issued_on = '2021-09-30', deadline = '2022-12-31' "
        f"WHERE name = '{FUND_2021}'")
    run(f"UPDATE allocation SET issued_on = '2021-09-30' WHERE issued_on IS NULL AND fund_id IN "
        f"(SELECT id FROM fund WHERE name = '{FUND_2021}')")
    run(f"DELETE FROM fund_income WHERE fund_id IN (SELECT id FROM fund WHERE name = '{FUND_2021}') "
        "AND amount = 450000000000 AND (SELECT count(*) FROM fund_income i WHERE i.fund_id = fund_income.fund_id) = 1")
    run(f"INSERT INTO fund_income (fund_id, source, amount, note) SELECT id, 'provincial', 300000000000, '一般债券' "
        f"FROM fund WHERE name = '{FUND_2021}' AND NOT EXISTS (SELECT 1 FROM fund_income i WHERE i.fund_id = fund.id)")
    run(f"INSERT INTO fund_income (fund_id, source, amount, note) SELECT id, 'provincial', 150000000000, '涉农资金' "
        f"FROM fund WHERE name = '{FUND_2021}' AND (SELECT count(*) FROM fund_income i WHERE i.fund_id = fund.id) = 1 "
        "AND EXISTS (SELECT 1 FROM fund_income i WHERE i.fund_id = fund.id AND i.note = '一般债券')")



def downgrade() -> None:
    with op.batch_alter_table('town', schema=None) as batch_op:
        batch_op.drop_column('in_programme')

    with op.batch_alter_table('project_signature', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_signature_amendment_id_project_amendment'), type_='foreignkey')
        batch_op.drop_column('amendment_id')

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('completed_on')
        batch_op.drop_column('started_on')
        batch_op.drop_column('planned_on')

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.drop_column('region_code')
        batch_op.drop_column('issued_on')

    with op.batch_alter_table('expenditure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_expenditure_fund_id_fund'), type_='foreignkey')
        batch_op.drop_column('source')
        batch_op.drop_column('fund_id')

    with op.batch_alter_table('county', schema=None) as batch_op:
        batch_op.drop_column('direct_province')

    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_allocation_issued_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_allocation_parent_id_allocation'), type_='foreignkey')
        batch_op.drop_index('ix_allocation_parent_id')
        batch_op.drop_column('issued_by_id')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('claim_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_attachment_claim_id'))

    op.drop_table('claim_attachment')
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_status'))
        batch_op.drop_index(batch_op.f('ix_claim_project_id'))

    op.drop_table('claim')
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_project_id'))

    op.drop_table('publicity')
    with op.batch_alter_table('project_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_amendment_project_id'))

    op.drop_table('project_amendment')
    with op.batch_alter_table('plan_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_line_project_id'))

    op.drop_table('plan_line')
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_project_id'))

    op.drop_table('asset')
    with op.batch_alter_table('arrival', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrival_allocation_id'))

    op.drop_table('arrival')
    op.drop_table('plan_town')
    with op.batch_alter_table('fund_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_plan_fund_id'))

    op.drop_table('fund_plan')

"""The demo county is realistic and consistent: 17 real towns, teams, the fund issued province → city →
county and arrived, the county's signed plan with a 因素法 split that adds up, projects in every state,
payments only after the plan, within it, by source, and 先建后补 only after 验收."""

import pytest
from sqlalchemy import func, select

from app.models import (AmendmentStatus, Asset, Claim, ClaimStatus, County, Expenditure, Fund, FundSource, Money, Project,
                        ProjectAmendment, ProjectStatus, SupportMethod, TeamRole, Town)
from app.services import demo
from app.services.money import funds, plans
from app.services.regions import find_region
from app.services.database import unit_of_work
from app.services.errors import InputError
from app.services.settings import HOME_REGION, get_setting


def test_demo_county(demo_engine):
    with unit_of_work(demo_engine) as session:
        county = session.scalar(select(County).where(County.code == demo.DEMO_COUNTY_CODE))
        towns = county.towns
        assert county.name == "和平县" and len(towns) == 17
        assert all(t.category is not None and t.work_team is not None for t in towns)
        assert all(len(t.work_team.members) >= 5 and t.work_team.leader is not None for t in towns)
        assert all(any(m.role is TeamRole.tech_commissioner for m in t.work_team.members) for t in towns)
        assert get_setting(session, HOME_REGION) == demo.DEMO_COUNTY_CODE

        fund = session.scalar(select(Fund).where(Fund.name == demo.FUND_NAME))
        assert fund.total == Money.from_wan(17 * 2000) and fund.region_code == "44"
        tree = funds.allocation_tree(session, fund.id)
        assert [(n.level, n.region_code, n.amount, n.parent_id is None) for n in tree] == [
            ("city", "4416", fund.total, True), ("county", demo.DEMO_COUNTY_CODE, fund.total, False)]
        assert tree[1].arrived == fund.total  # 到位
        region = find_region(session, demo.DEMO_COUNTY_CODE)
        plan = plans.in_force(session, demo.DEMO_COUNTY_CODE, fund.id)
        assert Money.total(t.amount for t in plan.towns) == fund.total  # the 因素法 split adds up exactly
        assert all(t.amount.fen % Money.from_wan(1).fen == 0 for t in plan.towns)
        assert plans.check_plan(session, plan).blocking == []
        assert funds.received(session, fund.id, region) == fund.total

        projects = session.scalars(select(Project).join(Town).where(Town.county_id == county.id)).all()
        assert {p.status for p in projects} == set(ProjectStatus)
        arranged = plans.arranged(session, [p.id for p in projects])
        for project in projects:
            spent = Money.total(e.amount for e in project.expenditures)
            assert spent <= project.amount
            assert project.expenditures == [] or project.status.may_spend
            for e in project.expenditures:
                assert e.spent_on >= project.planned_on and e.source is not None
            if project.support_method is SupportMethod.build_then_subsidise and project.expenditures:
                assert project.status is ProjectStatus.accepted
                assert min(e.spent_on for e in project.expenditures) > project.accepted_on
            for source in FundSource:
                paid = Money.total(e.amount for e in project.expenditures if e.source is source)
                assert paid <= arranged.get((project.id, source), Money(0))
            assert any(i.level1.value == "output" for i in project.indicators)
            assert any(i.level1.value == "benefit" for i in project.indicators)
        assert any(p.support_method is SupportMethod.build_then_subsidise and p.expenditures for p in projects)
        claims = session.scalars(select(Claim)).all()
        assert {c.status for c in claims} == {ClaimStatus.paid, ClaimStatus.rejected, ClaimStatus.filed}
        assert session.scalar(select(func.count()).select_from(Asset)) > 0
        assert any(e.reversal_of_id for p in projects for e in p.expenditures)
        assert sorted(a.status for a in session.scalars(select(ProjectAmendment))) == [
            AmendmentStatus.approved, AmendmentStatus.double_signed]  # 项目调整: one in force, one waiting
        vouchers = session.scalars(select(Expenditure.voucher_no)).all()
        assert len(vouchers) == len(set(vouchers)) > 50


def test_demo_refuses_twice(demo_engine):
    with pytest.raises(InputError, match="已包含演示数据"):
        with unit_of_work(demo_engine) as session:
            demo.create_demo(session)


def test_demo_refuses_a_database_with_projects(engine):
    """The demo is never mixed into a ledger that already holds projects."""
    from app.services import generate
    generate.generate(engine, towns=2, projects=3, expenditures=0)
    with pytest.raises(InputError, match="已有项目或用户"):
        with unit_of_work(engine) as session:
            demo.create_demo(session)

"""The demo county is realistic and consistent: 17 real towns, teams, money that adds up,
projects in every state, spending only on approved projects and never above their amount."""

import pytest
from sqlalchemy import select

from app.models import Allocation, County, Expenditure, Fund, Money, Project, ProjectStatus, TeamRole, Town
from app.services import demo
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
        town_allocations = [a for a in fund.allocations if a.town_id is not None]
        county_allocation = next(a for a in fund.allocations if a.county_id == county.id)
        assert fund.total == county_allocation.amount == Money.total(a.amount for a in town_allocations)
        assert fund.total == Money.from_wan(17 * 2000)

        projects = session.scalars(select(Project).join(Town).where(Town.county_id == county.id)).all()
        assert {p.status for p in projects} == set(ProjectStatus)
        for town in towns:
            planned = Money.total(p.amount for p in projects if p.town_id == town.id)
            allocated = next(a.amount for a in town_allocations if a.town_id == town.id)
            assert planned <= allocated
        for project in projects:
            spent = Money.total(e.amount for e in project.expenditures)
            assert spent <= project.amount
            assert project.expenditures == [] or project.status.may_spend
            assert any(i.level1.value == "output" for i in project.indicators)
            assert any(i.level1.value == "benefit" for i in project.indicators)
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

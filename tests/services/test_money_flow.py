"""How the money moves, through the services: a fund issued down the levels (province → city → county,
or straight to a 省直管县), never more than a region received, with 到位 apart from 下达; region totals
that never double count (a property over random trees); the 因素法 that adds up exactly; the county's
plan with revisions that keep the signed one in force; and every refusal changing nothing."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import Allocation, AuditEvent, County, Fund, FundSource, Money, Town, User, UserRole
from app.services import database, ledger, refdata, security
from app.services.settings import PROGRESS_BASIS, set_setting
from app.services.errors import InputError
from app.services.money import factor, funds
from app.services.regions import find_region

PASSWORD = "correct horse 1"
DAY = date(2023, 3, 1)


def _people(session) -> dict[str, User]:
    admin = security.create_user(session, None, "admin", "管理员", PASSWORD, [(UserRole.admin, "44")],
                                 kdf=security.DEMO_KDF)
    people = {"admin": admin}
    for key, role, code in (("province", UserRole.province_finance, "44"), ("heyuan", UserRole.city_finance, "4416"),
                            ("heping", UserRole.county_finance, "441624"),
                            ("longchuan", UserRole.county_finance, "441622"),
                            ("guangzhou", UserRole.city_finance, "4401")):
        people[key] = security.create_user(session, admin, key, key, PASSWORD, [(role, code)], kdf=security.DEMO_KDF)
    return people


@pytest.fixture
def money(engine):
    with database.unit_of_work(engine) as session:
        people = _people(session)
        fund = funds.add_fund(session, people["province"], name="2023年省级帮镇扶村资金", year=2023, region_code="44",
                              doc_number="粤财农〔2023〕1号", issued_on=date(2023, 2, 1), deadline=date(2024, 6, 30),
                              incomes=[(FundSource.provincial, Money.from_wan(10_000), "一般债券")])
        return engine, {k: u.id for k, u in people.items()}, fund.id


def act(money, who: str, fn, *args, **kwargs):
    engine, people, _ = money
    with database.unit_of_work(engine) as session:
        return fn(session, session.get(User, people[who]), *args, **kwargs)


def refused(money, who: str, match: str, fn, *args, **kwargs) -> None:
    engine = money[0]

    def state():
        with database.unit_of_work(engine) as session:
            return (session.scalar(select(func.count()).select_from(AuditEvent)),
                    session.execute(select(Allocation.id, Allocation.amount)).all())
    before = state()
    with pytest.raises(InputError, match=match):
        act(money, who, fn, *args, **kwargs)
    assert state() == before


def test_issued_down_one_level_at_a_time(money):
    fund_id = money[2]
    to_city = act(money, "province", funds.allocate, fund_id, "4416", Money.from_wan(6000), doc_number="粤财农〔2023〕2号",
                  issued_on=DAY)
    refused(money, "heyuan", "下达资金须填写文号", funds.allocate, fund_id, "441624", Money.from_wan(1), doc_number=" ",
            issued_on=DAY)
    refused(money, "guangzhou", "需要河源市的“市级财政”角色", funds.allocate, fund_id, "441624", Money.from_wan(1),
            doc_number="穗", issued_on=DAY)
    refused(money, "province", "需要河源市的“市级财政”角色", funds.allocate, fund_id, "441624", Money.from_wan(1),
            doc_number="粤", issued_on=DAY)
    to_county = act(money, "heyuan", funds.allocate, fund_id, "441624", Money.from_wan(4000), doc_number="河财农〔2023〕8号",
                    issued_on=date(2023, 3, 10))
    assert to_county.parent_id == to_city.id
    refused(money, "heyuan", "尚可下达 2000.00 万元，本次 2000.01 万元", funds.allocate, fund_id, "441622",
            Money.from_wan("2000.01"), doc_number="河财农〔2023〕9号", issued_on=date(2023, 3, 10))
    refused(money, "heyuan", "不能早于河源市收到资金的日期", funds.allocate, fund_id, "441622", Money.from_wan(1),
            doc_number="河", issued_on=date(2023, 2, 2))
    refused(money, "province", "尚可下达 4000.00 万元", funds.allocate, fund_id, "4402", Money.from_wan(4001),
            doc_number="粤", issued_on=DAY)
    # 到位 is recorded apart from 下达, by the receiving county, never more than was issued
    refused(money, "heyuan", "需要和平县的“县级财政”角色", funds.arrive, to_county.id, Money.from_wan(1),
            arrived_on=date(2023, 3, 20), voucher_no="V")
    act(money, "heping", funds.arrive, to_county.id, Money.from_wan(3000), arrived_on=date(2023, 3, 20), voucher_no="V1")
    refused(money, "heping", "到位金额超出下达金额", funds.arrive, to_county.id, Money.from_wan(1001),
            arrived_on=date(2023, 3, 21), voucher_no="V2")
    with database.unit_of_work(money[0]) as session:
        county = find_region(session, "441624")
        assert funds.received(session, fund_id, county) == Money.from_wan(4000)
        assert funds.arrived(session, fund_id, county) == Money.from_wan(3000)
        tree = funds.allocation_tree(session, fund_id)
        assert [(n.region_name, n.amount, n.arrived) for n in tree] == [
            ("河源市", Money.from_wan(6000), Money(0)), ("和平县", Money.from_wan(4000), Money.from_wan(3000))]


def test_direct_province_county_receives_from_the_province(money):
    fund_id = money[2]
    refused(money, "province", "需要河源市的“市级财政”角色", funds.allocate, fund_id, "441622", Money.from_wan(1),
            doc_number="粤", issued_on=DAY)
    act(money, "admin", funds.set_direct_province, "441622", True)
    direct = act(money, "province", funds.allocate, fund_id, "441622", Money.from_wan(500), doc_number="粤财农〔2023〕3号",
                 issued_on=DAY)
    assert direct.parent_id is None
    with database.unit_of_work(money[0]) as session:
        assert session.scalar(select(County.direct_province).where(County.code == "441622"))
        assert funds.totals_by_region(session, fund_id, "county") == {"441622": Money.from_wan(500)}
        assert funds.totals_by_region(session, fund_id, "city") == {}


def test_towns_outside_the_programme_receive_nothing(money):
    fund_id = money[2]
    with database.unit_of_work(money[0]) as session:
        assert not session.scalar(select(Town.in_programme).where(Town.code == "441521102"))
    with pytest.raises(InputError, match="不在驻镇帮镇扶村范围内"):
        with database.unit_of_work(money[0]) as session:
            funds.issuing_region(session, session.get(Fund, fund_id), find_region(session, "441521102"))


LEVEL_CODES = {"city": ("4416", "4415"), "county": {"4416": ("441624", "441622"), "4415": ("441521", "441581")}}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(city_amounts=st.lists(st.integers(0, 5000), min_size=2, max_size=2),
       county_shares=st.lists(st.integers(0, 100), min_size=4, max_size=4))
def test_region_totals_never_double_count(tmp_path_factory, initialised_template, city_amounts, county_shares):
    """Whatever the tree, a level's total is what that level received: the city level never includes the
    counties' money again, the counties never exceed their city, and the province total is the fund's
    roots alone."""
    path = tmp_path_factory.mktemp("tree") / "t.sqlite"
    shutil.copyfile(initialised_template, path)
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            people = _people(session)
            people["shanwei"] = security.create_user(session, people["admin"], "shanwei", "shanwei", PASSWORD,
                                                     [(UserRole.city_finance, "4415")], kdf=security.DEMO_KDF)
            fund = funds.add_fund(session, people["province"], name="F", year=2023, region_code="44",
                                  doc_number="粤", issued_on=DAY, deadline=date(2023, 12, 31),
                                  incomes=[(FundSource.provincial, Money.from_wan(10_000), "")])
            issued = 0
            for city, amount, finance in zip(LEVEL_CODES["city"], city_amounts, ("heyuan", "shanwei")):
                if amount:
                    funds.allocate(session, people["province"], fund.id, city, Money.from_wan(amount), doc_number="粤",
                                   issued_on=DAY)
                    issued += amount
                for county, share in zip(LEVEL_CODES["county"][city], county_shares[:2] if city == "4416"
                                         else county_shares[2:]):
                    part = amount * share // 200  # two counties, each at most half of the city's money
                    if part:
                        funds.allocate(session, people[finance], fund.id, county, Money.from_wan(part),
                                       doc_number="市", issued_on=DAY)
            by_city = funds.totals_by_region(session, fund.id, "city")
            by_county = funds.totals_by_region(session, fund.id, "county")
            assert Money.total(by_city.values()) == Money.from_wan(issued)
            assert funds.passed_on(session, fund.id, find_region(session, "44")) == Money.from_wan(issued)
            for city in LEVEL_CODES["city"]:
                counties = Money.total(by_county.get(c, Money(0)) for c in LEVEL_CODES["county"][city])
                assert counties <= by_city.get(city, Money(0))
                assert funds.passed_on(session, fund.id, find_region(session, city)) == counties
            all_rows = Money.total(a.amount for a in session.scalars(select(Allocation).where(
                Allocation.fund_id == fund.id)))
            assert all_rows == Money.total(by_city.values()) + Money.total(by_county.values())
            session.rollback()
    finally:
        engine.dispose()


def test_factor_method_adds_up_exactly_by_largest_remainder():
    scores = {code: {"人口": Decimal(1)} for code in ("441624102", "441624100", "441624101")}
    shares = factor.split(Money.from_wan(100), scores, {"人口": Decimal(1)})
    assert sorted(shares.values()) == [Money.from_wan(33), Money.from_wan(33), Money.from_wan(34)]
    assert shares["441624100"] == Money.from_wan(34)  # a tie goes to the lowest town code
    weighted = factor.split(Money.from_wan("1000.5"), {"甲": {"面积": Decimal(3), "人口": Decimal(1)},
                                                      "乙": {"面积": Decimal(1), "人口": Decimal(3)}},
                            {"面积": Decimal(30), "人口": Decimal(70)})
    assert Money.total(weighted.values()) == Money.from_wan("1000.5")
    assert weighted == {"甲": Money.from_wan(400), "乙": Money.from_wan("600.5")}  # the half 万元 to the larger
    with pytest.raises(InputError, match="合计为 0"):
        factor.split(Money.from_wan(1), {"甲": {"四沿": Decimal(0)}}, {"四沿": Decimal(1)})


@settings(max_examples=200, deadline=None)
@given(total=st.integers(0, 10**9), values=st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_factor_split_always_adds_up(total, values):
    if not any(values):
        values[0] = 1
    scores = {f"{n:02d}": {"人口": Decimal(v)} for n, v in enumerate(values)}
    shares = factor.split(Money(total), scores, {"人口": Decimal(1)})
    assert Money.total(shares.values()) == Money(total) and min(shares.values()) >= Money(0)


def test_2021_fund_progress_runs_over_its_period(engine):
    """序时进度 of the 2021 provincial fund (issued end of September 2021, to be spent by the end of 2022):
    3 of 15 months at 2021-12-31, not 12 of 12; the calendar convention stays a county setting."""
    with database.unit_of_work(engine) as session:
        fund = session.scalar(select(Fund).where(Fund.name == refdata.FUND_2021_NAME))
        assert fund.budget_unit == "广东省农业农村厅" and fund.total == Money.from_wan(450_000)
        assert ledger.fund_progress(session, fund, date(2021, 12, 31)) == Decimal(3) / 15
        assert ledger.fund_progress(session, fund, date(2022, 12, 31)) == 1
        set_setting(session, PROGRESS_BASIS, "calendar")
        assert ledger.fund_progress(session, fund, date(2021, 12, 31)) == 1

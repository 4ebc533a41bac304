"""The money rules at their edges, on the demo county, each found by a review of the first version:
one plan per county and fund (never twice the money), lines re-checked against an amended project,
a cancelled project taken out of a revision, payments dated before the money was arranged, a 项目调整
after 验收 or changing the fund, and input that must be refused in Chinese rather than crash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.models import (FundPlan, FundSource, InvalidAmount, Money, PlanStatus, Project, ProjectStatus,
                        SupportMethod, User, UserRole)
from app.services import amendments, approval, database, demo, verify
from app.services.errors import InputError, NotFound
from app.services.money import factor, funds, payments, plans

PW = demo.DEMO_PASSWORD
COUNTY = demo.DEMO_COUNTY_CODE
P = FundSource.provincial


def _user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def _act(engine, who: str, fn, *args, **kwargs):
    with database.unit_of_work(engine) as session:
        return fn(session, _user(session, who), *args, **kwargs)


def _project(engine, status: ProjectStatus, *, paid: bool | None = None) -> tuple[int, str]:
    """The first project in `status` that may be paid before 验收 (with or without payments)."""
    with database.unit_of_work(engine) as session:
        for project in session.scalars(select(Project).where(Project.status == status,
                                                             Project.support_method != SupportMethod.build_then_subsidise)
                                       .order_by(Project.id)):
            has_paid = bool(project.expenditures)
            if paid is None or paid == has_paid:
                return project.id, project.town.name
    raise AssertionError(f"no {status} project")


def _revise(engine, lines: dict[tuple[int, FundSource], Money], decided_on: date, *, sign: bool = True) -> int:
    with database.unit_of_work(engine) as session:
        finance = _user(session, "县财政")
        fund_id = session.scalar(select(FundPlan.fund_id).where(FundPlan.status == PlanStatus.in_force))
        plan = plans.create_plan(session, finance, COUNTY, fund_id, doc_number=f"和府〔2023〕{decided_on.day}号")
        for (project_id, source), amount in lines.items():
            plans.set_line(session, finance, plan.id, project_id, source, amount)
        plan_id = plan.id
    if sign:
        _act(engine, "县财政", plans.sign_plan, plan_id, PW, decided_on=decided_on)
    return plan_id


def test_one_plan_per_county_and_fund_never_arranges_twice(demo_engine):
    reserve, _ = _project(demo_engine, ProjectStatus.approved)
    with database.unit_of_work(demo_engine) as session:
        amount = session.get(Project, reserve).amount_provincial
    _revise(demo_engine, {(reserve, P): amount}, date(2023, 9, 1))
    _revise(demo_engine, {}, date(2023, 9, 2))  # a further revision copies the line, it does not add it again
    with database.unit_of_work(demo_engine) as session:
        assert plans.arranged(session, [reserve]) == {(reserve, P): amount}
        assert [p.status for p in plans.plans(session, COUNTY)] == [PlanStatus.in_force] + [PlanStatus.superseded] * 2


def test_a_line_above_the_amended_project_blocks_the_revision(demo_engine):
    reserve, town = _project(demo_engine, ProjectStatus.approved)
    with database.unit_of_work(demo_engine) as session:
        amount = session.get(Project, reserve).amount_provincial
    plan_id = _revise(demo_engine, {(reserve, P): amount}, date(2023, 9, 1), sign=False)
    half = Money(amount.fen // 2)
    amendment = _act(demo_engine, f"{town}经办", amendments.propose, reserve, {"amount_provincial": half.fen}, "调减")
    _act(demo_engine, f"{town}书记", amendments.sign, amendment.id, UserRole.town_leader, PW)
    _act(demo_engine, f"{town}队长", amendments.sign, amendment.id, UserRole.team_leader, PW)
    _act(demo_engine, "县审核", amendments.approve, amendment.id, PW, today=date(2023, 8, 20))
    with pytest.raises(InputError, match="超出"):
        _act(demo_engine, "县财政", plans.sign_plan, plan_id, PW, decided_on=date(2023, 9, 1))


def test_a_cancelled_project_is_taken_out_of_the_next_revision(demo_engine):
    project_id, _ = _project(demo_engine, ProjectStatus.approved)
    with database.unit_of_work(demo_engine) as session:
        amount = session.get(Project, project_id).amount_provincial
    _revise(demo_engine, {(project_id, P): amount}, date(2023, 9, 1))
    _act(demo_engine, "县审核", approval.cancel, project_id, "村民代表大会否决")
    _revise(demo_engine, {(project_id, P): Money(0)}, date(2023, 9, 2))
    with database.unit_of_work(demo_engine) as session:
        assert plans.arranged(session, [project_id]) == {}
        assert verify.verify_database(session).ok


def test_payments_wait_for_the_money_to_be_arranged(demo_engine):
    """A project started before the plan reached it gets the plan's date; money a revision adds can be
    paid only from that revision's date."""
    reserve, town = _project(demo_engine, ProjectStatus.approved)
    _act(demo_engine, f"{town}经办", approval.start, reserve, date(2023, 8, 1))
    with database.unit_of_work(demo_engine) as session:
        amount = session.get(Project, reserve).amount_provincial
    _revise(demo_engine, {(reserve, P): Money(amount.fen // 2)}, date(2023, 9, 1))
    with database.unit_of_work(demo_engine) as session:
        assert session.get(Project, reserve).planned_on == date(2023, 9, 1)
    pay = dict(amount=Money.from_yuan(100), payee="甲", voucher_no="V", source=P)
    with pytest.raises(InputError, match="早于项目纳入资金安排的日期"):
        _act(demo_engine, "县财政", payments.spend, reserve, spent_on=date(2023, 8, 15), **pay)
    _revise(demo_engine, {(reserve, P): amount}, date(2023, 10, 1))
    with pytest.raises(InputError, match="后来调整增加的资金"):
        _act(demo_engine, "县财政", payments.spend, reserve, spent_on=date(2023, 9, 15),
             **pay | {"amount": Money(amount.fen // 2 + 100)})
    _act(demo_engine, "县财政", payments.spend, reserve, spent_on=date(2023, 10, 2),
         **pay | {"amount": Money(amount.fen // 2 + 100)})


def test_amendments_stop_at_completion_and_keep_the_fund(demo_engine):
    project_id, town = _project(demo_engine, ProjectStatus.in_progress, paid=True)
    with pytest.raises(InputError, match="不能改换资金"):
        _act(demo_engine, f"{town}经办", amendments.propose, project_id, {"fund": "2021年省级乡村振兴驻镇帮镇扶村资金"},
             "改换资金")
    amendment = _act(demo_engine, f"{town}经办", amendments.propose, project_id, {"location": "别处"}, "选址")
    _act(demo_engine, f"{town}书记", amendments.sign, amendment.id, UserRole.town_leader, PW)
    _act(demo_engine, f"{town}队长", amendments.sign, amendment.id, UserRole.team_leader, PW)
    _act(demo_engine, f"{town}经办", approval.complete, project_id, date(2023, 12, 20))
    with pytest.raises(InputError, match="不能办理项目调整"):
        _act(demo_engine, "县审核", amendments.approve, amendment.id, PW)


def test_bad_input_is_refused_in_chinese(demo_engine, tmp_path):
    with database.unit_of_work(demo_engine) as session:
        city_fund = funds.add_fund(session, _user(session, "市财政"), name="河源市帮扶配套资金", year=2023,
                                   region_code="4416", doc_number="河财〔2023〕1号", issued_on=date(2023, 3, 1),
                                   deadline=date(2023, 12, 31), incomes=[(FundSource.local_city, Money.from_wan(100), "")])
        fund_id = city_fund.id
    with pytest.raises(InputError, match="是河源市的资金"):
        _act(demo_engine, "省财政", funds.allocate, fund_id, "4416", Money.from_wan(1), doc_number="粤",
             issued_on=date(2023, 3, 2))
    _act(demo_engine, "市财政", funds.allocate, fund_id, "441624", Money.from_wan(100), doc_number="河",
         issued_on=date(2023, 3, 2))
    with database.unit_of_work(demo_engine) as session:
        with pytest.raises(NotFound):
            funds.find_fund(session, "²")
    with pytest.raises(InvalidAmount, match="过大"):
        Money.from_wan("1" + "0" * 20)
    book = Workbook()
    book.active.title = "因素"
    for row in (["乡镇", "人口"], ["441624100", "NaN"], ["权重", 1]):
        book.active.append(row)
    book.save(tmp_path / "w.xlsx")
    with pytest.raises(InputError, match="不是合理的非负数"):
        factor.read_weights(tmp_path / "w.xlsx")
    assert factor.split(Money.from_wan(1), {"甲": {"人口": Decimal(1)}}, {"人口": Decimal(1)}) == {
        "甲": Money.from_wan(1)}


def test_a_voucher_is_paid_and_claimed_once(demo_engine):
    project_id, town = _project(demo_engine, ProjectStatus.in_progress, paid=True)
    pay = dict(amount=Money.from_yuan(100), payee="甲", source=P, spent_on=date(2023, 12, 29))
    with database.unit_of_work(demo_engine) as session:
        used = session.get(Project, project_id).expenditures[0].voucher_no
    with pytest.raises(InputError, match=f"凭证号“{used}”已用于支出"):
        _act(demo_engine, "县财政", payments.spend, project_id, voucher_no=used, **pay)
    claim = dict(amount=Money.from_yuan(100), payee="甲", purpose="进度款", voucher_numbers="发票 7788", source=P,
                 filed_on=date(2023, 12, 29))
    _act(demo_engine, f"{town}经办", payments.file_claim, project_id, **claim)
    with pytest.raises(InputError, match="已在报账申请 \\d+ 中报过"):
        _act(demo_engine, f"{town}经办", payments.file_claim, project_id, **claim)


def test_amounts_with_misplaced_commas_are_refused():
    assert Money.from_yuan("12,345.67") == Money(1234567)
    for text in ("1,2,3.4", "12,34.5", ",100"):
        with pytest.raises(InvalidAmount, match="逗号位置不对"):
            Money.from_yuan(text)


def test_a_revision_is_not_dated_before_the_plan_it_replaces(demo_engine):
    reserve, _ = _project(demo_engine, ProjectStatus.approved)
    plan_id = _revise(demo_engine, {}, date(2023, 6, 20), sign=False)
    with pytest.raises(InputError, match="不能早于它所替代的第 1 版"):
        _act(demo_engine, "县财政", plans.sign_plan, plan_id, PW, decided_on=date(2023, 6, 20))


def test_a_county_role_is_named_with_its_county(demo_engine):
    project_id, town = _project(demo_engine, ProjectStatus.in_progress, paid=True)
    with pytest.raises(InputError, match="需要和平县的“县级财政”角色"):
        _act(demo_engine, f"{town}经办", payments.spend, project_id, amount=Money.from_yuan(1), payee="甲",
             voucher_no="V-x", source=P, spent_on=date(2023, 12, 29))


def test_an_asset_is_worth_what_the_ledger_paid_for_it(demo_engine):
    """Payments after 验收 (the 尾款) count in the register, not only what was paid by the handover."""
    from app.services.money import assets
    from app.services.projects import net_spent

    with database.unit_of_work(demo_engine) as session:
        lines = assets.asset_lines(session, COUNTY)
        assert lines and all(line.value >= net_spent(session, line.project_id) for line in lines)
        assert sum(1 for line in lines if line.value.fen > 0) == len(lines)

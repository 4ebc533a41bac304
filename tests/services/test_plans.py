"""The county's 资金安排 on the demo county: a revision is drafted while the signed plan stays in force
and payable, may not arrange less than is paid, replaces the old one when signed (a project it leaves
out returns to the library's reserve); and `verify` catches a plan changed behind its signature."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import FundPlan, FundSource, Money, PlanStatus, Project, ProjectStatus, SupportMethod, User
from app.services import database, demo, verify
from app.services.errors import InputError
from app.services.money import payments, plans

COUNTY = demo.DEMO_COUNTY_CODE


def _user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def _payable(session, plan: FundPlan):
    """A line of the plan whose project may be paid now, and how much of it is paid."""
    paid = plans.paid(session, [l.project_id for l in plan.lines])
    line = next(l for l in plan.lines if paid.get((l.project_id, l.source))
                and session.get(Project, l.project_id).support_method is not SupportMethod.build_then_subsidise
                and session.get(Project, l.project_id).status is ProjectStatus.in_progress)
    return line, paid[(line.project_id, line.source)]


def _claim(session, project_id: int, source: FundSource):
    officer = _user(session, session.get(Project, project_id).town.name + "经办")
    return payments.file_claim(session, officer, project_id, amount=Money.from_yuan(100), source=source, payee="甲",
                               purpose="进度款", voucher_numbers="发票 9", filed_on=date(2023, 9, 5))


def test_revision_keeps_the_signed_plan_in_force_until_signed(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        finance = _user(session, "县财政")
        plan = session.scalar(select(FundPlan).where(FundPlan.status == PlanStatus.in_force))
        paid_line, paid = _payable(session, plan)
        reserve = session.scalar(select(Project).where(Project.status == ProjectStatus.approved))
        revision = plans.create_plan(session, finance, COUNTY, plan.fund_id, doc_number="和府〔2023〕40号")
        assert revision.revision == 2 and len(revision.lines) == len(plan.lines)
        with pytest.raises(InputError, match="安排金额不能低于已支付金额"):
            plans.set_line(session, finance, revision.id, paid_line.project_id, paid_line.source, paid - Money(1))
        with pytest.raises(InputError, match="已签发，不能再修改"):
            plans.set_line(session, finance, plan.id, reserve.id, FundSource.provincial, Money.from_wan(1))
        with pytest.raises(InputError, match="已有草拟中的"):
            plans.create_plan(session, finance, COUNTY, plan.fund_id)
        plans.set_line(session, finance, revision.id, reserve.id, FundSource.provincial, reserve.amount_provincial)
        reserve_id, revision_id = reserve.id, revision.id
    # while the revision is a draft the signed plan is what counts: paid_line's project stays payable,
    # the reserve project is not payable yet
    with database.unit_of_work(demo_engine) as session:
        _claim(session, paid_line.project_id, paid_line.source)
        with pytest.raises(InputError, match="纳入县级资金安排后才能报账"):
            _claim(session, reserve_id, FundSource.provincial)
        session.rollback()
    with database.unit_of_work(demo_engine) as session:
        plans.sign_plan(session, _user(session, "县财政"), revision_id, demo.DEMO_PASSWORD,
                        decided_on=date(2023, 9, 1))
    with database.unit_of_work(demo_engine) as session:
        assert session.get(FundPlan, plan.id).status is PlanStatus.superseded
        assert session.get(Project, reserve_id).status is ProjectStatus.planned
        assert session.get(Project, reserve_id).planned_on == date(2023, 9, 1)
        _claim(session, reserve_id, FundSource.provincial)
        session.rollback()
    # a third revision leaves the (unpaid) project out again: back in the library's reserve
    with database.unit_of_work(demo_engine) as session:
        finance = _user(session, "县财政")
        third = plans.create_plan(session, finance, COUNTY, plan.fund_id, doc_number="和府〔2023〕41号")
        plans.set_line(session, finance, third.id, reserve_id, FundSource.provincial, Money(0))
        plans.sign_plan(session, finance, third.id, demo.DEMO_PASSWORD, decided_on=date(2023, 9, 2))
    with database.unit_of_work(demo_engine) as session:
        project = session.get(Project, reserve_id)
        assert project.status is ProjectStatus.approved and project.planned_on is None
        assert plans.arranged(session, [reserve_id]) == {}
        assert [p.status for p in plans.plans(session, COUNTY)] == [PlanStatus.in_force, PlanStatus.superseded,
                                                                     PlanStatus.superseded]
        assert verify.verify_database(session).ok


def test_plan_changed_behind_its_signature_is_caught(demo_path):
    with sqlite3.connect(demo_path) as conn:
        conn.execute("UPDATE plan_line SET amount = amount + 100 WHERE id = (SELECT min(id) FROM plan_line)")
    report = _verify(demo_path)
    assert any("签发后资金安排的内容被改动" in p.message for p in report.problems)


def test_plan_forged_into_force_is_caught(demo_path):
    with sqlite3.connect(demo_path) as conn:
        conn.execute("INSERT INTO fund_plan (uuid, version, created_at, updated_at, region_code, fund_id, year, "
                     "revision, status, doc_number, note, signature, content_json) SELECT 'forged', 1, created_at, "
                     "updated_at, region_code, fund_id, year, 9, 'in_force', '伪', '', '', '' FROM fund_plan LIMIT 1")
    report = _verify(demo_path)
    assert "状态为“已签发”，但没有签发人的有效签名。" in [p.message for p in report.problems]
    assert any("签名记录" in p.message for p in report.problems)  # and the plan's row is not what was signed


def _verify(path) -> verify.VerifyReport:
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            return verify.verify_database(session)
    finally:
        engine.dispose()


def test_many_lines_at_once_are_one_event_with_the_same_checks(demo_engine):
    """`set_lines` (the plan dialog's 保存, a county's whole library): set_line's checks on each line,
    nothing written when one fails, and one plan_edited event naming only the lines that changed."""
    from app.models import AuditEvent
    with database.unit_of_work(demo_engine) as session:
        finance = _user(session, "县财政")
        plan = session.scalar(select(FundPlan).where(FundPlan.status == PlanStatus.in_force))
        paid_line, paid = _payable(session, plan)
        revision = plans.create_plan(session, finance, COUNTY, plan.fund_id, doc_number="和府〔2023〕41号")
        unchanged = [(l.project_id, l.source, l.amount) for l in revision.lines]
        reserve = session.scalars(select(Project).where(Project.status == ProjectStatus.approved)).all()[:2]
        revision_id = revision.id
    for bad, message in (((paid_line.project_id, paid_line.source, paid - Money(1)), "不能低于已支付金额"),
                         ((reserve[0].id, FundSource.provincial, reserve[0].amount_provincial + Money(1)), "不能超出")):
        with pytest.raises(InputError, match=message):
            with database.unit_of_work(demo_engine) as session:
                plans.set_lines(session, _user(session, "县财政"), revision_id, [*unchanged, bad])
    with database.unit_of_work(demo_engine) as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        added = [(p.id, FundSource.provincial, p.amount_provincial) for p in
                 session.scalars(select(Project).where(Project.id.in_([p.id for p in reserve])))]
        plans.set_lines(session, _user(session, "县财政"), revision_id, [*unchanged, *added])
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert last.action == "plan_edited" and len(json.loads(last.after_json)["lines"]) == 2
        assert len(plans.get_plan(session, revision_id).lines) == len(unchanged) + 2
        plans.set_lines(session, _user(session, "县财政"), revision_id, [*unchanged, *added])  # nothing changes
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1

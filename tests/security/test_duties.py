"""Separation of duties: whoever drafted or signed a project neither approves, arranges money for nor pays
it, even holding several roles; the county may relax that (a signed setting), the act then says so, and
`verify` replays the rule from the signed history, so flipping the setting by hand for one payment shows."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AuditEvent, ClaimStatus, FundSource, Money, Project, ProjectStatus, User, UserRole
from app.services import database, security, settings, verify
from app.services.errors import InputError
from app.services.money import payments, plans

S = ProjectStatus


def _signed_and_finance(session) -> tuple[Project, object]:
    """A 大坝镇 project being paid, and its town leader (who signed it) given 县级财政 too."""
    project = session.scalar(select(Project).join(Project.town).where(
        Project.status == S.in_progress, Project.town.has(name="大坝镇")).order_by(Project.id))
    leader = security.find_user(session, "大坝镇书记")
    assert any(s.user_id == leader.id for s in project.signatures)
    security.grant_role(session, security.find_user(session, "admin"), leader, UserRole.county_finance, "441624")
    return project, leader


def _source(session, project: Project) -> FundSource:
    return next(source for (pid, source), amount in plans.arranged(session, [project.id]).items() if amount)


def _verify(engine) -> verify.VerifyReport:
    with database.unit_of_work(engine) as session:
        return verify.verify_database(session)


def test_a_signer_with_a_finance_role_may_not_pay_until_the_county_relaxes_the_rule(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        project, leader = _signed_and_finance(session)
        project_id, leader_id = project.id, leader.id
    with pytest.raises(InputError, match="职责分离"):
        with database.unit_of_work(demo_engine) as session:
            project = session.get(Project, project_id)
            payments.spend(session, security.find_user(session, "大坝镇书记"), project_id, spent_on=date.today(),
                           amount=Money(100), payee="某施工队", voucher_no="DUTY-1", source=_source(session, project))
    with database.unit_of_work(demo_engine) as session:
        settings.change_setting(session, security.find_user(session, "admin"), settings.DUTY_SEPARATION, "允许兼任（人手极少的单位）")
    with database.unit_of_work(demo_engine) as session:
        project = session.get(Project, project_id)
        payment = payments.spend(session, security.find_user(session, "大坝镇书记"), project_id, spent_on=date.today(),
                                 amount=Money(100), payee="某施工队", voucher_no="DUTY-1", source=_source(session, project))
        event = session.scalar(select(AuditEvent).where(AuditEvent.entity_uuid == payment.uuid))
        assert '"duty_relaxed":true' in event.after_json and event.user_id == leader_id
    assert _verify(demo_engine).ok


def test_the_claims_filer_may_not_pay_it_and_a_drafter_may_not_arrange_it(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        claim = payments.claims(session, "441624", (ClaimStatus.filed,))[0]
        filer = session.get(User, claim.filed_by_id)
        assert session.get(Project, claim.project_id).drafted_by_id == filer.id
        security.grant_role(session, security.find_user(session, "admin"), filer, UserRole.county_finance, "441624")
        claim_id, project_id = claim.id, claim.project_id
    with pytest.raises(InputError, match="职责分离"):
        with database.unit_of_work(demo_engine) as session:
            payments.pay_claim(session, security.find_user(session, filer.username), claim_id, spent_on=date.today(),
                               voucher_no="DUTY-2")
    with pytest.raises(InputError, match="职责分离"):
        with database.unit_of_work(demo_engine) as session:
            project = session.get(Project, project_id)
            officer = security.find_user(session, filer.username)
            draft = plans.create_plan(session, officer, "441624", project.fund_id, doc_number="和府〔2024〕9号")
            plans.set_line(session, officer, draft.id, project_id, _source(session, project), Money(100))
    assert _verify(demo_engine).ok


def test_setting_relaxed_by_hand_for_one_payment_is_caught(demo_engine, demo_path):
    with database.unit_of_work(demo_engine) as session:
        project, _ = _signed_and_finance(session)
        project_id = project.id
    with sqlite3.connect(demo_path) as conn:
        conn.execute("INSERT INTO setting (key, value) VALUES ('duty_separation', 'relaxed')")
    with database.unit_of_work(demo_engine) as session:
        project = session.get(Project, project_id)
        payments.spend(session, security.find_user(session, "大坝镇书记"), project_id, spent_on=date.today(),
                       amount=Money(100), payee="某施工队", voucher_no="DUTY-3", source=_source(session, project))
    with sqlite3.connect(demo_path) as conn:
        conn.execute("DELETE FROM setting WHERE key = 'duty_separation'")
    report = _verify(demo_engine)
    assert not report.ok
    assert any("支付了自己起草或签署的项目的资金，而当时本县设置不允许兼任" in p.message for p in report.problems), report.problems

"""项目调整 on the demo county: the approved version stays in force and payable while the proposal is
signed and approved; then it replaces it, keeping status, 审定 date and payments; amounts may not fall
below what is paid or arranged; a returned or withdrawn proposal changes nothing; `verify` passes
throughout and catches a pending proposal altered behind its signatures."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from app.models import (AmendmentStatus, Expenditure, FundSource, Money, Project, ProjectAmendment, ProjectStatus, SupportMethod,
                        User, UserRole)
from app.services import amendments, approval, database, demo, verify
from app.services.content import project_content
from app.services.errors import InputError
from app.services.money import payments, plans

PW = demo.DEMO_PASSWORD


def _user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def _running_project(session) -> Project:
    """A project under way, paid in part, that may be paid before 验收."""
    return session.scalar(select(Project).where(
        Project.status == ProjectStatus.in_progress, Project.support_method != SupportMethod.build_then_subsidise,
        Project.id.in_(select(Expenditure.project_id))).order_by(Project.id))


def _people(project: Project) -> dict[str, str]:
    town = project.town.name
    return {"officer": f"{town}经办", "leader": f"{town}书记", "team": f"{town}队长"}


def _act(engine, who: str, fn, *args, **kwargs):
    with database.unit_of_work(engine) as session:
        return fn(session, _user(session, who), *args, **kwargs)


def _verify_ok(engine) -> None:
    with database.unit_of_work(engine) as session:
        report = verify.verify_database(session)
        assert report.ok, report.problems[:3]


def test_the_approved_version_stays_in_force_until_the_change_is_approved(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        project = _running_project(session)
        pid, people, approved_on, status = project.id, _people(project), project.approved_on, project.status
        before = project_content(session, pid)
        version = project.content_version
    amendment = _act(demo_engine, people["officer"], amendments.propose, pid,
                     {"location": "调整后的建设地点", "content": "按设计变更调整建设内容。"}, "设计变更")
    for who, role in ((people["leader"], UserRole.town_leader), (people["team"], UserRole.team_leader)):
        _act(demo_engine, who, amendments.sign, amendment.id, role, PW)
        _verify_ok(demo_engine)
        with database.unit_of_work(demo_engine) as session:  # nothing of the project has changed yet
            project = session.get(Project, pid)
            assert project_content(session, pid) == before and project.content_version == version
            assert len(approval.current_signatures(project)) == 3
            payments.file_claim(session, _user(session, people["officer"]), pid, amount=Money.from_yuan(1),
                                source=FundSource.provincial, payee="甲", purpose="进度款", voucher_numbers="发票",
                                filed_on=date(2023, 12, 1))  # still payable
            session.rollback()
    project = _act(demo_engine, "县审核", amendments.approve, amendment.id, PW, today=date(2023, 12, 1))
    with database.unit_of_work(demo_engine) as session:
        project = session.get(Project, pid)
        content = project_content(session, pid)
        assert content["location"] == "调整后的建设地点" and content["name"] == before["name"]
        assert project.content_version == version + 1 and project.status is status
        assert project.approved_on == approved_on  # the 审定 date and history are kept
        signatures = approval.current_signatures(project)
        assert {s.role for s in signatures} == {UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer}
        assert all(s.content_version == version + 1 for s in signatures)
        assert session.get(ProjectAmendment, amendment.id).status is AmendmentStatus.approved
        assert any(s.void_reason.startswith("项目调整生效") for s in project.signatures)
    _verify_ok(demo_engine)


def test_money_may_not_fall_below_paid_or_arranged(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        project = _running_project(session)
        pid, officer = project.id, _people(project)["officer"]
        paid = plans.paid(session, [pid])[(pid, FundSource.provincial)]
        arranged = plans.arranged(session, [pid])[(pid, FundSource.provincial)]
    with pytest.raises(InputError, match="低于已支付"):
        _act(demo_engine, officer, amendments.propose, pid, {"amount_provincial": (paid - Money(1)).fen}, "调减")
    if arranged > paid:
        with pytest.raises(InputError, match="低于资金安排已安排的"):
            _act(demo_engine, officer, amendments.propose, pid, {"amount_provincial": paid.fen}, "调减")
    with pytest.raises(InputError, match="必须填写调整原因"):
        _act(demo_engine, officer, amendments.propose, pid, {"location": "别处"}, " ")
    with pytest.raises(InputError, match="请办理项目调整"):
        _act(demo_engine, officer, approval.edit_project, pid, {"location": "别处"})


def test_returned_or_withdrawn_changes_nothing(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        project = session.scalar(select(Project).where(Project.status == ProjectStatus.approved))
        pid, people, before = project.id, _people(project), project_content(session, project.id)
    first = _act(demo_engine, people["officer"], amendments.propose, pid, {"location": "甲地"}, "选址调整")
    with pytest.raises(InputError, match="已有一项未办结的项目调整"):
        _act(demo_engine, people["officer"], amendments.propose, pid, {"location": "乙地"}, "再调")
    _act(demo_engine, people["leader"], amendments.sign, first.id, UserRole.town_leader, PW)
    _act(demo_engine, people["team"], amendments.sign, first.id, UserRole.team_leader, PW)
    with pytest.raises(InputError, match="您曾在本项目调整上签字"):
        with database.unit_of_work(demo_engine) as session:
            approver = _user(session, people["leader"])
            approver.grants[0].role = UserRole.county_reviewer  # a signer who also reviews (never saved)
            amendments.approve(session, approver, first.id, PW)
    _act(demo_engine, "县审核", amendments.return_amendment, first.id, "选址未经村民代表会议")
    _act(demo_engine, people["officer"], amendments.withdraw, first.id)
    second = _act(demo_engine, people["officer"], amendments.propose, pid, {"location": "乙地"}, "再调")
    _act(demo_engine, people["officer"], amendments.withdraw, second.id)
    with database.unit_of_work(demo_engine) as session:
        assert project_content(session, pid) == before
        assert session.get(ProjectAmendment, first.id).status is AmendmentStatus.withdrawn
    _verify_ok(demo_engine)


def test_pending_proposal_altered_behind_its_signatures_is_caught(demo_engine, demo_path):
    with database.unit_of_work(demo_engine) as session:
        project = session.scalar(select(Project).where(Project.status == ProjectStatus.approved))
        pid, people = project.id, _people(project)
    amendment = _act(demo_engine, people["officer"], amendments.propose, pid, {"location": "甲地"}, "选址调整")
    _act(demo_engine, people["leader"], amendments.sign, amendment.id, UserRole.town_leader, PW)
    _verify_ok(demo_engine)
    with sqlite3.connect(demo_path) as conn:
        conn.execute("UPDATE project_amendment SET content_json = replace(content_json, '甲地', '丙地')")
    with database.unit_of_work(demo_engine) as session:
        problems = verify.verify_database(session).problems
    assert [p.message for p in problems if "签名记录不符" not in p.message] == ["“乡镇主要负责人”的签名与项目调整的内容不符。"]
    assert any("项目调整记录与最后一次签名记录不符：改动了 content_json" in p.message for p in problems)

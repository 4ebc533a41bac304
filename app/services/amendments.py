"""项目调整: changing a project already in the library (approved, arranged or under way).

The town drafts the new content as a proposal; the approved content stays in force, and payable,
while the proposal is 双签 and 审定 like a new project. When the county approves it, it replaces the
project's content (one version up): the old signatures are voided as history, the proposal's become
the project's, and the status, the 审定 date and everything paid stay. No amount may fall below what
is already paid, nor below what the county's 资金安排 arranges (lower the plan first). A returned or
withdrawn proposal changes nothing.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (AMOUNT_COLUMNS, AmendmentStatus, Money, Project, ProjectAmendment, ProjectSignature,
                        ProjectStatus, User, UserRole)
from app.models.types import utcnow
from app.services import approval, audit, publicity, rules, security, text
from app.services.content import project_content
from app.services.content_text import FieldChange, diff, exact_wan
from app.services.drafting import apply_content
from app.services.errors import InputError, NotFound
from app.services.money.plans import arranged, paid
from app.services.projects import get_project
from app.services.security import Action

A = AmendmentStatus
S = ProjectStatus
AMENDABLE = {S.approved, S.planned, S.in_progress}
OPEN = {A.draft, A.signed_once, A.double_signed}


def get_amendment(session: Session, amendment_id: int) -> ProjectAmendment:
    amendment = session.get(ProjectAmendment, amendment_id)
    if amendment is None:
        raise NotFound(f"项目调整（编号 {amendment_id}）不存在。", f"no amendment {amendment_id}")
    return amendment


def open_amendment(session: Session, project_id: int) -> ProjectAmendment | None:
    return session.scalar(select(ProjectAmendment).where(ProjectAmendment.project_id == project_id,
                                                         ProjectAmendment.status.in_(OPEN | {A.returned})))


def proposed_content(amendment: ProjectAmendment) -> dict[str, Any]:
    return json.loads(amendment.content_json)


def _money_floor(session: Session, project: Project, content: dict[str, Any]) -> None:
    """No source may fall below what is paid from it, nor below what the plan in force arranges; the
    whole not below everything paid; and the fund stays while money is arranged or paid."""
    done = paid(session, [project.id])
    planned = arranged(session, [project.id])
    if content.get("fund") != project_content(session, project.id).get("fund") and (planned or any(done.values())):
        raise InputError("该项目已纳入资金安排或已有支付，不能改换资金。如确需改换，请先由县里在资金安排中移出。",
                         "fund change of an arranged project")
    total = Money(sum(content.get(column) or 0 for column in AMOUNT_COLUMNS.values()))
    if total < Money.total(done.values()):
        raise InputError(f"调整后项目合计 {exact_wan(total)} 万元，低于已支付的 {exact_wan(Money.total(done.values()))} "
                         "万元（各来源支付扣除红字冲销后）。", "amendment below paid")
    for source, column in AMOUNT_COLUMNS.items():
        amount = Money(content.get(column) or 0)
        spent = done.get((project.id, source), Money(0))
        if amount < spent:
            raise InputError(f"{source.label}调整为 {exact_wan(amount)} 万元，低于已支付的 {exact_wan(spent)} 万元"
                             "（该来源的支付扣除红字冲销后）。", "amendment below paid")
        arranged_now = planned.get((project.id, source), Money(0))
        if amount < arranged_now:
            raise InputError(f"{source.label}调整为 {exact_wan(amount)} 万元，低于资金安排已安排的 "
                             f"{exact_wan(arranged_now)} 万元。请先由县里调整资金安排。", "amendment below plan")


def propose(session: Session, user: User, project_id: int, changes: dict[str, Any], reason: str) -> ProjectAmendment:
    """The town drafts a change of an approved project; the project itself is not touched."""
    project = get_project(session, project_id)
    security.require(session, user, Action.edit_project, project.town.code)
    _expect_amendable(project)
    if open_amendment(session, project.id) is not None:
        raise InputError(f"项目“{project.name}”已有一项未办结的项目调整，请先办结或撤回。", "amendment open")
    reason = text.line(reason, "调整原因", ProjectAmendment.reason)
    if not reason:
        raise InputError("项目调整必须填写调整原因。", "amendment without reason")
    before = project_content(session, project.id)
    if "town" in changes and str(changes["town"]) != before["town"]:
        raise InputError("项目所属乡镇不能调整。", "town change")
    savepoint = session.begin_nested()  # apply, read the result, and put the project back as it was
    try:
        apply_content(session, project, changes)
        after = project_content(session, project.id)
    finally:
        savepoint.rollback()
    if not diff(before, after):
        raise InputError("调整内容与现行内容相同，无需调整。", "empty amendment")
    rules.raise_if_blocked(rules.check(session, after, rules.Stage.save))
    _money_floor(session, project, after)
    amendment = ProjectAmendment(project_id=project.id, base_version=project.content_version,
                                 content_json=audit.canonical_json(after), status=A.draft, reason=reason,
                                 drafted_by_id=user.id)
    session.add(amendment)
    session.flush()
    audit.record(session, user, "amendment_proposed", "amendment", amendment.uuid, reason=reason,
                 before={c.field: before.get(c.field) for c in diff(before, after)},
                 after={c.field: after.get(c.field) for c in diff(before, after)} | {"project": project.uuid})
    return amendment


def changes(session: Session, amendment: ProjectAmendment) -> list[FieldChange]:
    """What the proposal changes against the content in force."""
    return diff(project_content(session, amendment.project_id), proposed_content(amendment))


def _signatures(amendment: ProjectAmendment) -> list[ProjectSignature]:
    return [s for s in amendment.project.signatures if s.amendment_id == amendment.id and s.voided_at is None]


def _expect(amendment: ProjectAmendment, allowed: set[AmendmentStatus], doing: str) -> None:
    if amendment.status not in allowed:
        raise InputError(f"该项目调整{amendment.status.label}，不能{doing}。", f"{doing}: amendment {amendment.status}")


def _expect_amendable(project: Project) -> None:
    if project.status not in AMENDABLE:
        raise InputError(f"项目“{project.name}”当前状态为“{project.status.label}”，不能办理项目调整"
                         "（审定前请直接修改；已完工、已验收、已终止的项目不能调整）。", "not amendable")


def _expect_base(amendment: ProjectAmendment) -> None:
    if amendment.base_version != amendment.project.content_version:
        raise InputError("项目在调整期间已有其他变更，本调整已过时，请撤回后重新起草。", "stale amendment")


def sign(session: Session, user: User, amendment_id: int, role: UserRole, password: str) -> ProjectAmendment:
    """双签 of the proposal, by the town's 主要负责人 and the work-team leader."""
    amendment = get_amendment(session, amendment_id)
    project = amendment.project
    approval.check_signer(session, user, role, project.town.code)
    _expect(amendment, {A.draft, A.signed_once}, "签字")
    _expect_base(amendment)
    _expect_amendable(project)
    approval.check_second_signer(session, user, role, _signatures(amendment), amendment.drafted_by_id, "本项目调整")
    content = proposed_content(amendment)
    rules.raise_if_blocked(rules.check(session, content, rules.Stage.sign))
    signed_before = bool(_signatures(amendment))
    approval.add_signature(session, user, project, role, password, content, version=amendment.base_version + 1,
                           amendment_id=amendment.id)
    amendment.status = A.double_signed if signed_before else A.signed_once
    audit.record(session, user, "amendment_signed", "amendment", amendment.uuid, reason=role.label,
                 after={"status": amendment.status.value})
    return amendment


def approve(session: Session, user: User, amendment_id: int, password: str, today: date | None = None) -> Project:
    """县级审定 of the proposal: it becomes the project's content; status, 审定 date and payments stay."""
    today = today or date.today()
    amendment = get_amendment(session, amendment_id)
    project = amendment.project
    security.require(session, user, Action.approve_project, project.town.code)
    _expect(amendment, {A.double_signed}, "审定（须先完成双签）")
    _expect_base(amendment)
    _expect_amendable(project)
    if any(s.user_id == user.id and s.role in approval.SIGNING_ROLES for s in _signatures(amendment)):
        raise InputError("您曾在本项目调整上签字，不能再审定，请由其他审核人员审定。", "reviewer signed")
    content = proposed_content(amendment)
    rules.raise_if_blocked(rules.check(session, content, rules.Stage.approve, today=today,
                                       publicity=publicity.starts(session, project)))
    _money_floor(session, project, content)
    before = project_content(session, project.id)
    approval.add_signature(session, user, project, UserRole.county_reviewer, password, content,
                           version=amendment.base_version + 1, amendment_id=amendment.id)
    now = utcnow()
    for signature in approval.current_signatures(project):
        signature.voided_at, signature.void_reason = now, f"项目调整生效（第 {amendment.base_version + 1} 版）"
    apply_content(session, project, content)
    project.content_version = amendment.base_version + 1
    session.flush()
    if project_content(session, project.id) != content:
        raise InputError("项目调整无法按签字内容生效（引用的资金、任务或村已变化），请撤回后重新起草。", "content drift")
    for signature in _signatures(amendment):
        signature.amendment_id = None  # now the project's own signatures, on its new version
    amendment.status, amendment.decided_on = A.approved, today
    changed = diff(before, content)
    audit.record(session, user, "project_amended", "project", project.uuid, reason=amendment.reason,
                 before={c.field: before.get(c.field) for c in changed},
                 after={c.field: content.get(c.field) for c in changed} | {"content_version": project.content_version,
                                                                            "amendment": amendment.uuid})
    audit.record(session, user, "amendment_approved", "amendment", amendment.uuid, after={"status": A.approved.value})
    return project


def return_amendment(session: Session, user: User, amendment_id: int, reason: str) -> ProjectAmendment:
    amendment = get_amendment(session, amendment_id)
    security.require(session, user, Action.return_project, amendment.project.town.code)
    _expect(amendment, {A.double_signed}, "退回")
    reason = text.line(reason, "退回原因", ProjectAmendment.status_reason)
    if not reason:
        raise InputError("退回项目调整必须填写原因。", "return without reason")
    _close(amendment, A.returned, f"县级退回：{reason}")
    amendment.status_reason = reason
    audit.record(session, user, "amendment_returned", "amendment", amendment.uuid, reason=reason,
                 after={"status": A.returned.value})
    return amendment


def withdraw(session: Session, user: User, amendment_id: int) -> ProjectAmendment:
    """The town takes back its proposal (before 审定, or after it was returned)."""
    amendment = get_amendment(session, amendment_id)
    security.require(session, user, Action.edit_project, amendment.project.town.code)
    _expect(amendment, OPEN | {A.returned}, "撤回")
    _close(amendment, A.withdrawn, "项目调整已撤回")
    audit.record(session, user, "amendment_withdrawn", "amendment", amendment.uuid, after={"status": A.withdrawn.value})
    return amendment


def _close(amendment: ProjectAmendment, status: AmendmentStatus, reason: str) -> None:
    now = utcnow()
    for signature in _signatures(amendment):
        signature.voided_at, signature.void_reason = now, reason
    amendment.status = status

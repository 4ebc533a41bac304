"""`verify`: does the database still say what its signers signed?

For every project: each current signature must be made by the key of the user it names, over the
project's *current* content and content version, in the role it claims; and the project's status
must carry the signatures that status needs (双签 for 已双签, plus the county's 审定 from 已审定入库 on).
Every 资金安排 in force carries its decider's signature over its current lines. Every signing key
must have been registered through the audit log, and the audit chain must be whole.
A hand edit of the SQLite file (an amount, a status, a signature row, an audit row) shows up here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (AmendmentStatus, AuditEvent, FundPlan, PlanStatus, Project, ProjectAmendment, ProjectSignature,
                        ProjectStatus, Town, User, UserKey, UserRole)
from app.services import audit
from app.services.approval import signed_payload
from app.services.content import project_contents
from app.services.money import plans
from app.services.security import signature_valid

S = ProjectStatus
TOWN_SIGNERS = {UserRole.town_leader, UserRole.team_leader}
NEEDED = {S.draft: set(), S.returned: set(), S.signed_once: None, S.double_signed: TOWN_SIGNERS,
          S.approved: TOWN_SIGNERS | {UserRole.county_reviewer}}
for _later in (S.planned, S.in_progress, S.completed, S.accepted):
    NEEDED[_later] = NEEDED[S.approved]
BATCH = 2000

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Problem:
    project_id: int | None
    where: str     # project name (town) or user
    message: str


@dataclass
class VerifyReport:
    projects: int = 0
    signatures: int = 0
    problems: list[Problem] = field(default_factory=list)
    chain: audit.ChainReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.chain is not None and self.chain.ok


def verify_database(session: Session, progress: Progress | None = None) -> VerifyReport:
    report = VerifyReport()
    users = dict(session.execute(select(User.id, User.uuid)).all())
    names = dict(session.execute(select(User.id, User.display_name)).all())
    keys = {key_id: (user_id, public_key)
            for key_id, user_id, public_key in session.execute(select(UserKey.id, UserKey.user_id, UserKey.public_key))}
    trusted = _check_keys(session, keys, users, names, report)
    signatures: dict[int, list] = defaultdict(list)
    for row in session.execute(select(ProjectSignature.project_id, ProjectSignature.user_id, ProjectSignature.key_id,
                                      ProjectSignature.role, ProjectSignature.content_version,
                                      ProjectSignature.signature).where(ProjectSignature.voided_at.is_(None),
                                                                        ProjectSignature.amendment_id.is_(None))):
        signatures[row.project_id].append(row)
    _check_amendments(session, users, keys, trusted, report)
    _check_voided(session, users, keys, report)
    audited = _audited_status(session)
    projects = session.execute(select(Project.id, Project.name, Town.name, Project.status, Project.content_version,
                                      Project.uuid)
                               .join(Town, Town.id == Project.town_id).order_by(Project.id)).all()
    total = len(projects)
    for start in range(0, total, BATCH):
        batch = projects[start:start + BATCH]
        contents = project_contents(session, [p[0] for p in batch])
        for project_id, name, town, status, content_version, uuid in batch:
            where = f"{name}（{town}）"
            found = signatures.get(project_id, [])
            report.signatures += len(found)
            logged = audited.get(uuid, S.draft.value)
            if logged != status.value:
                report.problems.append(Problem(project_id, where, f"状态“{status.label}”与审计记录中的最后状态"
                                               f"“{S(logged).label}”不符（状态被人为改动）。"))
            for message in _check_project(contents[project_id], status, content_version, found, users, keys,
                                          trusted):
                report.problems.append(Problem(project_id, where, message))
        report.projects += len(batch)
        if progress is not None:
            progress(report.projects, total, "签名")
    _check_plans(session, users, keys, trusted, report)
    report.chain = audit.verify_chain(session)
    return report


def _check_amendments(session: Session, users: dict, keys: dict, trusted: set[int], report: VerifyReport) -> None:
    """A pending 项目调整's signatures cover its proposed content at the version it would become, and its
    status matches them (the content in force is checked with the project)."""
    rows = session.execute(
        select(ProjectAmendment.id, ProjectAmendment.project_id, ProjectAmendment.status, ProjectAmendment.base_version,
               ProjectAmendment.content_json, Project.name)
        .join(Project, Project.id == ProjectAmendment.project_id)
        .where(ProjectAmendment.status.in_([AmendmentStatus.signed_once, AmendmentStatus.double_signed]))).all()
    for amendment_id, project_id, status, base_version, content_json, name in rows:
        where = f"{name}（项目调整）"
        found = session.execute(select(ProjectSignature.user_id, ProjectSignature.key_id, ProjectSignature.role,
                                       ProjectSignature.content_version, ProjectSignature.signature)
                                .where(ProjectSignature.amendment_id == amendment_id,
                                       ProjectSignature.voided_at.is_(None))).all()
        content = json.loads(content_json)
        for user_id, key_id, role, version, signature in found:
            key = keys.get(key_id)
            if (key is None or key[0] != user_id or key_id not in trusted or version != base_version + 1
                    or not signature_valid(key[1], signed_payload(content, version, role, users[user_id]), signature)):
                report.problems.append(Problem(project_id, where, f"“{role.label}”的签名与项目调整的内容不符。"))
        if len({role for _, _, role, _, _ in found} & TOWN_SIGNERS) != {AmendmentStatus.signed_once: 1,
                                                                         AmendmentStatus.double_signed: 2}[status]:
            report.problems.append(Problem(project_id, where, f"状态为“{status.label}”，但有效签名为 {len(found)} 个。"))


def _check_plans(session: Session, users: dict, keys: dict, trusted: set[int], report: VerifyReport) -> None:
    """A 资金安排 in force (or superseded) carries its decider's signature over what it says now: a line
    edited, added or removed after signing, a forged status or a foreign key all show."""
    for plan in session.scalars(select(FundPlan).order_by(FundPlan.id)):
        where = f"资金安排 {plan.region_code} {plan.year} 年第 {plan.revision} 版"
        if plan.status is PlanStatus.draft:
            continue
        key = keys.get(plan.key_id)
        if plan.signed_by_id is None or plan.signed_role is None or key is None or key[0] != plan.signed_by_id:
            report.problems.append(Problem(None, where, f"状态为“{plan.status.label}”，但没有签发人的有效签名。"))
        elif plan.key_id not in trusted:
            report.problems.append(Problem(None, where, "签发所用密钥未经本程序为签发人登记（不在审计记录中）。"))
        elif not signature_valid(key[1], plans.plan_signature_payload(plan, users[plan.signed_by_id]),
                                 plan.signature):
            report.problems.append(Problem(None, where, "签名与签发时的内容不符（签名记录被改动或伪造）。"))
        elif json.loads(plan.content_json) != plans.plan_content(session, plan):
            report.problems.append(Problem(None, where, "签发后资金安排的内容被改动（项目、来源或金额与签名不符）。"))


def _audited_status(session: Session) -> dict[str, str]:
    """Each project's status as its last status-changing audit event left it (absent: 草稿)."""
    last: dict[str, str] = {}
    for entity_uuid, after_json in session.execute(
            select(AuditEvent.entity_uuid, AuditEvent.after_json)
            .where(AuditEvent.entity_type == "project", AuditEvent.after_json.like('%"status":%'))
            .order_by(AuditEvent.id)).yield_per(10_000):
        status = json.loads(after_json).get("status")
        if isinstance(status, str):
            last[entity_uuid] = status
    return last


def _check_voided(session: Session, users: dict, keys: dict, report: VerifyReport) -> None:
    """A voided signature still proves what was signed then: its stored content must carry it
    (that content is what "changed since signing" compares with)."""
    rows = session.execute(
        select(ProjectSignature.project_id, ProjectSignature.user_id, ProjectSignature.key_id, ProjectSignature.role,
               ProjectSignature.content_version, ProjectSignature.content_json, ProjectSignature.signature, Project.name,
               Town.name)
        .join(Project, Project.id == ProjectSignature.project_id).join(Town, Town.id == Project.town_id)
        .where(ProjectSignature.voided_at.is_not(None)))
    for project_id, user_id, key_id, role, version, content_json, signature, name, town in rows:
        key = keys.get(key_id)
        payload = signed_payload(json.loads(content_json), version, role, users.get(user_id, ""))
        if key is None or key[0] != user_id or not signature_valid(key[1], payload, signature):
            report.problems.append(Problem(project_id, f"{name}（{town}）", f"已作废的“{role.label}”签名与其记录的签字内容不符"
                                                             "（签字记录被改动）。"))


def _check_keys(session: Session, keys: dict, users: dict, names: dict, report: VerifyReport) -> set[int]:
    """Ids of the keys the audit log registered for the very user who holds them now. A key is bound
    to its user: a registered key moved onto someone else (user_key.user_id edited) is not trusted."""
    registered = set()
    for entity_uuid, after_json in session.execute(select(AuditEvent.entity_uuid, AuditEvent.after_json).where(
            AuditEvent.entity_type == "user", AuditEvent.action.in_(("user_created", "password_reset")))):
        public_key = json.loads(after_json or "{}").get("public_key")
        if public_key:
            registered.add((entity_uuid, public_key))
    trusted = set()
    for key_id, (user_id, public_key) in keys.items():
        if (users.get(user_id), public_key) in registered:
            trusted.add(key_id)
        else:
            report.problems.append(Problem(None, names.get(user_id, str(user_id)),
                                           "签名密钥不在审计记录中（不是由本程序为该用户登记的密钥）。"))
    return trusted


def _check_project(content: dict, status: ProjectStatus, content_version: int, found: list, users: dict,
                   keys: dict, trusted: set[int]) -> list[str]:
    problems = []
    roles = [row.role for row in found]
    for row in found:
        label = row.role.label
        key = keys.get(row.key_id)
        if key is None or key[0] != row.user_id:
            problems.append(f"“{label}”的签名所用密钥不属于签字人。")
        elif row.key_id not in trusted:
            problems.append(f"“{label}”的签名所用密钥未经本程序为签字人登记（不在审计记录中）。")
        elif row.content_version != content_version:
            problems.append(f"“{label}”的签名针对第 {row.content_version} 版内容，而项目现为第 {content_version} 版。")
        elif not signature_valid(key[1], signed_payload(content, content_version, row.role, users[row.user_id]),
                                 row.signature):
            problems.append(f"“{label}”的签名与项目当前内容不符（签字后内容被改动，或签名被伪造）。")
    if len(set(roles)) != len(roles):
        problems.append("同一身份出现多个有效签名。")
    town_signers = {row.user_id for row in found if row.role in TOWN_SIGNERS}
    if len(town_signers) < len([r for r in roles if r in TOWN_SIGNERS]):
        problems.append("双签出自同一人。")
    needed = NEEDED.get(status)
    if status is S.signed_once:
        if len(found) != 1 or roles[0] not in TOWN_SIGNERS:
            problems.append(f"状态为“{status.label}”，但有效签名为 {len(found)} 个。")
    elif needed is not None and set(roles) != needed:
        missing = "、".join(r.label for r in needed - set(roles)) or "无"
        extra = "、".join(r.label for r in set(roles) - needed) or "无"
        problems.append(f"状态为“{status.label}”，但签名不符：缺少 {missing}；多出 {extra}。")
    return problems

"""The 双签 workflow (seed 000, 实施程序) as a state machine:

    草稿 draft ─sign─▶ 已签一 signed_once ─sign─▶ 已双签 double_signed ─approve─▶ 已审定入库 approved
      ▲                                                  │return (reason)
      └──────── edit (voids signatures) ◀── 已退回 returned ◀┘
    approved ─start─▶ 实施中 in_progress ─complete─▶ 已完工 completed ─accept─▶ 已验收 accepted
    any state before completed ─cancel (reason)─▶ 已终止 cancelled

- The town's 乡镇主要负责人 and 驻镇帮扶工作队队长 sign, two different persons, neither of them the
  officer who drafted the project unless the county's setting allows it.
- 审定 is itself a signature by a county reviewer who signed none of the project's signatures.
- A signature is Ed25519 over the canonical content + content_version + role + signer; any edit of
  the content bumps content_version, voids every signature and sends the project back to 草稿.
- Every transition checks the acting user's role for the project's town (security.require), checks
  the rules for its stage (rules.check), and appends an audit event with who, when and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.models import AssetType, Money, Project, ProjectSignature, ProjectStatus, User, UserRole
from app.models.types import utcnow
from app.services import audit, duties, publicity, rules, security, text
from app.services.content import project_content
from app.services.content_text import FIELD_LABELS, FieldChange, diff
from app.services.dates import act_date
from app.services.drafting import apply_content
from app.services.errors import InputError
from app.services.money import assets
from app.services.projects import get_project, net_spent
from app.services.security import Action
from app.services.settings import ALLOW_DRAFTER_SIGN, get_setting

S = ProjectStatus
SIGNING_ROLES = {UserRole.town_leader: Action.sign_as_town_leader, UserRole.team_leader: Action.sign_as_team_leader}
# Once in the library a project changes only by 项目调整 (services.amendments): the approved version
# stays in force, and payable, until the change is signed and approved in its turn.
EDITABLE = {S.draft, S.signed_once, S.double_signed, S.returned}
SIGNABLE = {S.draft, S.signed_once}
# What even a first draft needs (the columns that cannot be empty); the rest may follow before signing.
DRAFT_FIELDS = ("name", "year", "purpose_category", "construction_nature", "support_method")  # a returned project is revised (edited back to 草稿) first
CANCELLABLE_BY_TOWN = {S.draft, S.signed_once, S.double_signed, S.returned}
CANCELLABLE_BY_COUNTY = CANCELLABLE_BY_TOWN | {S.approved, S.planned, S.in_progress}


@dataclass(frozen=True)
class Outcome:
    """The project after an action, and the rule warnings (not blocking) the user should see."""
    project: Project
    warnings: list[str]


def signed_payload(content: dict[str, Any], content_version: int, role: UserRole, signer_uuid: str) -> bytes:
    """The exact bytes a signature covers."""
    return audit.canonical_json({"content": content, "content_version": content_version, "role": role.value,
                                 "signer": signer_uuid}).encode("utf-8")


def _expect(project: Project, allowed: set[ProjectStatus], doing: str) -> None:
    if project.status not in allowed:
        raise InputError(f"项目“{project.name}”当前状态为“{project.status.label}”，不能{doing}。",
                         f"{doing}: project {project.id} is {project.status.value}")


def findings(session: Session, project_id: int, stage: rules.Stage) -> list[rules.Finding]:
    """What the rules say about a project's current content at `stage` (shown before signing)."""
    project = get_project(session, project_id)
    return _findings(session, project, project_content(session, project.id), stage)


def _findings(session: Session, project: Project, content: dict[str, Any], stage: rules.Stage,
              today: date | None = None) -> list[rules.Finding]:
    started = publicity.starts(session, project) if stage is rules.Stage.approve else None
    return rules.check(session, content, stage, today=today, publicity=started)


def _check(session: Session, project: Project, content: dict[str, Any], stage: rules.Stage,
           today: date | None = None) -> list[str]:
    """Raise on what blocks `stage`; return the warnings. `content` is the project's current content."""
    return rules.raise_if_blocked(_findings(session, project, content, stage, today))


def current_signatures(project: Project) -> list[ProjectSignature]:
    """The signatures in force on the project's own content (not those on a pending 项目调整)."""
    return [s for s in project.signatures if s.voided_at is None and s.amendment_id is None]


def _void_signatures(project: Project, reason: str) -> None:
    now = utcnow()
    for signature in current_signatures(project):
        signature.voided_at = now
        signature.void_reason = reason


# ---------------------------------------------------------------- drafting and editing

def create_project(session: Session, user: User, content: dict[str, Any]) -> Outcome:
    """A new 草稿 drafted by a town officer of the project's town."""
    town_code = str(content.get("town") or "")
    if not town_code:
        raise InputError("请选择项目所属乡镇。", "no town")
    security.require(session, user, Action.draft_project, town_code)
    project = Project(status=S.draft, drafted_by_id=user.id, content_version=1)
    apply_content(session, project, content)
    missing = [FIELD_LABELS[field] for field in DRAFT_FIELDS if getattr(project, field) is None]
    if missing:
        raise InputError(f"起草项目至少须填写：{'、'.join(missing)}。", f"draft without {missing}")
    session.add(project)
    session.flush()  # gives the project its id
    after = project_content(session, project.id)
    warnings = _check(session, project, after, rules.Stage.save)
    audit.record(session, user, "project_created", "project", project.uuid, after=after)
    return Outcome(project, warnings + _sign_readiness(session, project, after))


def _sign_readiness(session: Session, project: Project, content: dict[str, Any]) -> list[str]:
    """What still stands between a draft and signing, as gentle reminders while it is being written."""
    return [f"签字前还需：{f.message}" if f.blocking else f.message
            for f in _findings(session, project, content, rules.Stage.sign)]


def edit_project(session: Session, user: User, project_id: int, changes: dict[str, Any], reason: str = "") -> Outcome:
    """Change a project's content before 审定. A signed project loses its signatures and returns to 草稿."""
    project = get_project(session, project_id)
    security.require(session, user, Action.edit_project, project.town.code)
    _expect(project, EDITABLE, "直接修改（已审定入库的项目请办理项目调整；已验收或已终止的项目不能修改）")
    before = project_content(session, project.id)
    if "town" in changes and str(changes["town"]) != before["town"]:
        raise InputError("项目所属乡镇不能修改。如确属别的乡镇，请终止本项目，再由该乡镇重新起草。", "town change")
    apply_content(session, project, changes)
    after = project_content(session, project.id)
    changed = diff(before, after)
    if not changed:
        return Outcome(project, [])
    warnings = _check(session, project, after, rules.Stage.save)
    was = project.status
    project.content_version += 1
    if was is not S.draft:
        _void_signatures(project, "项目内容已修改")
        project.status = S.draft
    audit.record(session, user, "project_edited", "project", project.uuid, reason=reason,
                 before={c.field: before.get(c.field) for c in changed} | {"status": was.value},
                 after={c.field: after.get(c.field) for c in changed} | {"status": S.draft.value})
    if was is not S.draft and was is not S.returned:
        warnings.insert(0, f"项目原为“{was.label}”，修改后已退回草稿，原有签字作废，需重新签字并报县审定。")
    return Outcome(project, warnings + _sign_readiness(session, project, after))


def changes_since_signing(session: Session, project_id: int) -> list[FieldChange]:
    """What changed since the last content anyone signed (shown to the signers and the reviewer)."""
    project = get_project(session, project_id)
    earlier = [s for s in project.signatures if s.content_version < project.content_version]
    if not earlier:
        return []
    last = max(earlier, key=lambda s: (s.content_version, s.id))
    return diff(json.loads(last.content_json), project_content(session, project.id))


# ---------------------------------------------------------------- 双签 and 审定

def add_signature(session: Session, user: User, project: Project, role: UserRole, password: str,
                  content: dict[str, Any], *, version: int | None = None,
                  amendment_id: int | None = None) -> ProjectSignature:
    """Sign `content` as it stands at `version` (the project's own by default; an amendment's next)."""
    version = project.content_version if version is None else version
    key, private_key = security.unlock_signing_key(session, user, password)
    payload = signed_payload(content, version, role, user.uuid)
    signature = ProjectSignature(project=project, user_id=user.id, key_id=key.id, role=role, content_version=version,
                                 content_json=audit.canonical_json(content), amendment_id=amendment_id,
                                 signature=security.sign_bytes(private_key, payload), signed_at=utcnow())
    session.add(signature)
    return signature


def _expect_version(project: Project, expected_version: int | None, doing: str = "签字") -> None:
    """A signer signs (a reviewer returns) the version they read: refuse when the content changed since."""
    if expected_version is not None and expected_version != project.content_version:
        raise InputError(f"项目内容在您审阅期间已被修改（第 {expected_version} 版 → 第 {project.content_version} 版），"
                         f"未{doing}。请重新打开项目，审阅最新内容后再{doing}。", "content changed while reading")


def check_signer(session: Session, user: User, role: UserRole, town_code: str) -> None:
    """Only the two 双签 roles sign, each by someone holding it for the project's town."""
    if role not in SIGNING_ROLES:
        raise InputError("双签只能以“乡镇主要负责人”或“驻镇帮扶工作队队长”身份签字。", f"bad signing role {role}")
    security.require(session, user, SIGNING_ROLES[role], town_code)


def check_second_signer(session: Session, user: User, role: UserRole, signed: list[ProjectSignature],
                        drafted_by_id: int | None, what: str) -> None:
    """Two different persons in two different roles, neither the drafter unless the county allows it."""
    for other in signed:
        if other.role is role:
            raise InputError(f"{what}已由{other.user.display_name}以“{role.label}”身份签字。", "role already signed")
        if other.user_id == user.id:
            raise InputError(f"双签须由两位不同的人分别签字，您已在{what}签过字。", "same person signing twice")
    if drafted_by_id == user.id and get_setting(session, ALLOW_DRAFTER_SIGN) != "1":
        raise InputError(f"经办人不能为自己起草的{what.removeprefix('本')}签字（本县设置未允许）。", "drafter signing")


def sign(session: Session, user: User, project_id: int, role: UserRole, password: str,
         expected_version: int | None = None) -> Outcome:
    """One of the two 双签 signatures, as 乡镇主要负责人 or 驻镇帮扶工作队队长. With `expected_version`
    (the version the signer was shown), a project changed in the meantime is refused."""
    project = get_project(session, project_id)
    check_signer(session, user, role, project.town.code)
    _expect(project, SIGNABLE, "签字（已退回的项目须先修改）")
    _expect_version(project, expected_version)
    signed = current_signatures(project)
    check_second_signer(session, user, role, signed, project.drafted_by_id, "本项目")
    content = project_content(session, project.id)
    warnings = _check(session, project, content, rules.Stage.sign)
    add_signature(session, user, project, role, password, content)
    was = project.status
    project.status = S.double_signed if signed else S.signed_once
    project.status_reason = ""
    audit.record(session, user, "project_signed", "project", project.uuid, reason=role.label,
                 before={"status": was.value}, after={"status": project.status.value,
                                                      "content_version": project.content_version})
    return Outcome(project, warnings)


def approve(session: Session, user: User, project_id: int, password: str, today: date | None = None,
            expected_version: int | None = None) -> Outcome:
    """县级审定: the reviewer signs the double-signed content and the project enters the library."""
    today = today or date.today()
    project = get_project(session, project_id)
    security.require(session, user, Action.approve_project, project.town.code)
    _expect(project, {S.double_signed}, "审定（须先完成双签）")
    _expect_version(project, expected_version)
    # Signed as 主要负责人 or 队长 (in any version): never the one who 审定s. An own earlier 审定 is fine.
    if any(s.user_id == user.id and s.role in SIGNING_ROLES for s in project.signatures):
        raise InputError("您曾在本项目签字，不能再审定本项目，请由其他审核人员审定。", "reviewer signed the project")
    relaxed = duties.check(session, user, project, "审定本项目", signers=False)  # its drafter
    content = project_content(session, project.id)
    warnings = _check(session, project, content, rules.Stage.approve, today)
    add_signature(session, user, project, UserRole.county_reviewer, password, content)
    project.status = S.approved
    project.approved_on = today
    audit.record(session, user, "project_approved", "project", project.uuid,
                 before={"status": S.double_signed.value},
                 after={"status": S.approved.value, "approved_on": today.isoformat(),
                        "content_version": project.content_version} | relaxed)
    return Outcome(project, warnings)


def return_project(session: Session, user: User, project_id: int, reason: str,
                   expected_version: int | None = None) -> Outcome:
    """退回: the county sends a double-signed project back to the town, with the reason (and, with
    `expected_version`, only the version the reviewer read)."""
    project = get_project(session, project_id)
    security.require(session, user, Action.return_project, project.town.code)
    _expect(project, {S.double_signed}, "退回")
    _expect_version(project, expected_version, "退回")
    reason = _reason(reason, "退回")
    _void_signatures(project, f"县级退回：{reason}")
    project.status = S.returned
    project.status_reason = reason
    audit.record(session, user, "project_returned", "project", project.uuid, reason=reason,
                 before={"status": S.double_signed.value}, after={"status": S.returned.value})
    return Outcome(project, [])


def _reason(reason: str, doing: str) -> str:
    reason = text.line(reason, f"{doing}原因", Project.status_reason)
    if not reason:
        raise InputError(f"{doing}必须填写原因。", f"{doing}: no reason")
    return reason


# ---------------------------------------------------------------- implementation

def _move(session: Session, user: User, project: Project, action: Action, allowed: set[ProjectStatus],
          to: ProjectStatus, event: str, doing: str, reason: str = "", fields: dict | None = None) -> Outcome:
    """Move the project to `to`, setting `fields` with it, and record the act (after the change, so the
    event carries the record as the act left it)."""
    security.require(session, user, action, project.town.code)
    _expect(project, allowed, doing)
    was = project.status
    project.status = to
    for name, value in (fields or {}).items():
        setattr(project, name, value)
    shown = {name: value.isoformat() if hasattr(value, "isoformat") else getattr(value, "value", value)
             for name, value in (fields or {}).items() if name != "status_reason"}
    audit.record(session, user, event, "project", project.uuid, reason=reason,
                 before={"status": was.value}, after={"status": to.value} | shown)
    return Outcome(project, [])


def start(session: Session, user: User, project_id: int, started_on: date | None = None) -> Outcome:
    """开始实施, with the actual start date (not before 审定)."""
    project = get_project(session, project_id)
    started_on = act_date(started_on, "开工", not_before=project.approved_on, since="审定日期")
    return _move(session, user, project, Action.start_project, {S.approved, S.planned}, S.in_progress,
                 "project_started", "开始实施（须先审定入库）", fields={"started_on": started_on})


def complete(session: Session, user: User, project_id: int, completed_on: date | None = None) -> Outcome:
    """完工, with the actual completion date (not before the start)."""
    project = get_project(session, project_id)
    completed_on = act_date(completed_on, "完工", not_before=project.started_on, since="开工日期")
    return _move(session, user, project, Action.complete_project, {S.in_progress}, S.completed,
                 "project_completed", "确认完工（须处于实施中）", fields={"completed_on": completed_on})


def accept(session: Session, user: User, project_id: int, asset_receiver: str, asset_type: AssetType | None = None,
           accepted_on: date | None = None, *, owner: str = "", upkeep_yearly: Money = Money(0)) -> Outcome:
    """验收, with its date; a project that forms an asset hands it over to `asset_receiver` (管护) and
    `owner` (确权, by default the same), registered in the asset register."""
    project = get_project(session, project_id)
    receiver = text.line(asset_receiver, "资产移交（接收管护）单位", Project.asset_receiver)
    asset_type = asset_type or project.asset_type
    if asset_type is None:
        raise InputError("验收须确定资产类型（经营性、公益性、到户类或不形成资产）。", "no asset type")
    if project.asset_type is not None and asset_type is not project.asset_type:
        raise InputError(f"资产类型“{asset_type.label}”与审定入库时的“{project.asset_type.label}”不一致。"
                         "如确需变更，请办理项目调整。", "asset type differs from approved")
    if asset_type.forms_asset and not receiver:
        raise InputError("验收须填写资产移交（接收管护）单位。", "no asset receiver")
    accepted_on = act_date(accepted_on, "验收", not_before=project.completed_on, since="完工日期")
    outcome = _move(session, user, project, Action.accept_project, {S.completed}, S.accepted, "project_accepted",
                    "验收（须先完工）", fields={"asset_type": asset_type, "asset_receiver": receiver,
                                          "accepted_on": accepted_on})
    assets.register(session, user, project, asset_type, owner=owner, custodian=receiver, upkeep_yearly=upkeep_yearly,
                    handed_over_on=accepted_on)
    return outcome


def cancel(session: Session, user: User, project_id: int, reason: str) -> Outcome:
    """终止, with the reason. Before 审定 the town may do it; afterwards only the county."""
    project = get_project(session, project_id)
    action = Action.cancel_draft if project.status in CANCELLABLE_BY_TOWN else Action.cancel_approved
    security.require(session, user, action, project.town.code)
    reason = _reason(reason, "终止项目")
    spent = net_spent(session, project.id)
    if spent:
        raise InputError(f"该项目已有支出 {spent.format_yuan()} 元，不能终止。请先对支出做红字冲销。", "cancel with spending")
    return _move(session, user, project, action, CANCELLABLE_BY_COUNTY, S.cancelled, "project_cancelled",
                 "终止（已完工、已验收的项目不能终止）", reason=reason, fields={"status_reason": reason})

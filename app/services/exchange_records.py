"""What travels in an exchange package, kind by kind: how a record is written out as an event's payload,
who may send it, and how it is applied here (services.exchange runs the packages).

Kinds (this version):
- `identity`: a person of the sender whose key signed something it sends: uuid, username, name, and each
  key with the sender root's certificate. Applied as a user who can never log in (`PeerUser`), whose
  keys `verify` trusts through that peer's root only.
- `fund`: a fund (资金) issued at or above the sender's level, with its income lines; only downwards.
- `project`: a project's signed content (services.content), its status and dates, and every signature
  (with the content it covers, so each is checked here). Upwards a town sends its projects from 已双签
  on; downwards a county sends its decisions (审定 with its signature, 退回 with the reason, later
  steps). Every signature must verify here by the key of the person it names, over the content it
  claims; a current one over the project's content as applied.
- `plan`, `payment`, `totals`: the money (services.exchange_money).

A project is never overwritten silently. Each side may move it only by its own acts: the town drafts,
signs, starts and completes; the county approves, returns, arranges, accepts and cancels. A change
that arrives for a project the receiver has meanwhile moved on (a town's new version of a project the
county approved, a county's decision on a version the town has since changed) is a **conflict**: listed
in the import's result and kept in the inbox with both versions named, never applied. A project the
county holds and the town's installation does not (the county kept the town's books before the town had
its own installation) comes down whole, with the signatures the county holds.

An event outside its sender's authority (`Refused`) refuses the whole package; one that is genuine but
names what this installation lacks (`Unresolved`) is listed and kept as refused, and `--full` sends it
again once the lack is made good.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (Fund, FundIncome, FundLevel, FundSource, Money, Peer, PeerUser, Project, ProjectSignature,
                        ProjectStatus, User, UserKey, UserRole)
from app.services import trust
from app.services.approval import CANCELLABLE_BY_COUNTY, signed_payload
from app.services.canonical import canonical_json
from app.services.content import project_content
from app.services.crypto import signature_valid
from app.services.drafting import apply_content
from app.services.errors import BangzhenError, InputError

S = ProjectStatus
KINDS = ("identity", "fund", "project", "plan", "payment", "totals")  # the last three: services.exchange_money
# The order a project moves in; a payload behind what is here is older news, not a change.
RANK = {S.draft: 0, S.signed_once: 1, S.double_signed: 2, S.returned: 3, S.approved: 3, S.planned: 4,
        S.in_progress: 5, S.completed: 6, S.accepted: 7, S.cancelled: 8}
# Who moves a project into each status: the town's installation (upwards) or the county's (downwards).
# The moves each side's own acts make (from what is here to what arrives; several acts may lie between).
BY_TOWN = {(S.returned, S.double_signed), (S.approved, S.in_progress), (S.planned, S.in_progress),
           (S.approved, S.completed), (S.planned, S.completed), (S.in_progress, S.completed)}
BY_COUNTY = ({(S.double_signed, S.approved), (S.double_signed, S.planned), (S.approved, S.planned),
              (S.double_signed, S.returned), (S.completed, S.accepted)}
             | {(was, S.cancelled) for was in CANCELLABLE_BY_COUNTY})
# The current signatures a status needs (None: any one town signer).
NEEDED = {S.draft: set(), S.returned: set(), S.signed_once: None, S.double_signed: {UserRole.town_leader, UserRole.team_leader}}
TOWN_ROLES = {UserRole.town_leader, UserRole.team_leader}
DATES = ("approved_on", "planned_on", "started_on", "completed_on", "accepted_on")


class Refused(BangzhenError):
    """This event is outside its sender's authority, or not what it claims to be: the whole package is
    refused (a registered peer that sends such a thing is not to be half-trusted)."""


class Unresolved(BangzhenError):
    """This event is genuine but cannot be applied here (it names a fund, village or task this installation
    does not hold): listed and kept in the inbox as refused; the rest of the package is applied."""


class Conflict(BangzhenError):
    """This event would overwrite what the receiver has meanwhile changed: listed, not applied."""


@dataclass
class Outcome:
    state: str   # created, updated or unchanged
    label: str   # what it is, for people: "项目 XX（阳明镇）"
    uuid: str | None = None  # the local record's key, when it is not the event's (a reported figure)


def digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _parse_time(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)
    except ValueError:
        raise Refused(f"{what}的时间格式不对。", f"bad time {value!r}") from None


def _parse_date(value: Any, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Refused(f"{what}的日期格式不对。", f"bad date {value!r}") from None


# ---------------------------------------------------------------- writing payloads

def identity_payload(user: User, username: str | None = None) -> dict[str, Any]:
    return {"user": user.uuid, "username": username or user.username, "display_name": user.display_name,
            "keys": [{"public_key": k.public_key, "created_at": _time(k.created_at), "certificate": k.certificate}
                     for k in user.keys]}


def fund_payload(fund: Fund) -> dict[str, Any]:
    return {"uuid": fund.uuid, "name": fund.name, "year": fund.year, "doc_number": fund.doc_number,
            "level": fund.level.value, "budget_unit": fund.budget_unit, "department": fund.department,
            "deadline": None if fund.deadline is None else fund.deadline.isoformat(),
            "issued_on": None if fund.issued_on is None else fund.issued_on.isoformat(),
            "region_code": fund.region_code,
            "incomes": [{"source": i.source.value, "amount": i.amount.fen, "note": i.note} for i in fund.incomes]}


def project_payload(session: Session, project: Project) -> dict[str, Any]:
    users = dict(session.execute(select(User.id, User.uuid)).all())
    keys = dict(session.execute(select(UserKey.id, UserKey.public_key)).all())
    return {"uuid": project.uuid, "content": project_content(session, project.id),
            "content_version": project.content_version, "status": project.status.value,
            "status_reason": project.status_reason, "asset_receiver": project.asset_receiver,
            "drafted_by": users.get(project.drafted_by_id),
            **{name: None if getattr(project, name) is None else getattr(project, name).isoformat() for name in DATES},
            "signatures": [{"user": users[s.user_id], "public_key": keys[s.key_id], "role": s.role.value,
                            "content_version": s.content_version, "content_json": s.content_json,
                            "signature": s.signature, "signed_at": _time(s.signed_at), "voided_at": _time(s.voided_at),
                            "void_reason": s.void_reason}
                           for s in project.signatures if s.amendment_id is None]}


def signer_uuids(payload: dict[str, Any]) -> set[str]:
    """The people a project payload names: they travel as identities before it."""
    return {s["user"] for s in payload["signatures"]} | ({payload["drafted_by"]} if payload["drafted_by"] else set())


# ---------------------------------------------------------------- applying payloads

def _text(payload: dict, name: str, limit: int = 2000) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise Refused(f"“{name}”缺少或格式不对。", f"bad field {name}")
    return value


def apply_identity(session: Session, peer: Peer, payload: dict[str, Any]) -> Outcome:
    user_uuid, username, name = _text(payload, "user", 36), _text(payload, "username", 40), _text(payload, "display_name", 40)
    keys = payload.get("keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
        raise Refused("人员信息没有密钥。", "identity without keys")
    label = f"人员 {name}（{peer.name}）"
    for key in keys:
        statement = trust.key_statement(user_uuid, username, name, _text(key, "public_key", 64),
                                        key.get("created_at") if isinstance(key.get("created_at"), str) else None)
        if not signature_valid(peer.public_key, statement, _text(key, "certificate", 200)):
            raise Refused(f"{label}的密钥没有对方根密钥的证书（密钥被伪造或人员信息被改动）。", "identity certificate")
    user = session.scalar(select(User).where(User.uuid == user_uuid))
    state = "unchanged"
    if user is None:
        user = User(uuid=user_uuid, username=_local_username(session, peer, username), display_name=name,
                    password_hash="!", is_active=False)
        session.add(user)
        session.flush()
        session.add(PeerUser(user_id=user.id, peer_id=peer.id, username=username))
        state = "created"
    else:
        link = session.get(PeerUser, user.id)
        if link is None or link.peer_id != peer.id:
            raise Refused(f"{label}与本安装{'自己的' if link is None else '其他单位的'}用户编号相同，不能接收。",
                          "identity names someone else")
        if (link.username, user.display_name) != (username, name):
            link.username, user.display_name = username, name
            state = "updated"
    known = {k.public_key: k for k in user.keys}
    for key in keys:
        existing = known.get(key["public_key"])
        if existing is None:
            if session.scalar(select(UserKey.id).where(UserKey.public_key == key["public_key"])) is not None:
                raise Refused(f"{label}的密钥已属于本安装的另一人。", "key of someone else")
            user.keys.append(UserKey(public_key=key["public_key"], sealed_private_key=None,
                                     created_at=_parse_time(key.get("created_at"), label),
                                     retired_at=None, certificate=key["certificate"]))
            state = "updated" if state == "unchanged" else state
        elif existing.certificate != key["certificate"]:
            existing.certificate = key["certificate"]
            state = "updated" if state == "unchanged" else state
    session.flush()
    return Outcome(state, label)


def _local_username(session: Session, peer: Peer, username: str) -> str:
    """A login name no one here has: the peer's region code and theirs (they can never log in with it)."""
    base = f"{peer.region_code}/{username}"[:36]
    name, n = base, 1
    while session.scalar(select(User.id).where(User.username == name)) is not None:
        n += 1
        name = f"{base}~{n}"
    return name


def apply_fund(session: Session, peer: Peer, payload: dict[str, Any], home: str, relation: str) -> Outcome:
    fund_uuid, name = _text(payload, "uuid", 36), _text(payload, "name", 120)
    region = _text(payload, "region_code", 9)
    label = f"资金 {name}"
    if relation != "parent" or not home.startswith(region) or region == home:
        raise Refused(f"{label}：只能由上级下发本地区以上的资金。", "fund outside authority")
    fund = session.scalar(select(Fund).where(Fund.uuid == fund_uuid))
    try:
        values = dict(name=name, year=int(payload["year"]), doc_number=_text(payload, "doc_number", 60),
                      level=FundLevel(payload["level"]), budget_unit=_text(payload, "budget_unit", 120),
                      department=_text(payload, "department", 120),
                      deadline=_parse_date(payload.get("deadline"), label),
                      issued_on=_parse_date(payload.get("issued_on"), label), region_code=region)
        incomes = [(FundSource(i["source"]), Money(int(i["amount"])), str(i.get("note", ""))[:200])
                   for i in payload["incomes"]]
    except (KeyError, ValueError, TypeError):
        raise Refused(f"{label}的内容格式不对。", "bad fund payload") from None
    state = "updated"
    if fund is None:
        fund = Fund(uuid=fund_uuid, **values)
        session.add(fund)
        state = "created"
    elif fund_payload(fund) == payload:
        return Outcome("unchanged", label)
    else:
        for field, value in values.items():
            setattr(fund, field, value)
        fund.incomes.clear()
        session.flush()
    fund.incomes.extend(FundIncome(source=s, amount=a, note=n) for s, a, n in incomes)
    session.flush()
    return Outcome(state, label)


def apply_project(session: Session, peer: Peer, payload: dict[str, Any], home: str, relation: str) -> Outcome:
    project_uuid = _text(payload, "uuid", 36)
    content = payload.get("content")
    if not isinstance(content, dict) or content.get("uuid") != project_uuid:
        raise Refused("项目内容格式不对。", "bad project content")
    town_code = str(content.get("town"))
    label = f"项目 {str(content.get('name'))[:60]}（{town_code}）"
    try:
        status = S(payload["status"])
        version = int(payload["content_version"])
        signatures = [_signature(session, s) for s in payload["signatures"]]
    except (KeyError, ValueError, TypeError):
        raise Refused(f"{label}的状态或签名格式不对。", "bad project payload") from None
    if (town_code != peer.region_code if relation == "child" else town_code != home):
        raise Refused(f"{label}不属于对方{'乡镇' if relation == 'child' else '管辖的本镇'}，超出其权限。",
                      "project outside region")
    project = session.scalar(select(Project).where(Project.uuid == project_uuid))
    if project is not None and project.town.code != town_code:
        raise Refused(f"{label}：本地的同一项目属于另一乡镇，对方不能改动。", "project of another town")
    if project is None:
        if relation == "child" and status is not S.double_signed:
            raise Refused(f"{label}：本地没有此项目，乡镇只能报送已双签的新项目。", "unknown project")
        project = Project(uuid=project_uuid, status=status, content_version=version)
        state = "created"
    else:
        state = "updated"
        # Only the town changes content, and only of a returned project (which then comes back double-signed).
        revised = relation == "child" and project.status is S.returned and version > project.content_version
        if not revised and (RANK[status] < RANK[project.status]
                            or (status is project.status and version == project.content_version)):
            return _unchanged_or_conflict(project, version, label)
        if (project.status, status) not in (BY_TOWN if relation == "child" else BY_COUNTY):
            raise Refused(f"{label}：对方无权将项目从“{project.status.label}”改为“{status.label}”。",
                          f"{project.status.value} -> {status.value} not by sender")
        if not revised and version != project.content_version:
            raise Conflict(f"{label}：对方是第 {version} 版，本地是第 {project.content_version} 版"
                           f"“{project.status.label}”，双方都改动过，未覆盖本地（请双方核对后由乡镇重新报送）。",
                           "content conflict")
        if not revised and project_content(session, project.id) != content:
            raise Refused(f"{label}：对方的第 {version} 版内容与本地同一版不同。", "same version, other content")
    _check_signers(session, signatures, label)
    with session.no_autoflush:
        try:
            apply_content(session, project, {k: v for k, v in content.items() if k != "uuid"})
        except InputError as error:
            raise Unresolved(f"{label}：{error.user_message}", error.log_message) from None
    session.add(project)
    project.status, project.content_version = status, version
    project.status_reason = _text(payload, "status_reason")
    project.asset_receiver = _text(payload, "asset_receiver", 120)
    for name in DATES:
        setattr(project, name, _parse_date(payload.get(name), label))
    drafter = payload.get("drafted_by")
    if state == "created" and drafter:
        project.drafted_by_id = session.scalar(select(User.id).where(User.uuid == str(drafter)))
    session.flush()
    if project_content(session, project.id) != content:
        raise Unresolved(f"{label}：内容在本地无法原样重现（所用资金、行政村或任务未在本地登记）。", "content differs")
    _apply_signatures(session, peer, relation, project, signatures, content, label, adopting=state == "created")
    return Outcome(state, label)


def _unchanged_or_conflict(project: Project, version: int, label: str) -> Outcome:
    if version > project.content_version:
        raise Conflict(f"{label}：本地已是“{project.status.label}”（第 {project.content_version} 版），对方又报来"
                       f"第 {version} 版，未覆盖本地（已审定的项目须走项目调整）。", "newer content for a decided project")
    return Outcome("unchanged", label)


@dataclass
class _Signature:
    user_id: int | None
    key_id: int | None
    public_key: str
    user: str
    role: UserRole
    content_version: int
    content_json: str
    signature: str
    signed_at: datetime
    voided_at: datetime | None
    void_reason: str


def _signature(session: Session, raw: dict[str, Any]) -> _Signature:
    user = session.scalar(select(User).where(User.uuid == str(raw["user"])))
    key = session.scalar(select(UserKey).where(UserKey.public_key == str(raw["public_key"])))
    return _Signature(None if user is None else user.id, None if key is None else key.id, str(raw["public_key"]),
                      str(raw["user"]), UserRole(raw["role"]), int(raw["content_version"]), str(raw["content_json"]),
                      str(raw["signature"]), _parse_time(raw["signed_at"], "签名"),
                      _parse_time(raw.get("voided_at"), "签名"), str(raw.get("void_reason") or "")[:2000])


def _check_signers(session: Session, signatures: list[_Signature], label: str) -> None:
    """Each signature by a known person with their own key, over the content it claims to cover."""
    for s in signatures:
        key = None if s.key_id is None else session.get(UserKey, s.key_id)
        if s.user_id is None or key is None or key.user_id != s.user_id:
            raise Refused(f"{label}：“{s.role.label}”的签名人或其密钥未随数据包登记。", "unknown signer")
        try:
            content = json.loads(s.content_json)
        except ValueError:
            raise Refused(f"{label}：签名记录损坏。", "bad signature content") from None
        if not signature_valid(s.public_key, signed_payload(content, s.content_version, s.role, s.user), s.signature):
            raise Refused(f"{label}：“{s.role.label}”的签名与所签内容不符（被改动或伪造）。", "bad project signature")


def _apply_signatures(session: Session, peer: Peer, relation: str, project: Project, signatures: list[_Signature],
                      content: dict, label: str, adopting: bool) -> None:
    """Add the signatures not here yet and record voids; a current one must cover the content as applied.
    A new signature is by one of the sender's people, in a role of the sender's level (the town's two
    signers upwards, the county's 审定 downwards, or any when `adopting` a project the county kept for the
    town); a signature already here stays as it is (its void is the only thing that can change)."""
    here = {s.signature: s for s in project.signatures}
    senders = set(session.scalars(select(PeerUser.user_id).where(PeerUser.peer_id == peer.id)))
    roles = TOWN_ROLES if relation == "child" else {UserRole.county_reviewer} | (TOWN_ROLES if adopting else set())
    for s in signatures:
        if s.voided_at is None and (json.loads(s.content_json) != content or s.content_version != project.content_version):
            raise Refused(f"{label}：“{s.role.label}”的有效签名不是针对现在的内容。", "current signature on other content")
        existing = here.get(s.signature)
        if existing is None:
            if s.user_id not in senders or s.role not in roles:
                raise Refused(f"{label}：对方无权添加“{s.role.label}”的签名（签名人须为对方人员，身份须为对方层级的）。",
                              "signature outside authority")
            session.add(ProjectSignature(project_id=project.id, user_id=s.user_id, key_id=s.key_id, role=s.role,
                                         content_version=s.content_version, content_json=s.content_json,
                                         signature=s.signature, signed_at=s.signed_at, voided_at=s.voided_at,
                                         void_reason=s.void_reason))
        elif existing.voided_at is None and s.voided_at is not None:
            if existing.user_id not in senders and not (relation == "parent" and existing.role in TOWN_ROLES
                                                        and project.status is S.returned):
                raise Refused(f"{label}：对方不能作废本安装人员“{existing.role.label}”的签名。", "void of another's")
            existing.voided_at, existing.void_reason = s.voided_at, s.void_reason
    session.flush()
    session.expire(project, ["signatures"])
    _check_standing(project, label)


def _check_standing(project: Project, label: str) -> None:
    """The current signatures are what the project's status needs: 双签 by two people for 已双签, and the
    county's 审定 beside them from 已审定入库 on."""
    current = [s for s in project.signatures if s.voided_at is None and s.amendment_id is None]
    roles = [s.role for s in current]
    needed = NEEDED.get(project.status, TOWN_ROLES | {UserRole.county_reviewer})
    town_signers = [s.user_id for s in current if s.role in TOWN_ROLES]
    if project.status is S.cancelled:
        return
    if (len(set(roles)) != len(roles) or len(set(town_signers)) != len(town_signers)
            or (needed is None and (len(current) != 1 or roles[0] not in TOWN_ROLES))
            or (needed is not None and set(roles) != needed)):
        raise Refused(f"{label}：状态“{project.status.label}”与其有效签名不符。", "signatures do not fit the status")

"""The parts of `verify` that need no project content: the root and the keys and grants it certified,
every audit event's signature and its actor's role at that moment, every checked record against its last
signed event, the ledger's rules and separation of duties replayed from the signed history, lock
counters, the schema, and rollback against heads seen outside the file.

Each check reads raw values and reports what it cannot read as a problem; nothing here may stop
`verify` with an internal error, because a malformed row is exactly what an attacker would leave.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Base, ProjectStatus, UserRole
from app.services import audit, records, trust
from app.services.crypto import signature_valid, unb64
from app.services.signature_pool import SignaturePool

Report = Callable[..., None]   # (where, message, project id or None)
MAY_SPEND = {s.value for s in ProjectStatus if s.may_spend}


R = UserRole
_PLANNING = {R.county_finance, R.county_reviewer}
_FINANCE = {R.county_finance, R.city_finance, R.province_finance}
# The roles one of which the actor must have held, through a certified grant, when the event was signed.
ACTION_ROLES: dict[str, set[UserRole]] = {
    **dict.fromkeys(("project_created", "project_edited", "project_started", "project_completed", "claim_filed",
                     "claim_withdrawn", "amendment_proposed", "amendment_withdrawn"), {R.town_officer}),
    **dict.fromkeys(("project_signed", "amendment_signed"), {R.town_leader, R.team_leader, R.county_reviewer}),
    **dict.fromkeys(("project_approved", "project_returned", "project_accepted", "asset_registered",
                     "amendment_returned", "amendment_approved", "project_amended"), {R.county_reviewer}),
    "project_cancelled": {R.town_officer, R.county_reviewer},
    "publicity_recorded": {R.town_officer, R.county_reviewer},
    **dict.fromkeys(("expenditure_added", "expenditure_reversed", "claim_paid", "claim_rejected"), {R.county_finance}),
    **dict.fromkeys(("plan_created", "plan_edited", "plan_signed", "plan_superseded", "project_planned",
                     "project_unplanned"), _PLANNING),
    **dict.fromkeys(("fund_added", "allocation_issued", "allocation_arrived"), _FINANCE),
    **dict.fromkeys(("setting_changed", "user_created", "password_reset", "user_enabled", "user_disabled",
                     "role_granted", "role_revoked",
                     "town_category_set", "county_direct_changed", "root_created", "root_replaced", "record_adopted",
                     "recovery_sheet_made", "root_recovered"),
                    {R.admin}),
}
# Acts that show the user typed the right password: the failed-login count starts again after them.
PASSWORD_ACTS = ("user_login", "password_changed", "password_reset")


@dataclass
class Trusted:
    """What the root vouches for: keys by id (user id, public key), grants by user id (role, valid
    from, valid to, as stored), and the root itself."""
    root: Any
    keys: dict[int, tuple[int, str]]
    users: dict[int, str]     # id → display name, for messages
    grants: dict[int, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    certificates: int = 0     # how many were checked


def _time(value: Any) -> str | None:
    return None if value is None else str(value)


def check_root(session: Session, report: Report, db_path: str | None, expected: str | None) -> Any:
    """The current root: present, self-certified, the one the trust file and `expected` (from paper) name."""
    roots = session.execute(text("SELECT id, installation, public_key, created_at, legacy_events, replaces_id, "
                                 "retired_at, certificate FROM trust_root ORDER BY id")).all()
    current = [r for r in roots if r.retired_at is None]
    if not current:
        report("根密钥", "本数据库没有根密钥：用户密钥和授权无从证明（系统管理员登录一次即建立；已建立过则是被删除了）。")
        return None
    root = current[-1]
    if len(current) > 1:
        report("根密钥", f"有 {len(current)} 个同时有效的根密钥（只应有一个）。")
    replaced = next((r.public_key for r in roots if r.id == root.replaces_id), None)
    payload = trust.root_statement(root.installation, root.public_key, _time(root.created_at), root.legacy_events,
                                   replaced)
    if not signature_valid(root.public_key, payload, root.certificate):
        report("根密钥", "根密钥的自证书与其内容不符（安装编号、创建时间或升级前记录数被改动）。")
    fingerprint = trust.fingerprint(root.public_key)
    if expected is not None and _normal(expected) != _normal(fingerprint):
        report("根密钥", f"根密钥指纹 {fingerprint} 与核对的指纹 {expected} 不符：数据库不是登记的那一个，或根密钥被替换。")
    if db_path is not None:
        known = trust.read_trust_file(db_path)
        if known is not None and (known.root != fingerprint or known.installation != root.installation):
            report("根密钥", f"根密钥指纹 {fingerprint} 与数据库旁信任文件记录的 {known.root} 不符（根密钥被替换）。")
    return root


def _normal(fingerprint: str) -> str:
    return "".join(c for c in fingerprint.upper() if c.isalnum())


def check_keys_and_grants(session: Session, root: Any, report: Report) -> Trusted:
    """Keys and grants are trusted only with the current root's certificate over what they say now."""
    users = {r.id: r for r in session.execute(text("SELECT id, uuid, username, display_name FROM user_account"))}
    trusted = Trusted(root, {}, {i: str(u.display_name) for i, u in users.items()})
    for key in session.execute(text("SELECT id, user_id, public_key, created_at, certificate FROM user_key")):
        trusted.certificates += 1
        user = users.get(key.user_id)
        name = trusted.users.get(key.user_id, f"用户 {key.user_id}")
        payload = None if user is None else trust.key_statement(user.uuid, user.username, user.display_name,
                                                                key.public_key, _time(key.created_at))
        if root is not None and payload is not None and signature_valid(root.public_key, payload, key.certificate):
            trusted.keys[key.id] = (key.user_id, str(key.public_key))
        elif root is not None:
            report(name, "签名密钥没有根密钥的证书，或证书与用户名、姓名、密钥不符（密钥被伪造、挪用，或用户信息被改动）。")
    for grant in session.execute(text("SELECT user_id, uuid, role, region_code, valid_from, valid_to, certificate "
                                      "FROM role_grant")):
        trusted.certificates += 1
        user = users.get(grant.user_id)
        payload = None if user is None else trust.grant_statement(grant.uuid, user.uuid, grant.role,
                                                                  grant.region_code, _time(grant.valid_from),
                                                                  _time(grant.valid_to))
        if root is not None and payload is not None and signature_valid(root.public_key, payload, grant.certificate):
            trusted.grants.setdefault(grant.user_id, []).append(
                (str(grant.role), str(grant.valid_from), None if grant.valid_to is None else str(grant.valid_to)))
        elif root is not None:
            report(trusted.users.get(grant.user_id, f"用户 {grant.user_id}"),
                   f"授权“{_role_label(grant.role)}（{grant.region_code}）”没有根密钥的证书，或证书与授权内容不符"
                   "（角色、区域或期限被改动）。")
    return trusted


def _role_label(value: Any) -> str:
    try:
        return UserRole(value).label
    except ValueError:
        return str(value)


@dataclass
class EventFacts:
    """What the event walk learns for the later checks: wrong passwords per user uuid since the last
    right one, and when the last of them was; and how many signatures it checked."""
    events: int = 0
    signatures: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    last_failure: dict[str, str] = field(default_factory=dict)


def check_events(session: Session, trusted: Trusted, report: Report,
                 progress: Callable[[int], None] | None = None) -> EventFacts:
    """Every event after the root's legacy count is signed by a trusted key of its actor (only a wrong
    password goes unsigned, and then carries no record); payments are replayed against the project's
    state in the signed history at that moment."""
    facts = EventFacts()
    legacy = trusted.root.legacy_events if trusted.root is not None else 0
    public: dict[int, bytes] = {}
    status: dict[str, str] = {}
    expected = session.execute(text("SELECT count(*) FROM audit_event")).scalar() or 0

    def failed(tag: tuple[int, str]) -> None:
        event_id, action = tag
        report(f"审计记录第 {event_id} 条（{audit.ACTION_LABELS.get(action, action)}）",
               "签名与记录内容不符（记录被改动，或审计链被重新计算）。")

    pool = SignaturePool(expected, failed)
    try:
        _walk(session, trusted, report, progress, facts, legacy, public, status, pool)
        pool.close()
    finally:
        pool.cancel()
    facts.signatures = pool.checked
    return facts


def _walk(session: Session, trusted: Trusted, report: Report, progress, facts: EventFacts, legacy: int,
          public: dict, status: dict, pool: SignaturePool) -> None:
    duties = Duties(dict(session.execute(text("SELECT uuid, id FROM user_account")).all()))
    rows = session.execute(text("SELECT id, occurred_at, user_id, action, entity_type, entity_uuid, record_json, "
                                "after_json, hash, key_id, signature FROM audit_event ORDER BY id")).yield_per(5000)
    for position, row in enumerate(rows, start=1):
        facts.events = position
        where = f"审计记录第 {row.id} 条（{audit.ACTION_LABELS.get(row.action, row.action)}）"
        if row.action in audit.UNSIGNED_ACTIONS:
            facts.failures[row.entity_uuid] = facts.failures.get(row.entity_uuid, 0) + 1
            facts.last_failure[row.entity_uuid] = str(row.occurred_at)
        elif row.action in PASSWORD_ACTS and row.entity_type == "user":
            facts.failures[row.entity_uuid] = 0
        record = _json(row.record_json)
        if row.record_json and not record:
            report(where, "记录内容不是有效的数据。")
        if position > legacy and trusted.root is not None:
            _check_signature(row, trusted, public, where, report, pool)
            _check_role(row, trusted, where, report)
            duties.check(row, record, where, report)
        if row.entity_type == "project" and record:
            status[row.entity_uuid] = record.get("status")
        elif row.entity_type == "expenditure" and row.action == "expenditure_added" and record:
            state = status.get(str(record.get("project_id")))
            if state not in MAY_SPEND:
                label = ProjectStatus(state).label if state in {s.value for s in ProjectStatus} else "未知"
                report(where, f"支出 {record.get('voucher_no', '')} 入账时，项目在签名历史中的状态为“{label}”，"
                              "不允许支付（项目状态曾被临时改动）。")
        if progress is not None and position % 5000 == 0:
            progress(position)


@dataclass
class Duties:
    """Separation of duties replayed from the signed history (services.duties): who drafted and signed each
    project, and whether the county's setting allowed one person both at each moment."""
    user_ids: dict[str, int]                                   # user uuid → id
    drafter: dict[str, int] = field(default_factory=dict)      # project uuid → user id
    signers: dict[str, set[int]] = field(default_factory=dict)
    relaxed: bool = False

    def check(self, row: Any, record: dict, where: str, report: Report) -> None:
        if row.entity_type == "setting" and row.entity_uuid == "duty_separation":
            self.relaxed = record.get("value") == "relaxed"
        elif row.entity_type == "project" and row.action == "project_created":
            self.drafter[row.entity_uuid] = row.user_id
        elif row.entity_type == "project" and row.action in ("project_signed", "project_approved", "project_amended"):
            if row.action == "project_approved" and self.drafter.get(row.entity_uuid) == row.user_id:
                self._refused(row, where, "审定了自己起草的项目", report)
            self.signers.setdefault(row.entity_uuid, set()).add(row.user_id)
        elif row.action == "expenditure_added":
            project = str(record.get("project_id"))
            if row.user_id in self._involved(project):
                self._refused(row, where, "支付了自己起草或签署的项目的资金", report)
        elif row.action == "claim_paid":
            filer = self.user_ids.get(str(record.get("filed_by_id")))
            if row.user_id == filer:
                self._refused(row, where, "支付了自己提交的报账", report)
        elif row.action == "plan_edited":
            project = str(_json(row.after_json).get("project"))
            if row.user_id in self._involved(project):
                self._refused(row, where, "为自己起草或签署的项目安排了资金", report)

    def _involved(self, project: str) -> set[int]:
        return self.signers.get(project, set()) | ({self.drafter[project]} if project in self.drafter else set())

    def _refused(self, row: Any, where: str, what: str, report: Report) -> None:
        if not self.relaxed:
            report(where, f"操作人{what}，而当时本县设置不允许兼任（职责分离）。")


def _json(value: Any) -> dict:
    try:
        parsed = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _check_role(row: Any, trusted: Trusted, where: str, report: Report) -> None:
    """The actor held a role this act needs, by a grant the root certified, at the moment they signed."""
    needed = ACTION_ROLES.get(row.action)
    if needed is None:
        return
    at = str(row.occurred_at)
    held = {role for role, since, until in trusted.grants.get(row.user_id, ()) if since <= at and (until is None or at < until)}
    if not held & {role.value for role in needed}:
        roles = "或".join(f"“{role.label}”" for role in sorted(needed, key=lambda r: r.value))
        report(where, f"操作人{trusted.users.get(row.user_id, row.user_id)}当时没有{roles}角色的有效授权"
                      "（授权是临时加上又删去的，或被改动过）。")


def check_locks(session: Session, facts: EventFacts, report: Report) -> None:
    """A user's failed-login count and lock are what the recorded wrong passwords make them."""
    from app.services.security import LOCK_BASE, LOCK_MAX, MAX_FAILED_LOGINS
    for uuid, name, failed, locked_until in session.execute(text(
            "SELECT uuid, display_name, failed_logins, locked_until FROM user_account")):
        expected = facts.failures.get(uuid, 0)
        if _int(failed) < expected:
            report(str(name), f"密码错误次数为 {failed}，审计记录中连续 {expected} 次（计数被人为改小，以便继续试密码）。")
        if expected >= MAX_FAILED_LOGINS:
            last = facts.last_failure[uuid]
            try:
                from datetime import datetime, timedelta
                # the lock runs from the moment the failure was counted, a moment before its event was written
                until = (datetime.fromisoformat(last) + min(LOCK_MAX, LOCK_BASE * 2 ** (expected - MAX_FAILED_LOGINS))
                         - timedelta(seconds=2))
            except ValueError:
                continue
            if locked_until is None or str(locked_until) < until.isoformat(sep=" "):
                report(str(name), f"账户应锁定至 {until:%Y-%m-%d %H:%M}（UTC），锁定却被解除或提前（被人为改动）。")


def _check_signature(row: Any, trusted: Trusted, public: dict, where: str, report: Report,
                     pool: SignaturePool) -> None:
    if row.action in audit.UNSIGNED_ACTIONS:
        if row.record_json or row.entity_type != "user" or row.entity_uuid is None:
            report(where, "未签名的记录只能是密码错误，却带有记录内容（伪造的记录）。")
        return
    key = trusted.keys.get(row.key_id)
    if not row.signature or key is None:
        report(where, "没有签名，或签名所用密钥未经根密钥证书（记录被插入或伪造）。")
        return
    if key[0] != row.user_id:
        report(where, "签名所用密钥不属于记录中的操作人。")
        return
    if row.key_id not in public:
        try:
            public[row.key_id] = unb64(key[1])
        except ValueError:
            public[row.key_id] = b""
    try:
        signature = unb64(row.signature)
    except ValueError:
        signature = b""
    pool.add((row.id, row.action), public[row.key_id], signature, str(row.hash).encode())


def check_records(session: Session, report: Report) -> int:
    """Every checked row equals the record of its last signed event; every recorded entity still exists.
    Rows and last events are both read in key order and merged, so memory stays flat at any size."""
    compared = 0
    for kind in records.KINDS.values():
        last = session.execute(text(
            "SELECT entity_uuid, record_json FROM audit_event WHERE id IN ("
            " SELECT max(id) FROM audit_event WHERE entity_type = :type AND record_json != '' GROUP BY entity_uuid)"
            " ORDER BY entity_uuid"), {"type": kind.entity_type})
        events = iter(last)
        event = next(events, None)
        projects = ({uuid: (project_id, f"{name}（{town}）") for uuid, project_id, name, town in session.execute(text(
            "SELECT project.uuid, project.id, project.name, town.name FROM project "
            "LEFT JOIN town ON town.id = project.town_id"))} if kind.entity_type == "project" else {})
        for key, record in records.all_snapshots(session, kind):
            while event is not None and event.entity_uuid < key:
                _missing(kind, event.entity_uuid, report)
                event = next(events, None)
            compared += 1
            if event is not None and event.entity_uuid == key:
                if event.record_json != record:
                    project_id, where = projects.get(key, (None, _label(kind, key)))
                    report(where, f"{KIND_LABELS[kind.entity_type]}记录与最后一次签名记录不符："
                                  f"{_changed(event.record_json, record)}（数据库被直接改动）。", project_id)
                event = next(events, None)
            elif not (kind.entity_type == "setting" and key in records.UNSIGNED_SETTINGS):
                report(_label(kind, key), "没有任何签名记录（不是经本程序录入的，是直接写进数据库的）。")
        while event is not None:
            _missing(kind, event.entity_uuid, report)
            event = next(events, None)
    return compared


def check_attachments(session: Session, report: Report) -> None:
    """A claim's scanned vouchers are the bytes whose sha256 its signed record carries."""
    import hashlib
    for claim_uuid, filename, digest, data in session.execute(text(
            "SELECT claim.uuid, claim_attachment.filename, claim_attachment.sha256, claim_attachment.data "
            "FROM claim_attachment JOIN claim ON claim.id = claim_attachment.claim_id")):
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != digest:
            report(f"报账 {claim_uuid}", f"附件“{filename}”的内容与登记的校验值不符（附件被替换或改动）。")


KIND_LABELS = {"project": "项目", "amendment": "项目调整", "publicity": "公示", "fund": "资金", "allocation": "下达",
               "arrival": "到位", "plan": "资金安排", "claim": "报账", "expenditure": "支出", "asset": "资产",
               "user": "用户", "setting": "设置", "city": "地级市", "county": "县", "town": "乡镇", "task_item": "任务清单",
               "performance_target": "绩效目标值", "pairing": "帮扶关系"}


def _label(kind: records.Kind, key: str) -> str:
    return f"{KIND_LABELS[kind.entity_type]} {key}"


def _missing(kind: records.Kind, key: str, report: Report) -> None:
    report(_label(kind, key), "签名记录中有此记录，数据库中却没有（被删除了）。")


def _changed(signed: str, now: str) -> str:
    try:
        before, after = json.loads(signed), json.loads(now)
        fields = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        return "改动了 " + "、".join(fields[:6]) + (" 等" if len(fields) > 6 else "")
    except (ValueError, AttributeError):
        return "内容不同"


def check_ledger(session: Session, report: Report) -> None:
    """Net paid never above what the plans in force arrange, per project and source, and in total."""
    arranged: dict[tuple[Any, Any], int] = defaultdict(int)
    for project_id, source, amount in session.execute(text(
            "SELECT plan_line.project_id, plan_line.source, sum(plan_line.amount) FROM plan_line "
            "JOIN fund_plan ON fund_plan.id = plan_line.plan_id WHERE fund_plan.status = 'in_force' "
            "GROUP BY plan_line.project_id, plan_line.source")):
        arranged[(project_id, source)] = _int(amount)
    paid: dict[tuple[Any, Any], int] = defaultdict(int)
    for project_id, source, amount in session.execute(text(
            "SELECT project_id, source, sum(amount) FROM expenditure GROUP BY project_id, source")):
        paid[(project_id, source)] = _int(amount)
    names = dict(session.execute(text("SELECT id, name FROM project")).all())
    for (project_id, source), amount in sorted(paid.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        if source is not None and amount > arranged.get((project_id, source), 0):
            report(f"项目 {names.get(project_id, project_id)}",
                   f"{_source_label(source)}净支付 {amount / 100:.2f} 元，超过资金安排的 "
                   f"{arranged.get((project_id, source), 0) / 100:.2f} 元。")
    totals_paid: dict[Any, int] = defaultdict(int)
    totals_arranged: dict[Any, int] = defaultdict(int)
    for (project_id, _), amount in paid.items():
        totals_paid[project_id] += amount
    for (project_id, _), amount in arranged.items():
        totals_arranged[project_id] += amount
    for project_id, amount in totals_paid.items():
        if project_id in totals_arranged and amount > totals_arranged[project_id]:
            report(f"项目 {names.get(project_id, project_id)}",
                   f"净支付合计 {amount / 100:.2f} 元，超过资金安排合计 {totals_arranged[project_id] / 100:.2f} 元。")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _source_label(value: Any) -> str:
    from app.models import FundSource
    try:
        return FundSource(value).label
    except ValueError:
        return str(value)


def check_schema(session: Session, report: Report) -> None:
    """Nothing in the file the migrations did not make: no triggers, no views, no foreign indexes."""
    expected = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    for kind, name, table in session.execute(text("SELECT type, name, tbl_name FROM sqlite_master")):
        if kind in ("trigger", "view"):
            report("数据库结构", f"数据库中有本程序不会建立的{'触发器' if kind == 'trigger' else '视图'}“{name}”"
                                f"（表 {table}），它可能在背后改动数据。")
        elif kind == "index" and not str(name).startswith("sqlite_autoindex_") and name not in expected:
            report("数据库结构", f"数据库中有本程序不会建立的索引“{name}”（表 {table}）。")
        elif kind == "table" and name not in Base.metadata.tables and name not in ("alembic_version",
                                                                                    "sqlite_sequence", "sqlite_stat1"):
            report("数据库结构", f"数据库中有本程序不会建立的表“{name}”。")


def check_rollback(session: Session, report: Report, db_path: str | None, heads: list[str]) -> tuple[int, str]:
    """The newest head seen outside the file (the trust file, and heads typed from paper or packages)
    must be in this file's history: an older copy put back has fewer events or a different history."""
    count, last = audit._head(session)
    seen: list[tuple[int, str, str]] = []
    if db_path is not None:
        known = trust.read_trust_file(db_path)
        if known is not None:
            seen.append((known.head_count, known.head_hash, "数据库旁的信任文件"))
    for head in heads:
        number, _, digest = head.partition(":")
        if number.isdigit():
            seen.append((int(number), digest.strip().lower(), f"核对的记录头 {head}"))
        else:
            report("审计记录头", f"记录头“{head}”格式不对，应为 条数:哈希。")
    for number, digest, where in seen:
        if number > count:
            report("审计记录头", f"{where}表明审计记录曾有 {number} 条，现只有 {count} 条：数据库被换成了旧的副本，"
                                 "或末尾的记录被删除。")
            continue
        if number == 0:
            continue
        row = session.execute(text("SELECT hash FROM audit_event ORDER BY id LIMIT 1 OFFSET :n"),
                              {"n": number - 1}).first()
        if row is None or not str(row.hash).startswith(digest[:16]) or not digest:
            report("审计记录头", f"{where}中第 {number} 条审计记录的哈希与数据库不符：历史记录被改写过。")
    return count, last

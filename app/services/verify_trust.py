"""The parts of `verify` that run in the main process beside the workers (services.verify_work): the
root and the keys and grants it certified, the ledger's rules and separation of duties replayed from
the signed history, lock counters, attachments, the schema, and rollback against heads seen outside
the file.

Each check reads raw values and reports what it cannot read as a problem; nothing here may stop
`verify` with an internal error, because a malformed row is exactly what an attacker would leave.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Base, FundSource, ProjectStatus, UserRole
from app.services import adoption, audit, audit_search, records, trust, verify_work
from app.services.money import totals
from app.services.security import Action
from app.services.crypto import signature_valid

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
    **dict.fromkeys(("fund_added", "allocation_issued", "allocation_arrived", "spending_reported", "evaluation_saved",
                     "fund_budget_saved"), _FINANCE),
    **dict.fromkeys(("setting_changed", "user_created", "password_reset", "user_enabled", "user_disabled",
                     "role_granted", "role_revoked",
                     "town_category_set", "county_direct_changed", "root_created", "root_replaced", "record_adopted",
                     "records_extended", "village_added", "recovery_sheet_made", "root_recovered", "database_restored",
                     "database_replaced", "peer_added"),
                    {R.admin}),
    **dict.fromkeys(("package_exported", "package_imported", "record_received"), set(Action.exchange_data.roles)),
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
    if expected is not None and not trust.same_fingerprint(expected, fingerprint):
        report("根密钥", f"根密钥指纹 {fingerprint} 与核对的指纹 {expected} 不符：数据库不是登记的那一个，或根密钥被替换。")
    if db_path is not None:
        known = trust.read_trust_file(db_path)
        if known is not None and (known.root != fingerprint or known.installation != root.installation):
            report("根密钥", f"根密钥指纹 {fingerprint} 与数据库旁信任文件记录的 {known.root} 不符（根密钥被替换）。")
    return root


def check_keys_and_grants(session: Session, root: Any, report: Report) -> Trusted:
    """Keys and grants are trusted only with the current root's certificate over what they say now; the
    keys of a peer installation's people (services.exchange) with that peer's root's, over the username
    it certified."""
    users = {r.id: r for r in session.execute(text("SELECT id, uuid, username, display_name FROM user_account"))}
    of_peers = {r.user_id: (str(r.username), str(r.public_key)) for r in session.execute(text(
        "SELECT u.user_id, u.username, p.public_key FROM peer_user u JOIN peer p ON p.id = u.peer_id"))}
    trusted = Trusted(root, {}, {i: str(u.display_name) for i, u in users.items()})
    for key in session.execute(text("SELECT id, user_id, public_key, created_at, certificate FROM user_key")):
        trusted.certificates += 1
        user = users.get(key.user_id)
        name = trusted.users.get(key.user_id, f"用户 {key.user_id}")
        username, certifier = of_peers.get(key.user_id, (None, None if root is None else root.public_key))
        payload = None if user is None else trust.key_statement(user.uuid, username or user.username,
                                                                user.display_name, key.public_key,
                                                                _time(key.created_at))
        if certifier is not None and payload is not None and signature_valid(certifier, payload, key.certificate):
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
                   f"授权“{UserRole.label_of(grant.role)}（{grant.region_code}）”没有根密钥的证书，或证书与授权内容不符"
                   "（角色、区域或期限被改动）。")
    return trusted


@dataclass
class EventFacts:
    """What the replay of the signed history learns: wrong passwords per user uuid since the last right
    one and when the last of them was, and each project's status as its last status-changing event left
    it (audited, from the events' `after` values, which events from before signing also carry)."""
    failures: dict[str, int] = field(default_factory=dict)
    last_failure: dict[str, str] = field(default_factory=dict)
    audited: dict[str, str] = field(default_factory=dict)


# The events the replay needs, with the one value it reads from each record (and from the `after` values of
# a plan edit or a project event) taken out by SQLite.
_REPLAY = (
    "SELECT id, occurred_at, user_id, action, entity_type, entity_uuid, "
    " CASE WHEN json_valid(record_json) THEN json_extract(record_json, CASE WHEN entity_type = 'project' THEN "
    "  '$.status' WHEN action = 'expenditure_added' THEN '$.project_id' WHEN action = 'claim_paid' THEN "
    "  '$.filed_by_id' WHEN entity_type = 'setting' THEN '$.value' END) END, "
    " CASE WHEN action = 'plan_edited' AND json_valid(after_json) THEN json_extract(after_json, '$.project') "
    "  WHEN entity_type = 'project' AND json_valid(after_json) THEN "
    "   CASE WHEN json_type(after_json, '$.status') = 'text' THEN json_extract(after_json, '$.status') END END, "
    " CASE WHEN json_valid(record_json) THEN json_type(record_json) = 'object' ELSE 0 END "  # AND would not short-circuit
    "FROM audit_event WHERE entity_type IN ('project', 'setting') "
    " OR action IN ('expenditure_added', 'claim_paid', 'plan_edited', 'login_failed', 'user_locked', "
    "  'user_login', 'password_changed', 'password_reset') ORDER BY id")


def replay(session: Session, trusted: Trusted, signed_after: int | None, report: Report) -> EventFacts:
    """Walk the signed history in order: payments are checked against the project's state at that
    moment, and separation of duties against who drafted and signed it; wrong passwords are counted."""
    assert set(audit.UNSIGNED_ACTIONS) == {"login_failed", "user_locked"}  # _REPLAY names them
    facts = EventFacts()
    duties = Duties(dict(session.execute(text("SELECT uuid, id FROM user_account")).all()))
    status: dict[str, Any] = {}
    for event_id, occurred_at, user_id, action, entity_type, entity_uuid, fact, after, has_record in \
            verify_work.raw_rows(session, _REPLAY):
        if action in audit.UNSIGNED_ACTIONS:
            facts.failures[entity_uuid] = facts.failures.get(entity_uuid, 0) + 1
            facts.last_failure[entity_uuid] = str(occurred_at)
        elif action in PASSWORD_ACTS and entity_type == "user":
            facts.failures[entity_uuid] = 0
        if entity_type == "project" and isinstance(after, str):
            facts.audited[entity_uuid] = after
        if signed_after is not None and event_id > signed_after:
            duties.check(event_id, user_id, action, entity_type, entity_uuid, fact, after, report)
        if entity_type == "project" and has_record:
            status[entity_uuid] = fact
        elif action == "expenditure_added" and entity_type == "expenditure" and has_record:
            state = status.get(str(fact))
            if state not in MAY_SPEND:
                label = ProjectStatus(state).label if state in {s.value for s in ProjectStatus} else "未知"
                voucher = session.execute(text("SELECT json_extract(record_json, '$.voucher_no') FROM audit_event "
                                               "WHERE id = :id"), {"id": event_id}).scalar()
                report(verify_work.event_where(event_id, action),
                       f"支出 {voucher or ''} 入账时，项目在签名历史中的状态为“{label}”，不允许支付（项目状态曾被临时改动）。")
    return facts


@dataclass
class Duties:
    """Separation of duties replayed from the signed history (services.duties): who drafted and signed each
    project, and whether the county's setting allowed one person both at each moment."""
    user_ids: dict[str, int]                                   # user uuid → id
    drafter: dict[str, int] = field(default_factory=dict)      # project uuid → user id
    signers: dict[str, set[int]] = field(default_factory=dict)
    relaxed: bool = False

    def check(self, event_id: int, user_id: int, action: str, entity_type: str, entity_uuid: str, fact: Any,
              after: Any, report: Report) -> None:
        """`fact` is the value the replay took from the event's record, `after` from its after-values."""
        if entity_type == "setting" and entity_uuid == "duty_separation":
            self.relaxed = fact == "relaxed"
        elif entity_type == "project" and action == "project_created":
            self.drafter[entity_uuid] = user_id
        elif entity_type == "project" and action in ("project_signed", "project_approved", "project_amended"):
            if action == "project_approved" and self.drafter.get(entity_uuid) == user_id:
                self._refused(event_id, action, "审定了自己起草的项目", report)
            self.signers.setdefault(entity_uuid, set()).add(user_id)
        elif action == "expenditure_added":
            if user_id in self._involved(str(fact)):
                self._refused(event_id, action, "支付了自己起草或签署的项目的资金", report)
        elif action == "claim_paid":
            if user_id == self.user_ids.get(str(fact)):
                self._refused(event_id, action, "支付了自己提交的报账", report)
        elif action == "plan_edited":
            if user_id in self._involved(str(after)):
                self._refused(event_id, action, "为自己起草或签署的项目安排了资金", report)

    def _involved(self, project: str) -> set[int]:
        return self.signers.get(project, set()) | ({self.drafter[project]} if project in self.drafter else set())

    def _refused(self, event_id: int, action: str, what: str, report: Report) -> None:
        if not self.relaxed:
            report(verify_work.event_where(event_id, action), f"操作人{what}，而当时本县设置不允许兼任（职责分离）。")



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


def check_attachments(session: Session, report: Report) -> None:
    """A claim's scanned vouchers are the bytes whose sha256 its signed record carries."""
    import hashlib
    for claim_uuid, filename, digest, data in session.execute(text(
            "SELECT claim.uuid, claim_attachment.filename, claim_attachment.sha256, claim_attachment.data "
            "FROM claim_attachment JOIN claim ON claim.id = claim_attachment.claim_id")):
        if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != digest:
            report(f"报账 {claim_uuid}", f"附件“{filename}”的内容与登记的校验值不符（附件被替换或改动）。")


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

    def names(project_id: Any) -> Any:
        name = session.execute(text("SELECT name FROM project WHERE id = :id"), {"id": project_id}).scalar()
        return project_id if name is None else name
    for (project_id, source), amount in sorted(paid.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        if source is not None and amount > arranged.get((project_id, source), 0):
            report(f"项目 {names(project_id)}",
                   f"{FundSource.label_of(source)}净支付 {amount / 100:.2f} 元，超过资金安排的 "
                   f"{arranged.get((project_id, source), 0) / 100:.2f} 元。")
    totals_paid: dict[Any, int] = defaultdict(int)
    totals_arranged: dict[Any, int] = defaultdict(int)
    for (project_id, _), amount in paid.items():
        totals_paid[project_id] += amount
    for (project_id, _), amount in arranged.items():
        totals_arranged[project_id] += amount
    for project_id, amount in totals_paid.items():
        if project_id in totals_arranged and amount > totals_arranged[project_id]:
            report(f"项目 {names(project_id)}",
                   f"净支付合计 {amount / 100:.2f} 元，超过资金安排合计 {totals_arranged[project_id] / 100:.2f} 元。")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def check_layout(session: Session, report: Report) -> None:
    """Records kept at an older layout are extended at the first administrator login after the upgrade;
    until then every project with signatures differs from its record, and this says why."""
    if adoption.layout(session) < adoption.LAYOUT:
        report("记录", "本数据库由旧版本建立，新版本增加的核对内容（项目签字的时间与作废原因、行政村、本地区设置、"
                     "东西部协作结对）尚未签认：请系统管理员登录一次，程序签认后再核验。在此之前，项目记录与签字有关的"
                     "差异、未签认的东西部协作结对由此而来。")


def check_orphans(session: Session, report: Report) -> None:
    """A child row (a signature, a plan line, a grant...) whose parent does not exist is in no record:
    each such row is reported (a deleted parent shows as a deleted record already)."""
    seen = set()
    for kind in records.KINDS.values():
        for child in kind.children:
            if (child.table, child.parent) in seen:
                continue
            seen.add((child.table, child.parent))
            count = session.execute(text(
                f'SELECT count(*) FROM "{child.table}" c WHERE c."{child.parent}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{kind.table}" p WHERE p.id = c."{child.parent}")')).scalar()
            if count:
                report("记录", f"{child.table} 中有 {count} 行指向不存在的{kind.label}（{child.parent}）："
                             "这些行不在任何签名记录中，是直接写进数据库的。")


# The program's own triggers (they keep derived data in step), each set with what its loss means.
_OWN_TRIGGERS = ((audit_search.TRIGGERS, "审计记录搜索索引的触发器“{}”被删除：此后的记录在审计记录中搜索不到。"),
                 (totals.TRIGGERS, "台账合计的触发器“{}”被删除：此后的支付和资金安排不再计入台账合计，"
                                   "台账的排序和按镇汇总会出错。"))


def check_schema(session: Session, report: Report) -> None:
    """Nothing in the file the migrations did not make: no triggers but the program's own (exactly as
    it writes them), no views, no foreign indexes or tables."""
    expected = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    tables = {*Base.metadata.tables, *audit_search.TABLES, "alembic_version", "sqlite_sequence", "sqlite_stat1"}
    own = {name: sql for triggers, _ in _OWN_TRIGGERS for name, sql in triggers.items()}
    found = set()
    for kind, name, table, sql in session.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master")):
        if kind == "trigger" and name in own:
            found.add(name)
            if audit_search.normalised(sql) != audit_search.normalised(own[name]):
                report("数据库结构", f"触发器“{name}”（表 {table}）被改动过，与本程序建立的不同，它可能在背后改动数据。")
        elif kind in ("trigger", "view"):
            report("数据库结构", f"数据库中有本程序不会建立的{'触发器' if kind == 'trigger' else '视图'}“{name}”"
                                f"（表 {table}），它可能在背后改动数据。")
        elif kind == "index" and not str(name).startswith("sqlite_autoindex_") and name not in expected:
            report("数据库结构", f"数据库中有本程序不会建立的索引“{name}”（表 {table}）。")
        elif kind == "table" and name not in tables:
            report("数据库结构", f"数据库中有本程序不会建立的表“{name}”。")
    for triggers, message in _OWN_TRIGGERS:
        for name in sorted(set(triggers) - found):
            report("数据库结构", message.format(name))
    # The index is derived (an edited text changes only what a search finds), but an event taken out of
    # it would hide that act from every search: a text for each event (a deleted event is the chain's).
    indexed = session.scalar(text(f'SELECT count(*) FROM "{audit_search.CONTENT}"'))
    events = session.scalar(text("SELECT count(*) FROM audit_event"))
    if indexed < events:
        report("数据库结构", f"审计记录搜索索引有 {indexed:,} 条，审计记录有 {events:,} 条：索引被改动过，"
                            "部分记录在审计记录中搜索不到。")


def check_rollback(session: Session, report: Report, db_path: str | None, heads: list[str],
                   hash_at: Callable[[int], str | None]) -> tuple[int, str]:
    """The newest head seen outside the file (the trust file, and heads typed from paper or packages)
    must be in this file's history: an older copy put back has fewer events or a different history.
    `hash_at(n)` is the stored hash of the n-th event."""
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
        stored = hash_at(number)
        if stored is None or not str(stored).startswith(digest[:16]) or not digest:
            report("审计记录头", f"{where}中第 {number} 条审计记录的哈希与数据库不符：历史记录被改写过。")
    return count, last

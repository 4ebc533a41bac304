"""The audit log: append-only, hash-chained and signed.

Each `AuditEvent` stores the hash of the event before it (`prev_hash`) and a SHA-256 over its own
content (who, when, action, entity, reason, before/after, the record it left) and that previous hash.
Changing, removing or inserting a row breaks the chain at that row; the head (count and last hash) is
also kept in a setting, so cutting events off the end shows too.

The chain alone has no secret: someone who rewrites the file could recompute every later hash. So each
event also carries the actor's Ed25519 signature over its hash, made with the key unlocked at their
login (services.keyring), and the keys are certified by the installation's root (services.trust).
Rewriting history then needs the private keys. Only a wrong password is recorded unsigned (there is
no key to sign with); such events restrict, never grant. Cutting the newest events off, or putting back
an older copy of the file, is caught against heads seen outside the file (services.trust).

An event about a checked record (services.records) carries that record as the act left it, which is
how `verify` proves each payment, plan, user and setting is what its signer made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Select, String, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from app.models import (Asset, AuditEvent, Claim, Expenditure, Project, ProjectAmendment, Publicity, Setting,
                        User)
from app.models.types import utcnow
from app.services import audit_search, keyring, records
from app.services.canonical import canonical_json
from app.services.errors import InputError
from app.services.crypto import sign_bytes
from app.services.sqlite_limits import pages

GENESIS = "0" * 64
HEAD_SETTING = "audit_head"  # "<count>:<hash of the last event>"
# Acts recorded without the actor's signature: a wrong password opens no key.
UNSIGNED_ACTIONS = frozenset({"login_failed", "user_locked"})
# After an administrator's reset a user may do nothing but log in and set their own password; since every
# act is recorded here, this holds for every entry point (GUI, CLI, scripts).
FIRST_ACTS_AFTER_RESET = UNSIGNED_ACTIONS | {"user_login", "password_changed", "password_reset"}

ACTION_LABELS = {
    "user_created": "新建用户", "user_locked": "账户锁定", "login_failed": "密码错误", "user_login": "登录",
    "password_changed": "修改密码", "password_reset": "重置密码", "user_enabled": "启用用户", "user_disabled": "停用用户",
    "role_granted": "授予角色", "role_revoked": "收回角色", "setting_changed": "修改设置", "project_created": "起草项目",
    "project_edited": "修改项目", "project_signed": "签字", "project_approved": "审定入库", "project_returned": "退回",
    "project_started": "开始实施", "project_completed": "完工", "project_accepted": "验收", "project_cancelled": "终止",
    "expenditure_added": "录入支出", "expenditure_reversed": "红字冲销", "fund_added": "新增资金",
    "allocation_issued": "下达资金", "allocation_arrived": "资金到位", "plan_created": "新建资金安排",
    "plan_signed": "签发资金安排", "plan_superseded": "资金安排被新版取代", "plan_edited": "修改资金安排草稿",
    "project_planned": "纳入资金安排", "project_unplanned": "移出资金安排", "claim_filed": "报账", "claim_paid": "支付报账",
    "claim_rejected": "驳回报账", "claim_withdrawn": "撤回报账", "asset_registered": "资产登记",
    "county_direct_changed": "设置财政省直管县", "town_category_set": "设置镇类别", "amendment_proposed": "起草项目调整",
    "amendment_signed": "项目调整签字", "amendment_returned": "退回项目调整", "amendment_withdrawn": "撤回项目调整",
    "amendment_approved": "审定项目调整", "project_amended": "项目调整生效", "publicity_recorded": "登记公示",
    "root_created": "建立根密钥", "root_replaced": "更换根密钥", "recovery_sheet_made": "制作根密钥恢复单",
    "root_recovered": "用恢复单恢复根密钥", "record_adopted": "接管记录", "records_extended": "扩充核对内容",
    "spending_reported": "登记上报支出数", "evaluation_saved": "保存绩效自评",
    "fund_budget_saved": "保存资金收支预算",
    "village_added": "新增行政村", "database_restored": "从备份恢复数据库",
    "database_replaced": "被备份取代", "peer_added": "登记数据交换单位", "package_exported": "导出数据包",
    "package_imported": "导入数据包", "record_received": "接收数据包中的记录",
}


def _event_hash(prev_hash: str, occurred_at: datetime, user_id: int | None, action: str, entity_type: str,
                entity_uuid: str, reason: str, before_json: str, after_json: str, record_json: str = "") -> str:
    fields = [prev_hash, occurred_at.isoformat(), user_id, action, entity_type, entity_uuid, reason, before_json,
              after_json]
    if record_json:  # events from before records were kept hash as they always did
        fields.append(record_json)
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    row = session.get(Setting, HEAD_SETTING)
    if row is None:
        return 0, GENESIS
    count, _, last = row.value.partition(":")
    return int(count), last


def _new_row(prev_hash: str, user_id: int | None, action: str, entity_type: str, entity_uuid: str, reason: str,
             before: Any, after: Any, record_json: str = "", signer: tuple | None = None) -> dict[str, Any]:
    """One event's columns; `signer` (key id, private key) signs its hash."""
    occurred_at = utcnow()
    before_json = "" if before is None else canonical_json(before)
    after_json = "" if after is None else canonical_json(after)
    event_hash = _event_hash(prev_hash, occurred_at, user_id, action, entity_type, entity_uuid, reason, before_json,
                             after_json, record_json)
    key_id, signature = (None, "") if signer is None else (signer[0], sign_bytes(signer[1], event_hash.encode()))
    return {"occurred_at": occurred_at, "user_id": user_id, "action": action, "entity_type": entity_type,
            "entity_uuid": entity_uuid, "reason": reason, "before_json": before_json, "after_json": after_json,
            "record_json": record_json, "prev_hash": prev_hash, "hash": event_hash, "key_id": key_id,
            "signature": signature}


def record(session: Session, user: User, action: str, entity_type: str, entity_uuid: str, *,
           reason: str = "", before: Any = None, after: Any = None) -> AuditEvent:
    """Append one event in the caller's unit of work (it commits or rolls back with the change), signed
    by `user`'s unlocked key and carrying the record the act left. Call it after making the change."""
    session.flush()
    signer = _signer(user, action)
    count, prev_hash = _head(session)
    state = "" if signer is None else records.snapshot(session, entity_type, entity_uuid)
    event = AuditEvent(**_new_row(prev_hash, user.id, action, entity_type, entity_uuid, reason, before, after,
                                  state, signer))
    session.add(event)
    _set_head(session, count + 1, event.hash)
    session.flush()
    return event


def _signer(user: User, action: str) -> tuple | None:
    """(key id, private key) that signs `user`'s act, None for the unsigned ones; refused when the user
    must first change a reset password or has no unlocked key."""
    if user.must_change_password and action not in FIRST_ACTS_AFTER_RESET:
        raise InputError("系统管理员重置了您的密码，请先修改密码，再办理其他事项。", f"{user.username} must change password")
    if action in UNSIGNED_ACTIONS:
        return None
    opened = keyring.signer(user)
    if opened is None:
        raise InputError(f"“{user.display_name}”的签名密钥未解开，无法记录此操作。请重新登录后再试。",
                         f"{user.username}: no unlocked key for {action}")
    return opened[0].id, opened[1]


def record_many(session: Session, user: User, events: list[tuple]) -> int:
    """`record` for many acts of one user at once (a plan's signing moves every project it reaches):
    (action, entity_type, entity_uuid, reason, before, after) each, the same events in the same order,
    with the records read in batches instead of one query per event."""
    session.flush()
    signers = {_signer(user, action) for action in {event[0] for event in events}}
    if None in signers:
        raise InputError("此类操作不能成批记录。", "unsigned action in record_many")
    return append_recorded(session, [(user.id, *event) for event in events], {user.id: signer for signer in signers})


def append_recorded(session: Session, events: list[tuple], signers: dict[int, tuple]) -> int:
    """`append_many` for acts already made in the tables: (user_id, action, entity_type, entity_uuid,
    reason, before, after) each; every event carries its entity's record as it stands now, read in
    batches (so each entity should appear once, or only its last act's record would be right)."""
    found: dict[tuple[str, str], str] = {}
    by_type: dict[str, list[str]] = {}
    for event in events:
        by_type.setdefault(event[2], []).append(event[3])
    for entity_type, keys in by_type.items():
        kind = records.KINDS.get(entity_type)
        if kind is not None:
            for page in pages(sorted(set(keys)), records.BATCH):
                found.update(((entity_type, key), state) for key, state in records.snapshots(session, kind, page).items())
    return append_many(session, ((*event, found.get((event[2], event[3]), "")) for event in events), signers)


def _set_head(session: Session, count: int, last_hash: str) -> None:
    """Store the head, and tell the unit of work to remember it beside the database after the commit."""
    head = session.get(Setting, HEAD_SETTING)
    if head is None:
        session.add(Setting(key=HEAD_SETTING, value=f"{count}:{last_hash}"))
    else:
        head.value = f"{count}:{last_hash}"
    session.info["audit_head"] = (count, last_hash)


def append_many(session: Session, events: Iterable[tuple], signers: dict[int, tuple]) -> int:
    """Append many events at once (bulk data generation and adopting records): (user_id, action,
    entity_type, entity_uuid, reason, before, after, record_json) each, signed with `signers[user_id]`
    (key id, private key) and chained exactly like `record`, but inserted in one executemany."""
    count, prev_hash = _head(session)
    added, rows = 0, []
    for user_id, *event in events:
        rows.append(_new_row(prev_hash, user_id, *event, signer=signers[user_id]))
        prev_hash = rows[-1]["hash"]
        if len(rows) == 10_000:  # bounded memory at any scale
            session.execute(AuditEvent.__table__.insert(), rows)
            added, rows = added + len(rows), []
    if rows:
        session.execute(AuditEvent.__table__.insert(), rows)
        added += len(rows)
    if added:
        _set_head(session, count + added, prev_hash)
        session.flush()
    return added


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None  # id of the first event that does not fit, or None
    message: str           # Chinese, empty when the chain is whole

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.message


def stored_hash_holds(session: Session, event_id: int) -> bool:
    """Whether event `event_id`'s stored hash is the hash of its fields as the program reads them (the
    confirmation of what `verify`'s fast check in SQLite flagged, services.verify_tasks)."""
    try:
        row = session.execute(select(AuditEvent.prev_hash, AuditEvent.occurred_at, AuditEvent.user_id,
                                     AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_uuid,
                                     AuditEvent.reason, AuditEvent.before_json, AuditEvent.after_json,
                                     AuditEvent.record_json, AuditEvent.hash).where(AuditEvent.id == event_id)).one()
        return _event_hash(*row[:10]) == row.hash
    except Exception:  # noqa: BLE001 - a value the program cannot even read does not hash to anything it wrote
        return False


# Kinds of record that belong to a project, shown (and indexed, audit_search.PROJECT_PARTS) under its name.
_PROJECT_PARTS = {"expenditure": Expenditure, "claim": Claim, "publicity": Publicity, "amendment": ProjectAmendment,
                  "asset": Asset}

ENTITY_LABELS = {"installation": "本安装", "project": "项目", "expenditure": "支出", "user": "用户", "setting": "设置", "fund": "资金",
                 "allocation": "下达", "arrival": "到位", "plan": "资金安排", "claim": "报账", "asset": "资产",
                 "county": "县", "town": "乡镇", "amendment": "项目调整", "publicity": "公示"}


# Filters that leave fewer events than this (counted on their indexes) drive a search; the text is then
# checked event by event. Otherwise the text index (or the event order) drives it.
NARROW = 20_000
_SEARCH = table(audit_search.TABLE, column("rowid"))
_CONTENT = table(audit_search.CONTENT, column("id"), column("c0", String))


@dataclass(frozen=True)
class _Filters:
    entity_type: str | None
    entity_uuid: str | None
    user_id: int | None
    since: datetime | None
    until: datetime | None

    def conditions(self, driving: str = "filters") -> list:
        """The WHERE terms, written so that SQLite reads the index the query should be driven by: "filters"
        theirs (the time index only without a user or entity, as it does not keep the events' order),
        "order" only those keeping the order (entity, user), "text" none (`+column` hides an index)."""
        by_event = driving in ("filters", "order")
        by_time = driving == "filters" and self.entity_uuid is None and self.user_id is None

        def column_(name: str, indexed: bool):
            found = getattr(AuditEvent, name)
            return found if indexed else literal_column(f"+audit_event.{name}", type_=found.type)

        found = []
        if self.entity_type is not None:
            found.append(column_("entity_type", by_event) == self.entity_type)
        if self.entity_uuid is not None:
            found.append(column_("entity_uuid", by_event) == self.entity_uuid)
        if self.user_id is not None:
            found.append(column_("user_id", by_event) == self.user_id)
        if self.since is not None:
            found.append(column_("occurred_at", by_time) >= self.since)
        if self.until is not None:
            found.append(column_("occurred_at", by_time) < self.until)
        return found

    def narrow(self, session: Session) -> bool:
        """Whether these filters leave fewer than NARROW events (read on their indexes, at most NARROW)."""
        conditions = self.conditions()
        if not conditions:
            return False
        probe = select(AuditEvent.id).where(*conditions).limit(NARROW).subquery()
        return session.scalar(select(func.count()).select_from(probe)) < NARROW


def _ways(session: Session, columns: tuple, words: str, filters: _Filters) -> list[tuple[Select, Any]]:
    """The selects (each with the event id column that orders it) that together find, once each, the events
    passing `filters` whose text (object name or reason, services.audit_search) contains `words` or whose
    kind's label does (“报账” finds every claim's events); every event passing them when `words` is empty.

    Which index drives each select decides the speed: few events left by the filters (`narrow`) are read on
    their index and each one's text checked; otherwise the text index finds the events newest first and
    each one's filters are checked, and the labels' kinds are read on the kind's index, newest first."""
    narrow = filters.narrow(session)
    if not words:
        return [(select(*columns).select_from(AuditEvent).where(*filters.conditions("filters" if narrow else "order")),
                 AuditEvent.id)]
    types = [entity_type for entity_type, label in ENTITY_LABELS.items() if words in label]
    of_kind = literal_column("+audit_event.entity_type")
    match = audit_search.matching(session, words)
    if narrow:
        hits = [of_kind.in_(types)] if types else []
        if match is not None:
            text = select(_CONTENT.c.c0).where(_CONTENT.c.id == AuditEvent.id).scalar_subquery()
            hits.append(text.contains(words, autoescape=True))
        return [(select(*columns).select_from(AuditEvent).where(*filters.conditions(), or_(*hits)), AuditEvent.id)] \
            if hits else []
    conditions = filters.conditions("text")
    ways = [(select(*columns).select_from(AuditEvent).where(AuditEvent.entity_type == kind, *conditions),
             AuditEvent.id) for kind in types]
    if types:  # each event once: the text's way leaves these kinds to the labels' ways
        conditions.append(of_kind.not_in(types))
    if match == audit_search.SCAN:
        ways.append((select(*columns).select_from(_CONTENT).join(AuditEvent, AuditEvent.id == _CONTENT.c.id)
                     .where(_CONTENT.c.c0.contains(words, autoescape=True), *conditions), _CONTENT.c.id))
    elif match is not None:
        ways.append((select(*columns).select_from(_SEARCH).join(AuditEvent, AuditEvent.id == _SEARCH.c.rowid)
                     .where(literal_column(audit_search.TABLE).op("MATCH")(match), *conditions), _SEARCH.c.rowid))
    return ways


def events(session: Session, *, entity_type: str | None = None, entity_uuid: str | None = None,
           user_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
           text: str = "", before_id: int | None = None, limit: int | None = None) -> list[tuple[AuditEvent, str | None]]:
    """Events (newest first) with the acting user's name, filtered by entity (give its type too: the index
    needs it), user, time (`since` inclusive, `until` exclusive) and `text` in the object's name or the
    reason; `before_id` pages on below that event."""
    filters = _Filters(entity_type, entity_uuid, user_id, since, until)
    found: list[tuple[AuditEvent, str | None]] = []
    for query, key in _ways(session, (AuditEvent, User.display_name), text.strip(), filters):
        query = query.outerjoin(User, User.id == AuditEvent.user_id)
        if before_id is not None:
            query = query.where(key < before_id)
        query = query.order_by(key.desc())
        found += session.execute(query if limit is None else query.limit(limit)).tuples()
    found.sort(key=lambda pair: pair[0].id, reverse=True)
    return found if limit is None else found[:limit]


def count_events(session: Session, *, entity_type: str | None = None, entity_uuid: str | None = None,
                 user_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
                 text: str = "") -> int:
    """How many events `events` would list with the same filters and no limit."""
    filters = _Filters(entity_type, entity_uuid, user_id, since, until)
    return sum(session.scalar(query) or 0 for query, _ in _ways(session, (func.count(),), text.strip(), filters))


def entity_names(session: Session, shown: Iterable[AuditEvent]) -> dict[str, str]:
    """What each event is about, by entity uuid: a project's name, 支出 (报账, 公示...) and the name of its
    project, 用户 and a name; one query per entity type for all the events given (the rows a viewer shows).
    The search index (services.audit_search) holds the same names."""
    by_type: dict[str, set[str]] = {}
    for event in shown:
        by_type.setdefault(event.entity_type, set()).add(event.entity_uuid)
    names: dict[str, str] = {}
    for chunk in pages(sorted(by_type.get("project", ()))):
        names.update((uuid, name) for uuid, name in session.execute(
            select(Project.uuid, Project.name).where(Project.uuid.in_(chunk))))
    for entity_type, model in _PROJECT_PARTS.items():
        for chunk in pages(sorted(by_type.get(entity_type, ()))):
            names.update((uuid, f"{ENTITY_LABELS[entity_type]} · {name}") for uuid, name in session.execute(
                select(model.uuid, Project.name).join(Project, Project.id == model.project_id)
                .where(model.uuid.in_(chunk))))
    for chunk in pages(sorted(by_type.get("user", ()))):
        names.update((uuid, f"用户 · {name}") for uuid, name in session.execute(
            select(User.uuid, User.display_name).where(User.uuid.in_(chunk))))
    return names


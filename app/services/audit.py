"""The audit log: append-only and hash-chained.

Each `AuditEvent` stores the hash of the event before it (`prev_hash`) and a SHA-256 over its own
content (who, when, action, entity, reason, before/after) and that previous hash. Changing, removing
or inserting a row breaks the chain at that row; the head (count and last hash) is also kept in a
setting, so cutting events off the end shows too.

The chain has no secret: someone who rewrites the file *and* recomputes every later hash is not
caught by the chain alone. The signatures on projects (which need the signers' passwords) and the
head hash carried by exchanged packages are what pin history down beyond this file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Expenditure, Project, Setting, User
from app.models.types import utcnow

GENESIS = "0" * 64
HEAD_SETTING = "audit_head"  # "<count>:<hash of the last event>"

ACTION_LABELS = {
    "user_created": "新建用户", "user_locked": "账户锁定", "password_changed": "修改密码",
    "password_reset": "重置密码", "user_enabled": "启用用户", "user_disabled": "停用用户",
    "setting_changed": "修改设置", "project_created": "起草项目", "project_edited": "修改项目",
    "project_signed": "签字", "project_approved": "审定入库", "project_returned": "退回",
    "project_started": "开始实施", "project_completed": "完工", "project_accepted": "验收",
    "project_cancelled": "终止", "expenditure_added": "录入支出", "expenditure_reversed": "红字冲销",
    "fund_added": "新增资金", "allocation_issued": "下达资金", "allocation_arrived": "资金到位",
    "plan_created": "新建资金安排", "plan_signed": "签发资金安排", "project_planned": "纳入资金安排",
    "project_unplanned": "移出资金安排", "claim_filed": "报账", "claim_paid": "支付报账", "claim_rejected": "驳回报账",
    "claim_withdrawn": "撤回报账", "asset_registered": "资产登记", "county_direct_changed": "设置财政省直管县", "town_category_set": "设置镇类别",
    "amendment_proposed": "起草项目调整", "amendment_signed": "项目调整签字", "amendment_returned": "退回项目调整",
    "amendment_withdrawn": "撤回项目调整", "project_amended": "项目调整生效", "publicity_recorded": "登记公示",
}


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 kept (what hashes and signatures cover)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _event_hash(prev_hash: str, occurred_at: datetime, user_id: int | None, action: str, entity_type: str,
                entity_uuid: str, reason: str, before_json: str, after_json: str) -> str:
    body = canonical_json([prev_hash, occurred_at.isoformat(), user_id, action, entity_type, entity_uuid, reason,
                           before_json, after_json])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    row = session.get(Setting, HEAD_SETTING)
    if row is None:
        return 0, GENESIS
    count, _, last = row.value.partition(":")
    return int(count), last


def _new_row(prev_hash: str, user_id: int | None, action: str, entity_type: str, entity_uuid: str, reason: str,
             before: Any, after: Any) -> dict[str, Any]:
    occurred_at = utcnow()
    before_json = "" if before is None else canonical_json(before)
    after_json = "" if after is None else canonical_json(after)
    return {"occurred_at": occurred_at, "user_id": user_id, "action": action, "entity_type": entity_type,
            "entity_uuid": entity_uuid, "reason": reason, "before_json": before_json, "after_json": after_json,
            "prev_hash": prev_hash, "hash": _event_hash(prev_hash, occurred_at, user_id, action, entity_type,
                                                        entity_uuid, reason, before_json, after_json)}


def _set_head(session: Session, count: int, last_hash: str) -> None:
    head = session.get(Setting, HEAD_SETTING)
    if head is None:
        session.add(Setting(key=HEAD_SETTING, value=f"{count}:{last_hash}"))
    else:
        head.value = f"{count}:{last_hash}"


def record(session: Session, user: User | None, action: str, entity_type: str, entity_uuid: str, *,
           reason: str = "", before: Any = None, after: Any = None) -> AuditEvent:
    """Append one event in the caller's unit of work (it commits or rolls back with the change)."""
    count, prev_hash = _head(session)
    if user is not None and user.id is None:
        session.flush()
    event = AuditEvent(**_new_row(prev_hash, user.id if user is not None else None, action, entity_type, entity_uuid,
                                  reason, before, after))
    session.add(event)
    _set_head(session, count + 1, event.hash)
    session.flush()
    return event


def append_many(session: Session, events: Iterable[tuple[int | None, str, str, str, str, Any, Any]]) -> int:
    """Append many events at once (bulk data generation): (user_id, action, entity_type, entity_uuid,
    reason, before, after) each, chained exactly like `record` but inserted in one executemany."""
    count, prev_hash = _head(session)
    rows = []
    for event in events:
        rows.append(_new_row(prev_hash, *event))
        prev_hash = rows[-1]["hash"]
    if rows:
        session.execute(AuditEvent.__table__.insert(), rows)
        _set_head(session, count + len(rows), prev_hash)
        session.flush()
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None  # id of the first event that does not fit, or None
    message: str           # Chinese, empty when the chain is whole

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.message


def verify_chain(session: Session, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the log in order and report the first broken link (edited, removed or inserted event)."""
    columns = (AuditEvent.id, AuditEvent.occurred_at, AuditEvent.user_id, AuditEvent.action, AuditEvent.entity_type,
               AuditEvent.entity_uuid, AuditEvent.reason, AuditEvent.before_json, AuditEvent.after_json,
               AuditEvent.prev_hash, AuditEvent.hash)
    expected_prev = GENESIS
    count = 0
    rows: Iterable = session.execute(select(*columns).order_by(AuditEvent.id)).yield_per(5000)
    for (event_id, occurred_at, user_id, action, entity_type, entity_uuid, reason, before_json, after_json,
         prev_hash, stored_hash) in rows:
        count += 1
        if prev_hash != expected_prev:
            return ChainReport(count, event_id, f"审计记录第 {event_id} 条与前一条不衔接：之前的记录被删除、插入或修改过。")
        if _event_hash(prev_hash, occurred_at, user_id, action, entity_type, entity_uuid, reason, before_json,
                       after_json) != stored_hash:
            return ChainReport(count, event_id, f"审计记录第 {event_id} 条的内容被修改过（哈希不符）。")
        expected_prev = stored_hash
        if progress is not None and count % 5000 == 0:
            progress(count)
    head_count, head_hash = _head(session)
    if (head_count, head_hash) != (count, expected_prev):
        return ChainReport(count, None, f"审计记录不完整：应有 {head_count} 条，实有 {count} 条（末尾的记录被删除或改动过）。")
    return ChainReport(count, None, "")


ENTITY_LABELS = {"project": "项目", "expenditure": "支出", "user": "用户", "setting": "设置", "fund": "资金",
                 "allocation": "下达", "arrival": "到位", "plan": "资金安排", "claim": "报账", "asset": "资产",
                 "county": "县", "town": "乡镇", "amendment": "项目调整", "publicity": "公示"}


def _filtered(query: Select, entity_uuid: str | None, user_id: int | None, since: datetime | None,
              until: datetime | None, text: str) -> Select:
    if entity_uuid is not None:
        query = query.where(AuditEvent.entity_uuid == entity_uuid)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    text = text.strip()
    if text:
        # What the viewer shows as the event's object (see `entity_names`) or its reason.
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = {"escape": "\\"}
        named = (select(Project.uuid).where(Project.name.like(pattern, **like))
                 .union(select(Expenditure.uuid).join(Project, Project.id == Expenditure.project_id)
                        .where(Project.name.like(pattern, **like)),
                        select(User.uuid).where(User.display_name.like(pattern, **like))))
        types = [entity_type for entity_type, label in ENTITY_LABELS.items() if text in label]
        query = query.where(or_(AuditEvent.reason.like(pattern, **like), AuditEvent.entity_uuid.in_(named),
                                AuditEvent.entity_type.in_(types)))
    return query


def events(session: Session, *, entity_uuid: str | None = None, user_id: int | None = None,
           since: datetime | None = None, until: datetime | None = None, text: str = "",
           before_id: int | None = None, limit: int | None = None) -> list[tuple[AuditEvent, str | None]]:
    """Events (newest first) with the acting user's name, filtered by entity, user, time (`since` inclusive,
    `until` exclusive) and `text` in the object's name or the reason; `before_id` pages on below that event."""
    query = (select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.user_id)
             .order_by(AuditEvent.id.desc()))
    query = _filtered(query, entity_uuid, user_id, since, until, text)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if limit is not None:
        query = query.limit(limit)
    return [(event, name) for event, name in session.execute(query)]


def count_events(session: Session, *, entity_uuid: str | None = None, user_id: int | None = None,
                 since: datetime | None = None, until: datetime | None = None, text: str = "") -> int:
    """How many events `events` would list with the same filters and no limit."""
    query = _filtered(select(func.count(AuditEvent.id)), entity_uuid, user_id, since, until, text)
    return session.scalar(query) or 0


def entity_names(session: Session, shown: Iterable[AuditEvent]) -> dict[str, str]:
    """What each event is about, by entity uuid: a project's name, 支出 of a project, 用户 and a name;
    one query per entity type for all the events given (the rows a viewer shows)."""
    by_type: dict[str, set[str]] = {}
    for event in shown:
        by_type.setdefault(event.entity_type, set()).add(event.entity_uuid)
    names: dict[str, str] = {}
    for chunk in _chunks(sorted(by_type.get("project", ()))):
        names.update((uuid, name) for uuid, name in session.execute(
            select(Project.uuid, Project.name).where(Project.uuid.in_(chunk))))
    for chunk in _chunks(sorted(by_type.get("expenditure", ()))):
        names.update((uuid, f"支出 · {name}") for uuid, name in session.execute(
            select(Expenditure.uuid, Project.name).join(Project, Project.id == Expenditure.project_id)
            .where(Expenditure.uuid.in_(chunk))))
    for chunk in _chunks(sorted(by_type.get("user", ()))):
        names.update((uuid, f"用户 · {name}") for uuid, name in session.execute(
            select(User.uuid, User.display_name).where(User.uuid.in_(chunk))))
    return names


def _chunks(values: list[str], size: int = 900) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]

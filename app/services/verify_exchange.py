"""The part of `verify` that covers the exchange's outbox and inbox (services.exchange).

Each export is a signed act (`package_exported`) naming the range of outbox numbers it added for its
peer and a digest over those rows; each import (`package_imported`) names the range of inbox rows it
stored and their digest. So every row of both tables must lie in exactly one signed range whose digest
still matches: a payload changed before it is sent again, a refused event marked applied, a row added,
removed or moved to another peer, all show. Whether those signed acts are genuine is the audit chain's
check; the peer's counters are in its record (services.records).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.exchange import STORED_COLUMNS, range_digest

Report = Callable[..., None]
_RANGE_KEY = {"outbox_event": ("package_exported", "numbered", "发件箱", "导出"),
              "inbox_event": ("package_imported", "stored", "收件箱", "导入")}


def check_exchange(session: Session, report: Report) -> None:
    peers = {row.id: (str(row.installation), str(row.name)) for row in
             session.execute(text("SELECT id, installation, name FROM peer"))}
    by_installation = {installation: peer_id for peer_id, (installation, _) in peers.items()}
    for table, (action, key, box, act) in _RANGE_KEY.items():
        ranges: dict[int, list[tuple[int, int, str]]] = {}
        for entity, after in session.execute(text("SELECT entity_uuid, after_json FROM audit_event "
                                                  "WHERE action = :action ORDER BY id"), {"action": action}):
            span = _span(after, key)
            peer_id = by_installation.get(str(entity))
            if span is not None and peer_id is not None and span[0] <= span[1]:
                ranges.setdefault(peer_id, []).append(span)
        rows: dict[int, dict[int, Any]] = {}
        for row in session.execute(text(f"SELECT peer_id, {STORED_COLUMNS[table]} FROM {table} ORDER BY peer_id, seq")):
            rows.setdefault(row[0], {})[row[1]] = tuple(row[1:])
        for peer_id in set(ranges) | set(rows):
            name = peers.get(peer_id, ("", f"编号 {peer_id}"))[1]
            where = f"数据交换（{name}）"
            found = rows.get(peer_id, {})
            covered: set[int] = set()
            for first, last, digest in ranges.get(peer_id, []):
                numbers = range(first, last + 1)
                if range_digest([found[n] for n in numbers if n in found]) != digest or \
                        any(n not in found for n in numbers):
                    report(where, f"{box}第 {first}–{last} 号事件与{act}时签名的记录不符（被改动、删除或替换）。")
                covered.update(numbers)
            extra = sorted(set(found) - covered)
            if extra:
                report(where, f"{box}中有 {len(extra)} 个事件（第 {extra[0]} 号起）不属于任何已签名的{act}（被插入）。")


def _span(after: Any, key: str) -> tuple[int, int, str] | None:
    try:
        values = json.loads(after)
        first, last = values[key]
        digest = values["digest"]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if isinstance(first, int) and isinstance(last, int) and isinstance(digest, str):
        return first, last, digest
    return None

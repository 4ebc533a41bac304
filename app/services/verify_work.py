"""The checks `verify` hands to every core (services.verify_tasks): it cuts the audit log, the checked
records and the projects into ranges, submits them, and once they are done confirms each suspect with
the program's own builders and words the findings in Chinese.

- Audit log: each range checks its links and hashes, signatures and roles; the ranges are stitched
  into one chain here (the first broken link or confirmed hash wins, as a walk in order would find).
- Records: per kind (big tables in 16 key ranges), the rows whose record differs from their last
  signed one, rows with no signed record, and signed records whose row is gone.
- Projects: each current signature over the project's content (the signing rules are checked by
  `verify` itself; a suspect project is checked again from its Python-built content).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import UserRole
from app.services import audit, records, verify_sql, verify_tasks
from app.services.crypto import unb64

Report = Callable[..., None]
EVENT_RANGE = 10_000       # event ids per task
PROJECT_RANGE = 2_000      # project ids per task
SPLIT_ABOVE = 20_000       # rows of a kind above which it is checked in key ranges
PREFIXES = "123456789abcdef"  # uuid key ranges: [open, "1"), ["1", "2"), ..., ["f", open)

EVENT_MESSAGES = {
    "unsigned_forged": "未签名的记录只能是密码错误，却带有记录内容（伪造的记录）。",
    "no_key": "没有签名，或签名所用密钥未经根密钥证书（记录被插入或伪造）。",
    "not_owner": "签名所用密钥不属于记录中的操作人。",
    "bad_signature": "签名与记录内容不符（记录被改动，或审计链被重新计算）。",
}


def event_where(event_id: int, action: str) -> str:
    return f"审计记录第 {event_id} 条（{audit.ACTION_LABELS.get(action, action)}）"


@dataclass
class Work:
    """The submitted ranges and their futures."""
    runner: verify_tasks.Runner
    events: list = field(default_factory=list)
    event_bounds: list[tuple[int, int]] = field(default_factory=list)
    records: list = field(default_factory=list)     # (kind, future)
    projects: list = field(default_factory=list)

    def wait(self, progress: Callable[[int, int], None] | None) -> None:
        self.runner.wait_all(progress)

    def report(self, progress: Callable[[int, int], None] | None) -> None:
        self.runner.report(progress)

    def close(self) -> None:
        self.runner.close()


def start(session: Session, trusted: Any, action_roles: dict[str, set[UserRole]], db_path: str | None) -> Work:
    """Submit every range (checked here at once when the job is small)."""
    context = verify_tasks.Context(
        keys={key_id: (user_id, _raw_key(public)) for key_id, (user_id, public) in trusted.keys.items()},
        users=dict(session.execute(text("SELECT id, uuid FROM user_account")).all()),
        grants=trusted.grants,
        action_roles={action: frozenset(role.value for role in roles) for action, roles in action_roles.items()},
        unsigned=audit.UNSIGNED_ACTIONS, signed_after=_signed_after(session, trusted.root),
        sql=verify_sql.all_queries())
    # Ids, not counts, size the work: max(id) is a look-up, count(*) reads a whole index.
    # (SQLite looks min() and max() up only when each is a query of its own.)
    first_event, last_event, first_project, last_project, signatures = session.execute(text(
        "SELECT (SELECT min(id) FROM audit_event), (SELECT max(id) FROM audit_event), (SELECT min(id) FROM project), "
        "(SELECT max(id) FROM project), (SELECT max(id) FROM project_signature)")).one()
    events = 0 if first_event is None else last_event - first_event + 1
    connection = session.connection().connection.driver_connection
    path = db_path or session.get_bind().url.database  # workers open the file itself
    work = Work(verify_tasks.Runner(context, connection, path if path and path != ":memory:" else None,
                                    (events or 0) + (signatures or 0)))
    # The long tasks first and the short ones last, so that neither core waits idle at the end.
    for low in _steps(first_project, last_project, PROJECT_RANGE):
        work.projects.append(work.runner.submit("project_signatures", low, low + PROJECT_RANGE - 1,
                                                weight=min(PROJECT_RANGE, last_project - low + 1)))
    for low in _steps(first_event, last_event, EVENT_RANGE):
        work.event_bounds.append((low, low + EVENT_RANGE - 1))
        work.events.append(work.runner.submit("events", low, low + EVENT_RANGE - 1,
                                              weight=min(EVENT_RANGE, last_event - low + 1)))
    for kind in records.KINDS.values():
        rows = session.execute(text(f'SELECT max(rowid) FROM "{kind.table}"')).scalar() or 0
        if kind.key == "uuid" and rows > SPLIT_ABOVE:
            bounds = [None, *PREFIXES, None]
            ranges = list(zip(bounds, bounds[1:]))
        else:
            ranges = [(None, None)]
        for low, high in ranges:
            queries = [query(kind, low is not None, high is not None) for query in
                       (verify_sql.records_changed, verify_sql.records_unsigned, verify_sql.records_count)]
            work.records.append((kind, work.runner.submit("records", *queries, {"low": low, "high": high},
                                                          weight=max(1, rows // len(ranges)))))
    return work


@contextmanager
def mapped(session: Session) -> Iterator[None]:
    """The session's connection reads the file through a memory map while `verify` runs (its replay and
    rule checks read millions of rows), then as before."""
    connection = session.connection().connection.driver_connection
    before = connection.execute("PRAGMA mmap_size").fetchone()[0]
    connection.execute("PRAGMA mmap_size = 1099511627776")
    try:
        yield
    finally:
        connection.execute(f"PRAGMA mmap_size = {int(before)}")


def raw_rows(session: Session, query: str, params: tuple | dict = ()) -> Any:
    """The rows of `query` as plain tuples, straight from the session's sqlite3 connection (for the
    checks that read every event, signature or project: a SQLAlchemy row costs a microsecond more)."""
    return session.connection().connection.driver_connection.execute(query, params)


def _raw_key(public: str) -> bytes:
    try:
        return unb64(public)
    except ValueError:
        return b""


def _steps(first: Any, last: Any, size: int) -> range:
    return range(0) if first is None else range(int(first), int(last) + 1, size)


def _signed_after(session: Session, root: Any) -> int | None:
    """The id of the last event from before signing began (the root's legacy count); None without a root."""
    if root is None:
        return None
    legacy = int(root.legacy_events or 0)
    if legacy <= 0:
        return 0
    row = session.execute(text("SELECT id FROM audit_event ORDER BY id LIMIT 1 OFFSET :n"), {"n": legacy - 1}).first()
    return None if row is None else row.id


# ---------------------------------------------------------------- the audit log

def event_results(session: Session, work: Work, trusted: Any, action_roles: dict[str, set[UserRole]],
                  report: Report) -> tuple[int, audit.ChainReport]:
    """Report the ranges' signature and role findings; return (signatures checked, the chain's state)."""
    signatures = 0
    ranges = [future.result() for future in work.events]
    for result in ranges:
        signatures += result.signatures
        for event_id, action, code, user_id in result.findings:
            if code == "no_role":
                needed = "或".join(f"“{role.label}”" for role in sorted(action_roles[action], key=lambda r: r.value))
                report(event_where(event_id, action),
                       f"操作人{trusted.users.get(user_id, user_id)}当时没有{needed}角色的有效授权"
                       "（授权是临时加上又删去的，或被改动过）。")
            else:
                report(event_where(event_id, action), EVENT_MESSAGES[code])
    return signatures, _chain(session, ranges)


def hash_at(session: Session, work: Work, position: int) -> str | None:
    """The stored hash of the `position`-th event (from 1), found through the ranges' row counts
    (counting from the start of a table of millions would take seconds)."""
    seen = 0
    for (low, high), future in zip(work.event_bounds, work.events):
        rows = future.result().rows
        if position <= seen + rows:
            return session.execute(text("SELECT hash FROM audit_event WHERE id BETWEEN :low AND :high ORDER BY id "
                                        "LIMIT 1 OFFSET :n"), {"low": low, "high": high, "n": position - seen - 1}).scalar()
        seen += rows
    return None


def _chain(session: Session, ranges: list[verify_tasks.EventRange]) -> audit.ChainReport:
    expected, seen = audit.GENESIS, 0
    for result in ranges:
        if not result.rows:
            continue
        first_id, first_prev = result.first
        if first_prev != expected:
            return _broken_link(seen + 1, first_id)
        broken = [(offset, event_id, "hash") for offset, event_id in result.hash_suspects
                  if not audit.stored_hash_holds(session, event_id)]
        if result.link_broken_at is not None:
            broken.append((*result.link_broken_at, "link"))
        if broken:
            offset, event_id, what = min(broken, key=lambda b: (b[0], b[2] != "link"))
            if what == "link":
                return _broken_link(seen + offset, event_id)
            return audit.ChainReport(seen + offset, event_id, f"审计记录第 {event_id} 条的内容被修改过（哈希不符）。")
        seen += result.rows
        expected = result.last_hash
    head_count, head_hash = audit._head(session)
    if (head_count, head_hash) != (seen, expected):
        return audit.ChainReport(seen, None, f"审计记录不完整：应有 {head_count} 条，实有 {seen} 条（末尾的记录被删除或改动过）。")
    return audit.ChainReport(seen, None, "")


def _broken_link(position: int, event_id: int) -> audit.ChainReport:
    return audit.ChainReport(position, event_id, f"审计记录第 {event_id} 条与前一条不衔接：之前的记录被删除、插入或修改过。")


# ---------------------------------------------------------------- records

def record_results(session: Session, work: Work, report: Report) -> int:
    """Report changed, unsigned and deleted records (suspects confirmed with services.records); return
    how many records were compared."""
    by_kind: dict[str, tuple[records.Kind, list, list]] = {}
    compared = 0
    for kind, future in work.records:
        changed, missing, count = future.result()
        entry = by_kind.setdefault(kind.entity_type, (kind, [], []))
        entry[1].extend(changed)
        entry[2].extend(missing)
        compared += count
    for kind, changed, missing in by_kind.values():
        findings = [(key, "missing") for key in missing]
        signed_keys = [key for key, signed in changed if signed]
        findings += [(key, "unsigned") for key, signed in changed
                     if not signed and not (kind.entity_type == "setting" and key in records.UNSIGNED_SETTINGS)]
        for start in range(0, len(signed_keys), records.BATCH):
            keys = signed_keys[start:start + records.BATCH]
            now = records.snapshots(session, kind, keys)
            signed = _last_records(session, kind, keys)
            findings += [(key, ("changed", signed[key], now[key])) for key in keys if signed.get(key) != now.get(key)]
        projects = _project_labels(session, [key for key, _ in findings]) if kind.entity_type == "project" else {}
        for key, what in sorted(findings, key=lambda f: f[0]):
            if what == "missing":
                report(_label(kind, key), "签名记录中有此记录，数据库中却没有（被删除了）。")
            elif what == "unsigned":
                report(_label(kind, key), "没有任何签名记录（不是经本程序录入的，是直接写进数据库的）。")
            else:
                project_id, where = projects.get(key, (None, _label(kind, key)))
                report(where, f"{kind.label}记录与最后一次签名记录不符："
                              f"{_changed(what[1], what[2])}（数据库被直接改动）。", project_id)
    return compared


def _last_records(session: Session, kind: records.Kind, keys: list[str]) -> dict[str, str]:
    rows = session.execute(text(
        "SELECT entity_uuid, record_json FROM audit_event WHERE id IN (SELECT max(id) FROM audit_event "
        "WHERE entity_type = :type AND record_json != '' AND entity_uuid IN (SELECT value FROM json_each(:keys)) "
        "GROUP BY entity_uuid)"), {"type": kind.entity_type, "keys": json.dumps(keys)})
    return {str(key): record for key, record in rows}


def _project_labels(session: Session, uuids: list[str]) -> dict[str, tuple[int, str]]:
    return {uuid: (project_id, f"{name}（{town}）") for uuid, project_id, name, town in session.execute(text(
        "SELECT project.uuid, project.id, project.name, town.name FROM project LEFT JOIN town ON town.id = project.town_id "
        "WHERE project.uuid IN (SELECT value FROM json_each(:keys))"), {"keys": json.dumps(uuids)})}


def _label(kind: records.Kind, key: str) -> str:
    return f"{kind.label} {key}"


def _changed(signed: str, now: str) -> str:
    try:
        fields = list(_fields(json.loads(signed), json.loads(now)))
        return "改动了 " + "、".join(fields[:6]) + (" 等" if len(fields) > 6 else "")
    except (ValueError, AttributeError, TypeError):
        return "内容不同"


def _fields(before: dict, after: dict) -> Iterator[str]:
    """The changed keys; in a child list of as many rows as before, the changed columns ("child.column")."""
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) \
                and all(isinstance(row, dict) for row in old + new):
            yield from sorted({f"{key}.{column}" for was, now in zip(old, new)
                               for column in set(was) | set(now) if was.get(column) != now.get(column)})
        else:
            yield key


# ---------------------------------------------------------------- projects

def project_suspects(work: Work) -> set[int]:
    """The projects whose signatures must be checked again over the content the program builds."""
    return {project_id for future in work.projects for project_id in future.result()[0]}

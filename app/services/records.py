"""What a signed act leaves in the tables: the *record* of one entity, read raw.

Every audit event about a checked kind of entity (a payment, a claim, a plan, a user...) carries the
record as it stood right after the act (`AuditEvent.record_json`, covered by the event's hash and the
actor's signature). `verify` reads every row again the same way and compares it with the last signed
record of its entity: a changed cell, an inserted row or a deleted one shows, whoever wrote the file.

A record is the row's columns as SQLite stores them (no parsing, so a malformed value is compared,
never crashes), foreign keys replaced by the referenced row's uuid where it has one, plus its child
rows (a plan's lines, a user's grants and keys, a project's indicators and villages). Columns that
change without a signed act are left out: a user's failed-login counter and lock (checked against the
unsigned failure events instead), the root's certificates on keys and grants (they prove themselves)
and a claim attachment's bytes (checked against their sha256).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy import Column, String, Table, cast, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NullType

from app.models import Base
from app.services.canonical import canonical_json

BATCH = 500  # keys per query: bounded parameter lists


@dataclass(frozen=True)
class Kind:
    """One checked kind of entity: the audit `entity_type`, its table, the column the events name it by,
    its child tables (table, column pointing at the parent) and the columns not covered."""
    entity_type: str
    table: str
    key: str = "uuid"
    children: tuple[tuple[str, str], ...] = ()
    skip: frozenset[str] = field(default_factory=frozenset)

    def key_column(self, table: Table):
        """The key as text (events name entities by text), so rows and events sort alike."""
        column = table.c[self.key]
        return column if isinstance(column.type, String) else cast(column, String)


KINDS: dict[str, Kind] = {kind.entity_type: kind for kind in (
    Kind("project", "project", children=(("project_indicator", "project_id"), ("project_village", "project_id"))),
    # A 项目调整's signatures (signing, returning, withdrawing and approving it are each recorded on the
    # amendment). A project's own signatures cannot be a child of the project: they share `project_id`
    # with its pending amendment's, whose signing records the amendment, not the project.
    Kind("amendment", "project_amendment", children=(("project_signature", "amendment_id"),)),
    Kind("publicity", "publicity"),
    Kind("fund", "fund", children=(("fund_income", "fund_id"),)),
    Kind("allocation", "allocation"),
    Kind("arrival", "arrival"),
    Kind("plan", "fund_plan", children=(("plan_line", "plan_id"), ("plan_town", "plan_id"))),
    Kind("claim", "claim", children=(("claim_attachment", "claim_id"),), skip=frozenset({"data"})),
    Kind("expenditure", "expenditure"),
    Kind("asset", "asset"),
    Kind("user", "user_account", children=(("role_grant", "user_id"), ("user_key", "user_id")),
         skip=frozenset({"failed_logins", "locked_until", "certificate"})),
    Kind("setting", "setting", key="key"),
    # The reference data: adopted with everything else when the root is made, changed only by signed acts.
    Kind("city", "city", key="code"),
    Kind("county", "county", key="code"),
    Kind("town", "town", key="code"),
    Kind("task_item", "task_item", key="id"),
    Kind("performance_target", "performance_target", key="id"),
    Kind("pairing", "pairing", key="id"),
)}
# Settings the program keeps for itself, changed by no one's act: the audit head (checked by the chain)
# and what the installation was made as.
UNSIGNED_SETTINGS = ("audit_head", "demo_database", "home_region_code")


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def covered(table: Table, skip: frozenset[str], parent: str | None = None) -> list[Column]:
    """The columns of `table` a record holds: all but `skip`, a child's pointer to its parent, and a
    parent row's own id (its key names it)."""
    return [column for column in table.columns
            if not (column.name in skip or column.name == parent or (column.name == "id" and parent is None))]


def natural_key(table: Table) -> str | None:
    """The column that names a row of `table` outside this file: its uuid, or a region's code."""
    if "uuid" in table.c:
        return "uuid"
    return "code" if "code" in table.c and not table.c.code.nullable else None


def child_order(child: Table) -> list[Column]:
    return [child.c.id] if "id" in child.c else list(child.c)


def _columns(table: Table, skip: frozenset[str], parent: str | None = None) -> list:
    """The covered columns of `table`, raw, with foreign keys as the referenced row's uuid."""
    return [_raw(column) for column in covered(table, skip, parent)]


def _raw(column: Column):
    """The column as stored; a foreign key as the referenced row's uuid (or code, for regions), so
    renumbering a referenced row shows. The referenced table is aliased: a key into its own table
    (a reversal's payment, an allocation's parent) must not correlate with the outer row."""
    for foreign_key in column.foreign_keys:
        natural = natural_key(foreign_key.column.table)
        if natural is not None and foreign_key.column.name == "id":
            target = foreign_key.column.table.alias()
            return (select(target.c[natural]).where(target.c.id == column).scalar_subquery()
                    .label(column.name))
    return type_coerce(column, NullType()).label(column.name)


def _row_id(table: Table, kind: Kind):
    return (table.c.id if "id" in table.c else table.c[kind.key]).label("id")


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def snapshots(session: Session, kind: Kind, keys: list[str]) -> dict[str, str]:
    """The canonical record of each entity of `kind` among `keys` that exists (absent keys are missing)."""
    table = _table(kind.table)
    rows = session.execute(select(_row_id(table, kind), *_columns(table, kind.skip))
                           .where(kind.key_column(table).in_(keys))).all()
    return _with_children(session, kind, rows)


def _with_children(session: Session, kind: Kind, rows: list) -> dict[str, str]:
    records: dict[str, dict[str, Any]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = row._asdict()
        row_id = values.pop("id")
        record = {name: _plain(value) for name, value in values.items()}
        records[str(row_id if kind.key == "id" else record[kind.key])] = by_id[row_id] = record
    for child_name, parent in kind.children:
        child = _table(child_name)
        for row in session.execute(select(child.c[parent], *_columns(child, kind.skip, parent))
                                   .where(child.c[parent].in_(list(by_id))).order_by(*child_order(child))):
            values = row._asdict()
            by_id[values.pop(parent)].setdefault(child_name, []).append(
                {name: _plain(value) for name, value in values.items()})
    return {key: canonical_json(record) for key, record in records.items()}


def snapshot(session: Session, entity_type: str, key: str) -> str:
    """The record an event about (`entity_type`, `key`) carries: "" when that kind is not checked or the
    row does not exist (an act that removes a row records its absence)."""
    kind = KINDS.get(entity_type)
    if kind is None:
        return ""
    return snapshots(session, kind, [key]).get(key, "")


def all_snapshots(session: Session, kind: Kind) -> Iterator[tuple[str, str]]:
    """(key, record) of every row of `kind`, in key order, BATCH rows at a time."""
    table = _table(kind.table)
    last = None
    key_column = kind.key_column(table)
    while True:
        query = select(_row_id(table, kind), *_columns(table, kind.skip)).order_by(key_column).limit(BATCH)
        if last is not None:
            query = query.where(key_column > last)
        rows = session.execute(query).all()
        if not rows:
            return
        last = str(rows[-1].id if kind.key == "id" else getattr(rows[-1], kind.key))
        records = _with_children(session, kind, rows)
        for row in rows:
            key = str(row.id if kind.key == "id" else getattr(row, kind.key))
            yield key, records[key]

"""What a signed act leaves in the tables: the *record* of one entity, read raw.

Every audit event about a checked kind of entity (a payment, a claim, a plan, a user...) carries the
record as it stood right after the act (`AuditEvent.record_json`, covered by the event's hash and the
actor's signature). `verify` reads every row again the same way and compares it with the last signed
record of its entity: a changed cell, an inserted row or a deleted one shows, whoever wrote the file.

A record is the row's columns as SQLite stores them (no parsing, so a malformed value is compared,
never crashes), foreign keys replaced by the referenced row's uuid where it has one, plus its child
rows (a plan's lines, a user's grants and keys, a project's indicators, villages and signatures).
Columns that change without a signed act are left out: a user's failed-login counter and lock (checked
against the unsigned failure events instead), the root's certificates on keys and grants and what a
project signature says about itself (they prove themselves) and a claim attachment's bytes (checked
against their sha256). What records cover has grown with versions: see services.adoption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator, NamedTuple

from sqlalchemy import Column, String, Table, cast, func, literal, select, text, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NullType

from app.models import Base
from app.services.canonical import canonical_json

BATCH = 500  # keys per query: bounded parameter lists


class Child(NamedTuple):
    """Rows of `table` that belong to their parent's record: those whose `parent` column holds the
    parent's id and, when `where` is given, that meet it (SQL, with the child table written `{c}`);
    `skip`: columns of these rows the record leaves out (besides the kind's); `stored`: foreign keys
    the record keeps as stored (cheaper to read) where the row proves whom they name by itself."""
    table: str
    parent: str
    where: str = ""
    skip: frozenset[str] = frozenset()
    stored: frozenset[str] = frozenset()  # foreign keys kept as stored, not as the referenced row's uuid

    def condition(self, alias: str) -> str:
        return self.where.format(c=alias)


@dataclass(frozen=True)
class Kind:
    """One checked kind of entity: the audit `entity_type`, its Chinese name, its table, the column the
    events name it by, its child tables and the columns not covered."""
    entity_type: str
    label: str  # in messages
    table: str
    key: str = "uuid"
    children: tuple[Child, ...] = ()
    skip: frozenset[str] = field(default_factory=frozenset)

    def key_column(self, table: Table):
        """The key as text (events name entities by text), so rows and events sort alike."""
        column = table.c[self.key]
        return column if isinstance(column.type, String) else cast(column, String)


# A signature on a 项目调整 belongs to the amendment's record (signing, returning, withdrawing and
# approving it are recorded on the amendment; approval moves its signatures to the project). Every other
# signature with the project's id, voided ones included, belongs to the project's, so when and why it
# was signed or voided, and on which project, are in a record too. (One pointing at an amendment that
# does not exist is the project's: every signature must be in some record.)
_OWN_SIGNATURE = ("{c}.amendment_id IS NULL OR NOT EXISTS "
                  "(SELECT 1 FROM project_amendment a WHERE a.id = {c}.amendment_id)")

# A project signature's copy of what it signed and the signature itself are left out of the project's
# record (it stays small): verify checks every signature, voided or standing, over that copy by the
# signer's key. Who signed in which role at which version stays in, beside when and why it was signed
# or voided, so no date or void reason can be moved from one signer to another.
_SELF_PROVING = frozenset({"content_json", "signature"})
# The signer and key as stored: a signature verifies only by that key over that signer's uuid, so a
# renumbered user or key breaks it; reading their uuids for every signature would cost verify a tenth.
_SIGNER_IDS = frozenset({"user_id", "key_id"})

KINDS: dict[str, Kind] = {kind.entity_type: kind for kind in (
    Kind("project", "项目", "project", children=(Child("project_indicator", "project_id"),
                                         Child("project_village", "project_id"),
                                         Child("project_signature", "project_id", _OWN_SIGNATURE, _SELF_PROVING,
                                               _SIGNER_IDS))),
    Kind("amendment", "项目调整", "project_amendment", children=(Child("project_signature", "amendment_id"),)),
    Kind("publicity", "公示", "publicity"),
    Kind("fund", "资金", "fund", children=(Child("fund_income", "fund_id"),)),
    Kind("allocation", "下达", "allocation"),
    Kind("arrival", "到位", "arrival"),
    Kind("reported", "上报支出数", "reported_spending"),
    Kind("plan", "资金安排", "fund_plan", children=(Child("plan_line", "plan_id"), Child("plan_town", "plan_id"))),
    Kind("claim", "报账", "claim", children=(Child("claim_attachment", "claim_id"),), skip=frozenset({"data"})),
    Kind("expenditure", "支出", "expenditure"),
    Kind("asset", "资产", "asset"),
    Kind("evaluation", "绩效自评", "evaluation", children=(Child("evaluation_item", "evaluation_id"),)),
    Kind("fund_budget", "资金收支预算", "fund_budget",
         children=(Child("fund_budget_line", "budget_id"), Child("fund_budget_target", "budget_id"))),
    Kind("user", "用户", "user_account", children=(Child("role_grant", "user_id"), Child("user_key", "user_id")),
         skip=frozenset({"failed_logins", "locked_until", "certificate"})),
    Kind("setting", "设置", "setting", key="key"),
    Kind("peer", "数据交换单位", "peer", key="installation", children=(Child("peer_user", "peer_id"),)),
    # The reference data: adopted with everything else when the root is made, changed only by signed acts.
    Kind("city", "地级市", "city", key="code"),
    Kind("county", "县", "county", key="code"),
    Kind("town", "乡镇", "town", key="code"),
    Kind("task_item", "任务清单", "task_item", key="id"),
    Kind("performance_target", "绩效目标值", "performance_target", key="id"),
    Kind("pairing", "帮扶关系", "pairing", key="id"),
    Kind("east_west_pairing", "东西部协作结对", "east_west_pairing", key="id"),
    Kind("village", "行政村", "village", key="id"),
)}
# Settings the program keeps for itself, changed by no one's act: the audit head (checked by the chain)
# and whether the installation was made as the demo (it only offers the published demo passwords).
UNSIGNED_SETTINGS = ("audit_head", "demo_database")


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


def _columns(table: Table, skip: frozenset[str], parent: str | None = None,
             stored: frozenset[str] = frozenset()) -> list:
    """The covered columns of `table`, raw, with foreign keys (but `stored`) as the referenced row's uuid.
    Built once per shape: every signed act reads a record, and building these expressions (an aliased
    subquery per foreign key) cost more than running the query."""
    return list(_built_columns(table, skip, parent, stored))


@lru_cache(maxsize=None)
def _built_columns(table: Table, skip: frozenset[str], parent: str | None, stored: frozenset[str]) -> tuple:
    return tuple(_raw(column, column.name in stored) for column in covered(table, skip, parent))


def _raw(column: Column, as_stored: bool = False):
    """The column as stored; a foreign key as the referenced row's uuid (or code, for regions), so
    renumbering a referenced row shows, and a key to no row as "#" and the key (never as empty, which
    would read like no key at all). The referenced table is aliased: a key into its own table (a
    reversal's payment, an allocation's parent) must not correlate with the outer row."""
    for foreign_key in () if as_stored else column.foreign_keys:
        natural = natural_key(foreign_key.column.table)
        if natural is not None and foreign_key.column.name == "id":
            target = foreign_key.column.table.alias()
            found = select(target.c[natural]).where(target.c.id == column).scalar_subquery()
            return func.coalesce(found, literal("#").op("||")(column)).label(column.name)
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
    for child in kind.children:
        table = _table(child.table)
        query = (select(table.c[child.parent], *_columns(table, kind.skip | child.skip, child.parent, child.stored))
                 .where(table.c[child.parent].in_(list(by_id))))
        if child.where:
            query = query.where(text(f"({child.condition(child.table)})"))
        for row in session.execute(query.order_by(*child_order(table))):
            values = row._asdict()
            by_id[values.pop(child.parent)].setdefault(child.table, []).append(
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

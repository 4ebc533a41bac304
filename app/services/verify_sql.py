"""The queries with which SQLite itself writes what `verify` compares, so the comparison of millions of
rows runs in C (services.verify_tasks runs them on every core).

Each query produces the same text as a Python builder of the program, for the values the program
stores: an event's hashed fields (audit._event_hash), a row's record (services.records) and a project's
signed content (services.content.project_contents). They are derived from the same table metadata
and column lists as those builders; anything they flag is confirmed by the builder before it is
reported (see verify_tasks).
"""

from __future__ import annotations

from sqlalchemy import Column

from app.models import Base
from app.services import records
from app.services.content_text import INDICATOR_KEYS, SCALAR_COLUMNS


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _plain(expression: str, safe: bool) -> str:
    """A value as the Python builders write it: a BLOB as lower-case hex (records._plain), else as stored;
    the fast variant of a query leaves the type test out (services.verify_tasks._rows)."""
    if not safe:
        return expression
    return f"(CASE WHEN typeof({expression}) = 'blob' THEN lower(hex({expression})) ELSE {expression} END)"


def _object(pairs: list[tuple[str, str]]) -> str:
    """json_object over (key, SQL expression) pairs in canonical (sorted) key order."""
    return "json_object(" + ", ".join(f"{_literal(key)}, {value}" for key, value in sorted(pairs)) + ")"


def _array(select: str) -> str:
    """A JSON array of the JSON objects one ordered subquery yields, as embedded JSON."""
    return f"json((SELECT json_group_array(json(o)) FROM ({select})))"


# ---------------------------------------------------------------- records

def _value(column: Column, alias: str, safe: bool, as_stored: bool = False) -> str:
    """records._raw in SQL: the stored value, a foreign key as the referenced row's uuid (or code), or
    "#" and the key where it names no row."""
    for foreign_key in () if as_stored else column.foreign_keys:
        target = foreign_key.column.table
        natural = records.natural_key(target)
        if natural is not None and foreign_key.column.name == "id":
            inner = f"{alias}_{column.name}"
            return _plain(f"coalesce((SELECT {inner}.{_quote(natural)} FROM {_quote(target.name)} {inner} "
                          f"WHERE {inner}.id = {alias}.{_quote(column.name)}), '#' || {alias}.{_quote(column.name)})",
                          safe)
    return _plain(f"{alias}.{_quote(column.name)}", safe)


def record_json(kind: records.Kind, safe: bool, alias: str = "t") -> str:
    """The SQL text of `records.snapshots` for the row `alias` of `kind`'s table."""
    table = Base.metadata.tables[kind.table]
    pairs = [(column.name, _value(column, alias, safe)) for column in records.covered(table, kind.skip)]
    empty = []
    for child in kind.children:
        child_table = Base.metadata.tables[child.table]
        columns = records.covered(child_table, kind.skip | child.skip, child.parent)
        order = ", ".join(f"c.{_quote(c.name)}" for c in records.child_order(child_table))
        objects = _object([(column.name, _value(column, "c", safe, column.name in child.stored)) for column in columns])
        extra = f" AND ({child.condition('c')})" if child.where else ""
        pairs.append((child.table, _array(f"SELECT {objects} AS o FROM {_quote(child.table)} c "
                                          f"WHERE c.{_quote(child.parent)} = {alias}.id{extra} ORDER BY {order}")))
        empty.append(child.table)
    text = _object(pairs)
    # The Python builder leaves a child list out when there are no children. In canonical JSON a key with
    # an empty list is `"name":[]` after a comma or a brace; that text cannot occur inside a string.
    for name in empty:
        after_comma, first = _literal(f',"{name}":[]'), _literal('{"' + name + '":[],')
        text = f"replace(replace({text}, {after_comma}, ''), {first}, '{{')"
    return text


def _key(kind: records.Kind, alias: str) -> str:
    table = Base.metadata.tables[kind.table]
    column = f"{alias}.{_quote(kind.key)}"
    return column if table.c[kind.key].type.python_type is str else f"CAST({column} AS TEXT)"


def _bounds(column: str, low: bool, high: bool) -> str:
    """Key bounds [:low, :high); an open end has none, so the ranges cover keys of any type."""
    return "".join((f" AND {column} >= :low" if low else "", f" AND {column} < :high" if high else ""))


def records_changed(kind: records.Kind, low: bool = False, high: bool = False) -> tuple[str, str]:
    """(key, 1 if its row is gone) of each entity of `kind` (keys in [:low, :high)) whose row differs from
    the record of its last signed event. The events are read in key order from their index and each
    row is looked up by its key (the other way round, SQLite would first index the events itself)."""
    return tuple(
        f"WITH last AS (SELECT entity_uuid AS key, max(id), record_json AS signed FROM audit_event "  # the max row's
        f"WHERE entity_type = {_literal(kind.entity_type)} AND record_json != ''"
        f"{_bounds('entity_uuid', low, high)} GROUP BY entity_uuid) "
        f"SELECT last.key, t.rowid IS NULL FROM last LEFT JOIN {_quote(kind.table)} t ON {_key(kind, 't')} = last.key "
        f"WHERE last.signed IS NOT {record_json(kind, safe)}"
        for safe in (False, True))


def records_unsigned(kind: records.Kind, low: bool = False, high: bool = False) -> tuple[str, str]:
    """Keys of the rows of `kind` (in [:low, :high)) that no signed event has a record of (no JSON: safe as is)."""
    key = _key(kind, "t")
    query = (f"SELECT {key} FROM {_quote(kind.table)} t WHERE NOT EXISTS (SELECT 1 FROM audit_event e "
             f"WHERE e.entity_type = {_literal(kind.entity_type)} AND e.entity_uuid = {key} AND e.record_json != '')"
             f"{_bounds(key, low, high)}")
    return query, query


def records_count(kind: records.Kind, low: bool = False, high: bool = False) -> tuple[str, str]:
    """How many rows of `kind` have keys in [:low, :high)."""
    key = _key(kind, "t")
    query = f"SELECT count(*) FROM {_quote(kind.table)} t WHERE 1{_bounds(key, low, high)}"
    return query, query


# ---------------------------------------------------------------- events

def _iso(column: str) -> str:
    """A stored UTC time ("2023-05-01 08:30:00.250000") as `datetime.isoformat()` writes the aware value
    ("2023-05-01T08:30:00.250000+00:00", no fraction when it is zero). Plain text replacement is the
    cheapest SQL for it; a value the program would not store comes out different, which only makes a
    suspect that Python then confirms."""
    return f"replace(replace({column} || '+00:00', '.000000+', '+'), ' ', 'T')"


_HASHED = ("prev_hash", "occurred_at", "user_id", "action", "entity_type", "entity_uuid", "reason", "before_json",
           "after_json")


def events(safe: bool) -> str:
    """Each event with :low ≤ id ≤ :high, with the text audit._event_hash hashes."""
    fields = ", ".join(_iso("occurred_at") if name == "occurred_at" else _plain(name, safe) for name in _HASHED)
    return ("SELECT id, prev_hash, hash, user_id, key_id, signature, action, occurred_at, entity_type, entity_uuid, "
            "record_json != '', "
            f"CASE WHEN record_json = '' THEN json_array({fields}) "
            f"ELSE json_array({fields}, {_plain('record_json', safe)}) END "
            "FROM audit_event WHERE id BETWEEN :low AND :high ORDER BY id")


# ---------------------------------------------------------------- project content

def project_contents(safe: bool) -> str:
    """(id, content version, signed content as canonical JSON) of projects with :low ≤ id ≤ :high."""
    pairs = [(name, _plain(f"p.{_quote(name)}", safe)) for name in SCALAR_COLUMNS]
    indicators = _object([(key, _plain(f"i.{_quote(key)}", safe)) for key in INDICATOR_KEYS])
    pairs += [
        ("uuid", "p.uuid"),
        ("town", "(SELECT code FROM town WHERE town.id = p.town_id)"),
        ("fund", "(SELECT uuid FROM fund WHERE fund.id = p.fund_id)"),
        ("task_item", "(SELECT city.code || '/' || task_item.year || '/' || task_item.position FROM task_item "
                      "JOIN city ON city.id = task_item.city_id WHERE task_item.id = p.task_item_id)"),
        ("indicators", _array(f"SELECT {indicators} AS o FROM project_indicator i WHERE i.project_id = p.id "
                              "ORDER BY i.position, i.id")),
        ("villages", "json((SELECT json_group_array(name) FROM (SELECT village.name FROM project_village "
                     "JOIN village ON village.id = project_village.village_id "
                     "WHERE project_village.project_id = p.id ORDER BY village.name)))"),
    ]
    return f"SELECT p.id, p.content_version, {_object(pairs)} FROM project p WHERE p.id BETWEEN :low AND :high"


def project_signatures() -> str:
    """The current signatures (not voided, not of a 项目调整) of projects with :low ≤ id ≤ :high."""
    return ("SELECT project_id, user_id, key_id, role, content_version, signature FROM project_signature "
            "WHERE voided_at IS NULL AND amendment_id IS NULL AND project_id BETWEEN :low AND :high ORDER BY project_id")


def all_queries() -> dict[str, tuple[str, str]]:
    """The fixed queries, each as (fast, safe) (services.verify_tasks._rows)."""
    return {"events": (events(False), events(True)), "project_contents": (project_contents(False), project_contents(True)),
            "project_signatures": (project_signatures(), project_signatures())}

"""Finding audit events by text: an SQLite FTS5 index of what the audit viewer shows for each event.

Each event's searchable text is its object's name (a project's name, also for the project's 支出, 报账,
公示, 项目调整 and 资产; a user's display name) and its reason. The `trigram` tokenizer indexes every
three-character substring, so a filter of three or more characters is one phrase query, Chinese
included. One or two characters make no trigram: the terms of the index that start with them (read
from the `fts5vocab` table) are looked up instead, and since each text ends with two line breaks every
occurrence of a one- or two-character string starts some indexed trigram.

Triggers keep the index in step with the tables, whoever writes them (the services, the bulk generator,
a migration): each appended event is indexed in the same transaction, and renaming a project or a user
re-indexes the events about it, so a search finds what the viewer shows under the current name.

A trap for later migrations: the triggers name `project`, `user_account`, `audit_event` and the project
parts' tables, and SQLite refuses to rename a table into place while a trigger names a table that is not
there. So a migration that rebuilds one of them (Alembic's batch mode copies, drops and renames) must drop
`TRIGGERS` first and create them again after. Case: the index folds letters' case beyond ASCII, the
narrow path's LIKE only ASCII (as the viewer's filter always did).

The index is derived data, not evidence: `verify` checks the audit log itself, and checks that the
file's triggers are exactly these (so none can be edited into writing elsewhere). Changing `SCHEMA`
needs a migration that drops and recreates them and rebuilds the index (migration 0010 made them).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

TABLE = "audit_search"
TERMS = "audit_search_terms"
# FTS5 keeps an index in these tables of its own; CONTENT holds each event's text (id, c0).
SHADOW_TABLES = tuple(f"{TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config"))
CONTENT = f"{TABLE}_content"
# Entity types whose events are about a project, by the table that holds them (uuid, project_id).
PROJECT_PARTS = {"expenditure": "expenditure", "claim": "claim", "publicity": "publicity",
                 "amendment": "project_amendment", "asset": "asset"}
# More terms than this for a one- or two-character filter: it is common enough to scan for instead.
MAX_TERMS = 200


def _name_of(entity_type: str, entity_uuid: str) -> str:
    """SQL for the name an event about (`entity_type`, `entity_uuid`) is shown under, '' for none."""
    parts = "".join(f" WHEN '{kind}' THEN (SELECT p.name FROM {table} c JOIN project p ON p.id = c.project_id"
                    f" WHERE c.uuid = {entity_uuid})" for kind, table in PROJECT_PARTS.items())
    return (f"coalesce(CASE {entity_type} WHEN 'project' THEN (SELECT name FROM project WHERE uuid = {entity_uuid})"
            f"{parts} WHEN 'user' THEN (SELECT display_name FROM user_account WHERE uuid = {entity_uuid}) END, '')")


def _body(name: str, reason: str) -> str:
    return f"{name} || char(10) || {reason} || char(10) || char(10)"


def _reindex(name: str, event_ids: str) -> str:
    return (f"UPDATE {TABLE} SET body = {_body(name, f'(SELECT reason FROM audit_event WHERE id = {TABLE}.rowid)')}"
            f" WHERE rowid IN ({event_ids});")


_PROJECT_EVENTS = " UNION ALL ".join(
    ["SELECT id FROM audit_event WHERE entity_type = 'project' AND entity_uuid = NEW.uuid"]
    + [f"SELECT e.id FROM {table} c JOIN audit_event e ON e.entity_type = '{kind}' AND e.entity_uuid = c.uuid"
       f" WHERE c.project_id = NEW.id" for kind, table in PROJECT_PARTS.items()])
_USER_EVENTS = "SELECT id FROM audit_event WHERE entity_type = 'user' AND entity_uuid = NEW.uuid"

TRIGGERS = {
    "audit_search_event_added":
        f"CREATE TRIGGER audit_search_event_added AFTER INSERT ON audit_event BEGIN "
        f"INSERT INTO {TABLE}(rowid, body) VALUES (NEW.id, "
        f"{_body(_name_of('NEW.entity_type', 'NEW.entity_uuid'), 'NEW.reason')}); END",
    "audit_search_project_renamed":
        f"CREATE TRIGGER audit_search_project_renamed AFTER UPDATE OF name ON project "
        f"WHEN NEW.name IS NOT OLD.name BEGIN {_reindex('NEW.name', _PROJECT_EVENTS)} END",
    "audit_search_user_renamed":
        f"CREATE TRIGGER audit_search_user_renamed AFTER UPDATE OF display_name ON user_account "
        f"WHEN NEW.display_name IS NOT OLD.display_name BEGIN {_reindex('NEW.display_name', _USER_EVENTS)} END",
}

SCHEMA = (f"CREATE VIRTUAL TABLE {TABLE} USING fts5(body, tokenize = 'trigram')",
          f"CREATE VIRTUAL TABLE {TERMS} USING fts5vocab({TABLE}, 'row')",
          *TRIGGERS.values())
# Index the events already in the file (the migration, after SCHEMA).
BACKFILL = (f"INSERT INTO {TABLE}(rowid, body) SELECT e.id, "
            f"{_body(_name_of('e.entity_type', 'e.entity_uuid'), 'e.reason')} FROM audit_event e")
TABLES = (TABLE, TERMS, *SHADOW_TABLES)


def not_search_index(name: str | None, kind: str, _parent: dict) -> bool:
    """For Alembic's autogenerate (`include_name`): the models do not describe this index's tables."""
    return not (kind == "table" and name in TABLES)


def normalised(sql: str) -> str:
    return " ".join(str(sql).split())


def matching(session: Session, words: str) -> str | None:
    """The FTS5 query that finds events whose text contains `words` (already stripped); None when no
    event's text can contain it (a one- or two-character string that starts no indexed trigram), or,
    as `SCAN`, when it is too common to look up term by term."""
    if len(words) >= 3:
        return _phrase(words)
    low = words.lower()  # the index folds case the same way
    terms = session.execute(text(f"SELECT term FROM {TERMS} WHERE term >= :low AND term < :high LIMIT :most"),
                            {"low": low, "high": low + "\U0010ffff", "most": MAX_TERMS + 1}).scalars().all()
    if not terms:
        return None
    if len(terms) > MAX_TERMS:
        return SCAN
    return " OR ".join(_phrase(term) for term in terms)


SCAN = "*scan*"  # `matching`'s answer for a short, common filter: not an FTS5 query


def _phrase(words: str) -> str:
    return '"' + words.replace('"', '""') + '"'

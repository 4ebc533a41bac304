"""Records an administrator signs for rows no act recorded: every row there is when the installation's
root is made (reference data, an older version's rows, the bulk generator's), and, once, what a newer
version's records cover that the older one's did not.

What a record covers has a *layout* number. Layout 2 added a project's own signatures (voided ones
included), the villages and the home region; layout 3 (this version) the 东西部协作 pairing, whose rows
migration 0007 writes into an upgraded database. The layout an installation's records are
kept at is signed in the audit log: by the root's making (`root_created`), then by each extension
(`records_extended`), so nobody can make the program extend twice. Extending blesses nothing the older
layout protected: a project is re-recorded only when its row still matches its last signed record in
the older layout, so an edit made before the upgrade is still reported by `verify`.
"""

from __future__ import annotations

import json
from typing import Collection, Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, TrustRoot, User
from app.services import audit, keyring, records, refdata
from app.services.canonical import canonical_json
from app.services.errors import InputError

LAYOUT = 3
EVENT = "records_extended"
# What layout 2 added: the child lists of a kind's records, kinds and settings (settings.HOME_REGION,
# which settings cannot be imported here: it needs security, which needs this module).
_ADDED_CHILDREN = {"project": "project_signature"}
_ADDED_SETTINGS = ("home_region_code",)
# The kinds each layout added.
_ADDED_KINDS = {2: ("village",), 3: ("east_west_pairing",)}


def adopt(session: Session, admin: User, entries: Iterable[tuple[str, str, str]], reason: str) -> int:
    """A signed "record_adopted" event by `admin` for each (entity type, key, record); how many."""
    opened = keyring.signer(admin)
    if opened is None:
        raise InputError("系统管理员的签名密钥未解开，请重新登录。", "adopt without key")
    session.flush()
    events = ((admin.id, "record_adopted", entity_type, key, reason, None, None, record)
              for entity_type, key, record in entries)
    return audit.append_many(session, events, {admin.id: (opened[0].id, opened[1])})


def adopt_unrecorded(session: Session, admin: User) -> int:
    """Every checked record without a signed event gets one: done when the root is made."""
    return adopt(session, admin, (entry for kind in records.KINDS.values() for entry in _unrecorded(session, kind)),
                 "升级前或批量生成的记录")


def _unrecorded(session: Session, kind: records.Kind, keys: Collection[str] | None = None
                ) -> Iterator[tuple[str, str, str]]:
    recorded = set(session.scalars(select(AuditEvent.entity_uuid).distinct().where(
        AuditEvent.entity_type == kind.entity_type, AuditEvent.record_json != "")))
    for key, record in records.all_snapshots(session, kind):
        unsigned = kind.entity_type == "setting" and key in records.UNSIGNED_SETTINGS
        if key not in recorded and not unsigned and (keys is None or key in keys):
            yield kind.entity_type, key, record


def layout(session: Session) -> int:
    """The layout the records are kept at, as the audit log says (1 before layouts were named)."""
    marks = session.scalars(select(AuditEvent.after_json).where(
        AuditEvent.entity_type == "installation", AuditEvent.action.in_(("root_created", EVENT))))
    return max((_layout_of(after) for after in marks), default=1)


def _layout_of(after_json: str) -> int:
    try:
        value = json.loads(after_json or "{}").get("record_layout", 1)
    except (ValueError, AttributeError):
        return 1
    return value if isinstance(value, int) else 1


def extend(session: Session, admin: User) -> int:
    """At an administrator's login into an installation whose records are kept at an older layout: sign
    what this version's records add, and the new layout. How many records were signed."""
    root = session.scalar(select(TrustRoot).where(TrustRoot.retired_at.is_(None)))
    kept_at = layout(session)
    if root is None or kept_at >= LAYOUT:
        return 0
    parts = [_unrecorded(session, records.KINDS[kind], _trusted(session, kind))
             for added_in, kinds in _ADDED_KINDS.items() if added_in > kept_at for kind in kinds]
    if kept_at < 2:
        parts += [_unrecorded(session, records.KINDS["setting"], _ADDED_SETTINGS), _grown(session)]
    count = adopt(session, admin, (entry for part in parts for entry in part),
                  f"新版本扩充核对内容（第 {LAYOUT} 版记录）")
    audit.record(session, admin, EVENT, "installation", root.installation,
                 after={"record_layout": LAYOUT, "records": count})
    return count


def _trusted(session: Session, kind: str) -> set[str] | None:
    """The rows of an added kind that may be signed (None: all). The 东西部协作 rows are the program's own
    reference data, so only those exactly as published are (services.refdata)."""
    return set(refdata.east_west_as_published(session)) if kind == "east_west_pairing" else None


def _grown(session: Session) -> Iterator[tuple[str, str, str]]:
    """The projects whose record only grew by the lists layout 2 added."""
    for entity_type, child in _ADDED_CHILDREN.items():
        kind = records.KINDS[entity_type]
        batch: list[tuple[str, str]] = []
        for key, record in records.all_snapshots(session, kind):
            batch.append((key, record))
            if len(batch) == records.BATCH:
                yield from _matching(session, kind, child, batch)
                batch = []
        yield from _matching(session, kind, child, batch)


def _matching(session: Session, kind: records.Kind, child: str, batch: list[tuple[str, str]]
              ) -> Iterator[tuple[str, str, str]]:
    if not batch:
        return
    last = select(func.max(AuditEvent.id)).where(
        AuditEvent.entity_type == kind.entity_type, AuditEvent.record_json != "",
        AuditEvent.entity_uuid.in_([key for key, _ in batch])).group_by(AuditEvent.entity_uuid)
    signed = dict(session.execute(select(AuditEvent.entity_uuid, AuditEvent.record_json)
                                  .where(AuditEvent.id.in_(last))).all())
    for key, record in batch:
        older = json.loads(record)
        if older.pop(child, None) is not None and signed.get(key) == canonical_json(older):
            yield kind.entity_type, key, record

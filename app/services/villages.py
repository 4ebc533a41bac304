"""A town's administrative villages (行政村), entered by the administrator: a project names the villages
it serves from this list, so which villages belong to which town is a signed act like any other
reference change (the province's division list stops at the township)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User, Village
from app.services import audit, security, text
from app.services.errors import InputError
from app.services.regions import find_town


def add_villages(session: Session, admin: User, town_code: str, names: list[str]) -> list[Village]:
    """Add `names` as villages of the town; a name the town already has, or given twice, is refused."""
    town = find_town(session, town_code)
    security.require(session, admin, security.Action.manage_regions, town.code)
    cleaned = [text.line(name, "行政村名称", Village.name, required=True) for name in names]
    if not cleaned:
        raise InputError("请填写行政村名称。", "no village named")
    known = set(session.scalars(select(Village.name).where(Village.town_id == town.id)))
    repeated = sorted({name for name in cleaned if name in known or cleaned.count(name) > 1})
    if repeated:
        raise InputError(f"{town.name}已有或重复填写了行政村“{'、'.join(repeated)}”。", "village twice")
    villages = [Village(town_id=town.id, name=name) for name in cleaned]
    session.add_all(villages)
    session.flush()
    for village in villages:
        audit.record(session, admin, "village_added", "village", str(village.id),
                     after={"town": town.code, "name": village.name})
    return villages

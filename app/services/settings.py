"""Key/value settings kept in the database, so they travel with it (e.g. the home region)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Setting

HOME_REGION = "home_region_code"  # the region this installation works for; the window opens on it


def get_setting(session: Session, key: str, default: str = "") -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value

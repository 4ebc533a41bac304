"""Declarative base, constraint naming (Alembic needs stable names) and the mixin for records that
travel between installations: a UUID, a version bumped on every update, and UTC timestamps.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from app.domain.money import Money
from app.models.types import DecimalText, MoneyType, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Money: MoneyType(),
        datetime: UTCDateTime(),
        date: Date(),
        Decimal: DecimalText(),
    }


def new_uuid() -> str:
    return str(uuid_module.uuid4())


class Travelling:
    """A record that moves between town, county and city databases."""

    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # Every ORM update bumps `version`; a stale concurrent update fails instead of winning.
        return {"version_id_col": cls.__table__.c.version}

"""Column types that keep Python values honest in SQLite: Money as integer 分, datetimes always UTC,
exact decimals as text, and labelled enums stored by their English identifier.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator

from app.domain.money import Money


class MoneyType(TypeDecorator):
    """`Money` stored as integer 分 (BIGINT)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Money):
            raise TypeError(f"expected Money, got {type(value).__name__}")
        return value.fen

    def process_result_value(self, value: Any, dialect: Any) -> Money | None:
        return None if value is None else Money(int(value))


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, stored as naive UTC, aware UTC out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a timezone")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class DecimalText(TypeDecorator):
    """An exact Decimal stored as its text (SQLite has no decimal type; REAL would round)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected Decimal, got {type(value).__name__}")
        return str(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


def enum_column(enum_cls: type) -> SAEnum:
    """A labelled enum stored as its English value in a VARCHAR (portable to PostgreSQL)."""
    return SAEnum(enum_cls, native_enum=False, length=32, validate_strings=True,
                  values_callable=lambda cls: [m.value for m in cls])


def utcnow() -> datetime:
    return datetime.now(timezone.utc)

"""What the province asks of each city for a year (seed 003): the 任务清单 `TaskItem`s and the
绩效目标 `PerformanceTarget`s, plus the pairing table of who helps whom (seed 004) and the 东西部协作
pairing of Guangdong's cities with counties of other provinces (seed 001 表1-1)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.domain.enums import (Comparator, IndicatorLevel1, IndicatorLevel2, PurposeCategory, TaskNature,
                              TownCategory)
from app.domain.money import Money
from app.models.types import enum_column


class TaskItem(Base):
    __tablename__ = "task_item"
    __table_args__ = (Index("ix_task_item_city_year", "city_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    year: Mapped[int]
    position: Mapped[int]
    department: Mapped[str] = mapped_column(String(120))
    purpose_category: Mapped[PurposeCategory] = mapped_column(enum_column(PurposeCategory))
    purpose_text: Mapped[str] = mapped_column(String(120))
    nature: Mapped[TaskNature] = mapped_column(enum_column(TaskNature))
    name: Mapped[str] = mapped_column(String(200))
    implementation: Mapped[str] = mapped_column(String(60), default="")
    quantity_text: Mapped[str] = mapped_column(Text, default="")
    deadline_text: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    city = relationship("City")


class PerformanceTarget(Base):
    __tablename__ = "performance_target"
    __table_args__ = (Index("ix_performance_target_city_year", "city_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    year: Mapped[int]
    position: Mapped[int]
    level1: Mapped[IndicatorLevel1] = mapped_column(enum_column(IndicatorLevel1))
    level2: Mapped[IndicatorLevel2] = mapped_column(enum_column(IndicatorLevel2))
    level3: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="")
    comparator: Mapped[Comparator] = mapped_column(enum_column(Comparator))
    target_text: Mapped[str] = mapped_column(String(100))
    target_value: Mapped[Decimal | None]

    city = relationship("City")


class Pairing(Base):
    """One cell of the province's pairing annex: `helper` helps `towns_count` towns of `helped_city`."""

    __tablename__ = "pairing"

    id: Mapped[int] = mapped_column(primary_key=True)
    prd_city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id"))
    helped_city_id: Mapped[int] = mapped_column(ForeignKey("city.id"), index=True)
    town_category: Mapped[TownCategory] = mapped_column(enum_column(TownCategory))
    helper_kind: Mapped[str] = mapped_column(String(60))
    helper: Mapped[str] = mapped_column(String(60))
    towns_count: Mapped[int]
    note: Mapped[str] = mapped_column(String(200), default="")

    prd_city = relationship("City", foreign_keys=[prd_city_id])
    helped_city = relationship("City", foreign_keys=[helped_city_id])


class EastWestPairing(Base):
    """东西部协作: one county of another province (广西, 贵州) that a Guangdong city helps in `year`, with the
    援助资金协议数 agreed for that county. The province pays that money straight to the other province's
    finance department (001:l.10), so it is no `Allocation` of ours: this is the agreement, reference data."""

    __tablename__ = "east_west_pairing"
    __table_args__ = (UniqueConstraint("year", "helped_county", name="one_pairing_per_county"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    position: Mapped[int]  # the order of 001 表1-1: 江门, 肇庆, 湛江, 茂名 (广西), then 惠州 (贵州)
    helped_province: Mapped[str] = mapped_column(String(20))
    helped_county: Mapped[str] = mapped_column(String(40))
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"), index=True)  # 我省帮扶市
    aid: Mapped[Money]  # 援助资金协议数

    city = relationship("City")

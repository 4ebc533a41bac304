"""Derived totals the ledger sorts and sums by, so that sorting a province's projects by 已支出 or 支出率
and the 按镇 view read a narrow table instead of re-adding every payment: per project (`ProjectTotal`)
and per town, fund and source (`TownFundTotal`).

They are kept in step by triggers in the same transaction as each payment, reversal, plan line and plan
signing (`services.money.totals`), and `verify` recomputes them from the payments and plans. They are
not evidence: never signed, never part of a record, never exchanged (each installation derives its own).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.domain.enums import FundSource
from app.domain.money import Money
from app.models.types import enum_column

# 支出率 as an integer in parts per million (NULL with nothing arranged): exact enough to order by, no
# float. Queries must spell it exactly so, with no bound parameters, for SQLite to read it from the index.
RATE_PPM = "spent * 1000000 / nullif(arranged, 0)"


class ProjectTotal(Base):
    """One row per project: whether the ledger lists it (审定入库 and later, not cancelled), what the
    plans in force arrange for it and what it has paid net of reversals, in 分, and when it last paid."""

    __tablename__ = "project_total"
    __table_args__ = (
        # Each order of the ledger is a walk along one of these (listed first: the ledger's filter).
        Index("ix_project_total_listed", "listed"),  # then by id, as the index keeps it
        Index("ix_project_total_spent", "listed", "spent"),
        Index("ix_project_total_arranged", "listed", "arranged"),
        Index("ix_project_total_rate", "listed", text(RATE_PPM)),
        # The projects paid after a 基准日 (as of today: none), whose later payments the ledger takes off.
        Index("ix_project_total_last_paid_on", "last_paid_on"),
    )

    project_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    listed: Mapped[bool]
    arranged: Mapped[Money]
    spent: Mapped[Money]
    last_paid_on: Mapped[date | None]  # the latest date among its payments and reversals


class TownFundTotal(Base):
    """Per town, fund and source: what the plans in force arrange for the town's projects and what they
    have paid (payments booked before sources were recorded have no fund and are not in it)."""

    __tablename__ = "town_fund_total"

    town_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    fund_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[FundSource] = mapped_column(enum_column(FundSource), primary_key=True)
    arranged: Mapped[Money]
    spent: Mapped[Money]

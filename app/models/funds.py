"""Money coming down the levels: a `Fund` (named appropriation for a year, with its income by source
and its implementation period), its `Allocation`s (下达) forming a tree (province → city → county, or
province → county for 财政省直管县, optionally county → town), and what actually arrived (到位, `Arrival`).

An allocation is the same money as the allocations split from it below: a region's figure for a fund
is what that region received, never the sum of a level and the levels beneath it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.enums import FundLevel, FundSource
from app.domain.money import Money
from app.models.types import enum_column


class Fund(Travelling, Base):
    __tablename__ = "fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(index=True)
    doc_number: Mapped[str] = mapped_column(String(60), default="")
    level: Mapped[FundLevel] = mapped_column(enum_column(FundLevel))
    budget_unit: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    deadline: Mapped[date | None]   # the end of the implementation period
    issued_on: Mapped[date | None]  # its start: the date the fund was issued (下达)
    # Who issues the fund: '44' the province, or a city's or county's code for its own money.
    region_code: Mapped[str] = mapped_column(String(9), default="44")

    incomes: Mapped[list[FundIncome]] = relationship(
        back_populates="fund", cascade="all, delete-orphan", order_by="FundIncome.id")
    allocations: Mapped[list[Allocation]] = relationship(back_populates="fund", order_by="Allocation.id")

    @property
    def total(self) -> Money:
        return Money.total(i.amount for i in self.incomes)


class FundIncome(Base):
    """One income line of a fund (收入): how much came from which source."""

    __tablename__ = "fund_income"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    source: Mapped[FundSource] = mapped_column(enum_column(FundSource))
    amount: Mapped[Money]
    note: Mapped[str] = mapped_column(String(200), default="")

    fund: Mapped[Fund] = relationship(back_populates="incomes")


class Allocation(Travelling, Base):
    """下达: part of a fund issued to exactly one region (city, county or town), from the fund itself
    (`parent_id` empty: issued by the fund's own region) or split from the allocation its region received."""

    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("(city_id IS NOT NULL) + (county_id IS NOT NULL) + (town_id IS NOT NULL) = 1",
                        name="one_region"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_allocation_fund_town", "fund_id", "town_id"),
        Index("ix_allocation_fund_county", "fund_id", "county_id"),
        Index("ix_allocation_fund_city", "fund_id", "city_id"),
        Index("ix_allocation_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("allocation.id"))
    amount: Mapped[Money]
    doc_number: Mapped[str] = mapped_column(String(60), default="")
    issued_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(200), default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    fund: Mapped[Fund] = relationship(back_populates="allocations")
    parent: Mapped[Allocation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Allocation]] = relationship(back_populates="parent", order_by="Allocation.id")
    arrivals: Mapped[list[Arrival]] = relationship(back_populates="allocation", order_by="Arrival.id")
    city = relationship("City")
    county = relationship("County")
    town = relationship("Town")


class Arrival(Travelling, Base):
    """到位: money of an allocation that actually reached its region (date, amount, voucher)."""

    __tablename__ = "arrival"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocation.id"), index=True)
    arrived_on: Mapped[date]
    amount: Mapped[Money]
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    allocation: Mapped[Allocation] = relationship(back_populates="arrivals")


class ReportedSpending(Travelling, Base):
    """支出数 a lower level reported for a fund up to a 基准日: what a county's 表2-2 says of its own
    ledger, entered (or imported from that return) by the finance office it reports to, so a city's
    and the province's returns can show spending whose payments they do not hold."""

    __tablename__ = "reported_spending"
    __table_args__ = (CheckConstraint("spent >= 0", name="spent_not_negative"),
                      UniqueConstraint("fund_id", "region_code", "as_of", name="one_figure_per_day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9))  # the reporting city, county or town
    as_of: Mapped[date]
    spent: Mapped[Money]
    source: Mapped[str] = mapped_column(String(200), default="")  # e.g. the return's file or 文号
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

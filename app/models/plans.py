"""资金安排 (年度实施计划): the county's signed decision of how much each approved project gets from a
fund, by source, with optional town amounts (e.g. from the 因素法).

A plan has revisions: revision 1 is drafted and signed; a later change is a new draft revision that
leaves the signed one in force (and payable) until it is signed itself and supersedes it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.enums import FundSource, PlanStatus, UserRole
from app.domain.money import Money
from app.models.types import enum_column


class FundPlan(Travelling, Base):
    __tablename__ = "fund_plan"
    __table_args__ = (UniqueConstraint("region_code", "fund_id", "year", "revision", name="one_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))  # the county (or 东莞/中山: the city) deciding
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    year: Mapped[int]
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.draft)
    doc_number: Mapped[str] = mapped_column(String(60), default="")
    decided_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The signature of the county user who decided it, over `content_json` (see services.money.plans).
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_role: Mapped[UserRole | None] = mapped_column(enum_column(UserRole))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("user_key.id"))
    signature: Mapped[str] = mapped_column(String(100), default="")
    content_json: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None]

    fund = relationship("Fund")
    lines: Mapped[list[PlanLine]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                 order_by="PlanLine.id")
    towns: Mapped[list[PlanTown]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                 order_by="PlanTown.id")


class PlanLine(Base):
    """How much one project gets from one source under the plan."""

    __tablename__ = "plan_line"
    __table_args__ = (UniqueConstraint("plan_id", "project_id", "source", name="one_line"),
                      CheckConstraint("amount >= 0", name="amount_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("fund_plan.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    source: Mapped[FundSource] = mapped_column(enum_column(FundSource))
    amount: Mapped[Money]

    plan: Mapped[FundPlan] = relationship(back_populates="lines")
    project = relationship("Project")


class PlanTown(Base):
    """A town's share of the fund under the plan (what the 因素法 proposes, as the county settled it)."""

    __tablename__ = "plan_town"
    __table_args__ = (UniqueConstraint("plan_id", "town_id", name="one_town"),
                      CheckConstraint("amount >= 0", name="amount_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("fund_plan.id", ondelete="CASCADE"))
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    amount: Mapped[Money]

    plan: Mapped[FundPlan] = relationship(back_populates="towns")
    town = relationship("Town")

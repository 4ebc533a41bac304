"""A city's (or county's) own pooled fund as its finance office keeps it (seed 002, 江门 2022): the
fund's budget, `FundBudget`, with its income lines and its spending lines as one outline
(`FundBudgetLine`, print order and level, 1. → (1) → ① → item) and its 绩效目标 (`FundBudgetTarget`).

What is entered is only what nobody can compute: each income line's planned and actual amount, each
spending item's 安排数, 已下达 and 已支出 up to the 基准日 (as the departments that spend it report
them), and whether it counts in the 绩效评价. Every heading's amount, every total, the gap between
allocation and income, the money not issued and every rate are computed (services.money.budget), so the
sums seed 002 mistyped cannot occur.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.money import Money

INCOME, SPENDING = "income", "spending"


class FundBudget(Travelling, Base):
    __tablename__ = "fund_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), unique=True)
    as_of: Mapped[date]                                        # 基准日 of the 已下达 and 已支出 figures
    approved_on: Mapped[date | None]                           # the budget's approval
    approved_by: Mapped[str] = mapped_column(String(120), default="")  # e.g. 市委实施乡村振兴战略领导小组
    overall_goal: Mapped[str] = mapped_column(Text, default="")        # 总体绩效目标
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    lines: Mapped[list[FundBudgetLine]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="FundBudgetLine.position")
    targets: Mapped[list[FundBudgetTarget]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="FundBudgetTarget.position")


class FundBudgetLine(Base):
    """One line of the outline. A line with lines below it (a heading) holds no figures: they are the
    sums below it (a form that prints one must print that sum); an item holds them. Income items have
    `amount` (actual) and may have `planned` (e.g. the levy as planned); spending items have `amount`
    (安排数), `issued` (已下达) and `spent` (已支出)."""

    __tablename__ = "fund_budget_line"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_1_to_4"),
                      CheckConstraint("section IN ('income', 'spending')", name="section_known"),
                      CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
                      CheckConstraint("issued IS NULL OR issued >= 0", name="issued_not_negative"),
                      CheckConstraint("spent IS NULL OR spent >= 0", name="spent_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("fund_budget.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    section: Mapped[str] = mapped_column(String(10))
    level: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    planned: Mapped[Money | None]
    amount: Mapped[Money | None]
    issued: Mapped[Money | None]
    spent: Mapped[Money | None]
    evaluated: Mapped[bool] = mapped_column(default=True)  # 纳入绩效评价
    note: Mapped[str] = mapped_column(Text, default="")

    budget: Mapped[FundBudget] = relationship(back_populates="lines")


class FundBudgetTarget(Base):
    """A row of the fund's 绩效目标表 (seed 002): the indicator and its target for the year and for the
    implementation period."""

    __tablename__ = "fund_budget_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("fund_budget.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    level1: Mapped[str] = mapped_column(String(40))
    level2: Mapped[str] = mapped_column(String(40))
    level3: Mapped[str] = mapped_column(String(200))
    target_year: Mapped[str] = mapped_column(String(100), default="")
    target_period: Mapped[str] = mapped_column(String(100), default="")

    budget: Mapped[FundBudget] = relationship(back_populates="targets")

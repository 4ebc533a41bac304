"""绩效自评: a fund's year for one region as its finance office scores it (seeds 000 and 001). The
indicator tree is kept as an outline (each item's level, in print order), with what the evaluator
enters: a weight set by hand (otherwise the weights are split equally, services.evaluation), the
target text, a typed 完成值 or the name of the measure the program computes it with, and a deduction
with its reason. Scores, level totals and the grade are computed, never stored."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling

POINT = 100  # weights and deductions are stored in hundredths of a point


class Evaluation(Travelling, Base):
    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("fund_id", "region_code", name="one_evaluation_per_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"))
    region_code: Mapped[str] = mapped_column(String(9))       # the evaluating province, city or county
    as_of: Mapped[date]                                       # 评价基准日
    scheme: Mapped[str] = mapped_column(String(20))           # services.evaluation.SCHEMES
    overall_goal: Mapped[str] = mapped_column(Text, default="")  # 总体绩效目标 (表2-3)
    note: Mapped[str] = mapped_column(Text, default="")          # 说明 under 表2-3
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    items: Mapped[list[EvaluationItem]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationItem.position")


class EvaluationItem(Base):
    __tablename__ = "evaluation_item"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 3", name="level_1_to_3"),
                      CheckConstraint("deduction >= 0", name="deduction_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    level: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int | None]                                # hundredths of a point; None: split equally
    target_text: Mapped[str] = mapped_column(String(100), default="")
    measure: Mapped[str] = mapped_column(String(30), default="")   # computed 完成值 (services.evaluation.MEASURES)
    actual_text: Mapped[str] = mapped_column(String(100), default="")  # typed 完成值
    deduction: Mapped[int] = mapped_column(default=0)          # hundredths of a point
    reason: Mapped[str] = mapped_column(Text, default="")      # 扣分原因, or the basis of an entered score

    evaluation: Mapped[Evaluation] = relationship(back_populates="items")

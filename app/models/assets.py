"""The asset register (资产台账): what an accepted project handed over, to whom (确权 owner), who
looks after it (管护) and with how much money a year; seed 003's binding 资产后续管护 task reads it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.enums import AssetType
from app.domain.money import Money
from app.models.types import enum_column


class Asset(Travelling, Base):
    __tablename__ = "asset"
    __table_args__ = (CheckConstraint("value >= 0", name="value_not_negative"),
                      CheckConstraint("upkeep_yearly >= 0", name="upkeep_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    asset_type: Mapped[AssetType] = mapped_column(enum_column(AssetType))
    value: Mapped[Money]                  # from the ledger: what the project paid for it
    owner: Mapped[str] = mapped_column(String(120))       # after 确权, e.g. 某村股份经济合作社
    custodian: Mapped[str] = mapped_column(String(120))   # 管护主体
    upkeep_yearly: Mapped[Money] = mapped_column(default=Money(0))  # 年度管护经费
    handed_over_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    project = relationship("Project")

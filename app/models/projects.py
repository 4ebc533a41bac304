"""The project library (项目库): `Project` with every library field, its 绩效目标 `ProjectIndicator`s,
the villages it touches, and the `Expenditure`s (支出) paid from it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.enums import (AMOUNT_COLUMNS, AmendmentStatus, AssetType, Comparator, ConstructionNature, FundSource,
                              IndicatorLevel1, IndicatorLevel2, ProjectStatus, PublicityKind, PurposeCategory,
                              SpendingCategory, SupportMethod, UserRole)
from app.domain.money import Money
from app.models.types import enum_column

project_village = Table(
    "project_village", Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("village_id", ForeignKey("village.id"), primary_key=True),
)


class Project(Travelling, Base):
    __tablename__ = "project"
    __table_args__ = (
        Index("ix_project_town_status", "town_id", "status"),
        Index("ix_project_fund", "fund_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"))
    purpose_category: Mapped[PurposeCategory] = mapped_column(enum_column(PurposeCategory))
    task_item_id: Mapped[int | None] = mapped_column(ForeignKey("task_item.id"))
    construction_nature: Mapped[ConstructionNature] = mapped_column(enum_column(ConstructionNature))
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    responsible_unit: Mapped[str] = mapped_column(String(120), default="")
    responsible_person: Mapped[str] = mapped_column(String(40), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    amount_provincial: Mapped[Money] = mapped_column(default=Money(0))
    amount_prd_city: Mapped[Money] = mapped_column(default=Money(0))
    amount_local_city: Mapped[Money] = mapped_column(default=Money(0))
    amount_county: Mapped[Money] = mapped_column(default=Money(0))
    amount_other: Mapped[Money] = mapped_column(default=Money(0))
    support_method: Mapped[SupportMethod] = mapped_column(enum_column(SupportMethod))
    beneficiaries: Mapped[str] = mapped_column(String(200), default="")
    beneficiary_households: Mapped[int] = mapped_column(default=0)
    beneficiary_people: Mapped[int] = mapped_column(default=0)
    poverty_households: Mapped[int] = mapped_column(default=0)
    poverty_people: Mapped[int] = mapped_column(default=0)
    monitored_households: Mapped[int] = mapped_column(default=0)
    monitored_people: Mapped[int] = mapped_column(default=0)
    farmer_linkage: Mapped[str] = mapped_column(Text, default="")
    asset_type: Mapped[AssetType | None] = mapped_column(enum_column(AssetType))
    asset_receiver: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.draft)
    spending_category: Mapped[SpendingCategory | None] = mapped_column(enum_column(SpendingCategory))
    publicity_starts_on: Mapped[date | None]  # 事前公示 start
    # Bumped by every change of signed content (not by status changes): signatures name the one they cover.
    content_version: Mapped[int] = mapped_column(default=1)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status_reason: Mapped[str] = mapped_column(Text, default="")  # why it was returned or cancelled
    approved_on: Mapped[date | None]
    planned_on: Mapped[date | None]    # first arranged money by a signed 资金安排: payments start here
    started_on: Mapped[date | None]    # actual start (实施), completion (完工) and acceptance (验收)
    completed_on: Mapped[date | None]
    accepted_on: Mapped[date | None]

    town = relationship("Town")
    fund = relationship("Fund")
    task_item = relationship("TaskItem")
    villages = relationship("Village", secondary=project_village, order_by="Village.name")
    indicators: Mapped[list[ProjectIndicator]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectIndicator.position")
    expenditures: Mapped[list[Expenditure]] = relationship(
        back_populates="project", order_by="Expenditure.spent_on")
    signatures: Mapped[list[ProjectSignature]] = relationship(
        back_populates="project", order_by="ProjectSignature.id")

    @property
    def amount(self) -> Money:
        """Total of the amounts by source (never stored, so it can never disagree)."""
        return Money.total(self.amount_by_source().values())

    def amount_by_source(self) -> dict[FundSource, Money]:
        # A source not yet set on a new, unflushed project counts as zero.
        return {source: getattr(self, column) or Money(0) for source, column in AMOUNT_COLUMNS.items()}


class ProjectIndicator(Base):
    """One 绩效目标 line of a project: 一级/二级/三级指标, unit, comparator, target and actual."""

    __tablename__ = "project_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    level1: Mapped[IndicatorLevel1] = mapped_column(enum_column(IndicatorLevel1))
    level2: Mapped[IndicatorLevel2] = mapped_column(enum_column(IndicatorLevel2))
    level3: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="")
    comparator: Mapped[Comparator] = mapped_column(enum_column(Comparator))
    target_text: Mapped[str] = mapped_column(String(100), default="")
    target_value: Mapped[Decimal | None]
    actual_text: Mapped[str] = mapped_column(String(100), default="")
    actual_value: Mapped[Decimal | None]

    project: Mapped[Project] = relationship(back_populates="indicators")


class Expenditure(Travelling, Base):
    """支出: money county finance actually paid on a project, from one fund and source, with its voucher.
    Payments booked before sources were recorded (schema 0002) have neither."""

    __tablename__ = "expenditure"
    __table_args__ = (
        # Covers the per-project and per-town sums by date: the returns never touch the table itself.
        Index("ix_expenditure_project_date_amount", "project_id", "spent_on", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"))
    source: Mapped[FundSource | None] = mapped_column(enum_column(FundSource))
    spent_on: Mapped[date]
    amount: Mapped[Money]
    payee: Mapped[str] = mapped_column(String(120))
    voucher_no: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    # 红字冲销: a reversing entry carries the negated amount and points at the entry it cancels.
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("expenditure.id"), unique=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    project: Mapped[Project] = relationship(back_populates="expenditures")
    reversal_of: Mapped[Expenditure | None] = relationship(remote_side=[id])


class ProjectSignature(Base):
    """One signature on a project: 乡镇主要负责人 or 驻镇帮扶工作队队长 (双签), or the county's 审定.

    `signature` is Ed25519 over the canonical payload (content + content_version + role + signer);
    `content_json` keeps the signed content so a later change can be shown field by field. A voided
    signature stays, with when and why, as history.
    """

    __tablename__ = "project_signature"
    __table_args__ = (CheckConstraint("role IN ('town_leader', 'team_leader', 'county_reviewer')",
                                      name="signing_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    # Set while the signature is on a pending 项目调整 (it then covers the amendment's content).
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("project_amendment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key_id: Mapped[int] = mapped_column(ForeignKey("user_key.id"))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))
    content_version: Mapped[int]
    content_json: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="signatures")
    user = relationship("User")
    key = relationship("UserKey")


class ProjectAmendment(Travelling, Base):
    """项目调整: a proposed new content for a project already in the library. The approved content stays
    in force (and payable) while the proposal is drafted, 双签 and 审定; then it replaces it."""

    __tablename__ = "project_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    base_version: Mapped[int]             # the content version it amends
    content_json: Mapped[str] = mapped_column(Text)  # the proposed content (canonical JSON)
    status: Mapped[AmendmentStatus] = mapped_column(enum_column(AmendmentStatus), default=AmendmentStatus.draft)
    reason: Mapped[str] = mapped_column(Text, default="")         # why the project is changed
    status_reason: Mapped[str] = mapped_column(Text, default="")  # why it was returned
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_on: Mapped[date | None]

    project: Mapped[Project] = relationship()


class Publicity(Travelling, Base):
    """A 公示 or 公告 of a project: kept outside the signed content, so entering one voids nothing."""

    __tablename__ = "publicity"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[PublicityKind] = mapped_column(enum_column(PublicityKind))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(String(200), default="")  # e.g. 无异议
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    project: Mapped[Project] = relationship()

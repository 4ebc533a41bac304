"""报账: a town's claim for payment on an arranged project, with its vouchers, which county finance
pays (an `Expenditure`) or rejects with a reason."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.enums import ClaimStatus, FundSource
from app.domain.money import Money
from app.models.types import enum_column


class Claim(Travelling, Base):
    __tablename__ = "claim"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    source: Mapped[FundSource] = mapped_column(enum_column(FundSource))
    amount: Mapped[Money]
    payee: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(200))
    voucher_numbers: Mapped[str] = mapped_column(String(400), default="")  # 发票、合同、验收单等编号
    filed_on: Mapped[date]
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus), default=ClaimStatus.filed, index=True)
    decided_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    expenditure_id: Mapped[int | None] = mapped_column(ForeignKey("expenditure.id"), unique=True)

    project = relationship("Project")
    expenditure = relationship("Expenditure")
    attachments: Mapped[list[ClaimAttachment]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimAttachment.id")


class ClaimAttachment(Base):
    """A scanned voucher filed with a claim, kept whole with its SHA-256."""

    __tablename__ = "claim_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    claim: Mapped[Claim] = relationship(back_populates="attachments")

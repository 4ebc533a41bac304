"""The ledger (台账): expenditures on approved projects, corrections by 红字冲销, and the view of
已下达 / 已支出 / 支出率 / 序时进度 per project and per town, flagging spending that lags.

An expenditure is never edited or deleted: a mistake is corrected by a reversing entry with the
negated amount, linked to the original (one reversal per entry), then entered again correctly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import Allocation, Expenditure, Fund, Money, Project, ProjectStatus, Town, User, rate
from app.services import audit, security
from app.services.approval import get_project
from app.services.errors import InputError, NotFound
from app.services.projects import amount_expression, net_spent, spent_by_project, sum_fen
from app.services.regions import RegionRef
from app.services.security import Action
from app.services.settings import LAG_MARGIN, get_setting


def _expenditure_record(expenditure: Expenditure) -> dict:
    return {"project": expenditure.project.uuid, "spent_on": expenditure.spent_on.isoformat(),
            "amount": expenditure.amount.fen, "payee": expenditure.payee, "voucher_no": expenditure.voucher_no,
            "purpose": expenditure.purpose,
            "reversal_of": expenditure.reversal_of.uuid if expenditure.reversal_of_id else None}


def spend(session: Session, user: User, project_id: int, *, spent_on: date, amount: Money, payee: str,
          voucher_no: str, purpose: str = "", today: date | None = None) -> Expenditure:
    """Record a payment from an approved project; never more than what is left of its amount."""
    project = get_project(session, project_id)
    security.require(session, user, Action.spend, project.town.code)
    if not project.status.may_spend:
        raise InputError(f"项目“{project.name}”当前状态为“{project.status.label}”，审定入库后才能支出。",
                         f"spend on {project.status.value} project")
    payee, voucher_no = payee.strip(), voucher_no.strip()
    if amount.fen <= 0:
        raise InputError("支出金额须大于 0。更正错误的支出请用红字冲销。", "non-positive expenditure")
    if not payee:
        raise InputError("请填写收款单位（人）。", "no payee")
    if not voucher_no:
        raise InputError("请填写凭证号。", "no voucher")
    if spent_on > (today or date.today()):
        raise InputError("支出日期不能晚于今天。", "future expenditure")
    spent = net_spent(session, project.id)
    left = project.amount - spent
    if amount > left:
        raise InputError(f"超出项目金额：项目金额 {project.amount.format_yuan()} 元，已支出 {spent.format_yuan()} 元，"
                         f"尚余 {left.format_yuan()} 元，本次 {amount.format_yuan()} 元。", "overspending")
    expenditure = Expenditure(project=project, spent_on=spent_on, amount=amount, payee=payee, voucher_no=voucher_no,
                              purpose=purpose.strip(), entered_by_id=user.id)
    session.add(expenditure)
    session.flush()
    audit.record(session, user, "expenditure_added", "expenditure", expenditure.uuid,
                 after=_expenditure_record(expenditure))
    return expenditure


def reverse(session: Session, user: User, expenditure_id: int, reason: str, on: date | None = None) -> Expenditure:
    """红字冲销: a negative entry that cancels `expenditure_id`, linked to it."""
    original = session.get(Expenditure, expenditure_id)
    if original is None:
        raise NotFound(f"支出记录（编号 {expenditure_id}）不存在。", f"no expenditure {expenditure_id}")
    security.require(session, user, Action.reverse_expenditure, original.project.town.code)
    if original.reversal_of_id is not None or original.amount.fen < 0:
        raise InputError("这是一笔冲销记录，不能再冲销。", "reversing a reversal")
    if session.scalar(select(Expenditure.id).where(Expenditure.reversal_of_id == original.id)) is not None:
        raise InputError(f"凭证 {original.voucher_no} 的支出已冲销过。", "already reversed")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("红字冲销必须填写原因。", "reversal without reason")
    entry = Expenditure(project=original.project, spent_on=on or date.today(), amount=-original.amount,
                        payee=original.payee, voucher_no=f"{original.voucher_no}-冲", purpose=f"红字冲销：{reason}",
                        reversal_of=original, entered_by_id=user.id)
    session.add(entry)
    session.flush()
    audit.record(session, user, "expenditure_reversed", "expenditure", entry.uuid, reason=reason,
                 after=_expenditure_record(entry))
    return entry


def expenditures(session: Session, project_id: int) -> list[Expenditure]:
    return list(session.scalars(select(Expenditure).where(Expenditure.project_id == project_id)
                                .order_by(Expenditure.spent_on, Expenditure.id)))


# ---------------------------------------------------------------- the ledger view

def time_progress(year: int, as_of: date) -> Decimal:
    """序时进度: the share of the year's months that have ended by `as_of` (month ÷ 12 at month end)."""
    if as_of.year < year:
        return Decimal(0)
    if as_of.year > year:
        return Decimal(1)
    months = as_of.month if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1] else as_of.month - 1
    return Decimal(months) / 12


@dataclass(frozen=True)
class LedgerLine:
    id: int
    name: str
    allocated: Money   # 已下达 (a project's amount; a town's allocations)
    spent: Money       # 已支出 (net of reversals)
    progress: Decimal  # 序时进度
    lagging: bool      # spending rate behind 序时进度 by more than the county's margin

    @property
    def spend_rate(self) -> Decimal | None:
        return rate(self.spent, self.allocated)


def _lag_margin(session: Session) -> Decimal:
    return Decimal(get_setting(session, LAG_MARGIN)) / 100


def _line(id_: int, name: str, allocated: Money, spent: Money, progress: Decimal, margin: Decimal) -> LedgerLine:
    spend_rate = rate(spent, allocated)
    lagging = spend_rate is not None and spend_rate < progress - margin
    return LedgerLine(id_, name, allocated, spent, progress, lagging)


def project_ledger(session: Session, ids: Sequence[int], as_of: date) -> list[LedgerLine]:
    """Ledger lines for a page of project ids (the lazy table model asks for a block at a time)."""
    if not ids:
        return []
    margin = _lag_margin(session)
    spent = spent_by_project(session, ids, as_of)
    rows = session.execute(select(Project.id, Project.name, Project.year, amount_expression())
                           .where(Project.id.in_(ids)))
    by_id = {pid: _line(pid, name, Money(amount), spent.get(pid, Money(0)), time_progress(year, as_of), margin)
             for pid, name, year, amount in rows}
    return [by_id[i] for i in ids if i in by_id]


def town_ledger(session: Session, fund_id: int, region: RegionRef, as_of: date) -> list[LedgerLine]:
    """One line per town of the region that received money from the fund: its allocations against
    what its projects of that fund have spent."""
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound("所选资金不存在。", f"no fund {fund_id}")
    margin = _lag_margin(session)
    allocated = (select(Town.id, Town.name, sum_fen(Allocation.amount))
                 .join(Allocation, Allocation.town_id == Town.id)
                 .where(Allocation.fund_id == fund_id).group_by(Town.id).order_by(Town.code))
    allocated = _towns_in(allocated, region)
    spent = dict(session.execute(
        select(Project.town_id, sum_fen(Expenditure.amount)).join(Project, Project.id == Expenditure.project_id)
        .where(Project.fund_id == fund_id, Expenditure.spent_on <= as_of).group_by(Project.town_id)).all())
    progress = time_progress(fund.year, as_of)
    return [_line(town_id, name, Money(total), Money(spent.get(town_id, 0)), progress, margin)
            for town_id, name, total in session.execute(allocated)]


def _towns_in(query, region: RegionRef):
    """Narrow a query that selects from `Town` to the towns of `region`."""
    if region.level == "county":
        return query.where(Town.county_id == region.id)
    if region.level == "city":
        return query.where(Town.city_id == region.id)
    if region.level == "town":
        return query.where(Town.id == region.id)
    return query


# ---------------------------------------------------------------- what the ledger windows read

SPENDABLE = tuple(status for status in ProjectStatus if status.may_spend)  # the projects a ledger lists


@dataclass(frozen=True)
class ProjectBalance:
    """A project's money at a glance: its amount, what it has spent (net) and what is left."""

    id: int
    name: str
    town_code: str
    town_name: str
    status: ProjectStatus
    amount: Money
    spent: Money

    @property
    def left(self) -> Money:
        return self.amount - self.spent

    @property
    def spend_rate(self) -> Decimal | None:
        return rate(self.spent, self.amount)


def project_balance(session: Session, project_id: int) -> ProjectBalance:
    project = get_project(session, project_id)
    return ProjectBalance(project.id, project.name, project.town.code, project.town.name, project.status,
                          project.amount, net_spent(session, project.id))


@dataclass(frozen=True)
class ExpenditureLine:
    """One entry of a project's expenditure list, with its 红字冲销 links in both directions."""

    id: int
    spent_on: date
    voucher_no: str
    payee: str
    purpose: str
    amount: Money
    reversal_of_id: int | None  # set on a reversing entry: the entry it cancels
    reversed_by_id: int | None  # set on a cancelled entry: the entry that reversed it

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None

    @property
    def may_reverse(self) -> bool:
        return self.reversal_of_id is None and self.reversed_by_id is None and self.amount.fen > 0


def expenditure_lines(session: Session, project_id: int) -> list[ExpenditureLine]:
    """The project's expenditures by date, each knowing whether it reversed or was reversed (one query)."""
    reversing = aliased(Expenditure)
    rows = session.execute(
        select(Expenditure.id, Expenditure.spent_on, Expenditure.voucher_no, Expenditure.payee, Expenditure.purpose,
               Expenditure.amount, Expenditure.reversal_of_id, reversing.id)
        .outerjoin(reversing, reversing.reversal_of_id == Expenditure.id)
        .where(Expenditure.project_id == project_id).order_by(Expenditure.spent_on, Expenditure.id))
    return [ExpenditureLine(*row) for row in rows]


@dataclass(frozen=True)
class FundChoice:
    id: int
    name: str
    year: int


def funds_for_town_ledger(session: Session, region: RegionRef) -> list[FundChoice]:
    """The funds issued to at least one town of the region (what `town_ledger` can show), newest first."""
    issued = _towns_in(select(Allocation.fund_id).join(Town, Town.id == Allocation.town_id), region)
    rows = session.execute(select(Fund.id, Fund.name, Fund.year).where(Fund.id.in_(issued))
                           .order_by(Fund.year.desc(), Fund.name, Fund.id))
    return [FundChoice(*row) for row in rows]

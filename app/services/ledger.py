"""The ledger (台账) as people read it: per project and per town, 已安排 (the county's 资金安排) against
已支出 as of a 基准日, the 支出率 and the 序时进度 it is measured against, flagging spending that lags.
Payments themselves are booked in `services.money.payments`.

序时进度 runs over the fund's implementation period (issue date → deadline; the 2021 fund: end of
September 2021 to end of 2022), counted in month ends reached; a project's over its planned dates.
The county may choose the calendar-year convention (month ÷ 12) instead (setting).

The region-wide orders (by 已安排, 已支出, 支出率) and the 按镇 view read the totals that
`services.money.totals` keeps per project and per town, so a province sorts in about the time it takes
to read its ids.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Sequence

from sqlalchemy import Integer, and_, func, literal_column, select, true, type_coerce
from sqlalchemy.orm import Session

from app.models import (Expenditure, Fund, FundPlan, FundSource, Money, PlanStatus, PlanTown, Project, ProjectStatus,
                        ProjectTotal, Town, TownFundTotal, rate)
from app.models.totals import RATE_PPM
from app.services.errors import NotFound
from app.services import project_sheet
from app.services.money import totals
from app.services.money.funds import fund_sources
from app.services.money.plans import arranged_total
from app.services.project_sheet import ExpenditureLine
from app.services.projects import get_project, in_region, net_spent, project_ids, spent_by_project, sum_fen
from app.services.regions import RegionRef
from app.services.settings import LAG_MARGIN, PROGRESS_BASIS, get_setting
from app.services.sqlite_limits import pages


def expenditures(session: Session, project_id: int) -> list[Expenditure]:
    return list(session.scalars(select(Expenditure).where(Expenditure.project_id == project_id)
                                .order_by(Expenditure.spent_on, Expenditure.id)))


# ---------------------------------------------------------------- the ledger view

def month_ends(start: date, end: date) -> int:
    """How many month ends fall after `start` and on or before `end`."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day == calendar.monthrange(end.year, end.month)[1]:
        months += 1
    if start.day == calendar.monthrange(start.year, start.month)[1]:
        months -= 1
    return max(months, 0)


def period_progress(start: date, end: date, as_of: date) -> Decimal:
    """The share of a period's month ends reached by `as_of` (0 before it starts, 1 after it ends)."""
    total = month_ends(start, end)
    if total <= 0:
        return Decimal(1) if as_of >= end else Decimal(0)
    return Decimal(min(month_ends(start, as_of), total)) / total


def time_progress(year: int, as_of: date) -> Decimal:
    """序时进度 by the calendar convention: the year's month ends reached ÷ 12."""
    return period_progress(date(year - 1, 12, 31), date(year, 12, 31), as_of)


def fund_progress(session: Session, fund: Fund, as_of: date) -> Decimal:
    """序时进度 of a fund: over its implementation period, or the calendar year if the county chose so
    (or the fund has no period recorded)."""
    if get_setting(session, PROGRESS_BASIS) == "calendar" or not (fund.issued_on and fund.deadline):
        return time_progress(fund.year, as_of)
    return period_progress(fund.issued_on, fund.deadline, as_of)


def project_progress(starts_on: date | None, ends_on: date | None, year: int, as_of: date) -> Decimal:
    """序时进度 of a project: over its planned start and completion dates (else its year)."""
    if starts_on and ends_on:
        return period_progress(starts_on - timedelta(days=1), ends_on, as_of)
    return time_progress(year, as_of)


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
    """Ledger lines for a page of project ids (the lazy table model asks for a block at a time): what
    the plans in force arrange for each project against what it has paid by `as_of`."""
    margin = _lag_margin(session)
    lines: list[LedgerLine] = []
    for page in pages(ids):
        spent = spent_by_project(session, page, as_of)
        planned = arranged_total(session, page)
        rows = session.execute(select(Project.id, Project.name, Project.year, Project.starts_on, Project.ends_on)
                               .where(Project.id.in_(page)))
        by_id = {pid: _line(pid, name, planned.get(pid, Money(0)), spent.get(pid, Money(0)),
                            project_progress(starts, ends, year, as_of), margin)
                 for pid, name, year, starts, ends in rows}
        lines += (by_id[i] for i in page if i in by_id)
    return lines


def town_ledger(session: Session, fund_id: int, region: RegionRef, as_of: date) -> list[LedgerLine]:
    """One line per town of the region the fund's plans in force reach: the town's share (its town
    amount, else the sum of its projects' lines from the fund's own sources) against what the fund's
    own sources have paid on its projects by `as_of`. Read from the kept per-town totals (a few rows
    per town), less what was paid after `as_of`. A town with no share or arrangement is listed only
    when it has paid something by `as_of` (one that paid only later has no line on that day)."""
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound("所选资金不存在。", f"no fund {fund_id}")
    margin = _lag_margin(session)
    own = list(fund_sources(fund))
    in_force = select(FundPlan.id).where(FundPlan.fund_id == fund_id, FundPlan.status == PlanStatus.in_force)
    shares = dict(session.execute(select(PlanTown.town_id, sum_fen(PlanTown.amount))
                                  .where(PlanTown.plan_id.in_(in_force)).group_by(PlanTown.town_id)).all())
    kept = town_totals(session, fund_id, own, as_of)
    towns = towns_in(select(Town.id, Town.name).order_by(Town.code), region)  # no ids bound, however many towns
    progress = fund_progress(session, fund, as_of)
    lines = []
    for town_id, name in session.execute(towns):
        arranged, spent = kept.get(town_id, (0, 0))
        if town_id in shares or arranged or spent:
            lines.append(_line(town_id, name, Money(shares.get(town_id, arranged)), Money(spent), progress, margin))
    return lines


def town_totals(session: Session, fund_id: int, sources: Sequence[FundSource], as_of: date | None,
                by=Town.id, where: Sequence = ()) -> dict:
    """Fen (已安排, 已支出 by `as_of`) of the fund's `sources` on the projects of each town (whatever their
    status), or of each group of towns `by` names (an expression over `Town`, e.g. a region's code), of
    the towns `where` selects. Read from the kept per-town totals, less what was paid after `as_of`."""
    kept = {group: [arranged, spent] for group, arranged, spent in session.execute(
        select(by, sum_fen(TownFundTotal.arranged), sum_fen(TownFundTotal.spent)).join(Town, Town.id == TownFundTotal.town_id)
        .where(TownFundTotal.fund_id == fund_id, TownFundTotal.source.in_(sources), *where).group_by(by))}
    if _paid_later(session, as_of):
        for group, later in session.execute(
                select(by, sum_fen(Expenditure.amount)).select_from(_later_payments(as_of))
                .join(Project, Project.id == Expenditure.project_id).join(Town, Town.id == Project.town_id)
                .where(Expenditure.fund_id == fund_id, Expenditure.source.in_(sources), *where).group_by(by)):
            kept.setdefault(group, [0, 0])[1] -= later  # (a row verify accepts as missing when it is all zero)
    return {group: (arranged, spent) for group, (arranged, spent) in kept.items()}


def towns_in(query, region: RegionRef):
    """Narrow a query that selects from `Town` to the towns of `region`."""
    if region.level == "county":
        return query.where(Town.county_id == region.id)
    if region.level == "city":
        return query.where(Town.city_id == region.id)
    if region.level == "town":
        return query.where(Town.id == region.id)
    return query


# ---------------------------------------------------------------- what the ledger windows read

LISTED = totals.LISTED  # the projects a ledger lists


def ledger_ids(session: Session, region: RegionRef, sort: str | None = None, descending: bool = False,
               as_of: date | None = None) -> list[int]:
    """Ids of the region's projects the ledger lists (`LISTED`) ordered by `sort`:
    "name", "arranged" (已安排), "spent" (已支出) or "rate" (支出率) as of `as_of`. Read from the kept totals (models.totals) along
    their indexes; only when something was paid after `as_of` is that taken off each project first."""
    if sort == "name":  # the names are in the project table, which knows the status too
        return project_ids(session, region, sort=sort, descending=descending, statuses=LISTED)
    total = ProjectTotal
    query = select(total.project_id).where(total.listed == true())
    if region.level != "province":
        query = query.where(total.project_id.in_(in_region(select(Project.id), region)))
    later = _paid_after(session, as_of) if sort in ("spent", "rate") else None
    if later is not None:
        query = query.outerjoin(later, later.c.project_id == total.project_id)
        spent = type_coerce(total.spent, Integer) - func.coalesce(later.c.amount, 0)
    if sort == "arranged":
        order = total.arranged
    elif sort == "spent":
        order = total.spent if later is None else spent
    elif sort == "rate":  # spelt as the index spells it, so SQLite walks the index instead of sorting
        # SQLite's own integer division (SQLAlchemy's `/` is true division): ppm, as the index's, so ties
        # fall to the id the same way on any day.
        order = literal_column(RATE_PPM) if later is None else \
            (spent * 1_000_000).op("/")(func.nullif(total.arranged, 0))
    elif sort is None:
        order = None
    else:
        raise ValueError(f"unknown sort key {sort!r}")
    direction = (lambda column: column.desc()) if descending else (lambda column: column.asc())
    query = query.order_by(*([] if order is None else [direction(order)]), direction(total.project_id))
    return list(session.connection().execute(query).scalars())


def _paid_later(session: Session, as_of: date | None) -> bool:
    """Whether anything was paid after `as_of` (one step along an index)."""
    return as_of is not None and session.scalar(
        select(ProjectTotal.project_id).where(ProjectTotal.last_paid_on > as_of).limit(1)) is not None


def _paid_after(session: Session, as_of: date | None):
    """Σ per project of the payments dated after `as_of` as a subquery, or None when there are none."""
    if not _paid_later(session, as_of):
        return None
    return (select(Expenditure.project_id, sum_fen(Expenditure.amount).label("amount"))
            .select_from(_later_payments(as_of)).group_by(Expenditure.project_id).subquery())


def _later_payments(as_of: date):
    """The payments dated after `as_of`: those of the projects that last paid after it (by their index)."""
    return (ProjectTotal.__table__.join(Expenditure.__table__, and_(Expenditure.project_id == ProjectTotal.project_id,
                                                                    ProjectTotal.last_paid_on > as_of,
                                                                    Expenditure.spent_on > as_of)))


@dataclass(frozen=True)
class ProjectBalance:
    """A project's money at a glance: its amount, what the plans in force arrange for it, what it has
    paid (net) and what is left of the arrangement."""

    id: int
    name: str
    town_code: str
    town_name: str
    status: ProjectStatus
    amount: Money
    arranged: Money
    spent: Money

    @property
    def left(self) -> Money:
        return self.arranged - self.spent

    @property
    def spend_rate(self) -> Decimal | None:
        return rate(self.spent, self.arranged)


def project_balance(session: Session, project_id: int) -> ProjectBalance:
    project = get_project(session, project_id)
    return ProjectBalance(project.id, project.name, project.town.code, project.town.name, project.status,
                          project.amount, arranged_total(session, [project.id]).get(project.id, Money(0)),
                          net_spent(session, project.id))


def expenditure_lines(session: Session, project_id: int) -> list[ExpenditureLine]:
    """The project's expenditures by date, each knowing whether it reversed or was reversed (one query)."""
    return project_sheet.expenditure_lines(project_sheet.session_query(session), project_id)


@dataclass(frozen=True)
class FundChoice:
    id: int
    name: str
    year: int


def funds_for_town_ledger(session: Session, region: RegionRef) -> list[FundChoice]:
    """The funds a plan in force arranges in the region (what `town_ledger` can show), newest first."""
    plans = select(FundPlan.fund_id).where(FundPlan.status == PlanStatus.in_force)
    if region.level != "province":
        plans = plans.where(FundPlan.region_code.startswith(region.code[:6] if region.level == "town" else region.code))
    rows = session.execute(select(Fund.id, Fund.name, Fund.year).where(Fund.id.in_(plans))
                           .order_by(Fund.year.desc(), Fund.name, Fund.id))
    return [FundChoice(*row) for row in rows]

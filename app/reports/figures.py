"""The figures the regional returns (表1-1, 表2-2) print, per region one level below the scope, computed
from the allocation chain and the ledger.

For a province or a city, a row is a city (in the fixed order the seeds print, RETURNS.md §2.0) or a
county (and a town that hangs off its city directly, as in 东莞 and 中山):
- 乡镇个数: the towns of the region the programme helps (重点帮扶镇 and 巩固提升镇: the 901 of 2021; a
  先行示范镇 is helped by its own PRD city, not by this money);
- 预算数: what the scope's own level issued of the fund into the region (allocations whose parent is
  the scope's, or the fund's first ones when the scope issues the fund), never summed with what the
  region passed on, so nothing is counted twice;
- 支出数: the fund's own payments on the region's projects up to the 基准日, net of reversals (read from
  the per-town totals the ledger keeps, services.ledger.town_totals); for a
  region whose payments this database does not hold, the newest figure it reported up to the 基准日
  (services.money.reported), which the return then says below the table.
For a county a row is a town its plans in force reach: its share against what it has paid
(services.ledger.town_ledger, the same figures the ledger window shows).

"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models import Allocation, City, County, Expenditure, Fund, Money, Project, Town, TownCategory
from app.services.ledger import town_ledger, town_totals
from app.services.money.funds import fund_sources
from app.services.money.reported import reported_by_region
from app.services.regions import PROVINCE_CODE, RegionRef

# The order the province's returns list the 13 helped cities in (RETURNS.md §2.0), by NBS code:
# 汕头, 韶关, 河源, 梅州, 汕尾, 阳江, 湛江, 茂名, 肇庆, 清远, 潮州, 揭阳, 云浮. Other cities follow by code.
CITY_ORDER = ("4405", "4402", "4416", "4414", "4415", "4417", "4408", "4409", "4412", "4418", "4451", "4452", "4453")
HELPED = (TownCategory.key_support, TownCategory.consolidation)


@dataclass(frozen=True)
class RegionFigures:
    code: str
    name: str
    towns: int | None   # None for a town's own row
    budget: Money
    spent: Money
    reported_on: date | None = None  # the 基准日 of the figure the region reported, when `spent` is one


def region_figures(session: Session, scope: RegionRef, fund: Fund, as_of: date) -> list[RegionFigures]:
    """One line per region below `scope` that the fund reaches or the programme helps, in print order."""
    if scope.level == "county":
        return [RegionFigures("", line.name, None, line.allocated, line.spent)
                for line in town_ledger(session, fund.id, scope, as_of)]
    if scope.level == "town":
        return []
    child, within = _child(scope), _within(scope)
    helped = dict(session.execute(select(child, func.count()).where(*within, Town.category.in_(HELPED))
                                  .group_by(child)).all())
    names = _names(session, scope)
    budget = _issued(session, scope, fund, child)
    own = list(fund_sources(fund))
    kept = town_totals(session, fund.id, own, as_of, by=child, where=within)
    spent = {code: total for code, (_, total) in kept.items() if total}
    reported = reported_by_region(session, fund.id, [code for code in names if code not in spent], as_of)
    # A region whose payments net to nothing is still one whose payments this database holds: its 0 is
    # its figure (the kept totals cannot tell it from a region that never paid; the payments can).
    nothing_on_balance = {code for code, (_, total) in kept.items() if not total} | set(reported)
    for code in _paid_any(session, fund, own, as_of, child, within, nothing_on_balance):
        spent.setdefault(code, 0)
        reported.pop(code, None)
    codes = (set(helped) | set(budget) | set(spent) | set(reported)) - _answering_above(session, scope, fund, budget)
    lines = []
    for code in sorted(codes, key=lambda c: _order(scope, c)):
        figure, day = reported.get(code, (Money(spent.get(code, 0)), None))
        lines.append(RegionFigures(code, names[code], helped.get(code, 0), Money(budget.get(code, 0)), figure, day))
    return lines


def _paid_any(session: Session, fund: Fund, own: list, as_of: date, child, within: tuple, codes: set[str]) -> set[str]:
    """Of the regions `codes` (a few, with nothing paid on balance), those with any payment by `as_of`."""
    if not codes:
        return set()
    return set(session.scalars(select(child).distinct().select_from(Expenditure)
                               .join(Project, Project.id == Expenditure.project_id).join(Town, Town.id == Project.town_id)
                               .where(Expenditure.fund_id == fund.id, Expenditure.source.in_(own),
                                      Expenditure.spent_on <= as_of, child.in_(sorted(codes)), *within)))


def _within(scope: RegionRef) -> tuple:
    if scope.level == "city":
        return (Town.city_id == scope.id,)
    return ()


def _answering_above(session: Session, scope: RegionRef, fund: Fund, budget: dict[str, int]) -> set[str]:
    """In a city's return of a provincial fund, the 财政省直管县 the city issued nothing: the province
    issued them their money and their figures are the province's to report, not the city's."""
    if scope.level != "city" or fund.region_code != PROVINCE_CODE:
        return set()
    direct = session.scalars(select(County.code).where(County.city_id == scope.id, County.direct_province))
    return {code for code in direct if code not in budget}


def _child(scope: RegionRef):
    """The code of the region one level below `scope` that holds a town, as an expression over `Town`:
    its city, or its county (a town that hangs off its city directly stands for itself)."""
    if scope.level == "province":
        return func.substr(Town.code, 1, 4)
    return case((Town.county_id.is_(None), Town.code), else_=func.substr(Town.code, 1, 6))


def _names(session: Session, scope: RegionRef) -> dict[str, str]:
    if scope.level == "province":
        return dict(session.execute(select(City.code, City.name)).all())
    names = dict(session.execute(select(County.code, County.name).where(County.city_id == scope.id)).all())
    names.update(session.execute(select(Town.code, Town.name).where(Town.city_id == scope.id,
                                                                     Town.county_id.is_(None))).all())
    return names


def _order(scope: RegionRef, code: str) -> tuple:
    if scope.level == "province" and code in CITY_ORDER:
        return (0, CITY_ORDER.index(code), code)
    return (1, 0, code)


def _issued(session: Session, scope: RegionRef, fund: Fund, child) -> dict[str, int]:
    """Fen the scope's level issued of `fund` into each region below it (`child`: see _child)."""
    rows = session.execute(select(Allocation.id, Allocation.parent_id, Allocation.amount, Allocation.town_id,
                                  func.coalesce(City.code, County.code, Town.code), child)
                           .outerjoin(City, City.id == Allocation.city_id)
                           .outerjoin(County, County.id == Allocation.county_id)
                           .outerjoin(Town, Town.id == Allocation.town_id)
                           .where(Allocation.fund_id == fund.id)).all()
    target = {allocation_id: code for allocation_id, _, _, _, code, _ in rows}
    issued: dict[str, int] = {}
    for _, parent_id, amount, town_id, code, town_child in rows:
        issuer = fund.region_code if parent_id is None else target.get(parent_id)
        if issuer != scope.code:
            continue
        if town_id is not None:
            below = town_child
        else:  # a city's or a county's allocation
            below = code[:4] if scope.level == "province" else code[:6]
        if below.startswith(scope.code):
            issued[below] = issued.get(below, 0) + amount.fen
    return issued

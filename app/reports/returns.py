"""The standard returns, by CLI name: what each needs (a fund, a 基准日) and the function that builds
its `Table` from the database. Layouts follow ../shared/RETURNS.md; nothing in a return is typed in.

- `allocation`, 表1-1 专项资金分配情况表 (RETURNS.md §2.1): per region below the scope, 乡镇个数 and 预算数,
  合计 first.
- `spending`, 表2-2 专项资金支出情况表 (§2.5): the same rows with 支出数 up to the 基准日 and 支出率
  (half-up, 2 decimals), 合计 first.
Amounts print with the fewest decimals (at most 2) as seed 000 does: 23285.9, 16651, 5.07.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Fund, Money, rate
from app.reports.figures import region_figures
from app.reports.table import AMOUNT, COUNT, RATE, TEXT, TOTAL, Column, Merge, Row, Table
from app.services.errors import InputError
from app.services.money.funds import find_fund
from app.services.regions import RegionRef, find_region


@dataclass(frozen=True)
class Request:
    """What a user asks for: the scope's region, the year, the fund (None: the year's only one) and the
    基准日 (None: the year's last day, or today while the year runs)."""
    scope: str
    year: int
    fund: str | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class Return:
    name: str
    label: str
    build: Callable[[Session, Request], Table]


def _fund(session: Session, request: Request) -> Fund:
    if request.fund:
        fund = find_fund(session, request.fund)
        if fund.year != request.year:
            raise InputError(f"资金“{fund.name}”是 {fund.year} 年的，不是 {request.year} 年的。", "fund of another year")
        return fund
    funds = list(session.scalars(select(Fund).where(Fund.year == request.year).order_by(Fund.id)))
    if not funds:
        raise InputError(f"{request.year} 年没有资金。请先登记资金（bangzhen fund add），或换一个年度。", "no fund that year")
    if len(funds) > 1:
        listed = "；".join(f"{fund.id}：{fund.name}" for fund in funds)
        raise InputError(f"{request.year} 年有 {len(funds)} 项资金，请用 --fund 指定：{listed}。", "several funds")
    return funds[0]


def _as_of(request: Request) -> date:
    return request.as_of or min(date.today(), date(request.year, 12, 31))


def _scope(session: Session, request: Request) -> RegionRef:
    scope = find_region(session, request.scope)
    if scope.level == "town":
        raise InputError("分配与支出情况表按下一级地区列示，请选择省、市或县。", "regional return for a town")
    return scope


def _region_label(scope: RegionRef) -> str:
    return {"province": "地市", "city": "县（市、区）", "county": "乡镇"}[scope.level]


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _regional(session: Session, request: Request, *, name: str, title: str, spending: bool) -> Table:
    """表1-1 and 表2-2: 序号 | region | [乡镇个数] | 预算数 [| 支出数 | 支出率], 合计 first."""
    scope, fund, as_of = _scope(session, request), _fund(session, request), _as_of(request)
    lines = region_figures(session, scope, fund, as_of)
    with_towns = scope.level != "county"
    amount = Column(AMOUNT, 9, 2, minimal=True)
    columns = [Column(COUNT, 3, centred=True), Column(TEXT, 8)] + ([Column(COUNT, 6)] if with_towns else []) + [amount]
    header = ["序号", _region_label(scope)] + (["乡镇个数（个）"] if with_towns else []) + ["预算数（万元）"]
    if spending:
        columns += [amount, Column(RATE, 6)]
        header += ["支出数（万元）", "支出率"]

    def cells(first: list, line_towns: int | None, budget: Money, spent: Money) -> list:
        row = first + ([line_towns] if with_towns else []) + [budget]
        return row + ([spent, rate(spent, budget)] if spending else [])

    budget, spent = Money.total(line.budget for line in lines), Money.total(line.spent for line in lines)
    rows = [Row(cells(["合计", ""], sum(line.towns or 0 for line in lines), budget, spent), TOTAL)]
    rows += [Row(cells([n, line.name], line.towns, line.budget, line.spent)) for n, line in enumerate(lines, 1)]
    heading = [f"资金名称：{fund.name}", f"填报单位：{scope.name}"]
    if spending:
        heading.append(f"基准日：{_date_text(as_of)}")
    return Table(name, title.format(year=request.year), columns, [header], rows,
                 merges=[Merge(1, 0, cols=2)], heading=heading)


def build_allocation(session: Session, request: Request) -> Table:
    return _regional(session, request, name="allocation", title="表1-1 {year}年专项资金分配情况表", spending=False)


def build_spending(session: Session, request: Request) -> Table:
    return _regional(session, request, name="spending", title="表2-2 {year}年专项资金支出情况表", spending=True)


RETURNS = {r.name: r for r in (
    Return("allocation", "表1-1 专项资金分配情况表", build_allocation),
    Return("spending", "表2-2 专项资金支出情况表", build_spending),
)}


def find_return(name: str) -> Return:
    found = RETURNS.get(name.strip())
    if found is None:
        raise InputError(f"没有名为“{name}”的报表。可用：{'、'.join(RETURNS)}（bangzhen report --list 查看说明）。",
                         f"unknown return {name!r}")
    return found



"""表1-1 专项资金分配情况表 (`allocation`, RETURNS.md §2.1) and 表2-2 专项资金支出情况表 (`spending`, §2.5):
per region below the scope, 乡镇个数, 预算数 and, in 表2-2, 支出数 up to the 基准日 and 支出率 (half-up,
2 decimals), 合计 first. Amounts print with the fewest decimals (at most 2) as seed 000 does: 23285.9,
16651, 5.07. The figures are app.reports.figures'."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Money, rate
from app.reports.figures import region_figures
from app.reports.request import Request, as_of, date_text, fund_of, regional_scope
from app.reports.table import AMOUNT, COUNT, RATE, TEXT, TOTAL, Column, Merge, Row, Table, amount_value
from app.services.regions import RegionRef


def _region_label(scope: RegionRef) -> str:
    return {"province": "地市", "city": "县（市、区）", "county": "乡镇"}[scope.level]


def _regional(session: Session, request: Request, *, name: str, title: str, spending: bool) -> Table:
    """表1-1 and 表2-2: 序号 | region | [乡镇个数] | 预算数 [| 支出数 | 支出率], 合计 first."""
    scope, fund, day = regional_scope(session, request), fund_of(session, request), as_of(request)
    lines = region_figures(session, scope, fund, day)
    with_towns = scope.level != "county"
    amount = Column(AMOUNT, 9, 2, minimal=True)
    columns = [Column(COUNT, 3, centred=True), Column(TEXT, 8)] + ([Column(COUNT, 7)] if with_towns else []) + [amount]
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
    notes = []
    if spending:
        heading.append(f"基准日：{date_text(day)}")
        notes += _reported_note(lines)
    if any(amount_value(Money.total(column), amount) != sum(amount_value(value, amount) for value in column)
           for column in [[line.budget for line in lines]] + ([[line.spent for line in lines]] if spending else [])):
        notes.append("说明：金额按四舍五入列示，合计与各行之和的尾差系四舍五入所致（合计按未经四舍五入的金额计算）。")
    return Table(name, title.format(year=request.year), columns, [header], rows,
                 merges=[Merge(1, 0, cols=2)], heading=heading, notes=notes)


def _reported_note(lines) -> list[str]:
    """Which rows' 支出数 are figures the regions reported (by 基准日), not this database's payments."""
    by_day: dict = {}
    for line in lines:
        if line.reported_on:
            by_day.setdefault(line.reported_on, []).append(line.name)
    if not by_day:
        return []
    if len(by_day) == 1 and len(next(iter(by_day.values()))) == len(lines):
        return [f"说明：各地区支出数均为其上报数（截至{date_text(next(iter(by_day)))}）。"]
    parts = [f"{'、'.join(names)}（截至{date_text(day)}）" for day, names in sorted(by_day.items())]
    return [f"说明：以下地区的支出数为其上报数：{'；'.join(parts)}。"]


def build_allocation(session: Session, request: Request) -> Table:
    return _regional(session, request, name="allocation", title="表1-1 {year}年专项资金分配情况表", spending=False)


def build_spending(session: Session, request: Request) -> Table:
    return _regional(session, request, name="spending", title="表2-2 {year}年专项资金支出情况表", spending=True)

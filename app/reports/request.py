"""What a user asks a return for (`Request`: scope, year, fund, 基准日) and how each part is resolved:
the fund (the year's only one unless named), the 基准日 (the year's end, or today while it runs), the
region; refusals in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Fund
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


def fund_of(session: Session, request: Request) -> Fund:
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


def as_of(request: Request) -> date:
    return request.as_of or min(date.today(), date(request.year, 12, 31))


def regional_scope(session: Session, request: Request) -> RegionRef:
    scope = find_region(session, request.scope)
    if scope.level == "town":
        raise InputError("分配与支出情况表按下一级地区列示，请选择省、市或县。", "regional return for a town")
    return scope


def date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"

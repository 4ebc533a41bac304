"""支出数 reported from below: a lower level's spending of a fund up to a 基准日, as its own ledger (and
its 表2-2) says, entered by the finance office it reports to (the one that issued the fund to it).
A city's or the province's returns use it for the regions whose payments their own database does not
hold (app.reports.figures). A corrected figure for the same day replaces the earlier one; both stay in
the signed history.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Fund, Money, ReportedSpending, User
from app.services import audit, text
from app.services.dates import act_date
from app.services.errors import InputError
from app.services.money.funds import require_finance, get_fund, issuing_region
from app.services.regions import RegionRef, find_region


def report_spending(session: Session, user: User, fund_id: int, region_code: str, as_of: date, spent: Money,
                    source: str = "", today: date | None = None) -> ReportedSpending:
    fund, region = check_report(session, user, fund_id, region_code, as_of, spent, today)
    source = text.line(source, "来源", ReportedSpending.source)
    figure = session.scalar(select(ReportedSpending).where(
        ReportedSpending.fund_id == fund.id, ReportedSpending.region_code == region.code,
        ReportedSpending.as_of == as_of))
    before = None if figure is None else {"spent": figure.spent.fen, "source": figure.source}
    if figure is None:
        figure = ReportedSpending(fund_id=fund.id, region_code=region.code, as_of=as_of, spent=spent)
        session.add(figure)
    figure.spent, figure.source, figure.entered_by_id = spent, source, user.id
    session.flush()
    audit.record(session, user, "spending_reported", "reported", figure.uuid, before=before,
                 after={"fund": fund.uuid, "region": region.code, "as_of": as_of.isoformat(), "spent": spent.fen,
                        "source": source})
    return figure


def check_report(session: Session, user: User, fund_id: int, region_code: str, as_of: date, spent: Money,
                 today: date | None = None) -> tuple[Fund, RegionRef]:
    """Refuse what `report_spending` would refuse, changing nothing."""
    fund = get_fund(session, fund_id)
    region = find_region(session, region_code)
    keeper = issuing_region(session, fund, region)
    require_finance(session, user, keeper, f"登记{region.name}上报的支出数")
    if spent.fen < 0:
        raise InputError("上报支出数不能为负数。", "negative reported spending")
    act_date(as_of, "基准", not_before=fund.issued_on, since="资金下达日期", today=today)
    return fund, region


def reported_by_region(session: Session, fund_id: int, codes: list[str], as_of: date) -> dict[str, tuple[Money, date]]:
    """The newest figure up to `as_of` each of `codes` reported: (支出数, its 基准日)."""
    found: dict[str, tuple[Money, date]] = {}
    for code, day, spent in session.execute(
            select(ReportedSpending.region_code, ReportedSpending.as_of, ReportedSpending.spent)
            .where(ReportedSpending.fund_id == fund_id, ReportedSpending.as_of <= as_of)
            .order_by(ReportedSpending.as_of)):
        if code in codes:
            found[code] = (spent, day)
    return found

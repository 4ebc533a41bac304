"""A lower level's 表2-2 (专项资金支出情况表) read as it was handed in, so the city or the province records
the 支出数 the county or city reported without retyping it (services.money.reported).

The workbook is read the way this program writes it (app.reports.regional), and any other laid out the
same way: a heading line each for 资金名称, 填报单位 and 基准日 above the table, a header row with 支出数,
and 合计 above or below the regions' rows. The figure recorded is the 合计's 支出数, for the 填报单位, at
the 基准日. A return whose 合计 is not the sum of its rows is refused (the seeds' totals that do not add
up are exactly what this program exists to stop), as is one for another fund.

`import_spending_returns` reads every file first and records nothing unless all of them are sound; with
`dry_run` it records nothing at all and says what it would record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, County, Money, ReportedSpending, User
from app.services.csvfiles import sheet_rows, typed_text
from app.services.errors import InputError
from app.services.money.funds import get_fund
from app.services.money.reported import check_report, report_spending
from app.services.regions import RegionRef, find_region


@dataclass(frozen=True)
class SpendingReturn:
    """What one handed-in 表2-2 says: its fund, who filled it, the 基准日 and the 合计 支出数."""
    file: str
    fund_name: str
    region: RegionRef
    as_of: date
    spent: Money
    lines: int   # regions listed under it


@dataclass(frozen=True)
class Recorded:
    figure: SpendingReturn
    replaced: Money | None  # the figure for the same region and day recorded before, if any


def read_spending_return(session: Session, path: str | Path) -> SpendingReturn:
    path = Path(path)
    found = sheet_rows(path)
    width = max((len(row) for row in found), default=0)  # a workbook's rows may stop at their last value
    rows = [["" if value is None else value for value in row] + [""] * (width - len(row)) for row in found]
    heading = {}
    for row in rows:
        text = str(row[0]) if row else ""
        for label in ("资金名称", "填报单位", "基准日"):
            if text.startswith(f"{label}：") and label not in heading:
                heading[label] = text.split("：", 1)[1].strip()
    missing = [label for label in ("资金名称", "填报单位", "基准日") if not heading.get(label)]
    if missing:
        raise InputError(f"文件“{path.name}”不像支出情况表（表2-2）：表头缺少“{'”“'.join(missing)}”。",
                         f"{path}: heading lacks {missing}")
    header_at = next((n for n, row in enumerate(rows) if any(str(cell).startswith("支出数") for cell in row)), None)
    if header_at is None:
        raise InputError(f"文件“{path.name}”中找不到“支出数”列。", f"{path}: no 支出数 column")
    column = next(c for c, cell in enumerate(rows[header_at]) if str(cell).startswith("支出数"))
    total, lines, places = None, [], 0
    for row in rows[header_at + 1:]:
        if not any(str(cell).strip() for cell in row[:column + 1]):
            if total is not None or lines:
                break
            continue
        if str(row[0]).strip() == "合计":
            total = _wan(row[column], path, "合计")
        elif str(row[0]).strip().startswith(("填表人", "说明")):
            break
        elif str(row[column]).strip():
            lines.append(_wan(row[column], path, str(row[1] or row[0])))
            places = max(places, _places(row[column]))
    if total is None:
        raise InputError(f"文件“{path.name}”中没有“合计”行。", f"{path}: no 合计")
    added = Money.total(lines)
    # A return printed to 2 decimals (as this program prints 表2-2) rounds each row, so the rows may miss
    # the 合计 by half a 分 of 万元 each; figures with more decimals, by half of their last place.
    places = max(places, 2)
    slack = Money.from_wan(Decimal(len(lines)) * Decimal(5).scaleb(-places - 1)) if places < 6 else Money(0)
    if abs(added.fen - total.fen) > slack.fen:
        raise InputError(f"文件“{path.name}”的合计支出数 {total.format_wan(2)} 万元与各行之和 {added.format_wan(2)} 万元"
                         "不符，请退回填报单位核对后重新报送。", f"{path}: total {total} != sum {added}")
    return SpendingReturn(path.name, heading["资金名称"], _region(session, heading["填报单位"], path),
                          _day(heading["基准日"], path), total, len(lines))


def _wan(value, path: Path, where: str) -> Money:
    if value in ("", None):
        return Money(0)
    try:
        return Money.from_wan(Decimal(typed_text(value).replace(",", "")))
    except (InvalidOperation, ValueError, InputError, ArithmeticError):
        raise InputError(f"文件“{path.name}”中“{where}”的支出数“{value}”不是金额。", f"{path}: bad amount {value!r}") \
            from None


def _places(value) -> int:
    """Decimals the figure was printed with (a float read from a workbook: as Excel shows it)."""
    text = typed_text(value)
    return len(text.split(".", 1)[1]) if "." in text else 0


def _day(text: str, path: Path) -> date:
    found = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text.replace(" ", ""))
    try:
        return date(*(int(part) for part in found.groups())) if found else date.fromisoformat(text)
    except ValueError:
        raise InputError(f"文件“{path.name}”的基准日“{text}”不是日期。", f"{path}: bad date {text!r}") from None


def _region(session: Session, name: str, path: Path) -> RegionRef:
    """The city or county a 填报单位 names (a town does not report up in a 表2-2 of its own)."""
    codes = list(session.scalars(select(City.code).where(City.name == name)))
    codes += list(session.scalars(select(County.code).where(County.name == name)))
    if len(codes) != 1:
        problem = "不是本省的地级市或县（市、区）" if not codes else f"对应 {len(codes)} 个地区（{'、'.join(codes)}）"
        raise InputError(f"文件“{path.name}”的填报单位“{name}”{problem}，无法确定是哪个地区上报的。",
                         f"{path}: region {name!r} -> {codes}")
    return find_region(session, codes[0])


def import_spending_returns(session: Session, user: User, fund_id: int, paths: list[Path],
                            dry_run: bool = False) -> list[Recorded]:
    """Record each file's 合计 支出数 as its 填报单位's figure (all or nothing; nothing with `dry_run`)."""
    fund = get_fund(session, fund_id)
    figures = [read_spending_return(session, path) for path in paths]
    seen: dict[tuple[str, date], str] = {}
    for figure in figures:
        if figure.fund_name != fund.name:
            raise InputError(f"文件“{figure.file}”是“{figure.fund_name}”的支出情况表，不是“{fund.name}”的。",
                             f"{figure.file}: fund {figure.fund_name!r}")
        key = (figure.region.code, figure.as_of)
        if key in seen:
            raise InputError(f"文件“{figure.file}”与“{seen[key]}”是{figure.region.name}同一基准日的支出情况表，只能导入一份。",
                             f"{figure.file}: same region and day as {seen[key]}")
        seen[key] = figure.file
    recorded = []
    for figure in figures:
        before = session.scalar(select(ReportedSpending.spent).where(
            ReportedSpending.fund_id == fund.id, ReportedSpending.region_code == figure.region.code,
            ReportedSpending.as_of == figure.as_of))
        check_report(session, user, fund.id, figure.region.code, figure.as_of, figure.spent)
        if not dry_run:
            report_spending(session, user, fund.id, figure.region.code, figure.as_of, figure.spent,
                            f"{figure.file}（表2-2）"[:200])
        recorded.append(Recorded(figure, before))
    return recorded

"""Dates and years as users type them: within 2000–2100 wherever they come from (the command line, a
project file, a workbook); and the date of an act (a payment, an issue, a start...): never after
today, never before what it follows."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.errors import shown
from app.services.errors import InputError

FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(year: Any, what: str = "年度") -> int:
    """`year` as an int within FIRST_YEAR–LAST_YEAR: an int (never a bool) or four ASCII digits."""
    text = year.strip() if isinstance(year, str) else ""
    if isinstance(year, int) and not isinstance(year, bool):
        number = year
    elif len(text) == 4 and text.isascii() and text.isdigit():
        number = int(text)
    else:
        number = None
    if number is None or not FIRST_YEAR <= number <= LAST_YEAR:
        raise InputError(f"{what}“{shown(year)}”无效：应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份，如 2024。",
                         f"bad year {shown(year)!r}")
    return number


def check_date(day: date, what: str = "日期") -> date:
    """`day` itself, refused outside the years FIRST_YEAR–LAST_YEAR."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"{what} {day} 无效：年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间。", f"{what} out of range: {day}")
    return day


def parse_date(text: Any, what: str = "日期") -> date:
    """A date written as 2023-05-01 (ISO), within the years FIRST_YEAR–LAST_YEAR."""
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{what}“{shown(text)}”无效，应写成 2023-05-01。", f"bad date {shown(text)!r}") from None
    return check_date(day, what)


def act_date(on: date | None, what: str, *, not_before: date | None = None, since: str = "",
             today: date | None = None) -> date:
    """`on` (today when not given) as the date of `what`; refused after today or before `not_before`,
    which the message calls `since` (e.g. 审定日期), and before FIRST_YEAR in any case."""
    today = today or date.today()
    on = on or today
    if on > today:
        raise InputError(f"{what}日期不能晚于今天（填写的是 {on}）。", f"future {what}")
    if not_before and on < not_before:
        raise InputError(f"{what}日期 {on} 不能早于{since} {not_before}。", f"{what} before {since}")
    return check_date(on, f"{what}日期")

"""The date of an act (a payment, an issue, a start...): never after today, never before what it follows."""

from __future__ import annotations

from datetime import date

from app.services.errors import InputError


def act_date(on: date | None, what: str, *, not_before: date | None = None, since: str = "",
             today: date | None = None) -> date:
    """`on` (today when not given) as the date of `what`; refused after today or before `not_before`,
    which the message calls `since` (e.g. 审定日期)."""
    today = today or date.today()
    on = on or today
    if on > today:
        raise InputError(f"{what}日期不能晚于今天。", f"future {what}")
    if not_before and on < not_before:
        raise InputError(f"{what}日期 {on} 不能早于{since} {not_before}。", f"{what} before {since}")
    return on

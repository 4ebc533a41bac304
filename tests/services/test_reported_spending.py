"""支出数 reported from below: entered by the finance office the region reports to, checked, replaced
when corrected for the same day (both kept in the signed history), and used by a level above only
for regions whose payments its own database does not hold."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Money
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, security, verify
from app.services.errors import InputError
from app.services.money.funds import find_fund
from app.services.money.reported import report_spending
from app.services.security import PermissionDenied

FUND = "2023年乡村振兴驻镇帮镇扶村资金（和平县）"


def _login(session, name: str):
    return security.authenticate(session, name, "demo1234")


def test_the_office_reported_to_enters_it_and_a_correction_replaces_it(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        with pytest.raises(PermissionDenied):  # 和平县 reports to 河源市, not to itself
            report_spending(session, _login(session, "县财政"), fund.id, "441624", date(2023, 6, 30), Money.from_wan(1))
    with database.unit_of_work(demo_engine) as session:
        city = _login(session, "市财政")
        for bad, message in (({"spent": Money(-1)}, "不能为负数"), ({"as_of": date(2099, 1, 1)}, "不能晚于今天"),
                             ({"as_of": date(2022, 1, 1)}, "不能早于资金下达日期")):
            values = {"spent": Money.from_wan(1), "as_of": date(2023, 6, 30)} | bad
            with pytest.raises(InputError, match=message):
                report_spending(session, city, fund.id, "441624", values["as_of"], values["spent"])
    with database.unit_of_work(demo_engine) as session:
        city, fund = _login(session, "市财政"), find_fund(session, FUND)
        first = report_spending(session, city, fund.id, "441624", date(2023, 7, 31), Money.from_wan(100), "和财〔2023〕7号")
        again = report_spending(session, city, fund.id, "441624", date(2023, 7, 31), Money.from_wan(120), "更正")
        assert again.id == first.id and again.spent == Money.from_wan(120)
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "spending_reported", AuditEvent.entity_uuid == first.uuid)) == 2
        assert verify.verify_database(session).ok


def test_a_level_above_uses_its_own_payments_before_a_report(demo_engine):
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        report_spending(session, _login(session, "市财政"), fund.id, "441624", date(2023, 6, 30), Money.from_wan(99))
        report_spending(session, _login(session, "省财政"), fund.id, "4416", date(2023, 6, 30), Money.from_wan(88))
    with database.unit_of_work(demo_engine) as session:
        own = RETURNS["spending"].tables(session, Request("44", 2023, as_of=date(2023, 9, 30)))[0]
        assert own.notes == [] and own.rows[1].cells[4] != Money.from_wan(88)  # 河源's payments are in this file
        early = RETURNS["spending"].tables(session, Request("4416", 2023, as_of=date(2023, 3, 31)))[0]
        assert early.rows[1].cells[4] == Money(0)  # no payment yet, and no report up to that day

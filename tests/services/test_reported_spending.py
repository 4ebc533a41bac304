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
from helpers import raw_sqlite

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


def test_payments_that_net_to_nothing_are_still_the_regions_own_figure(demo_engine, demo_path):
    """A region whose payments up to the day add up to 0 is still one this file holds payments of: 0, not
    the figure it reported (the kept per-town totals alone cannot tell it from a region that never paid)."""
    import uuid

    day = date(2023, 9, 30)
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        report_spending(session, _login(session, "市财政"), fund.id, "441624", date(2023, 6, 30), Money.from_wan(99))
        fund_id = fund.id
    demo_engine.dispose()
    with raw_sqlite(demo_path) as connection:  # every payment taken back on the last day, as reversals would
        paid = connection.execute(
            "SELECT e.source, sum(e.amount), min(e.project_id) FROM expenditure e JOIN project p ON p.id = e.project_id "
            "JOIN town t ON t.id = p.town_id WHERE e.fund_id = ? AND e.spent_on <= ? AND t.code LIKE '441624%' "
            "GROUP BY e.source", (fund_id, day.isoformat())).fetchall()
        assert paid and all(total > 0 for _, total, _ in paid)
        for source, total, project_id in paid:
            connection.execute(
                "INSERT INTO expenditure (project_id, spent_on, amount, payee, voucher_no, purpose, uuid, version, "
                "created_at, updated_at, fund_id, source) VALUES (?, ?, ?, '退回', '冲-1', '冲回', ?, 1, "
                "'2023-09-30 00:00:00', '2023-09-30 00:00:00', ?, ?)",
                (project_id, day.isoformat(), -total, str(uuid.uuid4()), fund_id, source))
    with database.unit_of_work(demo_engine) as session:
        table = RETURNS["spending"].tables(session, Request("4416", 2023, as_of=day))[0]
        row = next(row for row in table.rows if row.cells[1] == "和平县")
        assert row.cells[4] == Money(0) and table.notes == []

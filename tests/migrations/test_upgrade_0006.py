"""A county's database made by the previous program (schema 0006, records at layout 2) upgrades to 0007:
the migration writes the 2021 东西部协作 pairing, verify says an administrator must log in once, that
login signs the new rows (layout 3) and nothing else, and from then on the east-west return prints and an
edited 协议数 is caught. Then (0008) the province's finance officer saves a fund's 收支预算 and the
statement prints.

`data/demo_0006.sqlite.gz` is the demo that program made (`bangzhen demo` at commit 5fbc984), vacuumed
and gzipped, with the trust file it wrote beside it."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.models import AuditEvent, EastWestPairing
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import adoption, database, security, verify
from app.services.demo import DEMO_PASSWORD
from app.services.money import budget
from helpers import old_demo


def _verify(engine, path: Path) -> verify.VerifyReport:
    with database.unit_of_work(engine) as session:
        return verify.verify_database(session, db_path=str(path))


def _upgraded(tmp_path: Path) -> tuple[Path, object]:
    path = old_demo("0006", tmp_path)
    return path, database.connect(path, upgrade=True)


def test_the_pairing_arrives_and_is_signed_at_the_first_admin_login(tmp_path):
    path, engine = _upgraded(tmp_path)
    try:
        with database.unit_of_work(engine) as session:
            assert session.scalar(select(func.count()).select_from(EastWestPairing)) == 16
            events = session.scalar(select(func.count()).select_from(AuditEvent))
        before = _verify(engine, path)
        assert not before.ok and any("请系统管理员登录一次" in p.message for p in before.problems)
        with database.unit_of_work(engine) as session:
            security.authenticate(session, "admin", DEMO_PASSWORD)
        with database.unit_of_work(engine) as session:
            added = session.scalars(select(AuditEvent.action).where(AuditEvent.id > events)).all()
            # the login, one adoption per pairing row, the layout mark: the layout-2 extension is not redone
            assert sorted(set(added)) == sorted({"user_login", "record_adopted", adoption.EVENT})
            assert added.count("record_adopted") == 16
            assert RETURNS["east-west"].build(session, Request("44", 2021)).text_grid()[-1] == ["合计", "", "16", "80000", ""]
        assert _verify(engine, path).ok
        with database.unit_of_work(engine) as session:
            finance = security.authenticate(session, "省财政", DEMO_PASSWORD)
            income = budget.get_fund(session, 2).total  # the budget's income is the fund's, as registered
            lines = [budget.LineInput("income", 1, "省级、珠三角帮扶市、被帮扶市资金", amount=income),
                     budget.LineInput("spending", 1, "驻镇帮镇扶村项目", amount=budget.Money.from_wan("1500"),
                                      issued=budget.Money.from_wan("1500"), spent=budget.Money.from_wan("300"))]
            budget.save_budget(session, finance, 2, as_of=date(2023, 12, 31), lines=lines)
        with database.unit_of_work(engine) as session:
            spending = RETURNS["city-fund"].tables(session, Request("44", 2023, "2"))[1]
            assert spending.text_grid()[1][:7] == ["合计", "", "1500", "1500", "0", "300", "20.00%"]
        assert _verify(engine, path).ok
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE east_west_pairing SET city_id = (SELECT id FROM city WHERE code = '4401') "
                         "WHERE helped_county = '晴隆县'")
        assert not _verify(engine, path).ok
    finally:
        engine.dispose()


def test_the_first_login_signs_only_the_pairing_as_published(tmp_path):
    """An insider who edits the new rows between the upgrade and the first administrator login gets no
    signature for the edit: a changed or added row stays unsigned and verify reports it; a deleted one is
    written again as published."""
    path, engine = _upgraded(tmp_path)
    try:
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE east_west_pairing SET aid = aid * 20 WHERE helped_county = '晴隆县'")
            conn.execute("DELETE FROM east_west_pairing WHERE helped_county = '天等县'")
            conn.execute("INSERT INTO east_west_pairing (year, position, helped_province, helped_county, city_id, aid) "
                         "SELECT 2021, 17, '贵州省', '虚构县', id, 500000000 FROM city WHERE code = '4401'")
        with database.unit_of_work(engine) as session:
            security.authenticate(session, "admin", DEMO_PASSWORD)
        with database.unit_of_work(engine) as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent).where(  # 16 but the changed one
                AuditEvent.action == "record_adopted", AuditEvent.entity_type == "east_west_pairing")) == 15
            assert session.scalar(select(func.count()).select_from(EastWestPairing).where(
                EastWestPairing.helped_county == "天等县")) == 1
        report = _verify(engine, path)
        assert not report.ok
        flagged = " ".join(p.where + p.message for p in report.problems)
        assert flagged.count("东西部协作结对") >= 2, flagged[:2000]
    finally:
        engine.dispose()


def test_the_signatures_of_an_amendment_are_found_by_index(tmp_path):
    """0009: an amendment's signatures (read on every act on it) come from an index, not a scan of
    every signature in the database."""
    path, engine = _upgraded(tmp_path)
    engine.dispose()
    with sqlite3.connect(path) as conn:
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM project_signature WHERE amendment_id IN (1, 2)"))
    assert "ix_project_signature_amendment_id" in plan, plan

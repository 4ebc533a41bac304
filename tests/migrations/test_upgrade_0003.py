"""A county's database made by the previous program (schema 0003: money as the programme moves it,
before signed events and the root of trust) upgrades keeping every row. Its old events stay unsigned and
are accepted as exactly the events before the root; the first administrator login makes the root, which
certifies every key and grant and adopts every old record, after which it verifies clean, new acts are
signed, and a hand edit of an old payment is caught like any other.

`data/demo_0003.sqlite.gz` is the demo that program made: `bangzhen demo` at commit c9c3e6d (the last
commit before migration 0004), vacuumed and gzipped."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.migrations import HEAD
from app.models import AuditEvent, ClaimStatus, TrustRoot
from app.services import database, security, verify
from app.services.money import payments
from helpers import old_demo

TABLES = ("project", "project_signature", "expenditure", "claim", "fund_plan", "plan_line", "allocation", "arrival",
          "asset", "publicity", "project_amendment", "audit_event", "user_account", "role_grant", "user_key", "fund")


def _old_database(tmp_path: Path) -> Path:
    return old_demo("0003", tmp_path)


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def test_previous_version_upgrades_gets_its_root_at_the_first_admin_login_and_verifies(tmp_path):
    path = _old_database(tmp_path)
    before = _counts(path)
    engine = database.connect(path, upgrade=True)
    try:
        assert database.schema_revision(engine) == HEAD
        assert _counts(path) == before  # nothing lost, nothing added by the upgrade itself
        with database.unit_of_work(engine) as session:
            assert any("没有根密钥" in p.message for p in verify.verify_database(session).problems)
        with database.unit_of_work(engine) as session:
            security.authenticate(session, "admin", "demo1234")
            root = session.scalar(select(TrustRoot))
            assert root.legacy_events == before["audit_event"]
        with database.unit_of_work(engine) as session:
            report = verify.verify_database(session, db_path=str(path))
            assert report.ok, report.problems[:3]
            assert report.records > 1000
        with database.unit_of_work(engine) as session:  # the program goes on, signing
            finance = security.authenticate(session, "县财政", "demo1234")
            claim = payments.claims(session, "441624", (ClaimStatus.filed,))[0]
            payments.pay_claim(session, finance, claim.id, spent_on=date.today(), voucher_no="UP-1")
        with database.unit_of_work(engine) as session:
            assert verify.verify_database(session).ok
            newest = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
            assert newest.signature and newest.key_id is not None
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:  # an old payment, adopted at the root's making, edited by hand
        conn.execute("UPDATE expenditure SET amount = amount + 1 WHERE id = (SELECT min(id) FROM expenditure)")
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            report = verify.verify_database(session)
            assert any("改动了 amount" in p.message for p in report.problems), report.problems
    finally:
        engine.dispose()

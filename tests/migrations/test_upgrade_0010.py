"""A county's database made by the previous program (schema 0010) upgrades to 0011: the ledger's totals
are filled from the payments and plans already in the file, the triggers that keep them are in place,
the ledger's orders read them, and verify still passes.

`data/demo_0010.sqlite.gz` is the demo that program made (`bangzhen demo` at commit a6af01f), vacuumed
and gzipped, with the trust file it wrote beside it."""

from __future__ import annotations

import sqlite3
from datetime import date

from app.services import database, ledger, verify
from app.services.money import totals
from app.services.regions import find_region
from helpers import old_demo


def test_the_totals_are_filled_and_kept(tmp_path):
    path = old_demo("0010", tmp_path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0010",)
        projects, paid = conn.execute("SELECT (SELECT count(*) FROM project), (SELECT sum(amount) FROM expenditure)").fetchone()
    engine = database.connect(path, upgrade=True)
    try:
        with database.unit_of_work(engine) as session:
            report = verify.verify_database(session, db_path=str(path))
            assert report.ok, report.problems
            found = []
            totals.check(session, lambda where, message: found.append(message))
            assert found == []
            county = find_region(session, "441624")
            by_spent = ledger.ledger_ids(session, county, "spent", True, date.today())
            assert len(by_spent) == len(ledger.ledger_ids(session, county)) > 0
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*), sum(spent) FROM project_total").fetchone() == (projects, paid)
        assert conn.execute("SELECT sum(spent) FROM town_fund_total").fetchone() == (paid,)
        triggers = {name for name, in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert set(totals.TRIGGERS) <= triggers

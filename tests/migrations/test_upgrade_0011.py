"""A county's database made by the previous program (schema 0011) upgrades to 0012, which adds the
exchange's tables: verify still passes, and the upgraded county at once registers its town's
installation and receives the town's 双签 project by package.

`data/demo_0011.sqlite.gz` is the demo that program made (`bangzhen demo` at commit 130d3a5), vacuumed
and gzipped, with the trust file it wrote beside it."""

from __future__ import annotations

import sqlite3

from app.services import database, demo, verify
from helpers import old_demo
import installations


def test_the_upgraded_county_exchanges_packages(tmp_path, initialised_template):
    path = old_demo("0011", tmp_path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0011",)
    conn.close()
    database.connect(path, upgrade=True).dispose()
    town = installations.make_installation(initialised_template, tmp_path / "town.sqlite", "441624100")
    installations.register_in_process(path, town, password_a=demo.DEMO_PASSWORD)
    installations.send_in_process(path, town, "县财政", "经办", tmp_path, sender_password=demo.DEMO_PASSWORD)
    installations.sign_in_process(town, "阳明镇升级后项目", tmp_path, demo.FUND_NAME)
    result = installations.send_in_process(town, path, "经办", "县审核", tmp_path,
                                           receiver_password=demo.DEMO_PASSWORD)
    assert result.counts()[("project", "created")] == 1
    for db in (path, town):
        engine = database.connect(db)
        try:
            with database.unit_of_work(engine) as session:
                report = verify.verify_database(session, db_path=str(db))
                assert report.ok, report.problems
        finally:
            engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0012",)
        assert conn.execute("SELECT count(*) FROM peer").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM project WHERE name = '阳明镇升级后项目'").fetchone() == (1,)
    conn.close()

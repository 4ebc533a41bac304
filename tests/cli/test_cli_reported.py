"""`bangzhen fund report-spending` and `fund import-spending` as a city's finance officer runs them on the
demo: the county's 表2-2 tried with --dry-run (no figure recorded; the login itself is), then imported; a figure typed by hand;
refusals in Chinese that change nothing."""

from __future__ import annotations

import sqlite3

from app.services.demo import DEMO_PASSWORD
from helpers import assert_refused, bangzhen, ok


def test_import_and_report_spending(demo_path, tmp_path):
    db = str(demo_path)
    county = tmp_path / "和平县表2-2.xlsx"
    ok(bangzhen("report", "spending", "--scope", "441624", "--year", "2023", "--as-of", "2023-09-30", "--out",
                str(county), "--db", db))
    def figures() -> list:
        with sqlite3.connect(demo_path) as conn:
            return conn.execute("SELECT region_code, as_of, spent FROM reported_spending ORDER BY id").fetchall()

    def events() -> int:
        with sqlite3.connect(demo_path) as conn:
            return conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    unchanged = figures()
    tried = ok(bangzhen("fund", "import-spending", str(county), "--fund", "2", "--dry-run", "--as", "市财政",
                        "--db", db, stdin=DEMO_PASSWORD + "\n"))
    assert "和平县截至 2023-09-30 支出" in tried and "试导入通过：1 份" in tried and figures() == unchanged
    done = ok(bangzhen("fund", "import-spending", str(county), "--fund", "2", "--as", "市财政", "--db", db,
                       stdin=DEMO_PASSWORD + "\n"))
    assert "已导入 1 份支出情况表" in done and figures()[-1][:2] == ("441624", "2023-09-30")
    typed = ok(bangzhen("fund", "report-spending", "--fund", "2", "--region", "441624", "--as-of", "2023-10-31",
                        "--spent", "1234.5", "--source", "电话报数", "--as", "市财政", "--db", db,
                        stdin=DEMO_PASSWORD + "\n"))
    assert "已登记和平县截至 2023-10-31 上报的支出数 1234.50 万元" in typed
    assert "核验通过" in ok(bangzhen("verify", "--db", db))
    before = figures(), events()
    assert_refused(bangzhen("fund", "import-spending", str(county), "--fund", "1", "--as", "市财政", "--db", db,
                            stdin=DEMO_PASSWORD + "\n"), "不是“2021年省级乡村振兴驻镇帮镇扶村资金”的")
    assert_refused(bangzhen("fund", "report-spending", "--fund", "2", "--region", "441624", "--as-of", "2023-10-31",
                            "--spent", "-1", "--as", "市财政", "--db", db, stdin=DEMO_PASSWORD + "\n"), "不能为负数")
    assert (figures(), events()) == before  # not even the logins of the refused commands stay

"""`bangzhen demo --scenario seed2021`: the 2021 province built through the services, from which the
program computes seed 000's 表1-1 and 表2-2 cell by cell (RETURNS.md §2.1, §2.5; 2021_allocation.csv):
13 cities in the fixed order, 901 towns, 450000 万元, 梅州 51500, 252425.37 万元 spent, 56.09 %. The
figures the cities reported are signed acts that `verify` checks like any other."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, verify
from app.services.scenario2021 import create_seed2021

CSV = Path(__file__).resolve().parents[2] / "resources" / "refdata" / "2021_allocation.csv"


@pytest.fixture(scope="module")
def seed2021(tmp_path_factory, initialised_template):
    path = tmp_path_factory.mktemp("seed2021") / "province.sqlite"
    path.write_bytes(initialised_template.read_bytes())
    engine = database.connect(path)
    with database.unit_of_work(engine) as session:
        create_seed2021(session)
    engine.dispose()
    return path


def _printed() -> list[dict]:
    with CSV.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _grid(path, name: str):
    engine = database.connect(path)
    try:
        with database.unit_of_work(engine) as session:
            return RETURNS[name].tables(session, Request("44", 2021))[0]
    finally:
        engine.dispose()


def test_spending_is_seed_000s_table_2_2(seed2021, tmp_path):
    table = _grid(seed2021, "spending")
    rows = table.text_grid()[1:]
    expected = [[line["seq"] or "合计", "" if line["row_kind"] == "total" else line["city"], line["towns"],
                 line["allocated_wan"], line["spent_wan"], line["spend_rate"]] for line in _printed()]
    assert rows == expected
    assert table.notes == ["说明：各地区支出数均为其上报数（截至2021年12月31日）。"]
    sheet = load_workbook(export(table, tmp_path / "表2-2.xlsx")).active
    values = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"][0]
    assert values[2:] == (901, 450000, 252425.37, 0.5609)


def test_allocation_is_seed_000s_table_1_1(seed2021):
    rows = _grid(seed2021, "allocation").text_grid()[1:]
    assert rows == [[line["seq"] or "合计", "" if line["row_kind"] == "total" else line["city"], line["towns"],
                     line["allocated_wan"]] for line in _printed()]


def test_the_scenario_verifies_and_an_edited_report_is_caught(seed2021, tmp_path):
    engine = database.connect(seed2021)
    try:
        with database.unit_of_work(engine) as session:
            assert verify.verify_database(session).ok
    finally:
        engine.dispose()
    copy = tmp_path / "edited.sqlite"
    copy.write_bytes(seed2021.read_bytes())
    with sqlite3.connect(copy) as conn:  # 汕头 looks better by hand
        conn.execute("UPDATE reported_spending SET spent = spent * 1000 WHERE region_code = '4405'")
    engine = database.connect(copy)
    try:
        with database.unit_of_work(engine) as session:
            problems = verify.verify_database(session).problems
        assert any("上报支出数" in p.where and "改动了 spent" in p.message for p in problems), problems
    finally:
        engine.dispose()

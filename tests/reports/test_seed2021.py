"""`bangzhen demo --scenario seed2021`: the 2021 province built through the services, from which the
program computes seed 000's 表1-1 and 表2-2 cell by cell (RETURNS.md §2.1, §2.5; 2021_allocation.csv):
13 cities in the fixed order, 901 towns, 450000 万元, 梅州 51500, 252425.37 万元 spent, 56.09 %. The
figures the cities reported are signed acts that `verify` checks like any other."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, evaluation, verify
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


def test_the_self_evaluation_is_seed_000s(seed2021, tmp_path):
    """99 (过程 19) from the entered form, with 资金支出率's 56.09 % computed from the cities' figures;
    表2-1 with 总分 first, the indicator table with 成本 split 3.40/3.30/3.30, 表2-3 with its 说明 row."""
    level1 = _grid(seed2021, "level1-scores")
    assert level1.title == "表2-1 一级指标得分情况表"
    assert level1.text_grid() == [["一级指标（评价因素）", "分值", "得分", "得分率"], ["总分", "100", "99", "99%"],
                                  ["一、过程分析", "20", "19", "95%"], ["二、产出分析", "40", "40", "100%"],
                                  ["三、效益分析", "40", "40", "100%"]]
    assert level1.notes == ["绩效自评得分99分，绩效等级为“优”。"]
    indicators = {row[2] or row[1]: row[3:] for row in _grid(seed2021, "indicator-scores").text_grid()[2:]}
    assert indicators["资金支出率"][:3] == ["10", "9", "90%"] and "56.09%" in indicators["资金支出率"][3]
    assert [indicators[name][0] for name in indicators if "财政资金投入" in name] == ["3.40", "3.30", "3.30"]
    assert indicators["群众对产业发展的满意度（%）"][:3] == ["20", "20", "100%"]
    completion = _grid(seed2021, "target-completion").text_grid()
    assert completion[2] == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "完成值"]
    assert completion[3][1:] == ["产出指标", "数量指标", "编制乡村振兴驻镇帮镇扶村五年规划编制（个）", "901", "901"]
    assert completion[-1][0] == "说明：“项目完成时效”2021年12月底前已100%完成项目进度。"
    engine = database.connect(seed2021)
    try:
        with database.unit_of_work(engine) as session:
            result = evaluation.score(session, evaluation.evaluation_for(session, 1, "44"))
            assert next(s.actual for s in result.items if s.item.name == "资金支出率") == "56.09%"
            tables = RETURNS["self-evaluation"].tables(session, Request("44", 2021))
    finally:
        engine.dispose()
    book = load_workbook(export(tables, tmp_path / "绩效自评.xlsx"))
    assert book.sheetnames == ["表2-1", "指标得分", "表2-3"]
    first = [row for row in book["表2-1"].iter_rows(values_only=True) if row[0] in ("总分", "一、过程分析")]
    assert first == [("总分", 100, 99, 0.99), ("一、过程分析", 20, 19, 0.95)]
    total = next(row for row in book["表2-1"].iter_rows() if row[0].value == "总分")
    assert total[3].number_format == "0%"
    merged = {str(r) for r in book["表2-3"].merged_cells.ranges}
    header_row = next(row[0].row for row in book["表2-3"].iter_rows() if row[0].value == "绩效指标")
    assert f"A{header_row}:A{header_row + 10}" in merged  # 绩效指标 over the header and its 10 indicators
    pdf = export(tables, tmp_path / "绩效自评.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("表2-1 一级指标得分情况表", "绩效自评得分99分，绩效等级为“优”。", "表2-3 2021年专项资金绩效目标完成情况表",
                     "3.40", "项目完成时效"):
        assert expected in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts

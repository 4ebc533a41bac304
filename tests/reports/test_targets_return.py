"""The 2023 绩效目标表 (seed 003 附件2) from the loaded targets: one table per city in the seeds' order,
236 indicators, per city 17, 18, 15, 19, 20, 17, 18, 19, 18, 20, 18, 19, 18, by 一级指标 154 产出 / 69 效益 /
13 满意度 (RETURNS.md §2.11); one xlsx sheet and at least one PDF page per city; a county gets its city's."""

from __future__ import annotations

import subprocess
from collections import Counter

from openpyxl import load_workbook

from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database

CITIES = ["汕头市", "韶关市", "河源市", "梅州市", "汕尾市", "阳江市", "湛江市", "茂名市", "肇庆市", "清远市", "潮州市",
          "揭阳市", "云浮市"]
PER_CITY = [17, 18, 15, 19, 20, 17, 18, 19, 18, 20, 18, 19, 18]


def _tables(engine, scope: str):
    with database.unit_of_work(engine) as session:
        return RETURNS["targets"].tables(session, Request(scope, 2023))


def test_one_table_per_city_as_the_province_issued_them(engine, tmp_path):
    tables = _tables(engine, "44")
    assert [t.heading for t in tables] == [[f"地区：{city}"] for city in CITIES]
    indicators = [row for t in tables for row in t.text_grid()[6:]]
    assert [len(t.rows) - 6 for t in tables] == PER_CITY and len(indicators) == 236
    assert Counter(row[1] for row in indicators) == {"产出指标": 154, "效益指标": 69, "满意度指标": 13}
    shantou = tables[0].text_grid()
    assert shantou[2][:3] == ["市县业务主管部门", "", "汕头市农业农村局会同相关部门"]
    assert shantou[5] == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"]
    assert shantou[6][3:] == ["落实三类防止返贫监测对象监测和帮扶工作（户）", "166"]

    book = load_workbook(export(tables, tmp_path / "绩效目标表.xlsx"))
    assert book.sheetnames == CITIES
    sheet = book["汕头市"]
    top = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "资金名称")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert f"A{top + 5}:A{top + 5 + 17}" in merged  # 绩效指标 over the header row and 17 indicators
    pdf = export(tables, tmp_path / "绩效目标表.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 13
    assert [city for city in CITIES if f"地区：{city}" in text] == CITIES


def test_a_county_gets_its_citys_table(engine):
    tables = _tables(engine, "441624")
    assert len(tables) == 1 and tables[0].heading == ["地区：河源市"] and len(tables[0].rows) == 6 + 15

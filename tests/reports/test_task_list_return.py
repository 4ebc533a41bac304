"""The 2023 任务清单 (seed 003 附件1) from the loaded task list: 126 tasks, per city in the seeds' order
10, 10, 8, 10, 10, 9, 11, 10, 10, 11, 9, 9, 9, 约束性 55 and 指导性 71 (RETURNS.md §2.10), the cities'
and departments' cells merged; in the PDF the header starts every page and a city's name is printed
again at the top of a page its tasks run on to. The demo's projects show as linked to their tasks."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

from openpyxl import load_workbook

from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.reports.task_list import chinese_numeral
from app.services import database

PER_CITY = [10, 10, 8, 10, 10, 9, 11, 10, 10, 11, 9, 9, 9]
CSV = Path(__file__).resolve().parents[2] / "resources" / "refdata" / "2023_task_list.csv"


def _build(engine, scope: str = "44"):
    with database.unit_of_work(engine) as session:
        return RETURNS["task-list"].build(session, Request(scope, 2023))


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 13, 20, 21)] == ["一", "九", "十", "十一", "十三", "二十", "二十一"]


def test_the_province_list_is_the_seeds(engine, tmp_path):
    table = _build(engine)
    assert table.title.startswith("2023年省级乡村振兴驻镇帮镇扶村资金") and table.landscape
    grid = table.text_grid()
    assert grid[0] == ["序号", "市、县", "业务主管部门", "用途类别", "任务性质", "任务名称", "实施方式", "任务量", "完成时限",
                       "备注"]  # no linked projects in a database without any
    body = grid[1:]
    assert len(body) == 126
    assert list(Counter(row[0] for row in body).values()) == PER_CITY
    assert (body[0][0], body[9][0], body[10][0], body[-1][0]) == ("一", "一", "二", "十三")
    assert Counter(row[4] for row in body) == {"约束性任务": 55, "指导性任务": 71}
    with CSV.open(encoding="utf-8") as file:  # the text as the province printed it, typos kept
        assert sorted(row[5] for row in body) == sorted(line["task_name"] for line in csv.DictReader(file))
    sheet = load_workbook(export(table, tmp_path / "任务清单.xlsx")).active
    first = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号") + 1
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {f"A{first}:A{first + 9}", f"B{first}:B{first + 9}"} <= merged  # 汕头市's 10 tasks
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == f"${first - 1}:${first - 1}"

    pdf = export(table, tmp_path / "任务清单.pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    assert len(pages) > 5
    cities = ["汕头市", "韶关市", "河源市", "梅州市", "汕尾市", "阳江市", "湛江市", "茂名市", "肇庆市", "清远市", "潮州市",
              "揭阳市", "云浮市"]
    for page in pages:
        assert "任务名称" in page and "完成时限" in page  # the header on every page
        assert any(city in page for city in cities)  # the merged city cell printed again where it runs on


def test_a_county_sees_its_city_tasks_with_its_linked_projects(demo_engine, demo_path):
    table = _build(demo_engine, "441624")
    assert table.text_grid()[0][-3:] == ["关联项目（个）", "项目资金（万元）", "已支出（万元）"]
    assert {row.cells[1] for row in table.rows} == {"河源市"}
    linked = [row.cells for row in table.rows if row.cells[10]]
    assert linked and sum(cells[10] for cells in linked) == _library_projects_with_tasks(demo_path)


def _library_projects_with_tasks(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM project WHERE task_item_id IS NOT NULL AND year = 2023 AND status IN "
                            "('approved', 'planned', 'in_progress', 'completed', 'accepted')").fetchone()[0]

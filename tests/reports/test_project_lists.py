"""The project-level lists (项目库清单, 项目实施进度表, 资产台账) on the demo county: one row per library
project (or asset) grouped by town with a 小计 per town and 合计 last, every figure against plain SQL over
the same file, written and read back."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models import Money
from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.reports.table import SUBTOTAL, TOTAL
from app.services import database
from app.services.errors import InputError

AS_OF = date(2023, 9, 30)
LIBRARY = "('approved', 'planned', 'in_progress', 'completed', 'accepted')"


def _sql(path, query: str, *args) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(query, args).fetchall()


def _table(engine, name: str, scope: str = "441624"):
    with database.unit_of_work(engine) as session:
        return RETURNS[name].tables(session, Request(scope, 2023, as_of=AS_OF))[0]


def _bodies(table):
    return [row for row in table.rows if row.kind not in (SUBTOTAL, TOTAL)]


def test_progress_pays_and_arrangements_per_project_and_town(demo_engine, demo_path, tmp_path):
    table = _table(demo_engine, "progress")
    expected = _sql(demo_path, f"""
        SELECT p.name, t.name,
          coalesce((SELECT sum(e.amount) FROM expenditure e WHERE e.project_id = p.id AND e.spent_on <= ?), 0),
          coalesce((SELECT sum(l.amount) FROM plan_line l JOIN fund_plan f ON f.id = l.plan_id
                    WHERE l.project_id = p.id AND f.status = 'in_force'), 0)
        FROM project p JOIN town t ON t.id = p.town_id WHERE p.status IN {LIBRARY} AND p.year = 2023
        ORDER BY t.code, p.id""", AS_OF.isoformat())
    bodies = _bodies(table)
    assert [(r.cells[2], r.cells[1], r.cells[10].fen, r.cells[9].fen) for r in bodies] == expected
    towns = {town for _, town, _, _ in expected}
    subtotals = [r for r in table.rows if r.kind == SUBTOTAL]
    assert len(subtotals) == len(towns) and table.rows[-1].kind == TOTAL
    total = table.rows[-1].cells
    assert total[10].fen == sum(e[2] for e in expected) and total[9].fen == sum(e[3] for e in expected)
    assert total[11] == Decimal(total[10].fen) / Decimal(total[9].fen)
    assert sum(r.cells[10].fen for r in subtotals) == total[10].fen
    sheet = load_workbook(export(table, tmp_path / "进度表.xlsx")).active
    assert sheet.page_setup.orientation == "landscape"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    total_row = next(v for v in values if v[0] == "合计")
    assert total_row[10] == pytest.approx(float(total[10].wan))


def test_project_library_lists_every_library_field(demo_engine, demo_path, tmp_path):
    table = _table(demo_engine, "project-library")
    header = table.text_grid()[0]
    assert {"项目名称", "建设内容及规模", "省级财政资金（万元）", "联农带农机制", "涉及行政村", "项目资金合计（万元）"} <= set(header)
    expected = _sql(demo_path, f"""
        SELECT p.name, coalesce(p.amount_provincial, 0) + coalesce(p.amount_prd_city, 0) + coalesce(p.amount_local_city, 0)
               + coalesce(p.amount_county, 0) + coalesce(p.amount_other, 0)
        FROM project p JOIN town t ON t.id = p.town_id WHERE p.status IN {LIBRARY} AND p.year = 2023 ORDER BY t.code, p.id""")
    total_column = header.index("项目资金合计（万元）")
    assert [(r.cells[2], r.cells[total_column].fen) for r in _bodies(table)] == expected
    assert table.rows[-1].cells[total_column] == Money(sum(amount for _, amount in expected))
    sheet = load_workbook(export(table, tmp_path / "项目库.xlsx")).active
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A3


def test_assets_with_their_upkeep(demo_engine, demo_path):
    table = _table(demo_engine, "assets")
    expected = _sql(demo_path, """
        SELECT a.name, max(a.value, coalesce((SELECT sum(e.amount) FROM expenditure e WHERE e.project_id = a.project_id), 0)),
               a.upkeep_yearly
        FROM asset a JOIN project p ON p.id = a.project_id JOIN town t ON t.id = p.town_id
        ORDER BY t.code, a.handed_over_on, a.id""")
    assert [(r.cells[2], r.cells[4].fen, r.cells[7].fen) for r in _bodies(table)] == expected
    assert table.rows[-1].cells[4].fen == sum(value for _, value, _ in expected)


def test_a_scope_without_library_projects_says_so(demo_engine):
    with pytest.raises(InputError, match="没有2023年已审定入库的项目"):
        _table(demo_engine, "progress", "441622")  # 龙川县: no projects in the demo

"""表1-2 counted from the towns' categories: with the towns set as the province's annex says, the table
is seed 000's 表1-2 cell by cell (RETURNS.md §2.2) and lists no difference; a town set otherwise shows
in its row and in the list of differences below the table."""

from __future__ import annotations

import sqlite3

import pytest
from openpyxl import load_workbook

from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database
from app.services.errors import InputError

KIND = {"珠三角帮扶": "prd_city", "省直中直驻粤单位帮扶": "provincial_units", "属地市自行帮扶": "local_city",
        "属地县（市、区）自行组团帮扶": "local_county"}
SEED_000 = """广州市 梅州市 30 18 21 69 35
广州市 湛江市 24 15 17 56 28
广州市 清远市 24 13 16 53 27
广州市 小计 78 46 54 178 90
深圳市 汕头市 13 1 6 20 10
深圳市 河源市 44 1 18 63 32
深圳市 汕尾市 19 1 7 27 13
深圳市 小计 76 3 31 110 55
珠海市 阳江市 10 8 8 26 12
珠海市 茂名市 21 19 17 57 29
珠海市 小计 31 27 25 83 41
佛山市 肇庆市 32 9 18 59 29
佛山市 云浮市 21 5 11 37 18
佛山市 小计 53 14 29 96 47
东莞市 韶关市 30 14 19 63 32
东莞市 揭阳市 20 10 13 43 22
东莞市 小计 50 24 32 106 54
中山市 潮州市 12 7 8 27 14
中山市 小计 12 7 8 27 14
合计 - 300 121 179 600 301"""


def _set_as_the_annex(path) -> None:
    """Give each helped city's towns the categories and helpers the annex counts (straight into the file:
    the return reads the towns, however they were set)."""
    with sqlite3.connect(path) as conn:
        cells = conn.execute("SELECT helped_city_id, town_category, helper_kind, towns_count FROM pairing "
                             "WHERE town_category IN ('key_support', 'consolidation') ORDER BY id").fetchall()
        for city, category, kind, count in cells:
            conn.execute("UPDATE town SET category = ?, helper_type = ? WHERE id IN (SELECT id FROM town WHERE "
                         "city_id = ? AND in_programme AND category IS NULL ORDER BY code LIMIT ?)",
                         (category, KIND[kind], city, count))


def _build(engine):
    with database.unit_of_work(engine) as session:
        return RETURNS["pairing"].build(session, Request("44", 2021))


def test_towns_set_as_the_annex_give_seed_000s_table(engine, db_path, tmp_path):
    _set_as_the_annex(db_path)
    table = _build(engine)
    assert table.title == "表1-2 全省乡村振兴驻镇帮镇扶村任务安排表" and table.notes == []
    expected = [line.split() for line in SEED_000.splitlines()]
    for line in expected:  # a 小计 row leaves its PRD cell to the merge above it; 合计 spans two columns
        line[0] = "" if line[1] == "小计" else line[0]
        line[1] = "" if line[0] == "合计" else line[1]
    assert table.text_grid()[3:] == expected
    book = load_workbook(export(table, tmp_path / "表1-2.xlsx"))
    merged = {str(r) for r in book.active.merged_cells.ranges}
    first = next(r for r in range(1, 10) if book.active.cell(r, 1).value == "珠三角地市")
    assert {f"A{first}:A{first + 2}", f"C{first}:G{first}", f"C{first + 1}:F{first + 1}",
            f"G{first + 1}:G{first + 2}", f"A{first + 3}:A{first + 6}"} <= merged  # 广州 over 3 cities + 小计


def test_a_town_set_otherwise_shows_in_its_row_and_below_the_table(engine, db_path):
    _set_as_the_annex(db_path)
    with sqlite3.connect(db_path) as conn:  # one of 河源's 珠三角帮扶 towns moved to 属地市自行帮扶
        conn.execute("UPDATE town SET helper_type = 'local_city' WHERE id = (SELECT min(id) FROM town WHERE "
                     "code LIKE '4416%' AND helper_type = 'prd_city')")
    table = _build(engine)
    row = next(r for r in table.text_grid() if r[1] == "河源市")
    assert row[2:] == ["43", "1", "19", "63", "32"]
    assert table.notes[1:] == ["河源市重点帮扶镇（珠三角帮扶）：已设置 43 个，省结对帮扶表为 44 个。",
                               "河源市重点帮扶镇（属地市自行帮扶）：已设置 19 个，省结对帮扶表为 18 个。"]


def test_the_annex_is_the_provinces(engine):
    with database.unit_of_work(engine) as session:
        with pytest.raises(InputError, match="请选择全省"):
            RETURNS["pairing"].build(session, Request("4416", 2021))

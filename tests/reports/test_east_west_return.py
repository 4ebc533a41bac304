"""表1-1 东西部协作资金扶持对象 (`east-west`) from the 2021 pairing data: seed 001's table cell by cell
(RETURNS.md §2.6), as xlsx with its merges and as a PDF with the CJK font; a city sees its own row; the
rows are signed reference data, so an edited 协议数 is caught by verify."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from openpyxl import load_workbook

from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, verify
from app.services.errors import InputError

SEED_001 = [
    ["被帮扶省区", "我省帮扶市", "帮扶县数（个）", "援助资金协议数（万元）", "被帮扶地区"],
    ["广西壮族自治区", "江门市", "3", "15000", "天等县、龙州县、宁明县"],
    ["广西壮族自治区", "肇庆市", "2", "10000", "富川瑶族自治县、昭平县"],
    ["广西壮族自治区", "湛江市", "3", "15000", "融水苗族自治县、融安县、三江侗族自治县"],
    ["广西壮族自治区", "茂名市", "2", "10000", "忻城县、金秀瑶族自治县"],
    ["贵州省", "惠州市", "6", "30000", "安龙县、望谟县、兴仁县、贞丰县、册亨县、晴隆县"],
    ["合计", "", "16", "80000", ""],
]


def _build(engine, scope="44", year=2021):
    with database.unit_of_work(engine) as session:
        return RETURNS["east-west"].build(session, Request(scope, year))


def test_seed_001s_table_cell_by_cell_in_xlsx_and_pdf(engine, tmp_path):
    table = _build(engine)
    assert table.title == "表1-1 东西部协作资金扶持对象"
    assert table.text_grid() == SEED_001
    book = load_workbook(export(table, tmp_path / "表1-1.xlsx"))
    sheet = book.active
    first = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "被帮扶省区")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {f"A{first + 1}:A{first + 4}", f"A{first + 6}:B{first + 6}"} <= merged  # 广西 over 4 cities; 合计
    body = [[cell for cell in row] for row in sheet.iter_rows(min_row=first + 1, max_row=first + 6, values_only=True)]
    assert [row[3] for row in body] == [15000, 10000, 15000, 10000, 30000, 80000]
    assert sum(row[2] for row in body[:-1]) == body[-1][2] == 16
    pdf = export(table, tmp_path / "表1-1.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "表1-1 东西部协作资金扶持对象" in text and "三江侗族自治县" in text and "80000" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts and " yes " in fonts


def test_a_city_sees_its_own_counties_and_other_years_are_refused(engine):
    assert _build(engine, "4413").text_grid()[1:] == [SEED_001[5], ["合计", "", "6", "30000", ""]]
    with database.unit_of_work(engine) as session:
        with pytest.raises(InputError, match="没有 2023 年的东西部协作结对数据"):
            RETURNS["east-west"].build(session, Request("44", 2023))
        with pytest.raises(InputError, match="请选择全省"):
            RETURNS["east-west"].build(session, Request("440703", 2021))


def test_an_edited_agreement_is_caught_by_verify(demo_engine, demo_path):
    with database.unit_of_work(demo_engine) as session:
        assert verify.verify_database(session, db_path=str(demo_path)).ok
    with sqlite3.connect(demo_path) as conn:
        conn.execute("UPDATE east_west_pairing SET aid = aid + 100 WHERE helped_county = '天等县'")
    with database.unit_of_work(demo_engine) as session:
        report = verify.verify_database(session, db_path=str(demo_path))
    assert not report.ok and any("东西部协作结对" in p.where + p.message for p in report.problems)

"""表1-1 (allocation) and 表2-2 (spending) computed from the database and written as xlsx and pdf: the
files are read back (openpyxl; pdftotext and pdffonts) and every number is compared with an independent
computation in plain SQL over the same file."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.models import FundSource, Money
from app.reports.export import export
from app.reports.returns import RETURNS, Request
from app.services import database, security
from app.services.errors import BangzhenError, InputError
from app.services.money import funds

AS_OF = date(2023, 9, 30)
FUND = "2023年乡村振兴驻镇帮镇扶村资金（和平县）"


def _wan(fen: int) -> Decimal:
    return (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _minimal(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rate(part: int, whole: int) -> str:
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _expected_towns(path: Path) -> list[tuple[str, int, int]]:
    """(town, its share in the county's plan in force, the fund's own payments up to AS_OF), town code order."""
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT town.name, (SELECT sum(pt.amount) FROM plan_town pt JOIN fund_plan p ON p.id = pt.plan_id "
            "  WHERE pt.town_id = town.id AND p.status = 'in_force' AND p.fund_id = fund.id), "
            " coalesce((SELECT sum(e.amount) FROM expenditure e JOIN project pr ON pr.id = e.project_id "
            "  WHERE pr.town_id = town.id AND e.fund_id = fund.id AND e.spent_on <= ? "
            "  AND e.source IN (SELECT source FROM fund_income WHERE fund_id = fund.id)), 0) "
            "FROM town, fund WHERE fund.name = ? AND town.id IN (SELECT town_id FROM plan_town) ORDER BY town.code",
            (AS_OF.isoformat(), FUND)).fetchall()


def _build(engine, name: str, request: Request):
    with database.unit_of_work(engine) as session:
        return RETURNS[name].build(session, request)


def test_spending_by_town_matches_the_ledger_in_xlsx_and_pdf(demo_engine, demo_path, tmp_path):
    expected = _expected_towns(demo_path)
    assert len(expected) == 17 and sum(spent for *_, spent in expected) > 0
    table = _build(demo_engine, "spending", Request("441624", 2023, as_of=AS_OF))
    budget, spent = sum(b for _, b, _ in expected), sum(s for *_, s in expected)

    book = load_workbook(export(table, tmp_path / "表2-2.xlsx"))
    sheet = book.active
    assert sheet["A1"].value == "表2-2 2023年专项资金支出情况表"
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = cells.index(["序号", "乡镇", "预算数（万元）", "支出数（万元）", "支出率"])
    total, *towns = cells[header + 1:header + 1 + 1 + len(expected)]
    # numbers as numbers (openpyxl reads them back as floats), rounded as printed
    assert total == ["合计", None, float(_wan(budget)), float(_wan(spent)), float(Decimal(_rate(spent, budget)[:-1]) / 100)]
    assert [(n, name, b, s, r) for n, name, b, s, r in towns] == [
        (n, name, float(_wan(b)), float(_wan(s)), float(Decimal(_rate(s, b)[:-1]) / 100))
        for n, (name, b, s) in enumerate(expected, 1)]
    assert f"A{header + 2}:B{header + 2}" in {str(r) for r in sheet.merged_cells.ranges}  # 合计 spans 序号+乡镇
    assert sheet.cell(header + 2, 5).number_format == "0.00%"
    assert sheet.print_title_rows == f"${header + 1}:${header + 1}" and sheet.freeze_panes == f"A{header + 2}"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert any("基准日：2023年9月30日" == row[0] for row in cells)

    pdf = export(table, tmp_path / "表2-2.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts and " yes yes " in next(line for line in fonts.splitlines() if "WenQuanYi" in line)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "表2-2 2023年专项资金支出情况表" in text and re.search(r"—\s*1\s*—", text)  # the page number
    lines = text.splitlines()
    for name, b, s in expected:  # each town's line carries its figures, as the seed prints them
        line = next(line for line in lines if f" {name} " in f" {line} ")
        assert line.split()[-3:] == [_minimal(_wan(b)), _minimal(_wan(s)), _rate(s, b)], line
    total_line = next(line for line in lines if "合计" in line)
    assert total_line.split()[-3:] == [_minimal(_wan(budget)), _minimal(_wan(spent)), _rate(spent, budget)]


def _second_fund(engine) -> None:
    """A 2024 fund the province issues to 梅州, 河源 and 汕头 (code order 4405, 4414, 4416), of which 河源
    passes some on to two of its counties."""
    with database.unit_of_work(engine) as session:
        province = security.authenticate(session, "省财政", "demo1234")
        fund = funds.add_fund(session, province, name="2024年测试资金", year=2024, region_code="44", doc_number="粤财农1号",
                              issued_on=date(2024, 2, 1), deadline=date(2024, 12, 31),
                              incomes=[(FundSource.provincial, Money.from_wan(3000), "省级")])
        for code, wan in (("4414", 1000), ("4416", 1500), ("4405", 500)):
            funds.allocate(session, province, fund.id, code, Money.from_wan(wan), doc_number="粤财农1号",
                           issued_on=date(2024, 2, 1))
    with database.unit_of_work(engine) as session:
        city = security.authenticate(session, "市财政", "demo1234")
        fund_id = funds.find_fund(session, "2024年测试资金").id
        for code, wan in (("441624", 600), ("441622", "400.5")):
            funds.allocate(session, city, fund_id, code, Money.from_wan(wan), doc_number="河财农2号",
                           issued_on=date(2024, 2, 10))


def test_allocation_lists_cities_in_the_seeds_order_and_counts_each_level_once(demo_engine):
    _second_fund(demo_engine)
    province = _build(demo_engine, "allocation", Request("44", 2024)).text_grid()
    assert province[0] == ["序号", "地市", "乡镇个数（个）", "预算数（万元）"]
    # 合计 first; 汕头, 河源, 梅州 as the seeds order them (code order would put 梅州 before 河源); 河源's 17
    # helped towns are the demo's categorised ones; what 河源 passed on to its counties is not added again
    assert province[1:] == [["合计", "", "17", "3000"], ["1", "汕头市", "0", "500"], ["2", "河源市", "17", "1500"],
                            ["3", "梅州市", "0", "1000"]]
    city = _build(demo_engine, "allocation", Request("4416", 2024)).text_grid()
    assert city[1:] == [["合计", "", "17", "1000.5"], ["1", "龙川县", "0", "400.5"], ["2", "和平县", "17", "600"]]


@pytest.mark.parametrize("request_, message", [
    (Request("441624", 2020), "2020 年没有资金"),
    (Request("441624", 2023, fund="不存在的资金"), "不存在"),
    (Request("441624101", 2023), "请选择省、市或县"),
    (Request("9999", 2023), "未知的区划代码"),
])
def test_a_request_that_cannot_be_answered_says_why(demo_engine, request_, message):
    with pytest.raises(BangzhenError, match=message):
        _build(demo_engine, "spending", request_)


def test_two_funds_in_a_year_must_be_named(demo_engine):
    _second_fund(demo_engine)
    with database.unit_of_work(demo_engine) as session:
        province = security.authenticate(session, "省财政", "demo1234")
        funds.add_fund(session, province, name="2024年另一资金", year=2024, region_code="44", doc_number="粤财农3号",
                       issued_on=date(2024, 3, 1), deadline=date(2024, 12, 31),
                       incomes=[(FundSource.provincial, Money.from_wan(10), "省级")])
    with pytest.raises(InputError, match="请用 --fund 指定"):
        _build(demo_engine, "allocation", Request("44", 2024))
    assert _build(demo_engine, "allocation", Request("44", 2024, fund="2024年测试资金")).rows[0].cells[3] == \
        Money.from_wan(3000)


def test_a_county_the_province_funds_directly_is_not_in_its_citys_return(demo_engine, demo_path):
    """和平县 as a 财政省直管县 whose money came straight from the province: 河源市's 表2-2 leaves it out
    (its figures are the province's to report), while the province's return still counts it under 河源市."""
    with sqlite3.connect(demo_path) as conn:
        conn.execute("UPDATE county SET direct_province = 1 WHERE code = '441624'")
        conn.execute("UPDATE allocation SET parent_id = NULL WHERE county_id = (SELECT id FROM county WHERE code = '441624')")
        conn.execute("DELETE FROM allocation WHERE city_id IS NOT NULL AND fund_id = (SELECT id FROM fund WHERE name = ?)",
                     (FUND,))
    city = _build(demo_engine, "spending", Request("4416", 2023, as_of=AS_OF))
    assert [row.cells[1] for row in city.rows[1:]] == []  # no row with 预算 0 beside the county's spending
    province = _build(demo_engine, "spending", Request("44", 2023, as_of=AS_OF))
    assert province.rows[1].cells[1] == "河源市" and province.rows[1].cells[3] == Money.from_wan(34000)
    assert province.rows[1].cells[4].fen == sum(s for *_, s in _expected_towns(demo_path))

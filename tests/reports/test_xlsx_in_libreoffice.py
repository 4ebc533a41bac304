"""The xlsx a return writes opens cleanly in another spreadsheet program: LibreOffice (headless) converts
it to PDF, and the text of that PDF carries the title, the heading and the figures as the program
computed them. Skipped, saying why, where LibreOffice is not installed (`apt install
libreoffice-calc-nogui`)."""

from __future__ import annotations

import csv
import shutil
import subprocess

import pytest

from app.reports.export import export
from app.reports.listing import write_list_xlsx
from app.reports.returns import RETURNS, Request
from app.reports.table import cell_text
from app.services import database

SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt install libreoffice-calc-nogui")
def test_spending_xlsx_converts_in_libreoffice(demo_engine, tmp_path):
    with database.unit_of_work(demo_engine) as session:
        table = RETURNS["spending"].build(session, Request("441624", 2023))
    xlsx = export(table, tmp_path / "spending.xlsx")
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(xlsx)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "spending.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert table.title in text and "资金名称：" in text and "单位：万元" in text
    total = next(line for line in text.splitlines() if "合计" in line).split()
    assert total[-3:] == [cell_text(value, column) for value, column in zip(table.rows[0].cells[2:], table.columns[2:])]
    for row in table.rows[1:]:
        assert row.cells[1] in text


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt install libreoffice-calc-nogui")
def test_a_streamed_list_converts_in_libreoffice(tmp_path):
    """The list writer's own SpreadsheetML (app.reports.xlsx_stream): text with XML's special characters
    and a control code, amounts and rates as numbers, read back by LibreOffice as CSV (UTF-8)."""
    rows = [["A&B <公司>", "1,234.50", "56.09%", "441624100"], ["换行\x07字符", "-0.01", "100.00%", ""]]
    xlsx = write_list_xlsx(tmp_path / "清单.xlsx", "测试清单", ["名称", "金额", "比率", "代码"], rows)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false,false", "--outdir", str(tmp_path),
                    str(xlsx)], check=True, capture_output=True, timeout=180)
    lines = (tmp_path / "清单.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("测试清单") and lines[1] == "名称,金额,比率,代码"
    # numbers come back as numbers: 1234.5 (text would keep "1,234.50"), rates as percentages (1 as "100%")
    assert list(csv.reader(lines[2:])) == [["A&B <公司>", "1234.5", "56.09%", "441624100"],
                                           ["换行字符", "-0.01", "100%", ""]]


def test_a_sheet_name_with_quotes_stays_a_valid_workbook(tmp_path):
    from openpyxl import load_workbook
    path = write_list_xlsx(tmp_path / "q.xlsx", '项目"甲"的审计记录', ["名称"], [["x"]])
    book = load_workbook(path)
    assert book.sheetnames == ['项目"甲"的审计记录'] and book.active["A3"].value == "x"

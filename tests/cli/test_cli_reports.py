"""`bangzhen report` as a user runs it: the list of returns, an export in each format read back, and
refusals in Chinese that leave no file behind."""

from __future__ import annotations

from openpyxl import load_workbook

from helpers import assert_refused, bangzhen, ok


def test_report_list_and_exports(demo_path, tmp_path):
    db = str(demo_path)
    listed = ok(bangzhen("report", "--list", "--db", db))
    assert "allocation\t表1-1 专项资金分配情况表" in listed and "spending\t表2-2 专项资金支出情况表" in listed
    xlsx = tmp_path / "分配.xlsx"
    assert "已导出表1-1 2023年专项资金分配情况表" in ok(bangzhen("report", "allocation", "--scope", "441624", "--year",
                                                        "2023", "--out", str(xlsx), "--db", db))
    assert load_workbook(xlsx).active["A1"].value == "表1-1 2023年专项资金分配情况表"
    pdf = tmp_path / "支出"  # no suffix: --format decides and names the file
    ok(bangzhen("report", "spending", "--scope", "4416", "--year", "2023", "--as-of", "2023-06-30", "--format", "pdf",
                "--out", str(pdf), "--db", db))
    assert (tmp_path / "支出.pdf").read_bytes().startswith(b"%PDF")


def test_report_refusals_leave_nothing_behind(demo_path, tmp_path):
    db = str(demo_path)
    before = set(tmp_path.iterdir())
    for args, message in ((("spendin", "--year", "2023"), "没有名为“spendin”的报表"),
                          (("spending",), "请指定报表名称、--year 和 --out"),
                          (("spending", "--year", "2023", "--out", str(tmp_path / "x.doc")), "不支持的导出格式“doc”"),
                          (("spending", "--year", "2023", "--out", str(tmp_path / "无此文件夹" / "x.pdf")), "不存在"),
                          (("spending", "--year", "2023", "--as-of", "2023-13-01"), "日期"),
                          (("spending", "--year", "1999"), "年")):
        if "--out" not in args:
            args += ("--out", str(tmp_path / "x.xlsx"))
        assert_refused(bangzhen("report", *args, "--db", db), message)
    assert set(tmp_path.iterdir()) == before

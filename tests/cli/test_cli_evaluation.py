"""`bangzhen evaluation` as a county's finance officer runs it on the demo: a blank form for a region
with no evaluation yet (the 过程 items and 河源's 2023 targets), the county's saved one written as xlsx,
edited, imported again as a signed act, shown, and printed as the self-evaluation returns; refusals in
Chinese that change nothing."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from app.services.demo import DEMO_PASSWORD
from helpers import assert_refused, bangzhen, digest, ok

SCOPE = ("--fund", "2", "--scope", "441624")


def test_form_import_show_and_report(demo_path, tmp_path):
    db = str(demo_path)
    blank = tmp_path / "市评分表.csv"
    assert "空白评分表" in ok(bangzhen("evaluation", "form", "--fund", "2", "--scope", "4416", "--out", str(blank),
                                    "--db", db))
    assert blank.read_text(encoding="utf-8-sig").splitlines()[1].startswith("过程指标,资金支出率,")
    form = tmp_path / "评分表.xlsx"
    assert "已填报的评分表" in ok(bangzhen("evaluation", "form", *SCOPE, "--out", str(form), "--db", db))
    book = load_workbook(form)
    sheet = book.active
    assert [cell.value for cell in sheet[1]][:3] == ["一级指标", "二级指标", "三级指标"]
    assert sheet["B2"].value == "资金支出率" and sheet["G2"].value == "资金支出率" and sheet["H2"].value == "4"
    last = sheet.max_row
    sheet.cell(last, 8, "0.5")
    sheet.cell(last, 9, "满意度调查样本不足。")
    book.save(form)
    unchanged = digest(demo_path)
    assert_refused(bangzhen("evaluation", "import", str(form), *SCOPE, "--as-of", "2023-12-31", "--as", "县审核",
                            "--db", db, stdin=DEMO_PASSWORD + "\n"), "您没有权限填报绩效自评")
    assert digest(demo_path) == unchanged
    saved = ok(bangzhen("evaluation", "import", str(form), *SCOPE, "--as-of", "2023-12-31", "--as", "县财政",
                        "--db", db, stdin=DEMO_PASSWORD + "\n"))
    assert "得分 95.50 分，等级“优”" in saved
    shown = ok(bangzhen("evaluation", "show", *SCOPE, "--db", db))
    assert "资金支出率" in shown and "按支出率比例计为" in shown and "总分 95.50 分" in shown
    assert "满意度调查样本不足。" in shown
    out = tmp_path / "绩效自评.xlsx"
    ok(bangzhen("report", "self-evaluation", "--scope", "441624", "--year", "2023", "--fund", "2", "--out", str(out),
                "--db", db))
    book = load_workbook(out)
    assert ("总分", 100, 95.5, 0.955) in list(book["表2-1"].iter_rows(values_only=True))
    assert any("巩固拓展脱贫攻坚成果" in str(row[1]) for row in book["表2-3"].iter_rows(values_only=True))  # goal kept
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_a_form_that_does_not_add_up_is_refused_and_changes_nothing(demo_path, tmp_path):
    db = str(demo_path)
    form = tmp_path / "评分表.csv"
    ok(bangzhen("evaluation", "form", *SCOPE, "--out", str(form), "--db", db))
    with form.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    rows[1][8] = "理由"      # 资金支出率 gets its reason
    rows[2][4] = "25"        # 监管有效性: 25 of 过程's 20 points
    with form.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(rows)
    unchanged = digest(demo_path)
    assert_refused(bangzhen("evaluation", "import", str(form), *SCOPE, "--as-of", "2023-06-30", "--as", "县财政",
                            "--db", db, stdin=DEMO_PASSWORD + "\n"), "下级指标分值之和为 25 分")
    assert digest(demo_path) == unchanged
    assert "总分 96 分" in ok(bangzhen("evaluation", "show", *SCOPE, "--db", db))  # the demo's, as it was

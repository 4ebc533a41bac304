"""`bangzhen budget` as 江门's finance officer runs it: the jiangmen2022 scenario's budget written out as
xlsx, a figure changed, imported again as a signed act, shown, and printed as `report city-fund`; a form
whose heading disagrees with its items is refused in Chinese and changes nothing."""

from __future__ import annotations

from openpyxl import load_workbook

from app.services.demo import DEMO_PASSWORD
from helpers import assert_refused, bangzhen, digest, ok


def test_form_import_show_and_report(tmp_path):
    db = str(tmp_path / "jiangmen.sqlite")
    assert "2022 年江门市统筹资金情景" in ok(bangzhen("demo", "--scenario", "jiangmen2022", "--db", db))
    form, targets = tmp_path / "收支预算表.xlsx", tmp_path / "绩效目标表.csv"
    assert "已登记的收支预算表" in ok(bangzhen("budget", "form", "--fund", "2", "--out", str(form),
                                         "--targets-out", str(targets), "--db", db))
    assert targets.read_text(encoding="utf-8-sig").splitlines()[1].startswith("产出指标,数量指标,")
    book = load_workbook(form)
    sheet = book.active
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 3).value == "消费帮扶专项资金")
    assert [sheet.cell(row, c).value for c in (5, 6, 7)] == ["63", "63", "24"]
    sheet.cell(row, 7, "63")  # all of it spent by now
    book.save(form)

    heading = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 3).value == "对口帮扶专项资金")
    sheet.cell(heading, 5, "5000")  # a heading whose sum is 5661
    wrong = tmp_path / "错.xlsx"
    book.save(wrong)
    unchanged = digest(tmp_path / "jiangmen.sqlite")
    assert_refused(bangzhen("budget", "import", str(wrong), "--fund", "2", "--as-of", "2022-12-31", "--as", "市财政",
                            "--db", db, stdin=DEMO_PASSWORD + "\n"), "其下各项合计 5661 万元")
    assert digest(tmp_path / "jiangmen.sqlite") == unchanged

    saved = ok(bangzhen("budget", "import", str(form), "--fund", "2", "--as-of", "2022-12-31", "--as", "市财政",
                        "--db", db, stdin=DEMO_PASSWORD + "\n"))
    assert "收入 11492.62 万元，分配 12745.787 万元" in saved and "绩效目标 6 项" in saved  # targets kept
    shown = ok(bangzhen("budget", "show", "--fund", "2", "--db", db))
    assert "⑤消费帮扶专项资金  63 万元，已下达 63，已支出 63" in shown and "已支出 8337.33 万元" in shown
    out = tmp_path / "江门.xlsx"
    ok(bangzhen("report", "city-fund", "--scope", "4407", "--year", "2022", "--fund", "2", "--out", str(out),
                "--db", db))
    total = next(r for r in load_workbook(out)["分配及执行"].iter_rows(values_only=True) if r[0] == "合计")
    assert total[5] == 8337.33
    assert "核验通过" in ok(bangzhen("verify", "--db", db))

"""Excel imports on the command line: a template written for the acting user, a filled copy tried
(--dry-run), refused whole with its rows on the terminal and the result workbook beside it, then only
its valid rows imported (--valid-only); a wrong kind or a missing fund said in Chinese."""

from __future__ import annotations

import sqlite3

import pytest
from openpyxl import load_workbook

from app.services.demo import DEMO_PASSWORD, FUND_NAME
from helpers import assert_refused, bangzhen, ok

PW = DEMO_PASSWORD + "\n"


@pytest.fixture
def db(demo_path) -> str:
    return str(demo_path)


def _projects(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM project").fetchone()[0]


def test_template_then_dry_run_refusal_and_valid_rows(db, tmp_path):
    template = tmp_path / "项目.xlsx"
    said = ok(bangzhen("template", "projects", "--out", str(template), "--db", db, "--as", "阳明镇经办", stdin=PW))
    assert "已生成“项目（批量录入）”导入模板" in said
    book = load_workbook(template)
    sheet = book.worksheets[0]
    for line, (name, nature) in enumerate((("村道硬底化（批量）", "新建"), ("路灯（批量）", "翻新")), start=2):
        for column, value in enumerate(("441624100", "", name, 2023, "提升镇村公共基础设施水平", "", nature, "工程建设",
                                        "以奖代补"), start=1):
            sheet.cell(line, column).value = value
    book.save(template)
    before = _projects(db)
    acting = ("--db", db, "--as", "阳明镇经办")
    tried = ok(bangzhen("import", "projects", str(template), "--dry-run", *acting, stdin=PW))
    assert "第 3 行：“建设性质”不能是“翻新”" in tried and "试导入，未作任何改动" in tried
    assert (tmp_path / "项目-错误说明.xlsx").exists() and _projects(db) == before
    assert_refused(bangzhen("import", "projects", str(template), *acting, stdin=PW), "有错误，全部未导入")
    assert _projects(db) == before
    done = ok(bangzhen("import", "projects", str(template), "--valid-only", "--result", str(tmp_path / "r.xlsx"),
                       *acting, stdin=PW))
    assert "新增 1 行，有错 1 行。已导入无误的行" in done and "导入前已备份" in done
    assert _projects(db) == before + 1
    notes = [row[-1] for row in load_workbook(tmp_path / "r.xlsx").worksheets[0].iter_rows(values_only=True)]
    assert notes[0] == "错误说明" and notes[2].startswith("“建设性质”不能是“翻新”")
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_kind_and_fund_refusals(db, tmp_path):
    assert_refused(bangzhen("template", "nonsense", "--out", str(tmp_path / "x.xlsx"), "--db", db, "--as", "县财政",
                            stdin=PW), "无效的选项")
    assert_refused(bangzhen("template", "arrivals", "--out", str(tmp_path / "x.xlsx"), "--db", db, "--as", "县财政",
                            stdin=PW), "须用 --fund 指定资金")
    ok(bangzhen("template", "arrivals", "--out", str(tmp_path / "x.xlsx"), "--fund", FUND_NAME, "--db", db,
                "--as", "县财政", stdin=PW))
    assert_refused(bangzhen("import", "arrivals", str(tmp_path / "x.xlsx"), "--db", db, "--as", "县财政", stdin=PW),
                   "须用 --fund 指定资金")

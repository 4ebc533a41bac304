"""Money from the command line on the demo county: the fund's tree with 到位, a county → town 下达 and an
xlsx import whose dry run changes nothing, the 因素法 from a weights workbook, the plan and the claims
as listed, the asset register, and a 省直管县 set by the administrator."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest
from openpyxl import Workbook

from app.services.demo import DEMO_PASSWORD, FUND_NAME
from helpers import assert_refused, bangzhen, ok

PW = DEMO_PASSWORD + "\n"


@pytest.fixture
def db(tmp_path, demo_template) -> str:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    return str(path)


def test_fund_tree_and_town_allocations(db, tmp_path):
    shown = ok(bangzhen("fund", "show", FUND_NAME, "--db", db))
    assert "实施期限：2023-02-20 至 2023-12-31" in shown
    assert re.search(r"└ 下达 \d+：河源市（4416）34000.00 万元，粤财农〔2023〕25号", shown)
    assert re.search(r"  └ 下达 \d+：和平县（441624）34000.00 万元，河财农〔2023〕8号，2023-03-10；到位 34000.00 万元", shown)
    assert_refused(bangzhen("allocate", "--db", db, "--as", "市财政", "--fund", FUND_NAME, "--to", "441624100",
                            "--amount", "10", "--doc", "河", "--date", "2023-04-01", stdin=PW), "需要和平县的“县级财政”角色")
    book = Workbook()
    book.active.append(["区划代码", "金额（万元）", "文号", "下达日期", "备注"])
    book.active.append(["441624100", "1200", "和财农〔2023〕18号", "2023-04-20", ""])
    book.active.append(["441624101", "800.5", "和财农〔2023〕18号", "2023-04-20", "首批"])
    book.save(tmp_path / "a.xlsx")
    dry = ok(bangzhen("allocation", "import", str(tmp_path / "a.xlsx"), "--db", db, "--as", "县财政", "--fund",
                      FUND_NAME, "--dry-run", stdin=PW))
    assert "资金下达：共 2 行，新增 2 行，有错 0 行。试导入，未作任何改动。" in dry
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM allocation WHERE town_id IS NOT NULL").fetchone() == (0,)
    assert "新增 2 行，有错 0 行。已全部导入" in ok(bangzhen("allocation", "import", str(tmp_path / "a.xlsx"), "--db", db, "--as",
                                         "县财政", "--fund", FUND_NAME, stdin=PW))
    book.active.append(["441624102", "40000", "和财农〔2023〕19号", "2023-04-21", ""])
    book.save(tmp_path / "b.xlsx")
    refused = bangzhen("allocation", "import", str(tmp_path / "b.xlsx"), "--db", db, "--as", "县财政", "--fund",
                       FUND_NAME, stdin=PW)
    assert_refused(refused, "已有，跳过 2 行，有错 1 行。有错误，全部未导入")
    assert "第 4 行：超出可下达金额" in refused.stderr and (tmp_path / "b-错误说明.xlsx").exists()
    with sqlite3.connect(db) as conn:  # the whole file refused: not even its good rows went in
        assert conn.execute("SELECT count(*) FROM allocation WHERE town_id IS NOT NULL").fetchone() == (2,)
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_factor_method_plan_claims_and_assets(db, tmp_path):
    plans = ok(bangzhen("plan", "list", "--db", db, "--region", "441624"))
    plan_id = plans.split("\t")[0]
    assert "已签发" in plans and "和府〔2023〕31号" in plans
    shown = ok(bangzhen("plan", "show", plan_id, "--db", db))
    assert "本县收到 34000.00 万元；分到各镇 34000.00 万元" in shown and "镇：阳明镇（441624100）" in shown
    book = Workbook()
    sheet = book.active
    sheet.title = "因素"
    sheet.append(["乡镇", "面积", "人口"])
    sheet.append(["阳明镇", 120, 30000])
    sheet.append(["441624101", 80, 10000])
    sheet.append(["权重", 50, 50])
    book.save(tmp_path / "w.xlsx")
    proposal = ok(bangzhen("plan", "factor", "--fund", FUND_NAME, "--region", "441624", "--weights",
                           str(tmp_path / "w.xlsx"), "--total", "1000", "--db", db))
    assert "阳明镇（441624100）675.00 万元" in proposal and "大坝镇（441624101）325.00 万元" in proposal
    assert "合计 1000.00 万元" in proposal
    assert_refused(bangzhen("plan", "factor", "--fund", FUND_NAME, "--region", "441624", "--weights",
                            str(tmp_path / "w.xlsx"), "--apply", "--as", "县财政", "--db", db, stdin=PW),
                   "没有草拟中的资金安排")
    ok(bangzhen("plan", "create", "--db", db, "--as", "县财政", "--region", "441624", "--fund", FUND_NAME, stdin=PW))
    assert "已按因素法设置资金安排" in ok(bangzhen("plan", "factor", "--fund", FUND_NAME, "--region", "441624",
                                           "--weights", str(tmp_path / "w.xlsx"), "--total", "1000", "--apply",
                                           "--as", "县财政", "--db", db, stdin=PW))
    claims = ok(bangzhen("claim", "list", "--db", db, "--region", "441624", "--status", "已驳回"))
    claim_id = claims.split("\t")[0]
    assert "发票抬头与合同不符" in ok(bangzhen("claim", "show", claim_id, "--db", db))
    assets = ok(bangzhen("asset", "list", "--db", db, "--region", "441624"))
    assert "股份经济合作社" in assets and re.search(r"共 \d+ 项资产，合计 [\d.]+ 万元。", assets)


def test_direct_province_county_is_set_by_the_administrator(db):
    assert_refused(bangzhen("county", "set-direct", "441622", "--db", db, "--as", "县财政", stdin=PW),
                   "没有权限设置乡镇类别、行政村和财政体制")
    assert "财政省直管县" in ok(bangzhen("county", "set-direct", "441622", "--db", db, "--as", "admin", stdin=PW))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT direct_province FROM county WHERE code = '441622'").fetchone() == (1,)

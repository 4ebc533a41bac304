"""The lifecycle from the command line, as a county runs it: users with passwords on stdin, a
project from a JSON and an xlsx file, 双签, 审定, spending and its reversal, completion, 验收, and
`verify` catching a hand edit of the file."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.services.demo import DEMO_PASSWORD, FUND_NAME
from helpers import assert_refused, bangzhen, ok

TOWN = "441624100"  # 阳明镇 in the demo county
PW = DEMO_PASSWORD + "\n"


@pytest.fixture
def demo_db(tmp_path, demo_template) -> Path:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    return path


def village(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT v.name FROM village v JOIN town t ON t.id = v.town_id WHERE t.code = ? "
                            "ORDER BY v.name LIMIT 1", (TOWN,)).fetchone()[0]


def project_json(db: Path, path: Path, amount_wan: str = "1.5") -> Path:
    path.write_text(json.dumps({
        "项目名称": "阳明镇田头小站建设", "年度": 2023, "所属乡镇": TOWN, "资金": FUND_NAME,
        "用途类别": "提升乡村产业发展水平", "建设性质": "新建", "支出类别": "工程建设", "建设地点": "阳明镇",
        "计划开工日期": "2023-04-01", "计划完工日期": "2023-09-30", "实施单位": "和平县阳明镇人民政府",
        "项目负责人": "陈建华", "建设内容及规模": "建设田头小站 1 座", "省级财政资金": amount_wan,
        "支持方式": "以奖代补", "受益对象": "种植户", "资产类型": "经营性", "事前公示开始日期": "2023-03-01",
        "涉及行政村": [village(db)],
        "绩效目标": [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "新建田头小站", "单位": "座",
                  "比较": "≥", "指标值": "1"},
                 {"一级指标": "效益指标", "二级指标": "经济效益指标", "三级指标": "农户收入", "比较": "定性",
                  "指标值": "提高"}],
    }, ensure_ascii=False), encoding="utf-8")
    return path


def new_id(output: str) -> int:
    return int(re.search(r"已起草项目 (\d+)", output).group(1))


def test_whole_lifecycle_from_the_command_line(demo_db, tmp_path):
    db = str(demo_db)
    ok(bangzhen("setting", "set", "--db", db, "--as", "admin", "allocation_check", "提醒", stdin=PW))
    created = ok(bangzhen("project", "create", "--db", db, "--as", "阳明镇经办", str(project_json(demo_db, tmp_path / "p.json")),
                          stdin=PW))
    project = str(new_id(created))
    assert_refused(bangzhen("sign", "--db", db, "--as", "阳明镇书记", project, "--role", "乡镇主要负责人",
                            stdin="wrong password\n"), "密码错误")
    ok(bangzhen("sign", "--db", db, "--as", "阳明镇书记", project, "--role", "乡镇主要负责人", stdin=PW))
    assert "已双签" in ok(bangzhen("sign", "--db", db, "--as", "阳明镇队长", project, "--role", "驻镇帮扶工作队队长",
                                 stdin=PW))
    assert "已审定入库" in ok(bangzhen("review", "--db", db, "--as", "县审核", project, "--approve", stdin=PW))
    assert_refused(bangzhen("spend", "--db", db, "--as", "县财政", project, "--amount", "1", "--payee", "甲",
                            "--voucher", "V-0", stdin=PW), "纳入县级资金安排后才能支付")
    plan = re.search(r"已新建资金安排 (\d+)", ok(bangzhen("plan", "create", "--db", db, "--as", "县财政", "--region",
                                                       "441624", "--fund", FUND_NAME, stdin=PW))).group(1)
    ok(bangzhen("plan", "add", "--db", db, "--as", "县财政", plan, project, stdin=PW))
    assert "已签发生效" in ok(bangzhen("plan", "sign", "--db", db, "--as", "县财政", plan, "--doc", "和府〔2023〕99号",
                                    stdin=PW))
    ok(bangzhen("project", "start", "--db", db, "--as", "阳明镇经办", project, stdin=PW))
    assert_refused(bangzhen("spend", "--db", db, "--as", "阳明镇经办", project, "--amount", "1", "--payee", "甲",
                            "--voucher", "V-0", stdin=PW), "没有权限")
    assert_refused(bangzhen("spend", "--db", db, "--as", "县财政", project, "--amount", "15000.01",
                            "--payee", "和平县供销合作社", "--voucher", "V-1", stdin=PW), "尚可支付 15,000.00 元")
    spent = ok(bangzhen("spend", "--db", db, "--as", "县财政", project, "--amount", "12,000.50", "--source", "省级财政",
                        "--payee", "和平县供销合作社", "--voucher", "V-1", stdin=PW))
    assert "尚可支付 2,999.50 元" in spent
    expenditure = re.search(r"已录入支出 (\d+)", spent).group(1)
    assert_refused(bangzhen("reverse", "--db", db, "--as", "阳明镇经办", expenditure, "--reason", "金额录错", stdin=PW),
                   "没有权限")
    assert "-12,000.50 元" in ok(bangzhen("reverse", "--db", db, "--as", "县财政", expenditure, "--reason",
                                         "金额录错", stdin=PW))
    claim = re.search(r"已提交报账申请 (\d+)", ok(bangzhen(
        "claim", "create", "--db", db, "--as", "阳明镇经办", project, "--amount", "15000", "--payee", "和平县供销合作社",
        "--purpose", "田头小站建设款", "--vouchers", "发票 0001", stdin=PW))).group(1)
    assert "待支付" in ok(bangzhen("claim", "list", "--db", db, "--region", "441624"))
    ok(bangzhen("claim", "pay", "--db", db, "--as", "县财政", claim, "--voucher", "V-2", stdin=PW))
    ok(bangzhen("project", "complete", "--db", db, "--as", "阳明镇经办", project, stdin=PW))
    assert "已验收" in ok(bangzhen("project", "accept", "--db", db, "--as", "县审核", project, "--receiver",
                                "新联村股份经济合作社", stdin=PW))
    shown = ok(bangzhen("project", "show", "--db", db, project))
    assert "状态：已验收" in shown and "已支出：15,000.00 元" in shown and "凭证 V-1-冲" in shown
    assert "核验通过" in ok(bangzhen("verify", "--db", db))
    log = ok(bangzhen("audit", "--db", db, "--project", project))
    assert [line.split("\t")[3] for line in log.splitlines()] == [
        "验收", "完工", "开始实施", "纳入资金安排（资金安排 和府〔2023〕99号（第 2 版））", "审定入库", "签字（驻镇帮扶工作队队长）", "签字（乡镇主要负责人）", "起草项目"]

    with sqlite3.connect(demo_db) as conn:  # someone "fixes" the amount in the file by hand
        conn.execute("UPDATE project SET amount_provincial = amount_provincial + 100 WHERE id = ?", (int(project),))
    failed = bangzhen("verify", "--db", db)
    assert_refused(failed, "核验未通过")
    assert f"项目 {project} 阳明镇田头小站建设（阳明镇）" in failed.stdout and "签名与项目当前内容不符" in failed.stdout


def test_project_from_xlsx_and_edit_voids_signatures(demo_db, tmp_path):
    db = str(demo_db)
    raw = json.loads(project_json(demo_db, tmp_path / "p.json").read_text(encoding="utf-8"))
    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["字段", "值"])
    for key, value in raw.items():
        if key != "绩效目标":
            sheet.append([key, "、".join(value) if isinstance(value, list) else value])
    indicators = book.create_sheet("绩效目标")
    header = ["一级指标", "二级指标", "三级指标", "单位", "比较", "指标值"]
    indicators.append(header)
    for row in raw["绩效目标"]:
        indicators.append([row.get(h) for h in header])
    book.save(tmp_path / "p.xlsx")
    project = str(new_id(ok(bangzhen("project", "create", "--db", db, "--as", "阳明镇经办", str(tmp_path / "p.xlsx"),
                                     stdin=PW))))
    ok(bangzhen("sign", "--db", db, "--as", "阳明镇书记", project, "--role", "乡镇主要负责人", stdin=PW))
    (tmp_path / "edit.json").write_text(json.dumps({"省级财政资金": "1.2"}), encoding="utf-8")
    edited = ok(bangzhen("project", "edit", "--db", db, "--as", "阳明镇经办", project, str(tmp_path / "edit.json"),
                         "--reason", "按评审意见调减", stdin=PW))
    assert "当前状态：草稿" in edited and "原有签字作废" in edited
    shown = ok(bangzhen("project", "show", "--db", db, project))
    assert "签字后变更：省级财政资金（万元）：1.50 → 1.20" in shown and "已作废（项目内容已修改）" in shown
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_users_from_the_command_line(tmp_path):
    db = str(tmp_path / "new.sqlite")
    assert_refused(bangzhen("user", "add", "--db", db, "clerk", "--name", "经办", "--role", "乡镇经办人:441624100",
                            stdin="long enough 1\n"), "第一个用户必须是系统管理员")
    ok(bangzhen("user", "add", "--db", db, "admin", "--name", "管理员", "--role", "系统管理员:441624",
                stdin="admin password 1\n"))
    assert_refused(bangzhen("user", "add", "--db", db, "clerk", "--name", "经办", "--role", "乡镇经办人:441624100"),
                   "请用 --as 指定")
    assert_refused(bangzhen("user", "add", "--db", db, "--as", "admin", "clerk", "--name", "经办", "--role",
                            "乡镇经办人:441624100", stdin="admin password 1\nshort\n"), "至少需要 8 个字符")
    ok(bangzhen("user", "add", "--db", db, "--as", "admin", "clerk", "--name", "经办", "--role", "乡镇经办人:441624100",
                stdin="admin password 1\nclerk password 1\n"))
    listing = ok(bangzhen("user", "list", "--db", db))
    assert "clerk\t经办\t乡镇经办人（441624100）" in listing
    ok(bangzhen("user", "passwd", "--db", db, "clerk", stdin="clerk password 1\nclerk password 2\n"))
    assert_refused(bangzhen("user", "passwd", "--db", db, "clerk", stdin="clerk password 1\nwhatever 123\n"), "原密码错误")
    ok(bangzhen("user", "reset", "--db", db, "--as", "admin", "clerk", stdin="admin password 1\nfresh start 1\n"))
    with sqlite3.connect(db) as conn:
        hashes = [row[0] for row in conn.execute("SELECT password_hash FROM user_account")]
        keys = conn.execute("SELECT count(*), count(retired_at) FROM user_key k JOIN user_account u ON u.id = k.user_id "
                            "WHERE u.username = 'clerk'").fetchone()
    assert all(h.startswith("scrypt$") and "password" not in h for h in hashes)
    assert keys == (2, 1)  # re-keyed: the old key retired, a new one made
    assert "核验通过" in ok(bangzhen("verify", "--db", db))


def test_amendment_from_the_command_line(demo_db, tmp_path):
    """An approved project is changed by 项目调整: drafted, 双签, 审定; the content changes, the status stays."""
    db = str(demo_db)
    with sqlite3.connect(demo_db) as conn:
        project, town = conn.execute("SELECT p.id, t.name FROM project p JOIN town t ON t.id = p.town_id "
                                     "WHERE p.status = 'planned' ORDER BY p.id LIMIT 1").fetchone()
    (tmp_path / "change.json").write_text(json.dumps({"建设地点": "调整后的地点"}, ensure_ascii=False), encoding="utf-8")
    assert_refused(bangzhen("project", "edit", "--db", db, "--as", f"{town}经办", str(project),
                            str(tmp_path / "change.json"), stdin=PW), "请办理项目调整")
    drafted = ok(bangzhen("project", "amend", "--db", db, "--as", f"{town}经办", str(project),
                          str(tmp_path / "change.json"), "--reason", "选址调整", stdin=PW))
    amendment = re.search(r"已起草项目调整 (\d+)", drafted).group(1)
    assert "建设地点：" in drafted and "→ 调整后的地点" in drafted
    ok(bangzhen("amendment", "sign", "--db", db, "--as", f"{town}书记", amendment, "--role", "乡镇主要负责人", stdin=PW))
    ok(bangzhen("amendment", "sign", "--db", db, "--as", f"{town}队长", amendment, "--role", "驻镇帮扶工作队队长",
                stdin=PW))
    assert "调整已审定生效" in ok(bangzhen("amendment", "review", "--db", db, "--as", "县审核", amendment, "--approve",
                                      stdin=PW))
    shown = ok(bangzhen("project", "show", "--db", db, str(project)))
    assert "状态：已纳入计划  内容版本：2" in shown and "建设地点：调整后的地点" in shown
    assert "核验通过" in ok(bangzhen("verify", "--db", db))

"""The command line against careless and hostile input (issue 14, item 6), on copies of the demo county:
region changes need an administrator's login and are audited; `generate` never touches a database with
users; dates and years stay within 2000–2100 and acts follow what they follow; output comes after the
commit and a reader gone before it rolls the work back; a signer pins the version they read; amounts
are parsed strictly; names lose control characters and keep to their column; no number, nesting or
file crashes the program; an approved project is never cut below what is paid on it.

Each item has its own CLI test; the amount parser and the project files (JSON and xlsx) are fuzzed
in-process through the same functions the CLI calls: what comes back is a value or a Chinese
`BangzhenError` (exit status 2), never any other exception (程序内部错误)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from app.cli import common
from app.errors import BangzhenError
from app.services.errors import InputError
from app.models import FundSource, Money, User
from app.services import approval, database
from app.services.content_text import FIELD_LABELS, INDICATOR_LABELS, exact_wan
from app.services.demo import DEMO_PASSWORD
from app.services.project_files import read_project_file
from helpers import ROOT, assert_refused, bangzhen, digest, ok

PW = DEMO_PASSWORD + "\n"
DRAFT = {"年度": 2023, "用途类别": "提升乡村产业发展水平", "建设性质": "新建", "支持方式": "以奖代补"}  # a draft's minimum
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TOWN = "441624100"  # 阳明镇


@pytest.fixture
def db(tmp_path, demo_template) -> str:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    return str(path)


def scalar(db: str, sql: str, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchone()[0]


def paid_project(db: str) -> int:
    """An in-progress project with a payment that is not reversed (the demo's 实施中 projects)."""
    return scalar(db, "SELECT e.project_id FROM expenditure e JOIN project p ON p.id = e.project_id "
                      "WHERE p.status = 'in_progress' AND e.amount > 0 AND NOT EXISTS "
                      "(SELECT 1 FROM expenditure r WHERE r.reversal_of_id = e.id) ORDER BY e.id LIMIT 1")


def spending(db: str, project: int, voucher: str, *extra: str, amount: str = "1.00") -> list[str]:
    """The arguments of a `spend` by county finance on `project`, from a source it was paid from before."""
    source = scalar(db, "SELECT source FROM expenditure WHERE project_id = ? AND amount > 0 LIMIT 1", project)
    return ["spend", "--db", db, "--as", "县财政", str(project), "--source", FundSource(source).label,
            "--amount", amount, "--payee", "和平县宏达建设工程有限公司", "--voucher", voucher, *extra]


def spend(db: str, project: int, voucher: str, *extra: str, amount: str = "1.00"):
    return bangzhen(*spending(db, project, voucher, *extra, amount=amount), stdin=PW)


# ---------------------------------------------------------------- 1. region changes: --as, admin, audit

def test_region_changes_need_an_administrators_login_and_are_audited(db, tmp_path):
    """town set-category, import-categories and county set-direct: no --as, a non-admin or a wrong
    password are refused and change nothing; the administrator's change is an audit event in their name."""
    events = scalar(db, "SELECT count(*) FROM audit_event")
    assert_refused(bangzhen("town", "set-category", "441624101", "巩固提升镇", "--db", db), "--as")
    assert_refused(bangzhen("town", "set-category", "441624101", "巩固提升镇", "--db", db, "--as", "县财政",
                            stdin=PW), "系统管理员")
    assert_refused(bangzhen("county", "set-direct", "441622", "--db", db, "--as", "admin", stdin="wrong\n"), "密码")
    assert_refused(bangzhen("county", "set-direct", "441622", "--db", db), "--as")
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("town_code,category,helper_type,helper_unit\n441624102,巩固提升镇,,和平县\n", encoding="utf-8")
    assert_refused(bangzhen("town", "import-categories", str(csv_file), "--db", db), "--as")
    # nothing changed; only the wrong password is on record (it counts towards the lockout)
    assert scalar(db, "SELECT count(*) FROM audit_event") == events + 1
    assert scalar(db, "SELECT action FROM audit_event ORDER BY id DESC LIMIT 1") == "login_failed"
    ok(bangzhen("town", "set-category", "441624101", "巩固提升镇", "--helper-type", "属地县（市、区）自行组团帮扶",
                "--helper-unit", "和平县", "--db", db, "--as", "admin", stdin=PW))
    ok(bangzhen("town", "import-categories", str(csv_file), "--db", db, "--as", "admin", stdin=PW))
    ok(bangzhen("county", "set-direct", "441622", "--db", db, "--as", "admin", stdin=PW))
    with sqlite3.connect(db) as conn:
        actions = conn.execute("SELECT e.action, e.entity_uuid, u.username FROM audit_event e JOIN user_account u "
                               "ON u.id = e.user_id WHERE e.action != 'user_login' ORDER BY e.id DESC LIMIT 3").fetchall()
    assert actions[::-1] == [("town_category_set", "441624101", "admin"), ("town_category_set", "441624102", "admin"),
                             ("county_direct_changed", "441622", "admin")]


# ---------------------------------------------------------------- 2. generate

def test_generate_refuses_a_database_with_users(db):
    """Synthetic users, keys and projects never go into a ledger that has people in it."""
    before = digest(Path(db))
    assert_refused(bangzhen("generate", "--db", db, "--towns", "2", "--projects", "3", "--expenditures", "0",
                            "--quiet"), "已有用户")
    assert digest(Path(db)) == before


# ---------------------------------------------------------------- 3. dates and years

def test_dates_and_years_are_bounded(db, tmp_path):
    """Years 2000–2100 wherever typed; an act never after today nor before what it follows."""
    project = paid_project(db)
    with sqlite3.connect(db) as conn:
        payment, paid_on = conn.execute("SELECT id, spent_on FROM expenditure WHERE project_id = ? AND amount > 0 "
                                        "ORDER BY id LIMIT 1", (project,)).fetchone()
    rows = scalar(db, "SELECT count(*) FROM expenditure")
    reverse = ("reverse", "--db", db, "--as", "县财政", str(payment), "--reason", "金额录错", "--date")
    assert_refused(bangzhen(*reverse, "9999-12-31", stdin=PW), "年份应在 2000–2100 之间")
    assert_refused(bangzhen(*reverse, "2100-12-31", stdin=PW), "冲销日期不能晚于今天")
    assert_refused(bangzhen(*reverse, "2001-01-01", stdin=PW), f"不能早于原支出日期 {paid_on}")
    assert_refused(spend(db, project, "V-DATE", "--date", "0001-01-01"), "年份应在 2000–2100 之间")
    assert scalar(db, "SELECT count(*) FROM expenditure") == rows
    fund = ("fund", "add", "--db", db, "--as", "省财政", "--name", "测试资金", "--issued", "2024-01-01",
            "--deadline", "2024-12-31", "--income", "省级财政:1", "--year")
    for year in (str(10**30), "２０２４"):
        assert_refused(bangzhen(*fund, year, stdin=PW), "2000–2100")
    huge_year = tmp_path / "y.json"
    huge_year.write_text(json.dumps({"项目名称": "年份测试", "所属乡镇": TOWN, "年度": 10**30}), encoding="utf-8")
    assert_refused(bangzhen("project", "create", str(huge_year), "--db", db, "--as", "阳明镇经办", stdin=PW),
                   "“年度”")
    old = tmp_path / "d.json"
    old.write_text(json.dumps({"项目名称": "日期测试", "所属乡镇": TOWN, "计划开工日期": "0001-01-01"}), encoding="utf-8")
    assert_refused(bangzhen("project", "create", str(old), "--db", db, "--as", "阳明镇经办", stdin=PW), "计划开工日期")


# ---------------------------------------------------------------- 4. output after the commit

def test_success_is_printed_only_after_the_commit_and_a_gone_reader_rolls_back(db):
    """A reader gone before the commit: nothing saved, status 2. A reader that goes after reading
    10 bytes (`| head -c 10`): saved, status 0, the first bytes of the success message read."""
    project = paid_project(db)
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the command even starts
    try:
        gone = subprocess.run([sys.executable, "-m", "app.cli", *spending(db, project, "V-GONE")], input=PW.encode(),
                              stdout=write, stderr=subprocess.PIPE, cwd=ROOT, timeout=300)
    finally:
        os.close(write)
    stderr = gone.stderr.decode()
    assert gone.returncode == 2 and "输出已中断" in stderr and "Traceback" not in stderr
    assert scalar(db, "SELECT count(*) FROM expenditure WHERE voucher_no = 'V-GONE'") == 0
    command = shlex.join([sys.executable, "-m", "app.cli", *spending(db, project, "V-HEAD")])
    head = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | head -c 10"], input=PW.encode(),
                          capture_output=True, cwd=ROOT, timeout=300)
    assert head.returncode == 0, head.stderr.decode()
    assert head.stdout == "已录入支出 ".encode()[:10] and b"Traceback" not in head.stderr
    assert scalar(db, "SELECT count(*) FROM expenditure WHERE voucher_no = 'V-HEAD'") == 1


def test_a_failed_act_prints_nothing_but_its_error(db):
    """Held output is dropped when a command acting as a user fails (its lines describe rolled-back work)."""
    project = paid_project(db)
    refused = spend(db, project, "V-HUGE", amount="999,999,999.99")
    assert_refused(refused, "超出资金安排")
    assert refused.stdout == ""


# ---------------------------------------------------------------- 5. --expected-version

def test_signers_and_reviewers_pin_the_version_they_read(db):
    """sign and review --approve/--return with --expected-version refuse a project changed since."""
    assert "内容版本：1" in ok(bangzhen("project", "show", "1", "--db", db))
    sign = ("sign", "1", "--db", db, "--as", "阳明镇书记", "--role", "乡镇主要负责人", "--expected-version")
    assert_refused(bangzhen(*sign, "2", stdin=PW), "第 2 版 → 第 1 版")
    double_signed = scalar(db, "SELECT id FROM project WHERE status = 'double_signed' ORDER BY id LIMIT 1")
    review = ("review", str(double_signed), "--db", db, "--as", "县审核", "--expected-version")
    assert_refused(bangzhen(*review, "3", "--approve", stdin=PW), "未签字")
    assert_refused(bangzhen(*review, "3", "--return", "资料不全", stdin=PW), "未退回")
    assert scalar(db, "SELECT count(*) FROM project_signature WHERE project_id IN (1, ?) AND voided_at IS NULL",
                  double_signed) == 2
    assert "已签一" in ok(bangzhen(*sign, "1", stdin=PW))
    assert "已退回" in ok(bangzhen(*review, "1", "--return", "资料不全", stdin=PW))


# ---------------------------------------------------------------- 6. amounts

@pytest.mark.parametrize(("amount", "message"), [
    ("1,2,3", "逗号位置不对"), ("1e5", "不是有效的数字"), ("１２３", "不是有效的数字"), ("-5", "不能为负数"),
])
def test_amounts_are_parsed_strictly(db, amount, message):
    """What the issue saw accepted (1,2,3 as 123.00; 1e5; full-width digits) and a negative amount."""
    rows = scalar(db, "SELECT count(*) FROM expenditure")
    assert_refused(spend(db, paid_project(db), "V-AMOUNT", amount=amount), message)
    assert scalar(db, "SELECT count(*) FROM expenditure") == rows


BAD_AMOUNTS = ["1,2,3", "1e5", "1E5", "1_000", "１２３", "+5", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "",
               " ", "5.", ".5", "5.0000001", "1.2.3", "0x10", "1,00", "12,34.5", ",100", "100,", "1 000", "5\n6", "٣",
               "1" + "0" * 30, "-5", "--5", "5-", "(5)", "¥5", "5元"]


@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_every_odd_amount_is_a_chinese_error(text):
    for parse in (common.yuan, common.wan):
        with pytest.raises(BangzhenError) as refused:
            parse(text)
        assert CHINESE.search(refused.value.user_message)


def test_amounts_as_printed_and_as_typed_are_read_exactly():
    assert common.yuan(" 12,345.67 ") == Money(1234567) == common.yuan("12345.67")
    assert common.wan("1,234.000001") == Money(1234_000001)
    assert common.yuan("0") == Money(0)
    assert common.wan("5.001") == Money(5_001_000)
    with pytest.raises(BangzhenError, match="精确不到分：最多 2 位小数"):
        common.yuan("5.001")


AMOUNT_ALPHABET = st.sampled_from(list("0123456789,.-+ eE_") + ["１", "٣", "\n", "，", "nan", "inf"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=30), st.lists(AMOUNT_ALPHABET, max_size=20).map("".join)))
def test_fuzzed_amount_text_is_money_or_a_chinese_error(text):
    """For any text: a Money that reads back from its own printed form, or a Chinese error."""
    for parse, printed in ((common.yuan, Money.format_yuan), (common.wan, exact_wan)):
        try:
            amount = parse(text)
        except BangzhenError as error:
            assert CHINESE.search(error.user_message), error.user_message
            continue
        assert amount.fen >= 0 and parse(printed(amount)) == amount


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**17))
def test_every_amount_reads_back_from_its_printed_forms(fen):
    amount = Money(fen)
    assert common.yuan(amount.format_yuan()) == common.yuan(amount.format_yuan(thousands=False)) == amount
    assert common.wan(exact_wan(amount)) == amount


# ---------------------------------------------------------------- 7. names

def test_names_lose_control_characters_and_keep_to_their_column(db, tmp_path):
    """A newline in a project name cannot forge a line in `project list`; 200,000 characters are refused
    naming the field; a payee's escape sequence is cleaned."""
    forged = tmp_path / "n.json"
    forged.write_text(json.dumps({"项目名称": "阳明镇水口村路灯\n999\t已审定入库\t阳明镇\t1.00 万元\t伪造项目\x1b[2K",
                                  "所属乡镇": TOWN, **DRAFT}), encoding="utf-8")
    created = ok(bangzhen("project", "create", str(forged), "--db", db, "--as", "阳明镇经办", stdin=PW))
    new = int(re.search(r"已起草项目 (\d+)", created).group(1))
    listed = ok(bangzhen("project", "list", "--region", TOWN, "--db", db)).splitlines()
    assert len(listed) == scalar(db, "SELECT count(*) FROM project p JOIN town t ON t.id = p.town_id WHERE t.code = ?",
                                 TOWN)
    assert not any(line.startswith("999\t") for line in listed)
    assert scalar(db, "SELECT name FROM project WHERE id = ?", new) == "阳明镇水口村路灯 999 已审定入库 阳明镇 1.00 万元 伪造项目[2K"
    long = tmp_path / "l.json"
    long.write_text(json.dumps({"项目名称": "长" * 200_000, "所属乡镇": TOWN, **DRAFT}), encoding="utf-8")
    assert_refused(bangzhen("project", "create", str(long), "--db", db, "--as", "阳明镇经办", stdin=PW),
                   "“项目名称”太长：200,000 个字，最多 200 个字")
    project = paid_project(db)
    assert_refused(spend(db, project, "V-LONG", "--purpose", "款" * 201), "“用途”太长")
    ok(spend(db, project, "V-ESC", "--purpose", "进度款\r\n已审定\x07"))
    assert scalar(db, "SELECT purpose FROM expenditure WHERE voucher_no = 'V-ESC'") == "进度款 已审定"


# ---------------------------------------------------------------- 8. numbers, nesting and files

def test_huge_numbers_and_deep_nesting_are_chinese_errors(db, tmp_path):
    """1e400, a year of 10^30, nesting deeper than the parser goes, numbers longer than it reads, and
    ids beyond any database integer: exit status 2 with a Chinese message, never 程序内部错误."""
    files = {"amount.json": '{"项目名称": "甲", "所属乡镇": "441624100", "省级财政资金": 1e400}',
             "nan.json": '{"项目名称": "甲", "所属乡镇": "441624100", "省级财政资金": NaN}',
             "deep.json": "[" * 100_000 + "]" * 100_000,
             "deeper.json": '{"项目名称": "甲", "涉及行政村": ' + "[" * 500 + "]" * 500 + "}",
             "digits.json": '{"项目名称": "甲", "受益户数": ' + "9" * 5000 + "}",
             "year.json": '{"项目名称": "甲", "所属乡镇": "441624100", "年度": 1000000000000000000000000000000}'}
    for name, body in files.items():
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        result = bangzhen("project", "create", str(path), "--db", db, "--as", "阳明镇经办", stdin=PW)
        assert_refused(result, "")
        assert CHINESE.search(result.stderr) and "程序内部错误" not in result.stderr, (name, result.stderr)
    for command in (("project", "show", str(10**30)), ("audit", "--limit", str(10**30)),
                    ("claim", "show", "-1")):
        result = bangzhen(*command, "--db", db)
        assert result.returncode == 2 and "不是整数" in result.stderr and "程序内部错误" not in result.stderr
    assert_refused(bangzhen("allocate", "--db", db, "--as", "市财政", "--fund", "1", "--to", "441624",
                            "--amount", "1e400", "--doc", "河", stdin=PW), "不是有效的数字")
    bad_bytes = subprocess.run([sys.executable, "-m", "app.cli", "project", "show", "--db", db.encode(), b"\xff"],
                               capture_output=True, cwd=ROOT, timeout=120)
    assert bad_bytes.returncode == 2 and "UTF-8" in bad_bytes.stderr.decode()


# Fuzzing the project files: JSON values of every shape under the real keys, and workbooks of random cells.

KEYS = [*FIELD_LABELS, *FIELD_LABELS.values(), "绩效目标", "涉及行政村", "未知字段"]
SCALAR_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**40, max_value=10**40), st.sampled_from([0, 2023, 2101]),
    st.floats(allow_nan=False, allow_infinity=False), st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["441624100", "2023", "2023-05-01", "0001-01-01", "1,234.5", "1e400",
                                           "草稿", "新建", "以奖代补", "经营性", "水口村", "≥", "100"]))
JSON_VALUES = st.recursive(SCALAR_VALUES, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from([*INDICATOR_LABELS.values(), "x"]), inner, max_size=4),
                           max_leaves=12)
BASE = {"项目名称": "阳明镇测试项目", "所属乡镇": TOWN, **DRAFT}  # a valid draft, for changes to start from


@pytest.fixture(scope="module")
def fuzz_engine(demo_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    engine = database.connect(path)
    yield engine
    engine.dispose()


class _Undo(Exception):
    """Leaves the unit of work without committing: every fuzzed project is tried on the same database."""


def _create_or_refuse(engine, path: Path) -> None:
    """What `bangzhen project create` and `project edit` do with the file: a draft, or a Chinese error."""
    try:
        content = read_project_file(path)
        for act in ("create", "edit"):
            try:
                with database.unit_of_work(engine) as session:
                    officer = session.scalar(select(User).where(User.username == "阳明镇经办"))
                    if act == "create":
                        approval.create_project(session, officer, dict(content, town=content.get("town", TOWN)))
                    else:
                        approval.edit_project(session, officer, 1, content)
                    raise _Undo
            except _Undo:
                pass
            except BangzhenError as error:
                assert CHINESE.search(error.user_message), error.user_message
    except BangzhenError as error:
        assert CHINESE.search(error.user_message), error.user_message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.dictionaries(st.sampled_from(KEYS), SCALAR_VALUES, max_size=3).map(lambda extra: {**BASE, **extra}),
                 st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, max_size=3).map(lambda extra: {**BASE, **extra}),
                 st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, max_size=8), JSON_VALUES, st.text(max_size=40)))
def test_fuzzed_project_json_is_a_draft_or_a_chinese_error(fuzz_engine, raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str),
                        encoding="utf-8")
        _create_or_refuse(fuzz_engine, path)


CELL_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**15, max_value=10**15), st.floats(allow_nan=False,
                                                                                         allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.dates(min_value=date(1900, 1, 1)), st.datetimes(min_value=datetime(1900, 1, 1)),
    st.sampled_from(["441624100", "2023", "草稿", "新建", "以奖代补", "1,234.5", "产出指标", "数量指标", "≥", "定性"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(KEYS), CELL_VALUES), max_size=4),
       st.lists(st.lists(CELL_VALUES, min_size=1, max_size=7), max_size=3), st.booleans())
def test_fuzzed_project_workbook_is_a_draft_or_a_chinese_error(fuzz_engine, fields, indicators, with_header):
    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["字段", "值"])
    for key, value in [*BASE.items(), *fields]:  # a valid draft, and changes to it
        sheet.append([key, value])
    targets = book.create_sheet("绩效目标")
    if with_header:
        targets.append(list(INDICATOR_LABELS.values())[:6])
    for row in indicators:
        targets.append(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.xlsx"
        book.save(path)
        _create_or_refuse(fuzz_engine, path)


def test_an_amount_too_large_for_a_number_is_a_chinese_error(tmp_path):
    """The largest float, written by openpyxl, reads back as infinity (found by the fuzzer above)."""
    book = Workbook()
    book.active.title = "项目"
    for row in (["字段", "值"], *BASE.items(), ["amount_provincial", 1.7976931348623155e+308]):
        book.active.append(list(row))
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(InputError, match="省级财政资金（万元）"):
        read_project_file(tmp_path / "p.xlsx")


def test_a_damaged_workbook_is_a_chinese_error(tmp_path, fuzz_engine):
    book = Workbook()
    book.active.title = "项目"
    book.save(tmp_path / "p.xlsx")
    data = (tmp_path / "p.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    for name in ("cut.xlsx", "junk.xlsx"):
        _create_or_refuse(fuzz_engine, tmp_path / name)


# ---------------------------------------------------------------- 9. not below what is paid

def test_an_approved_project_is_not_cut_below_what_is_paid(db, tmp_path):
    """项目调整 of a project under way: a source cut below its net payments (reversals deducted) is
    refused with both figures; the figure is the net one, not the gross."""
    with sqlite3.connect(db) as conn:
        project, source, net, gross = conn.execute(
            "SELECT project_id, source, sum(amount), sum(max(amount, 0)) FROM expenditure GROUP BY project_id, source "
            "HAVING sum(amount) < sum(max(amount, 0)) AND sum(amount) > 0 ORDER BY project_id LIMIT 1").fetchone()
        town = conn.execute("SELECT t.name FROM project p JOIN town t ON t.id = p.town_id WHERE p.id = ?",
                            (project,)).fetchone()[0]
    column = f"amount_{source}"
    below = Money(net - 1)
    changes = tmp_path / "c.json"
    changes.write_text(json.dumps({column: exact_wan(below)}), encoding="utf-8")
    amendments = scalar(db, "SELECT count(*) FROM project_amendment")
    refused = bangzhen("project", "amend", str(project), str(changes), "--reason", "调减", "--db", db,
                       "--as", f"{town}经办", stdin=PW)
    assert_refused(refused, f"调整为 {exact_wan(below)} 万元，低于已支付的 {exact_wan(Money(net))} 万元")
    assert f"{FundSource(source).label}调整为" in refused.stderr and exact_wan(Money(gross)) not in refused.stderr
    assert scalar(db, "SELECT count(*) FROM project_amendment") == amendments


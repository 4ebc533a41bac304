"""Excel imports (services.imports, services.import_kinds) on the demo county: templates with their lists
and codes, every row checked with the cell at fault, dry run, all or nothing or only the valid rows,
the result workbook with its 错误说明 column imported again after a fix, and each kind applied through
the service the single act uses (signed, audited, verify passes)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.models import Allocation, Arrival, AuditEvent, Money, Project, ProjectStatus, ReportedSpending, Town
from app.services import database, imports, security, verify
from app.services.errors import InputError
from app.services.import_kinds import KINDS, find_kind
from app.services.imports import Column, RowError, cell_value
from app.services.money.funds import find_fund

FUND = "2023年乡村振兴驻镇帮镇扶村资金（和平县）"
YANGMING, DABA = "441624100", "441624101"


def _login(session, name: str):
    return security.authenticate(session, name, "demo1234")


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _book(path, header, *rows, title_rows=()):
    book = Workbook()
    for row in (*title_rows, header, *rows):
        book.active.append(list(row))
    book.save(path)
    return path


def _project_row(name, **changes):
    row = {"乡镇代码": YANGMING, "项目名称": name, "年度": 2023, "用途类别": "提升镇村公共基础设施水平",
           "建设性质": "新建", "支持方式": "以奖代补", "支出类别": "工程建设", "省级财政资金（万元）": "50",
           "计划开工日期": "2023/5/1", "计划完工日期": datetime(2023, 10, 31), "涉及行政村": ""}
    return row | changes


def _projects_book(path, rows):
    header = list(rows[0])
    return _book(path, header, *([row[h] for h in header] for row in rows))


# ---------------------------------------------------------------- cells

@pytest.mark.parametrize("column, raw, expected", [
    (Column("日期", "d", "date"), "2023/5/1", date(2023, 5, 1)),
    (Column("日期", "d", "date"), "2023年5月1日", date(2023, 5, 1)),
    (Column("日期", "d", "date"), datetime(2023, 5, 1, 0, 0), date(2023, 5, 1)),
    (Column("金额", "m", "money"), 12.345678, Money(12_345_678 // 100 * 100 + 78)),
    (Column("金额", "m", "money"), "1,200.5", Money.from_wan("1200.5")),
    (Column("代码", "c", "code"), 441624100, "441624100"),
    (Column("代码", "c", "code"), 441624100.0, "441624100"),
    (Column("户数", "n", "count"), 120.0, 120),
    (Column("备注", "t"), "  x  ", "x"),
])
def test_cells_read_as_typed(column, raw, expected):
    assert cell_value(column, raw) == expected


@pytest.mark.parametrize("column, raw, message", [
    (Column("金额（万元）", "m", "money"), 1.0000001, "金额"),        # finer than the 分
    (Column("金额（万元）", "m", "money"), "abc", "不是有效的数字"),
    (Column("金额（万元）", "m", "money"), True, "应为数字"),
    (Column("日期", "d", "date"), "2023-13-01", "无效"),
    (Column("日期", "d", "date"), "1899-12-31", "年份应在"),
    (Column("代码", "c", "code", required=True), None, "必须填写"),
    (Column("代码", "c", "code"), "44１6", "应为数字代码"),
    (Column("户数", "n", "count"), -3, "不小于 0 的整数"),
    (Column("类别", "k", "choice", choices=("甲", "乙")), "丙", "可选：甲、乙"),
])
def test_bad_cells_name_their_column(column, raw, message):
    with pytest.raises(RowError, match=message) as caught:
        cell_value(column, raw)
    assert caught.value.column == column.key and f"“{column.header}”" in caught.value.user_message


# ---------------------------------------------------------------- templates

def test_templates_have_headers_lists_codes_and_instructions(demo_engine, tmp_path):
    with database.unit_of_work(demo_engine) as session:
        clerk, admin = _login(session, "阳明镇经办"), _login(session, "admin")
        projects = imports.write_template(session, clerk, KINDS["projects"], tmp_path / "p.xlsx")
        categories = imports.write_template(session, admin, KINDS["town-categories"], tmp_path / "c.xlsx")
        towns = session.scalar(select(func.count()).select_from(Town).where(Town.code.like("441624%")))
    book = load_workbook(projects)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:5] == ["乡镇代码", "乡镇名称", "项目名称", "年度", "用途类别"]
    assert book.sheetnames == ["项目（批量录入）", "填写说明", "代码表"]
    lists = {str(check.sqref): check.formula1 for check in sheet.data_validations.dataValidation
             if check.type == "list"}
    assert any("提升镇村公共基础设施水平" in formula for formula in lists.values())
    spending = next(formula for formula in lists.values() if "工程建设" in formula)
    assert "修建楼堂馆所" not in spending  # the 负面清单 is never offered
    assert [YANGMING, "阳明镇"] in [[c.value for c in row] for row in book["代码表"].iter_rows(min_row=2)]
    assert sheet.freeze_panes == "A2"
    rows = list(load_workbook(categories).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == towns and all(row[0].startswith("441624") for row in rows)  # admin's grant covers the county


# ---------------------------------------------------------------- projects: check, dry run, all or nothing, result

def test_projects_dry_run_all_or_nothing_valid_only_and_result_imported_again(demo_engine, demo_path, tmp_path):
    source = _projects_book(tmp_path / "projects.xlsx", [
        _project_row("村道硬底化（导入）", **{"涉及行政村": ""}),
        _project_row("仓库", **{"支出类别": "修建楼堂馆所"}),
        _project_row("路灯", **{"计划开工日期": "2023-13-01", "省级财政资金（万元）": "abc"}),
        _project_row("村道硬底化（导入）"),
        _project_row("水渠", **{"乡镇代码": "441624999"}),
    ])
    kind = find_kind("projects")
    with database.unit_of_work(demo_engine) as session:
        before = _count(session, Project), _count(session, AuditEvent)
        report = imports.run_import(session, _login(session, "阳明镇经办"), kind, source, dry_run=True)
    assert [(row.line, row.ok) for row in report.rows] == [(2, True), (3, False), (4, False), (5, False), (6, False)]
    messages = {row.line: row.message for row in report.bad}
    assert "属于负面清单" in messages[3]
    assert "“计划开工日期”“2023-13-01”无效" in messages[4] and "“省级财政资金（万元）”" in messages[4]
    assert "与第 2 行重复" in messages[5]
    assert "未知的区划代码“441624999”" in messages[6]
    assert "试导入，未作任何改动" in report.summary()
    with database.unit_of_work(demo_engine) as session:
        assert (_count(session, Project), _count(session, AuditEvent)) == before  # the dry run kept nothing
        report = imports.run_import(session, _login(session, "阳明镇经办"), kind, source)
        assert not report.applied and "全部未导入" in report.summary()
    with database.unit_of_work(demo_engine) as session:
        assert _count(session, Project) == before[0]
        report = imports.run_import(session, _login(session, "阳明镇经办"), kind, source, valid_only=True,
                                    db_path=demo_path)
        assert report.applied and report.count("新增") == 1 and report.backup.exists()
    result = imports.write_result(report, tmp_path / "result.xlsx")
    sheet = load_workbook(result).worksheets[0]
    header = [c.value for c in sheet[1]]
    notes = header.index(imports.ERROR_HEADER) + 1
    assert notes == len(header) and sheet.cell(3, notes).value.startswith("“修建楼堂馆所”属于负面清单")
    assert sheet.cell(2, notes).value is None
    at = {name: n for n, name in enumerate(header, 1)}
    assert sheet.cell(4, at["计划开工日期"]).fill.fgColor.rgb.endswith(imports.ERROR_FILL)
    assert sheet.cell(4, at["项目名称"]).fill.fgColor.rgb.endswith("000000")  # only the cells at fault
    # The clerk fixes the result workbook and imports it again: the row already in is skipped, not doubled.
    sheet.cell(3, at["支出类别"]).value = "工程建设"
    sheet.cell(4, at["计划开工日期"]).value = "2023-06-01"
    sheet.cell(4, at["省级财政资金（万元）"]).value = 12.5
    sheet.cell(5, at["项目名称"]).value = "村道硬底化（二期）"
    sheet.cell(6, at["乡镇代码"]).value = DABA
    sheet.parent.save(tmp_path / "fixed.xlsx")
    with database.unit_of_work(demo_engine) as session:
        report = imports.run_import(session, _login(session, "阳明镇经办"), kind, tmp_path / "fixed.xlsx")
    assert report.bad[0].line == 6 and "需要大坝镇" in report.bad[0].message  # a town officer drafts for their own town
    again = imports.write_result(report, tmp_path / "fixed.xlsx")
    sheet = load_workbook(again).worksheets[0]
    assert [c.value for c in sheet[1]].count(imports.ERROR_HEADER) == 1  # refilled, not added twice
    assert sheet.cell(2, notes).value == "已有，跳过" and sheet.cell(3, notes).value is None
    assert not sheet.cell(3, at["支出类别"]).fill.fgColor.rgb.endswith(imports.ERROR_FILL)  # old marks cleared
    sheet.delete_rows(6)
    sheet.parent.save(tmp_path / "fixed.xlsx")
    with database.unit_of_work(demo_engine) as session:
        report = imports.run_import(session, _login(session, "阳明镇经办"), kind, tmp_path / "fixed.xlsx")
        assert report.applied and (report.count("新增"), report.count("已有，跳过")) == (3, 1)
    with database.unit_of_work(demo_engine) as session:
        road = session.scalar(select(Project).where(Project.name == "路灯"))
        assert road.status is ProjectStatus.draft and road.amount_provincial == Money.from_wan("12.5")
        assert road.starts_on == date(2023, 6, 1) and road.ends_on == date(2023, 10, 31)
        assert _count(session, Project) == before[0] + 4
        assert verify.verify_database(session).ok


def test_the_header_may_move_and_a_missing_one_is_named(demo_engine, tmp_path):
    row = _project_row("挪了表头")
    header = list(reversed(row))
    moved = _book(tmp_path / "moved.xlsx", header, [row[h] for h in header], title_rows=[["2023 年阳明镇项目"], []])
    missing = _book(tmp_path / "missing.xlsx", ["乡镇代码", "项目名称"], [YANGMING, "x"])
    with database.unit_of_work(demo_engine) as session:
        clerk = _login(session, "阳明镇经办")
        report = imports.run_import(session, clerk, KINDS["projects"], moved, dry_run=True)
        assert report.header_line == 3 and [row.ok for row in report.rows] == [True]
        with pytest.raises(InputError, match="找不到“项目（批量录入）”的表头。表头行应含：乡镇代码、项目名称、年度"):
            imports.run_import(session, clerk, KINDS["projects"], missing)
        (tmp_path / "not.xlsx").write_bytes(b"PK\x03\x04 not really")
        with pytest.raises(InputError, match="不是有效的 Excel 文件"):
            imports.run_import(session, clerk, KINDS["projects"], tmp_path / "not.xlsx")
        with pytest.raises(InputError, match="须指定资金"):
            imports.run_import(session, clerk, KINDS["allocations"], moved)


# ---------------------------------------------------------------- money kinds

def test_allocations_and_arrivals(demo_engine, tmp_path):
    header = ("区划代码", "区划名称", "金额（万元）", "文号", "下达日期", "备注")
    book = _book(tmp_path / "a.xlsx", header, (YANGMING, "阳明镇", 1200, "和财农〔2023〕18号", "2023-04-20", ""),
                 (DABA, "大坝镇", "800.5", "和财农〔2023〕18号", date(2023, 4, 20), "首批"),
                 ("441624102", "阳明镇", 1, "和财农〔2023〕18号", "2023-04-20", ""),
                 ("441624103", "", 40000, "和财农〔2023〕19号", "2023-04-21", ""))
    with database.unit_of_work(demo_engine) as session:
        county, fund = _login(session, "县财政"), find_fund(session, FUND)
        report = imports.run_import(session, county, KINDS["allocations"], book, fund=fund, valid_only=True)
        messages = {row.line: (row.errors[0][0], row.message) for row in report.bad}
        assert messages[4][0] == "name" and "与代码 441624102" in messages[4][1]
        assert messages[5][0] is None and "超出可下达金额" in messages[5][1]
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        report = imports.run_import(session, _login(session, "县财政"), KINDS["allocations"], book, fund=fund,
                                    valid_only=True)
        assert report.count("已有，跳过") == 2 and report.count("新增") == 0
        assert session.scalar(select(func.count()).select_from(Allocation).where(Allocation.town_id.is_not(None))) == 2
    arrivals = _book(tmp_path / "d.xlsx", ("区划代码", "下达文号", "到位金额（万元）", "到位日期", "到位凭证号"),
                     (YANGMING, "", 1000, "2023-05-02", "记-0501"), (DABA, "和财农〔2023〕99号", 1, "2023-05-02", "记-0502"),
                     (YANGMING, "", 300, "2023-05-03", "记-0503"))
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        report = imports.run_import(session, _login(session, "县财政"), KINDS["arrivals"], arrivals, fund=fund,
                                    valid_only=True)
        assert [row.ok for row in report.rows] == [True, False, False]
        assert "大坝镇没有" in report.rows[1].message and "到位金额超出下达金额" in report.rows[2].message
    with database.unit_of_work(demo_engine) as session:
        assert session.scalar(select(func.sum(Arrival.amount)).join(Allocation).where(
            Allocation.town_id.is_not(None))) == Money.from_wan(1000)
        assert verify.verify_database(session).ok


def test_reported_spending_new_unchanged_updated(demo_engine, tmp_path):
    header = ("区划代码", "基准日", "支出数（万元）", "来源")
    with database.unit_of_work(demo_engine) as session:
        city, fund = _login(session, "市财政"), find_fund(session, FUND)
        first = _book(tmp_path / "r1.xlsx", header, ("441624", "2023-08-31", 100, "和财〔2023〕7号"))
        assert imports.run_import(session, city, KINDS["reported-spending"], first, fund=fund).count("新增") == 1
        assert imports.run_import(session, city, KINDS["reported-spending"], first, fund=fund).count("无变化") == 1
        fixed = _book(tmp_path / "r2.xlsx", header, ("441624", "2023-08-31", 120, "更正"),
                      ("441624100", "2023-08-31", 5, ""))
        report = imports.run_import(session, city, KINDS["reported-spending"], fixed, fund=fund, valid_only=True)
        assert report.count("更新") == 1 and "县级财政" in report.rows[1].message  # a town reports to its county
        assert session.scalar(select(ReportedSpending.spent).where(
            ReportedSpending.as_of == date(2023, 8, 31))) == Money.from_wan(120)


def test_town_categories_from_the_prefilled_template(demo_engine, tmp_path):
    with database.unit_of_work(demo_engine) as session:
        admin = _login(session, "admin")
        path = imports.write_template(session, admin, KINDS["town-categories"], tmp_path / "c.xlsx")
    book = load_workbook(path)
    sheet = book.worksheets[0]
    lines = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=2)}
    sheet.cell(lines[YANGMING], 3).value = "巩固提升镇"
    sheet.cell(lines[YANGMING], 4).value = "属地县（市、区）自行组团帮扶"
    sheet.cell(lines[YANGMING], 5).value = ""
    sheet.cell(lines[DABA], 3).value = "先行示范镇"
    sheet.cell(lines[DABA], 4).value = sheet.cell(lines[DABA], 5).value = None
    book.save(path)
    with database.unit_of_work(demo_engine) as session:
        report = imports.run_import(session, _login(session, "admin"), KINDS["town-categories"], path, valid_only=True)
        assert report.count("更新") == 1 and report.count("无变化") == len(lines) - 2
        assert "先行示范镇只设在珠三角" in report.bad[0].message
    with database.unit_of_work(demo_engine) as session:
        town = session.scalar(select(Town).where(Town.code == YANGMING))
        assert town.category.label == "巩固提升镇"
        assert verify.verify_database(session).ok


def test_odd_workbooks(demo_engine, tmp_path):
    """What a review found in real workbooks: text stored as the services store it (a zero-width mark or a
    line break in a name does not make a second project), Excel's error values and formulas with no saved
    result refused in their cell, a wrong size record in the file, two sheets or a header twice, numbers
    too long, a cleared row's old 错误说明, and a file changed after its trial."""
    import re
    import zipfile

    kind = KINDS["projects"]
    rows = [_project_row("路灯\u200b"), _project_row("村道\n硬底化"), _project_row("#N/A"),
            _project_row("水渠", **{"年度": 10 ** 20}), _project_row("公式", **{"省级财政资金（万元）": "=10*5"}),
            _project_row("旧说明已清")]
    path = _projects_book(tmp_path / "odd.xlsx", rows)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(1, sheet.max_column + 1, imports.ERROR_HEADER)
    for column in range(1, sheet.max_column):
        sheet.cell(7, column).value = None
    sheet.cell(7, sheet.max_column).value = "上次的错误说明"
    book.save(path)
    with database.unit_of_work(demo_engine) as session:
        clerk = _login(session, "阳明镇经办")
        report = imports.run_import(session, clerk, kind, path, valid_only=True)
        messages = {row.line: row.message for row in report.bad}
        assert set(messages) == {4, 5, 6} and len(report.rows) == 5  # the cleared row is not read
        assert "Excel 的错误值 #N/A" in messages[4] and "至多 12 位" in messages[5] and "没有它的计算结果" in messages[6]
    with database.unit_of_work(demo_engine) as session:
        again = imports.run_import(session, _login(session, "阳明镇经办"), kind, path, valid_only=True)
        assert again.count("已有，跳过") == 2 and again.count("新增") == 0
        with pytest.raises(InputError, match="检查之后又被修改过"):
            imports.run_import(session, _login(session, "阳明镇经办"), kind, path, expect_digest="0" * 64)
    # A town clerk is told nothing about another office's rows: permission comes before "already held".
    header = ("区划代码", "金额（万元）", "文号", "下达日期")
    allocations = _book(tmp_path / "a.xlsx", header, (YANGMING, 10, "和财农〔2023〕18号", "2023-04-20"))
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        assert imports.run_import(session, _login(session, "县财政"), KINDS["allocations"], allocations,
                                  fund=fund).count("新增") == 1
    with database.unit_of_work(demo_engine) as session:
        fund = find_fund(session, FUND)
        report = imports.run_import(session, _login(session, "阳明镇经办"), KINDS["allocations"], allocations,
                                    fund=fund)
        assert "需要和平县的“县级财政”角色" in report.bad[0].message
    # A size record that says less than the sheet holds, two sheets of the same kind, a header twice.
    small = _projects_book(tmp_path / "small.xlsx", [_project_row("甲"), _project_row("乙")])
    with zipfile.ZipFile(small) as packed:
        parts = {name: packed.read(name) for name in packed.namelist()}
    sheet_xml = "xl/worksheets/sheet1.xml"
    parts[sheet_xml], changed = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:C2"/>', parts[sheet_xml])
    assert changed == 1
    with zipfile.ZipFile(small, "w") as packed:
        for name, data in parts.items():
            packed.writestr(name, data)
    with database.unit_of_work(demo_engine) as session:
        report = imports.run_import(session, _login(session, "阳明镇经办"), kind, small, dry_run=True)
        assert [row.values["name"] for row in report.rows] == ["甲", "乙"] and report.rows[0].values["amount_provincial"]
    book = load_workbook(path)
    book.copy_worksheet(book.worksheets[0])
    book.save(tmp_path / "two.xlsx")
    twice = _book(tmp_path / "twice.xlsx", ["乡镇代码", "项目名称", "年度", "项目名称"], [YANGMING, "x", 2023, ""])
    with database.unit_of_work(demo_engine) as session:
        with pytest.raises(InputError, match="两个工作表"):
            imports.run_import(session, _login(session, "阳明镇经办"), kind, tmp_path / "two.xlsx", dry_run=True)
        with pytest.raises(InputError, match="表头“项目名称”出现了两次"):
            imports.run_import(session, _login(session, "阳明镇经办"), kind, twice, dry_run=True)

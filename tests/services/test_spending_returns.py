"""A county's 表2-2 read by its city (services.money.spending_returns): the 合计 支出数 recorded as the
county's reported figure at the return's 基准日, after a dry run that records nothing; a return whose
合计 is not the sum of its rows, one for another fund, one from an unknown 填报单位 or from a region the
user does not receive reports from is refused in Chinese, and nothing is recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models import AuditEvent, Money, ReportedSpending, User
from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, verify
from app.services.errors import InputError
from app.services.money.spending_returns import import_spending_returns, read_spending_return

DAY = date(2023, 12, 31)


def _county_return(engine, path):
    with database.unit_of_work(engine) as session:
        table = RETURNS["spending"].tables(session, Request("441624", 2023, "2", DAY))[0]
    export(table, path)
    return table


def _state(engine):
    with database.unit_of_work(engine) as session:
        return (session.scalar(select(func.count()).select_from(AuditEvent)),
                session.execute(select(ReportedSpending.region_code, ReportedSpending.as_of, ReportedSpending.spent)
                                .order_by(ReportedSpending.id)).all())


def _import(engine, who, paths, dry_run=False):
    with database.unit_of_work(engine) as session:
        user = session.scalar(select(User).where(User.username == who))
        return import_spending_returns(session, user, 2, paths, dry_run=dry_run)


def test_the_citys_import_of_a_countys_return(demo_engine, tmp_path):
    path = tmp_path / "和平县表2-2.xlsx"
    table = _county_return(demo_engine, path)
    printed_total = table.text_grid()[1][3]
    before = _state(demo_engine)
    [dry] = _import(demo_engine, "市财政", [path], dry_run=True)
    assert _state(demo_engine) == before
    assert (dry.figure.region.code, dry.figure.as_of, dry.figure.spent.format_wan(2), dry.figure.lines) == (
        "441624", DAY, f"{float(printed_total):.2f}", 17)
    [done] = _import(demo_engine, "市财政", [path])
    assert done.replaced is None
    after = _state(demo_engine)
    assert after[0] == before[0] + 1 and after[1][-1] == ("441624", DAY, Money.from_wan(printed_total))
    [again] = _import(demo_engine, "市财政", [path])
    assert again.replaced == Money.from_wan(printed_total)
    with database.unit_of_work(demo_engine) as session:
        assert verify.verify_database(session).ok


def _refused(engine, who, paths, match):
    before = _state(engine)
    with pytest.raises(InputError, match=match):
        _import(engine, who, paths)
    assert _state(engine) == before


def test_returns_that_are_wrong_are_refused_and_nothing_is_recorded(demo_engine, tmp_path):
    good = tmp_path / "good.xlsx"
    _county_return(demo_engine, good)
    book = load_workbook(good)
    sheet = book.active
    row = next(r for r in sheet.iter_rows() if r[1].value == "大坝镇")
    row[3].value = row[3].value + 100  # a town's figure raised, the 合计 left alone
    book.save(tmp_path / "sum.xlsx")
    _refused(demo_engine, "市财政", [good, tmp_path / "sum.xlsx"], "合计支出数 5142.24 万元与各行之和 5242.25 万元不符")
    book = load_workbook(good)
    book.active["A2"] = "资金名称：另一项资金"
    book.save(tmp_path / "fund.xlsx")
    _refused(demo_engine, "市财政", [tmp_path / "fund.xlsx"], "不是“2023年乡村振兴驻镇帮镇扶村资金（和平县）”的")
    book = load_workbook(good)
    book.active["A3"] = "填报单位：和平乡"
    book.save(tmp_path / "who.xlsx")
    _refused(demo_engine, "市财政", [tmp_path / "who.xlsx"], "填报单位“和平乡”不是本省的地级市或县")
    _refused(demo_engine, "县财政", [good], "您没有权限登记和平县上报的支出数")
    _refused(demo_engine, "市财政", [good, good], "只能导入一份")
    with database.unit_of_work(demo_engine) as session:
        assert read_spending_return(session, good).region.name == "和平县"


def test_our_own_return_says_when_rounding_leaves_a_difference(demo_engine, tmp_path):
    table = _county_return(demo_engine, tmp_path / "x.xlsx")
    printed = sum(round(float(row[3]) * 100) for row in table.text_grid()[2:])
    assert printed != round(float(table.text_grid()[1][3]) * 100)  # the demo's rows round away from their 合计
    assert any("尾差系四舍五入所致" in note for note in table.notes)
    with database.unit_of_work(demo_engine) as session:  # the allocation table's rows add up: no such note
        allocation = RETURNS["allocation"].tables(session, Request("441624", 2023, "2", DAY))[0]
    assert not any("四舍五入" in note for note in allocation.notes)


def _written(path, total: str, lines: list[str], note: bool = False):
    """A 表2-2 as another program might write it: short rows, no sheet dimension (app.reports.xlsx_stream)."""
    from app.reports.xlsx_stream import SheetWriter
    with SheetWriter(path, "表2-2", [10] * 5) as sheet:
        for text in ("表2-2 2023年专项资金支出情况表", "资金名称：2023年乡村振兴驻镇帮镇扶村资金（和平县）", "填报单位：和平县",
                     "基准日：2023年12月31日"):
            sheet.row([text])
        sheet.row(["序号", "乡镇", "预算数（万元）", "支出数（万元）", "支出率"])
        sheet.row(["合计", None, None, Decimal(total)])
        for n, value in enumerate(lines, 1):
            sheet.row([n, f"镇{n}", None, Decimal(value)])
        if note:
            sheet.row(["注：各镇为上报数"])
    return path


def test_short_rows_and_whole_numbers(demo_engine, tmp_path):
    with database.unit_of_work(demo_engine) as session:
        figure = read_spending_return(session, _written(tmp_path / "ok.xlsx", "1000", ["100"] * 10, note=True))
        assert figure.spent == Money.from_wan(1000) and figure.lines == 10
        with pytest.raises(InputError, match="合计支出数 1004.90 万元与各行之和 1000.00 万元不符"):
            read_spending_return(session, _written(tmp_path / "off.xlsx", "1004.9", ["100"] * 10))
        rounded = ["0.33", "0.33", "0.33"]  # 1 万元 split three ways, each printed to 2 decimals
        assert read_spending_return(session, _written(tmp_path / "r.xlsx", "1", rounded)).spent == Money.from_wan(1)

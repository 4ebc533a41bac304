"""`city-fund`: 江门's 2022 pooled fund as seed 002 states it item by item (the jiangmen2022 scenario) gives
seed 002's statement with every total computed (RETURNS.md §2.9, version B): income 11,492.62, the
headings 6,998.64 / 386.64 / 6,392 / 3,029 / 5,661 / 86.147, allocation 12,745.787 and so 1,253.167 beyond
income, 10,683.38 issued of the evaluated 12,659.64 with 1,976.26 not issued item by item, 8,298.33 spent,
77.68 %; and its 绩效目标表 (§2.8). Every figure is checked against a computation from the scenario's CSV
made here, and read back from the xlsx and the PDF. Forms that do not add up are refused, changing
nothing; an edited figure is caught by verify."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models import AuditEvent, FundBudgetLine
from app.reports.export import export
from app.reports.request import Request
from app.reports.returns import RETURNS
from app.services import database, refdata, security, verify
from app.services.demo import DEMO_PASSWORD
from app.services.errors import InputError
from app.services.money import budget, budget_form
from app.services.scenario_jiangmen2022 import create_jiangmen2022

CSV_ROWS = list(csv.DictReader((refdata.REFDATA_DIR / "2022_jiangmen_budget.csv").open(encoding="utf-8-sig")))


def _wan(text: str) -> Decimal:
    return Decimal(text or "0")


@pytest.fixture
def jiangmen(engine):
    with database.unit_of_work(engine) as session:
        fund_id = create_jiangmen2022(session).id
    return engine, fund_id


def _tables(engine, fund_id, scope="4407"):
    with database.unit_of_work(engine) as session:
        return RETURNS["city-fund"].tables(session, Request(scope, 2022, str(fund_id)))


def _independent():
    """Seed 002's figures computed here from the CSV: leaves are the rows followed by no deeper row."""
    spending = [row for row in CSV_ROWS if row["类别"] == "支出"]
    leaves = [row for n, row in enumerate(spending)
              if n + 1 == len(spending) or int(spending[n + 1]["级次"]) <= int(row["级次"])]
    evaluated = [row for row in leaves if row["纳入绩效评价"] != "否"]
    return {"income": sum(_wan(r["金额（万元）"]) for r in CSV_ROWS if r["类别"] == "收入"),
            "allocated": sum(_wan(r["金额（万元）"]) for r in leaves),
            "budget": sum(_wan(r["金额（万元）"]) for r in evaluated),
            "issued": sum(_wan(r["已下达（万元）"]) for r in evaluated),
            "spent": sum(_wan(r["已支出（万元）"]) for r in evaluated)}


def test_seed_002s_statement_is_computed(jiangmen, tmp_path):
    engine, fund_id = jiangmen
    figures = _independent()
    assert figures == {"income": Decimal("11492.62"), "allocated": Decimal("12745.787"),
                       "budget": Decimal("12659.64"), "issued": Decimal("10683.38"), "spent": Decimal("8298.33")}
    income, spending, targets = _tables(engine, fund_id)
    assert income.text_grid()[:3] == [["序号", "收入项目", "计划数", "实际数", "未到位", "说明"],
                                      ["合计", "", "12748.68", "11492.62", "1256.06", ""],
                                      ["1.", "市本级和各县（市、区）上缴收入", "10242.57", "8986.51", "1256.06",
                                       CSV_ROWS[0]["说明"]]]
    grid = spending.text_grid()
    by_name = {row[1].strip(): row for row in grid[2:]}
    assert grid[1][:7] == ["合计", "", "12745.787", "10683.38", "2062.407", "8298.33", "77.68%"]
    assert [by_name[name][2] for name in ("乡村振兴驻镇帮镇扶村专项资金", "支持提升脱贫攻坚成果水平专项资金",
                                          "支持提升乡村产业发展水平专项资金", "提升村级集体经济发展专项资金",
                                          "对口帮扶专项资金", "其他资金")] == ["6998.64", "386.64", "6392", "3029",
                                                                           "5661", "86.147"]
    assert by_name["“三结对”重点帮扶资金"][0] == "2)" and by_name["其他资金"][7] == "不纳入绩效评价"
    notes = "\n".join(spending.notes)
    assert f"分配合计 {figures['allocated']} 万元，分配超出收入 {figures['allocated'] - figures['income']} 万元" in notes
    assert ("已下达 10683.38 万元，未下达 1976.26 万元（医疗保障补充专项资金 73.21 万元；薄弱村土地流转奖补资金 3.05 万元；"
            "扶持乡村振兴重点帮扶镇特色产业发展专项资金 1900 万元）") in notes
    rate = (figures["spent"] / figures["issued"] * 100).quantize(Decimal("0.01"))
    assert f"已支出 8298.33 万元，占已下达的 {rate}%，占安排数的 65.55%" in notes and rate == Decimal("77.68")
    assert targets.text_grid()[1] == ["产出指标", "数量指标", "支持重点帮扶镇产业发展（30个）", "实施项目8个", "当年完成"]
    assert len(targets.rows) == 6

    book = load_workbook(export([income, spending, targets], tmp_path / "江门.xlsx"))
    assert book.sheetnames == ["收入", "分配及执行", "绩效目标"]
    total = next(row for row in book["分配及执行"].iter_rows(values_only=True) if row[0] == "合计")
    assert [Decimal(str(value)) for value in total[2:6]] == [figures["allocated"], figures["issued"],
                                                               figures["allocated"] - figures["issued"], figures["spent"]]
    merged = {str(r) for r in book["绩效目标"].merged_cells.ranges}
    first = next(r for r in range(1, 12) if book["绩效目标"].cell(r, 1).value == "一级指标")
    assert {f"A{first + 1}:A{first + 2}", f"B{first + 1}:B{first + 2}", f"A{first + 3}:A{first + 5}"} <= merged
    pdf = export([income, spending, targets], tmp_path / "江门.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "分配及执行情况表" in text and "12745.787" in text and "77.68%" in text and "实施项目63个" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts


def _lines(**changes) -> list[budget.LineInput]:
    """The scenario's lines with the row of a given name changed (name → dict of columns)."""
    rows = [dict(row) for row in CSV_ROWS]
    for row in rows:
        row.update(changes.get(row["项目名称"], {}))
    return budget_form.lines_from_rows(rows)


@pytest.mark.parametrize("lines, message", [
    (lambda: _lines(对口帮扶专项资金={"金额（万元）": "5660"}), "其下各项合计 5661 万元"),
    (lambda: _lines(消费帮扶专项资金={"已支出（万元）": "64"}), "已支出 64 万元，多于已下达 63 万元"),
    (lambda: _lines(业务经费={"级次": "4"}), "上面没有第 3 级的项目"),
    (lambda: _lines(上年结转余额={"金额（万元）": ""}), "没有填写金额"),
    (lambda: [line for line in _lines() if line.section == "spending"], "没有“收入”的项目"),
    (lambda: [], "收支预算表是空的"),
    (lambda: _lines(上年结转余额={"已支出（万元）": "10"}), "是收入，不填已下达、已支出"),
    (lambda: _lines(业务经费={"计划数（万元）": "90"}), "计划数只用于收入"),
    (lambda: _lines(业务经费={"纳入绩效评价": "是"}), "纳入绩效评价，但其所属的“其他资金”不纳入"),
    (lambda: _lines(上年结转余额={"金额（万元）": "772.98"}), "收入合计 11492.63 万元与资金.*登记的收入 11492.62 万元不一致"),
    (lambda: _lines(), "预算审批日期 2023-01-01 不能晚于基准日"),
])
def test_a_budget_that_does_not_add_up_is_refused_and_changes_nothing(jiangmen, lines, message):
    engine, fund_id = jiangmen
    approved = budget.date(2023, 1, 1) if "审批" in message else None
    with database.unit_of_work(engine) as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        finance = security.authenticate(session, "市财政", DEMO_PASSWORD)
        with pytest.raises(InputError, match=message):
            budget.save_budget(session, finance, fund_id, as_of=budget.date(2022, 12, 31), lines=lines(),
                               approved_on=approved)
    with database.unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1  # the login only
        assert session.scalar(select(func.count()).select_from(FundBudgetLine)) == len(CSV_ROWS)


def test_only_the_funds_own_finance_office_saves_it_and_the_report_asks_for_its_region(jiangmen):
    engine, fund_id = jiangmen
    with database.unit_of_work(engine) as session:
        admin = security.authenticate(session, "admin", DEMO_PASSWORD)
        with pytest.raises(InputError, match="没有权限"):
            budget.save_budget(session, admin, fund_id, as_of=budget.date(2022, 12, 31), lines=_lines())
    with pytest.raises(InputError, match="请选择江门市（4407）"):
        _tables(engine, fund_id, scope="44")


def test_the_form_round_trips_and_an_edited_figure_is_caught_by_verify(jiangmen, db_path, tmp_path):
    engine, fund_id = jiangmen
    with database.unit_of_work(engine) as session:
        saved = budget.budget_for(session, fund_id)
        rows, targets = budget_form.budget_rows(saved), budget_form.target_rows(saved)
    expected = budget_form.lines_from_rows([dict(zip(budget_form.BUDGET_HEADER, row)) for row in rows])
    assert [line.amount for line in expected if line.name == "对口帮扶专项资金"] == [None]  # a heading: computed
    for name in ("budget.csv", "budget.xlsx"):
        budget_form.write_budget(tmp_path / name, rows)
        assert budget_form.read_budget(tmp_path / name) == expected
    budget_form.write_targets(tmp_path / "targets.xlsx", targets)
    assert [[t.level1, t.level2, t.level3, t.target_year, t.target_period]
            for t in budget_form.read_targets(tmp_path / "targets.xlsx")] == targets
    with database.unit_of_work(engine) as session:
        assert verify.verify_database(session, db_path=str(db_path)).ok
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE fund_budget_line SET spent = spent + 100 WHERE name = '消费帮扶专项资金'")
    with database.unit_of_work(engine) as session:
        report = verify.verify_database(session, db_path=str(db_path))
    assert not report.ok and any("资金收支预算" in p.where + p.message for p in report.problems)


def test_income_beyond_its_plan_is_shown_as_such(jiangmen):
    """A levy received beyond its plan (超收) is no negative 未到位, and makes up no other line's shortfall."""
    engine, fund_id = jiangmen
    rows = [dict(row) for row in CSV_ROWS]
    rows[0]["金额（万元）"], rows[1]["计划数（万元）"] = "10242.57", "800"   # levy as planned; carry-over 27.03 short
    rows[2]["计划数（万元）"] = "30"                                        # 41.14 against a plan of 30
    with database.unit_of_work(engine) as session:
        finance = security.authenticate(session, "市财政", DEMO_PASSWORD)
        fund = budget.get_fund(session, fund_id)
        fund.incomes[0].amount = budget.Money.from_wan("10242.57")  # as if registered so
        budget.save_budget(session, finance, fund_id, as_of=budget.date(2022, 12, 31),
                           lines=budget_form.lines_from_rows(rows))
    income = _tables(engine, fund_id)[0]
    grid = income.text_grid()
    assert grid[1][:5] == ["合计", "", "12764.57", "12748.68", "27.03"]
    assert grid[4][2:6] == ["30", "41.14", "0", "超收 11.14 万元"]

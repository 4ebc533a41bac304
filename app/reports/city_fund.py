"""`city-fund`: a pooled fund's 收入 / 分配及执行 statement and its 绩效目标表 (seed 002, RETURNS.md §2.8
and §2.9), from the budget its finance office saved (services.money.budget). Three tables:

- 收入情况表: 合计 first, then each income line with 计划数, 实际数 and the shortfall (未到位);
- 分配及执行情况表: 合计 first, then the outline (1. → （1） → ① → item), each heading the sum below it,
  with 安排数, 已下达, 未下达, 已支出 and 已支出 ÷ 已下达; under it, computed sentences: allocation against
  income (超出 or 结余), and for the money in the 绩效评价 what was not issued (item by item), what was
  spent, and both rates;
- 绩效目标表: 一级 and 二级 merged down, 当年度 and 实施周期 targets.

Amounts print exactly, with no trailing zero (seed 002 prints 150.3 beside 86.147; a rounded figure would
make a column that does not add up)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Money, format_percent, rate
from app.reports.request import Request, date_text, fund_of
from app.reports.table import AMOUNT, BODY, RATE, SUBTOTAL, TEXT, TOTAL, Column, Merge, Row, Table, runs
from app.services.errors import InputError
from app.services.money.budget import Node, Statement, exact_wan, statement
from app.services.regions import find_region

EXACT = Column(AMOUNT, 10, decimals=6, minimal=True)


def build_city_fund(session: Session, request: Request) -> list[Table]:
    fund = fund_of(session, request)
    scope = find_region(session, request.scope)
    if scope.code != fund.region_code:
        owner = find_region(session, fund.region_code)
        raise InputError(f"资金“{fund.name}”由{owner.name}统筹，请选择{owner.name}（{owner.code}）。",
                         "city fund of another region")
    found = statement(session, fund)
    heading = [f"资金名称：{fund.name}", f"填报单位：{scope.name}"]
    return [_income(found, heading), _spending(found, heading), _targets(found, heading)]


def _income(found: Statement, heading: list[str]) -> Table:
    def cells(node: Node) -> list:
        over = node.amount - node.planned if not node.children and node.amount > node.planned else None
        note = "；".join(filter(None, [node.line.note, over and f"超收 {exact_wan(over)} 万元"]))
        return [node.planned, node.amount, node.shortfall, note]

    rows = [Row(["合计", "", found.income_planned, found.income_total, found.income_shortfall, ""], TOTAL)]
    rows += _outline(found.income, cells)
    sentence = f"说明：收入合计 {exact_wan(found.income_total)} 万元"
    if found.income_planned != found.income_total:
        sentence += f"，计划 {exact_wan(found.income_planned)} 万元，未到位 {exact_wan(found.income_shortfall)} 万元"
    notes = [sentence + "。"]
    columns = [Column(TEXT, 5, centred=True), Column(TEXT, 26, left_aligned=True), EXACT, EXACT, EXACT,
               Column(TEXT, 24, left_aligned=True)]
    return Table("city-fund", f"{found.fund.name}收入情况表", columns,
                 [["序号", "收入项目", "计划数", "实际数", "未到位", "说明"]], rows,
                 merges=[Merge(1, 0, cols=2)], heading=heading, notes=notes, sheet="收入",
                 landscape=True)


def _spending(found: Statement, heading: list[str]) -> Table:
    def cells(node: Node) -> list:
        note = "；".join(filter(None, ["" if node.evaluated else "不纳入绩效评价", node.line.note]))
        return [node.amount, node.issued, node.unissued, node.spent, rate(node.spent, node.issued), note]

    issued = found.total(found.spending, "issued")
    total = [found.allocated, issued, found.allocated - issued, found.total(found.spending, "spent")]
    rows = [Row(["合计", "", *total, rate(total[3], total[1]), ""], TOTAL)]
    rows += _outline(found.spending, cells)
    columns = [Column(TEXT, 5, centred=True), Column(TEXT, 30, left_aligned=True), EXACT, EXACT, EXACT, EXACT,
               Column(RATE, 8), Column(TEXT, 16, left_aligned=True)]
    header = ["序号", "支出项目", "安排数", "已下达", "未下达", "已支出", "支出率（占已下达）", "说明"]
    return Table("city-fund", f"{found.fund.name}分配及执行情况表", columns, [header], rows,
                 merges=[Merge(1, 0, cols=2)], heading=heading + [f"基准日：{date_text(found.budget.as_of)}"],
                 notes=_execution_notes(found), sheet="分配及执行", landscape=True)


def _outline(nodes: list[Node], figures) -> list[Row]:
    rows = []
    for top in nodes:
        for node in top.walk():
            indent = "　" * (node.line.level - 1)
            rows.append(Row([node.number, indent + node.name, *figures(node)], SUBTOTAL if node.children else BODY))
    return rows


def _execution_notes(found: Statement) -> list[str]:
    notes = [f"说明：1. 收入合计 {exact_wan(found.income_total)} 万元，分配合计 {exact_wan(found.allocated)} 万元，"
             f"{found.balance_text()}。"]
    outside = found.items(evaluated=False)
    scope = (f"（不含不纳入绩效评价的 {exact_wan(Money.total(n.amount for n in outside))} 万元）" if outside else "")
    unissued = found.unissued()
    listed = "；".join(f"{node.name.strip()} {exact_wan(node.unissued)} 万元" for node in unissued)
    sentence = (f"2. 纳入绩效评价的资金安排 {exact_wan(found.evaluated_budget)} 万元{scope}，截至"
                f"{date_text(found.budget.as_of)}已下达 {exact_wan(found.issued)} 万元")
    if unissued:
        sentence += f"，未下达 {exact_wan(found.evaluated_budget - found.issued)} 万元（{listed}）"
    sentence += f"；已支出 {exact_wan(found.spent)} 万元"
    if found.rate_of_issued is not None:
        sentence += f"，占已下达的 {format_percent(found.rate_of_issued)}"
    if found.rate_of_budget is not None:
        sentence += f"，占安排数的 {format_percent(found.rate_of_budget)}"
    notes.append(sentence + "。")
    if found.budget.approved_on:
        by = found.budget.approved_by or "有关部门"
        notes.append(f"3. 本资金预算于{date_text(found.budget.approved_on)}经{by}审批同意。")
    return notes


def _targets(found: Statement, heading: list[str]) -> Table:
    targets = found.budget.targets
    if not targets:
        rows, merges = [Row(["（未填报绩效目标）", "", "", "", ""])], [Merge(1, 0, cols=5)]
    else:
        rows = [Row([t.level1, t.level2, t.level3, t.target_year, t.target_period]) for t in targets]
        merges = runs([t.level1 for t in targets], (0,), first_row=1)
        merges += runs([(t.level1, t.level2) for t in targets], (1,), first_row=1)
    goal = found.budget.overall_goal
    columns = [Column(TEXT, 8, centred=True), Column(TEXT, 10, centred=True), Column(TEXT, 34, left_aligned=True),
               Column(TEXT, 14), Column(TEXT, 14)]
    header = ["一级指标", "二级指标", "三级指标", "三级指标目标值（当年度）", "三级指标目标值（实施周期）"]
    return Table("city-fund", f"{found.fund.name}绩效目标表", columns, [header], rows, merges=merges,
                 heading=heading + ([f"总体绩效目标：{goal}"] if goal else []), unit="", sheet="绩效目标",
                 signatures=[])

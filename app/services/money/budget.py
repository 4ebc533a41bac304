"""A pooled fund's budget and its execution (seed 002's 收入 / 分配 / 执行, RETURNS.md §2.9): saving it
as one signed act of the fund's finance office (`save_budget`), and computing what the statement prints
(`statement`): each heading's sums, the totals, allocation against income (over-allocated, or 结余),
the money of the 绩效评价 not yet issued, item by item, and the execution rates.

Two rates, because seed 002 printed both and each has its reader: 已支出 ÷ 已下达 (77.68 % in seed 002's
second version) says how fast issued money is spent; 已支出 ÷ 安排数 says how much of the evaluated
budget is spent. Both are half-up to 2 decimals. Lines marked 不纳入绩效评价 (seed 002's 其他资金) count in
the allocation but in neither rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Fund, FundBudget, FundBudgetLine, FundBudgetTarget, Money, User, rate
from app.models.budget import INCOME, SPENDING
from app.services import audit, security, text
from app.services.dates import act_date
from app.services.errors import InputError
from app.services.money.funds import get_fund, require_finance
from app.services.regions import find_region

SECTIONS = {INCOME: "收入", SPENDING: "支出"}
LEVELS = 4
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True)
class LineInput:
    """A line as entered: figures only on items (a heading's, when given, is checked against its sum)."""
    section: str
    level: int
    name: str
    planned: Money | None = None
    amount: Money | None = None
    issued: Money | None = None
    spent: Money | None = None
    evaluated: bool = True
    note: str = ""
    row: int = 0  # the form's row, for messages


@dataclass(frozen=True)
class TargetInput:
    level1: str
    level2: str
    level3: str
    target_year: str = ""
    target_period: str = ""


@dataclass
class Node:
    """A line with its computed figures: an item's own, a heading's summed over the items below it."""
    line: FundBudgetLine | LineInput
    number: str
    evaluated: bool
    children: list[Node] = field(default_factory=list)
    planned: Money = Money.zero()
    amount: Money = Money.zero()
    issued: Money = Money.zero()
    spent: Money = Money.zero()

    @property
    def name(self) -> str:
        return self.line.name

    @property
    def unissued(self) -> Money:
        return self.amount - self.issued

    @property
    def shortfall(self) -> Money:
        """Income planned but not received (未到位), item by item: an item received beyond its plan
        (超收) makes up no other item's shortfall."""
        if self.children:
            return Money.total(child.shortfall for child in self.children)
        return max(self.planned - self.amount, Money.zero())

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Statement:
    fund: Fund
    budget: FundBudget
    income: list[Node]
    spending: list[Node]

    @staticmethod
    def total(nodes: list[Node], figure: str) -> Money:
        return Money.total(getattr(node, figure) for node in nodes)

    @property
    def income_total(self) -> Money:
        return self.total(self.income, "amount")

    @property
    def income_planned(self) -> Money:
        """What income would have been had every plan been met (a line without a plan: as received)."""
        return self.total(self.income, "planned")

    @property
    def income_shortfall(self) -> Money:
        return self.total(self.income, "shortfall")

    @property
    def allocated(self) -> Money:
        return self.total(self.spending, "amount")

    @property
    def gap(self) -> Money:
        """Allocation beyond income (negative: 结余)."""
        return self.allocated - self.income_total

    def balance_text(self) -> str:
        gap = self.gap
        if gap.fen > 0:
            return f"分配超出收入 {exact_wan(gap)} 万元"
        return f"结余 {exact_wan(-gap)} 万元" if gap.fen < 0 else "收支平衡"

    def items(self, *, evaluated: bool | None = None) -> list[Node]:
        found = [node for top in self.spending for node in top.walk() if not node.children]
        return [node for node in found if evaluated is None or node.evaluated == evaluated]

    @property
    def evaluated_budget(self) -> Money:
        return self.total(self.items(evaluated=True), "amount")

    @property
    def issued(self) -> Money:
        return self.total(self.items(evaluated=True), "issued")

    @property
    def spent(self) -> Money:
        return self.total(self.items(evaluated=True), "spent")

    def unissued(self) -> list[Node]:
        return [node for node in self.items(evaluated=True) if node.unissued.fen > 0]

    @property
    def rate_of_issued(self) -> Decimal | None:
        return rate(self.spent, self.issued)

    @property
    def rate_of_budget(self) -> Decimal | None:
        return rate(self.spent, self.evaluated_budget)


def exact_wan(amount: Money) -> str:
    """万元 with every decimal it has and no trailing zero: 86.147, 12745.787, 5000 (seed 002's figures
    have up to 5 decimals; rounding them in a sentence would print a sum that does not add up)."""
    shown = f"{amount.wan:f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def budget_for(session: Session, fund_id: int) -> FundBudget | None:
    return session.scalar(select(FundBudget).where(FundBudget.fund_id == fund_id))


def may_save(session: Session, user: User, fund: Fund) -> bool:
    """Whether `user` may save the fund's budget: a finance officer of the region that issued it."""
    region = find_region(session, fund.region_code)
    role = security.FINANCE_ROLE_BY_LEVEL.get(region.level)
    return role is not None and security.has_role(user, role, region.code)


def save_budget(session: Session, user: User, fund_id: int, *, as_of: date, lines: list[LineInput],
                targets: list[TargetInput] | None = None, approved_on: date | None = None, approved_by: str = "",
                overall_goal: str = "", note: str = "", today: date | None = None) -> FundBudget:
    """Create or replace the fund's budget (its lines replaced as a whole, and its targets unless
    `targets` is None, which keeps the saved ones), by a finance officer of the region that issued
    the fund."""
    fund = get_fund(session, fund_id)
    region = find_region(session, fund.region_code)
    require_finance(session, user, region, "登记资金收支预算")
    act_date(as_of, "基准", not_before=fund.issued_on, since="资金下达日期", today=today)
    if approved_on is not None:
        act_date(approved_on, "预算审批", today=today)
        if approved_on > as_of:
            raise InputError(f"预算审批日期 {approved_on} 不能晚于基准日 {as_of}。", "approved after the as-of date")
    lines = [_clean(line) for line in lines]
    income = Money.total(node.amount for node in tree(lines)[INCOME])  # tree() refuses what does not add up
    if fund.incomes and income != fund.total:
        raise InputError(f"收支预算表的收入合计 {exact_wan(income)} 万元与资金“{fund.name}”登记的收入 "
                         f"{exact_wan(fund.total)} 万元不一致。请核对收入各项。", "budget income differs from the fund")
    budget = budget_for(session, fund.id)
    if targets is None:
        targets = [TargetInput(t.level1, t.level2, t.level3, t.target_year, t.target_period)
                   for t in (budget.targets if budget else [])]
    targets = [_clean_target(target) for target in targets]
    before = None if budget is None else _summary(budget)
    if budget is None:
        budget = FundBudget(fund_id=fund.id)
        session.add(budget)
    budget.as_of, budget.approved_on, budget.entered_by_id = as_of, approved_on, user.id
    budget.approved_by = text.line(approved_by, "审批机关", FundBudget.approved_by)
    budget.overall_goal = text.paragraph(overall_goal, "总体绩效目标", FundBudget.overall_goal)
    budget.note = text.paragraph(note, "说明", FundBudget.note)
    headings = _headings(lines)
    budget.lines = [FundBudgetLine(position=n, section=line.section, level=line.level, name=line.name,
                                   **_figures(line, n - 1 in headings), evaluated=line.evaluated, note=line.note)
                    for n, line in enumerate(lines, 1)]
    budget.targets = [FundBudgetTarget(position=n, level1=t.level1, level2=t.level2, level3=t.level3,
                                       target_year=t.target_year, target_period=t.target_period)
                      for n, t in enumerate(targets, 1)]
    session.flush()
    audit.record(session, user, "fund_budget_saved", "fund_budget", budget.uuid, before=before,
                 after=_summary(budget))
    return budget


def _figures(line: LineInput, heading: bool) -> dict:
    if heading:
        return {"planned": None, "amount": None, "issued": None, "spent": None}
    if line.section == INCOME:
        return {"planned": line.planned, "amount": line.amount, "issued": None, "spent": None}
    zero = Money.zero()
    return {"planned": None, "amount": line.amount, "issued": line.issued or zero, "spent": line.spent or zero}


def _clean(line: LineInput) -> LineInput:
    where = f"第 {line.row} 行" if line.row else "一行"
    if line.section not in SECTIONS:
        raise InputError(f"{where}的类别应为“收入”或“支出”。", "unknown section")
    if not 1 <= line.level <= LEVELS:
        raise InputError(f"{where}的级次应为 1 至 {LEVELS}。", "level out of range")
    name = text.line(line.name, f"{where}的项目名称", FundBudgetLine.name, required=True)
    if line.section == INCOME and (line.issued is not None or line.spent is not None):
        raise InputError(f"{where}“{name}”是收入，不填已下达、已支出。", "execution figures on income")
    if line.section == SPENDING and line.planned is not None:
        raise InputError(f"{where}“{name}”是支出，计划数只用于收入；安排数填在“金额”列。", "planned on spending")
    return LineInput(line.section, line.level, name, line.planned, line.amount, line.issued, line.spent,
                     line.evaluated, text.paragraph(line.note, f"{where}的说明", FundBudgetLine.note), line.row)


def _clean_target(target: TargetInput) -> TargetInput:
    return TargetInput(text.line(target.level1, "一级指标", FundBudgetTarget.level1, required=True),
                       text.line(target.level2, "二级指标", FundBudgetTarget.level2),
                       text.line(target.level3, "三级指标", FundBudgetTarget.level3, required=True),
                       text.line(target.target_year, "当年度目标值", FundBudgetTarget.target_year),
                       text.line(target.target_period, "实施周期目标值", FundBudgetTarget.target_period))


def _headings(lines: list) -> set[int]:
    """Indexes of the lines with a deeper line of their section right after them."""
    return {n for n in range(len(lines) - 1)
            if lines[n + 1].section == lines[n].section and lines[n + 1].level > lines[n].level}


def _summary(budget: FundBudget) -> dict:
    return {"fund": budget.fund_id, "as_of": budget.as_of.isoformat(), "lines": len(budget.lines),
            "targets": len(budget.targets)}


# ---------------------------------------------------------------- the computed outline

def _number(level: int, n: int) -> str:
    """1. → （1） → ① as seed 002 numbers its outline, then 1) for a fourth level."""
    if level == 1:
        return f"{n}."
    if level == 2:
        return f"（{n}）"
    if level == 3:
        return CIRCLED[n - 1] if n <= len(CIRCLED) else f"（{n}）"
    return f"{n})"


def tree(lines: list) -> dict[str, list[Node]]:
    """The outline of each section as nodes with their figures (stored lines or entered ones), checked:
    levels step down one at a time; every item has its amount; a heading's entered figure equals its
    sum; no item has spent more than was issued, or issued more than was arranged."""
    sections: dict[str, list[Node]] = {INCOME: [], SPENDING: []}
    stack: list[Node] = []
    counters: list[int] = []
    section = None
    for line in lines:
        if line.section != section:
            section, stack, counters = line.section, [], []
            if sections[section]:
                raise InputError(f"“{SECTIONS[section]}”各行应连在一起（{_where(line)}与前面的同类行被隔开）。",
                                 "section split")
        if line.level > len(stack) + 1:
            raise InputError(f"{_where(line)}“{line.name}”是第 {line.level} 级，但上面没有第 {line.level - 1} 级的项目。",
                             "level skipped")
        del stack[line.level - 1:]
        del counters[line.level:]
        if len(counters) < line.level:
            counters.append(0)
        counters[line.level - 1] += 1
        parent = stack[-1] if stack else None
        if parent is not None and line.evaluated and not parent.evaluated:
            raise InputError(f"{_where(line)}“{line.name}”纳入绩效评价，但其所属的“{parent.name}”不纳入。"
                             "请把两者填成一致。", "evaluated under a heading that is not")
        node = Node(line, _number(line.level, counters[line.level - 1]), line.evaluated)
        (parent.children if parent else sections[section]).append(node)
        stack.append(node)
    for nodes in sections.values():
        for node in nodes:
            _sum_up(node)
    if not lines:
        raise InputError("收支预算表是空的。", "empty budget")
    if not sections[INCOME] or not sections[SPENDING]:
        missing = SECTIONS[INCOME] if not sections[INCOME] else SECTIONS[SPENDING]
        raise InputError(f"收支预算表没有“{missing}”的项目。", "section missing")
    return sections


def _where(line) -> str:
    return f"第 {line.row} 行" if getattr(line, "row", 0) else f"“{SECTIONS[line.section]}”中"


def _sum_up(node: Node) -> None:
    line = node.line
    if not node.children:
        if line.amount is None:
            raise InputError(f"{_where(line)}“{line.name}”没有填写金额。", "item without amount")
        node.amount = line.amount
        node.planned = line.planned if line.planned is not None else line.amount
        node.issued = line.issued or Money.zero()
        node.spent = line.spent or Money.zero()
        if line.section == SPENDING:
            if node.issued > node.amount:
                raise InputError(f"{_where(line)}“{line.name}”已下达 {exact_wan(node.issued)} 万元，多于安排数 "
                                 f"{exact_wan(node.amount)} 万元。", "issued beyond the budget")
            if node.spent > node.issued:
                raise InputError(f"{_where(line)}“{line.name}”已支出 {exact_wan(node.spent)} 万元，多于已下达 "
                                 f"{exact_wan(node.issued)} 万元。", "spent beyond issue")
        return
    for child in node.children:
        _sum_up(child)
    for figure, label in (("planned", "计划数"), ("amount", "金额"), ("issued", "已下达"), ("spent", "已支出")):
        total = Money.total(getattr(child, figure) for child in node.children)
        setattr(node, figure, total)
        entered = getattr(line, figure, None) if isinstance(line, LineInput) else None
        if entered is not None and entered != total:
            raise InputError(f"{_where(line)}“{line.name}”的{label}填写为 {exact_wan(entered)} 万元，但其下各项合计 "
                             f"{exact_wan(total)} 万元。合计由程序计算，可留空。", "heading disagrees with its sum")


def statement(session: Session, fund: Fund) -> Statement:
    budget = budget_for(session, fund.id)
    if budget is None:
        raise InputError(f"尚未登记资金“{fund.name}”的收支预算。请用 bangzhen budget import 导入收支预算表，"
                         "或在“资金与下达”窗口的“收支预算”中导入。", "no budget")
    sections = tree(budget.lines)
    return Statement(fund, budget, sections[INCOME], sections[SPENDING])

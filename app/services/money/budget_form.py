"""The 收支预算表 and the 绩效目标表 of a pooled fund as forms (CSV in UTF-8, or xlsx) that the city's
finance office fills and imports (`bangzhen budget import`), and that the program writes back out
(`bangzhen budget form`): one row per line of the outline, in print order.

收支预算表: 类别 (收入/支出) | 级次 (1–4: 1. → （1） → ① → item) | 项目名称 | 计划数 (income: as planned) |
金额 (income: received; spending: 安排数) | 已下达 | 已支出 (spending, up to the 基准日) | 纳入绩效评价 (是/否,
blank: 是) | 说明. Amounts in 万元, exact to the 分. A heading's figures may be left blank (they are
computed); if given they must be the sum below.
绩效目标表: 一级指标 | 二级指标 | 三级指标 | 当年度目标值 | 实施周期目标值; a blank 一级 or 二级 repeats the
one above (as the merged cells of a printed table read)."""

from __future__ import annotations

from pathlib import Path

from app.models import FundBudget, InvalidAmount, Money
from app.models.budget import INCOME, SPENDING
from app.services import csvfiles
from app.services.errors import InputError
from app.services.money.budget import LEVELS, SECTIONS, LineInput, TargetInput, exact_wan

BUDGET_HEADER = ("类别", "级次", "项目名称", "计划数（万元）", "金额（万元）", "已下达（万元）", "已支出（万元）",
                 "纳入绩效评价", "说明")
TARGET_HEADER = ("一级指标", "二级指标", "三级指标", "三级指标目标值（当年度）", "三级指标目标值（实施周期）")
_SECTION_OF = {label: key for key, label in SECTIONS.items()} | {INCOME: INCOME, SPENDING: SPENDING}
_YES, _NO = ("", "是", "Y", "y", "1"), ("否", "N", "n", "0")


def read_budget(path: str | Path) -> list[LineInput]:
    return lines_from_rows(csvfiles.read_form(path, BUDGET_HEADER, "收支预算表"))


def read_targets(path: str | Path) -> list[TargetInput]:
    return targets_from_rows(csvfiles.read_form(path, TARGET_HEADER, "绩效目标表"))


def lines_from_rows(rows: list[dict[str, str]]) -> list[LineInput]:
    lines = []
    for n, row in enumerate(rows, 2):
        n = row.get(csvfiles.ROW, n)
        where = f"第 {n} 行"
        section = _SECTION_OF.get(row["类别"].strip())
        if section is None:
            raise InputError(f"{where}的类别“{row['类别']}”应为“收入”或“支出”。", "unknown section")
        level = row["级次"].strip()
        if level not in [str(k) for k in range(1, LEVELS + 1)]:
            raise InputError(f"{where}的级次“{level}”应为 1 至 {LEVELS}。", "bad level")
        evaluated = row["纳入绩效评价"].strip()
        if evaluated not in _YES + _NO:
            raise InputError(f"{where}的“纳入绩效评价”应为“是”或“否”。", "bad evaluated flag")
        lines.append(LineInput(section, int(level), row["项目名称"], _amount(row, "计划数（万元）", where),
                               _amount(row, "金额（万元）", where), _amount(row, "已下达（万元）", where),
                               _amount(row, "已支出（万元）", where), evaluated in _YES, row["说明"], row=n))
    if not lines:
        raise InputError("收支预算表是空的。", "empty budget form")
    return lines


def _amount(row: dict[str, str], column: str, where: str) -> Money | None:
    value = row[column].strip().replace(",", "")
    if not value:
        return None
    try:
        amount = Money.from_wan(value)
    except InvalidAmount:
        raise InputError(f"{where}的“{column}”不是有效金额（{row[column]}），应为万元数，最多 6 位小数。",
                         "bad amount") from None
    if amount.fen < 0:
        raise InputError(f"{where}的“{column}”不能为负数。", "negative amount")
    return amount


def targets_from_rows(rows: list[dict[str, str]]) -> list[TargetInput]:
    targets, level1, level2 = [], "", ""
    for row in rows:
        level1 = row["一级指标"].strip() or level1
        level2 = row["二级指标"].strip() or (level2 if not row["一级指标"].strip() else "")
        targets.append(TargetInput(level1, level2, row["三级指标"], row["三级指标目标值（当年度）"],
                                   row["三级指标目标值（实施周期）"]))
    return targets


def budget_rows(budget: FundBudget) -> list[list[str]]:
    """The saved budget as its form (headings with blank figures: they are computed)."""
    def figure(amount: Money | None) -> str:
        return "" if amount is None else exact_wan(amount)

    return [[SECTIONS[line.section], str(line.level), line.name, figure(line.planned), figure(line.amount),
             figure(line.issued), figure(line.spent), "是" if line.evaluated else "否", line.note]
            for line in budget.lines]


def target_rows(budget: FundBudget) -> list[list[str]]:
    return [[t.level1, t.level2, t.level3, t.target_year, t.target_period] for t in budget.targets]


def write_budget(path: str | Path, rows: list[list[str]]) -> Path:
    return csvfiles.write_form(path, BUDGET_HEADER, rows, "收支预算表", (6, 6, 48, 12, 12, 12, 12, 10, 40))


def write_targets(path: str | Path, rows: list[list[str]]) -> Path:
    return csvfiles.write_form(path, TARGET_HEADER, rows, "绩效目标表", (12, 16, 48, 20, 20))

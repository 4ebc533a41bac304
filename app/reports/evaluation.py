"""The self-evaluation returns, from the scored 绩效自评 of the fund for the scope (services.evaluation):
`level1-scores` (表2-1, 总分 first, the grade under it), `indicator-scores` (every scored indicator with
分值, 得分, 得分率 and 扣分原因, RETURNS.md §2.12), `target-completion` (表2-3: 指标值 beside 完成值,
RETURNS.md §2.3) and `self-evaluation` (the three together). Scores and 得分率 print as the seeds print
them: 99, 99.70; 99%, 97.74%."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from app.models.evaluation import POINT
from app.reports.request import Request, date_text, fund_of
from app.reports.table import HEADING, SCORE, SCORE_RATE, TEXT, TOTAL, Column, Merge, Row, Table, runs
from app.services.errors import InputError
from app.services.evaluation import TOTAL_POINTS, Result, Scored, evaluation_for, points_text, score
from app.services.regions import find_region


def _result(session: Session, request: Request) -> Result:
    fund, region = fund_of(session, request), find_region(session, request.scope)
    evaluation = evaluation_for(session, fund.id, region.code)
    if evaluation is None:
        raise InputError(f"{region.name}尚未填报“{fund.name}”的绩效自评。请在“报表 → 绩效自评”中填写，"
                         "或用 bangzhen evaluation import 导入评分表。", "no evaluation")
    return score(session, evaluation)


def _points(hundredths: int) -> Decimal:
    return Decimal(hundredths) / POINT


def _heading(result: Result) -> list[str]:
    return [f"资金名称：{result.fund.name}", f"预算单位：{result.fund.budget_unit or result.region.name}",
            f"评价基准日：{date_text(result.evaluation.as_of)}"]


def grade_sentence(result: Result) -> str:
    return f"绩效自评得分{points_text(result.total)}分，绩效等级为“{result.grade}”。"


def build_level1_scores(session: Session, request: Request, result: Result | None = None) -> Table:
    result = result or _result(session, request)
    rows = [Row(["总分", _points(TOTAL_POINTS), _points(result.total), result.rate], TOTAL)]
    rows += [Row([level.label, _points(s.weight), _points(s.score), s.rate]) for level, s in result.level1()]
    columns = [Column(TEXT, 14), Column(SCORE, 7), Column(SCORE, 7), Column(SCORE_RATE, 7)]
    return Table("level1-scores", "表2-1 一级指标得分情况表", columns, [["一级指标（评价因素）", "分值", "得分", "得分率"]],
                 rows, heading=_heading(result), unit="", notes=[grade_sentence(result)], sheet="表2-1")


def _name_cells(s: Scored) -> tuple[list[str], list[tuple[int, int]]]:
    """The 一级/二级/三级 cells of a scored leaf, and (first column, columns) to merge when it sits
    higher than level 3 (its name then spans the levels below it)."""
    names = list(s.path) + [""] * (3 - len(s.path))
    return names, ([] if len(s.path) == 3 else [(len(s.path) - 1, 4 - len(s.path))])


def build_indicator_scores(session: Session, request: Request, result: Result | None = None) -> Table:
    result = result or _result(session, request)
    leaves = [s for s in result.items if s.leaf]
    rows = [Row(["合计", "", "", _points(TOTAL_POINTS), _points(result.total), result.rate, ""],
                TOTAL)]
    merges = [Merge(1, 0, cols=3)]
    for n, s in enumerate(leaves):
        names, spans = _name_cells(s)
        rows.append(Row(names + [_points(s.weight), _points(s.score), s.rate, s.item.reason]))
        merges += [Merge(2 + n, col, cols=cols) for col, cols in spans]
    # 一级 and 二级 cells merge down over their runs (a leaf above level 3 keys only itself)
    merges += runs([s.path[0] for s in leaves], (0,), first_row=2)
    merges += runs([s.path[:2] if len(s.path) == 3 else n for n, s in enumerate(leaves)], (1,), first_row=2)
    columns = [Column(TEXT, 5), Column(TEXT, 6), Column(TEXT, 20, left_aligned=True), Column(SCORE, 4),
               Column(SCORE, 4), Column(SCORE_RATE, 5), Column(TEXT, 24, left_aligned=True)]
    header = [["一级指标", "二级指标", "三级指标", "分值", "得分", "得分率", "扣分原因"]]
    return Table("indicator-scores", "绩效自评指标得分情况表", columns, header, rows, merges=merges,
                 heading=_heading(result), unit="", landscape=True, sheet="指标得分")


def build_target_completion(session: Session, request: Request, result: Result | None = None) -> Table:
    """表2-3: the targets (every level but 过程/预算执行率) with 指标值 and 完成值; 说明 as the last row."""
    result = result or _result(session, request)
    process = result.scheme.levels[0].name
    leaves = [s for s in result.items if s.leaf and s.path[0] != process]
    if not leaves:
        raise InputError("绩效自评中没有产出、效益或满意度指标，无法生成绩效目标完成情况表。", "no targets")
    rows = [Row(["专项资金名称", result.fund.name, "", "", "", ""]),
            Row(["总体绩效目标", result.evaluation.overall_goal, "", "", "", ""]),
            Row(["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "完成值"], HEADING)]
    merges = [Merge(0, 1, cols=5), Merge(1, 1, cols=5), Merge(2, 0, rows=len(leaves) + 1)]
    for n, s in enumerate(leaves):
        names, spans = _name_cells(s)
        rows.append(Row([""] + names + [s.item.target_text, s.actual]))
        merges += [Merge(3 + n, col + 1, cols=cols) for col, cols in spans]
    merges += runs([s.path[0] for s in leaves], (1,), first_row=3)
    merges += runs([s.path[:2] if len(s.path) == 3 else n for n, s in enumerate(leaves)], (2,), first_row=3)
    if result.evaluation.note:
        merges.append(Merge(len(rows), 0, cols=6))
        rows.append(Row([f"说明：{result.evaluation.note}", "", "", "", "", ""]))
    columns = [Column(TEXT, 6), Column(TEXT, 6), Column(TEXT, 8), Column(TEXT, 20, left_aligned=True),
               Column(TEXT, 9), Column(TEXT, 9)]
    title = f"表2-3 {result.fund.year}年专项资金绩效目标完成情况表"
    return Table("target-completion", title, columns, [], rows, merges=merges, heading=_heading(result)[1:],
                 unit="", sheet="表2-3")


def build_self_evaluation(session: Session, request: Request) -> list[Table]:
    result = _result(session, request)
    return [build(session, request, result) for build in (build_level1_scores, build_indicator_scores,
                                                          build_target_completion)]

"""绩效自评: a fund's year for one region, scored by its finance office the way seeds 000 and 001 score
(RETURNS.md §3.3). The evaluator enters the indicator outline with targets, 完成值 and deductions (from
the evaluation form, services.evaluation_form, or the GUI); the program computes the weights, the scores, the totals, the
grade and, where it holds the data, the 完成值 (`MEASURES`). Every save is one signed act.

The rules, and why:
- **Schemes.** "seed": 过程 20 / 产出 40 / 效益 40 with 满意度 inside 效益, as both seeds score;
  "national": 预算执行率 10 / 产出 50 / 效益 30 / 满意度 10 (财预〔2020〕10号), the second choice.
- **Weights.** An item's weight is set by hand or split equally from what its parent has left after
  the hand-set siblings, in 0.1-point units, the leftover tenths to the first items (40 → 13.40,
  13.30, 13.30; 10 → 3.40, 3.30, 3.30). Hand-set weights that do not add up are refused.
- **Scores.** A leaf meets its target for its full weight; a shortfall is an absolute deduction with
  a written reason (seed 001: −0.30). Nothing is proportional. A group scores the sum of its items.
- **资金支出率** (the item measured as `spending_rate`) is the evaluator's judgement: seed 000 gave 9 of
  10 at 56.09 %, which no formula gives. Its reason is mandatory even at full marks;
  `proportional_score` is offered as a hint only.
- **Grade.** 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 (财预〔2020〕10号; the seeds print only 优, at 99 and 99.70).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app.models import Asset, Evaluation, EvaluationItem, Fund, Money, Project, PurposeCategory, Town, User, rate
from app.models.evaluation import POINT
from app.services import audit, text
from app.services.dates import act_date
from app.services.errors import InputError
from app.services.ledger import LISTED, towns_in
from app.services.money.funds import get_fund, require_finance
from app.services.projects import sum_fen
from app.services.regions import RegionRef, find_region

TOTAL_POINTS = 100 * POINT
UNIT = 10  # weights are split in tenths of a point


@dataclass(frozen=True)
class Level1:
    name: str     # as the indicator tables print it
    label: str    # as 表2-1 prints it
    weight: int   # hundredths of a point
    keywords: tuple[str, ...]  # how a form may spell it


@dataclass(frozen=True)
class Scheme:
    key: str
    label: str
    levels: tuple[Level1, ...]


SCHEMES = {scheme.key: scheme for scheme in (
    Scheme("seed", "过程20、产出40、效益40（满意度在效益内，同2021年省级自评）", (
        Level1("过程指标", "一、过程分析", 20 * POINT, ("过程",)),
        Level1("产出指标", "二、产出分析", 40 * POINT, ("产出",)),
        Level1("效益指标", "三、效益分析", 40 * POINT, ("效益",)))),
    Scheme("national", "预算执行率10、产出50、效益30、满意度10（财预〔2020〕10号）", (
        Level1("预算执行率", "一、预算执行率", 10 * POINT, ("预算执行", "过程")),
        Level1("产出指标", "二、产出指标", 50 * POINT, ("产出",)),
        Level1("效益指标", "三、效益指标", 30 * POINT, ("效益",)),
        Level1("满意度指标", "四、满意度指标", 10 * POINT, ("满意度",)))),
)}
GRADES = ((90 * POINT, "优"), (80 * POINT, "良"), (60 * POINT, "中"), (0, "差"))

# 完成值 the program computes from its own data, as of the 评价基准日 (key → what the form calls it).
MEASURES = {
    "spending_rate": "资金支出率",
    "towns_with_plan": "有规划项目的乡镇数",
    "industry_towns": "有产业项目的乡镇数",
    "completed_in_time": "按期完工率",
    "upkeep_per_town": "镇均资产管护经费（万元）",
}
SPENDING_RATE = "spending_rate"


@dataclass
class ItemInput:
    """One indicator as entered: its outline level (1–3), name, hand-set weight (hundredths, None to
    split), target, the measure that computes its 完成值 or a typed one, deduction (hundredths) and reason."""
    level: int
    name: str
    weight: int | None = None
    target_text: str = ""
    measure: str = ""
    actual_text: str = ""
    deduction: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Scored:
    """One indicator of a scored evaluation: its names from level 1 down, weight and score (hundredths)."""
    item: EvaluationItem
    path: tuple[str, ...]
    weight: int
    score: int
    leaf: bool
    actual: str  # the 完成值 as printed

    @property
    def rate(self) -> Decimal | None:
        return None if self.weight == 0 else Decimal(self.score) / Decimal(self.weight)


@dataclass(frozen=True)
class Result:
    evaluation: Evaluation
    fund: Fund
    region: RegionRef
    scheme: Scheme
    items: list[Scored]

    @property
    def total(self) -> int:
        return sum(s.score for s in self.items if s.item.level == 1)

    @property
    def rate(self) -> Decimal:
        return Decimal(self.total) / Decimal(TOTAL_POINTS)

    @property
    def grade(self) -> str:
        return grade(self.total)

    def level1(self) -> list[tuple[Level1, Scored]]:
        firsts = [s for s in self.items if s.item.level == 1]
        return list(zip(self.scheme.levels, firsts))


def grade(total: int) -> str:
    return next(label for floor, label in GRADES if total >= floor)


def points(value: str | int | Decimal | None, what: str) -> int | None:
    """Points as typed ("3.40", "13", "") → hundredths; blank → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    shown = str(value).strip()
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", shown):
        raise InputError(f"{what}“{shown}”不是有效的分数（不小于 0，最多两位小数）。", f"bad points {shown!r}")
    hundredths = int(Decimal(shown) * POINT)
    if hundredths > TOTAL_POINTS:
        raise InputError(f"{what}“{shown}”超过了总分 100 分。", f"points above 100: {shown!r}")
    return hundredths


def points_text(hundredths: int) -> str:
    """9900 → "99", 9970 → "99.70" (as the seeds print scores)."""
    whole, part = divmod(hundredths, POINT)
    return str(whole) if part == 0 else f"{whole}.{part:02d}"


# ---------------------------------------------------------------- the outline

def outline_parents(levels: list[int]) -> list[int | None]:
    """Each item's parent: the nearest earlier item one level up."""
    parents: list[int | None] = []
    open_at: dict[int, int] = {}
    for n, level in enumerate(levels):
        parents.append(open_at.get(level - 1))
        open_at[level] = n
        for deeper in [key for key in open_at if key > level]:
            del open_at[deeper]
    return parents


def _check_outline(scheme: Scheme, items: list[ItemInput]) -> None:
    if not items:
        raise InputError("绩效自评没有任何指标。", "no items")
    previous = 0
    for n, item in enumerate(items, 1):
        if item.level not in (1, 2, 3) or item.level > previous + 1:
            raise InputError(f"第 {n} 项“{item.name}”的层级不对：一级指标下是二级，二级下是三级。", "bad outline")
        previous = item.level
        if not item.name:
            raise InputError(f"第 {n} 项没有指标名称。", "unnamed item")
        if item.measure and item.measure not in MEASURES:
            raise InputError(f"第 {n} 项的数据来源“{item.measure}”不是本程序能计算的（可用：{'、'.join(MEASURES.values())}）。",
                             "unknown measure")
    firsts = [item.name for item in items if item.level == 1]
    if firsts != [level.name for level in scheme.levels]:
        raise InputError(f"“{scheme.label}”的一级指标应为 {'、'.join(level.name for level in scheme.levels)}，"
                         f"依次排列；现为 {'、'.join(firsts)}。", "level-1 items differ from the scheme")


def weights(scheme: Scheme, items: list[ItemInput] | list[EvaluationItem]) -> list[int]:
    """Each item's weight in hundredths: as set by hand, or its share of what its parent has left."""
    levels = [item.level for item in items]
    parents = outline_parents(levels)
    result: list[int | None] = [item.weight for item in items]
    firsts = [n for n, level in enumerate(levels) if level == 1]
    if len(firsts) != len(scheme.levels):
        raise InputError(f"“{scheme.label}”有 {len(scheme.levels)} 个一级指标，现有 {len(firsts)} 个。", "level-1 count")
    for n, level1 in zip(firsts, scheme.levels):
        if result[n] is None:
            result[n] = level1.weight
    if sum(result[n] for n in firsts) != TOTAL_POINTS:
        raise InputError(f"一级指标分值之和为 {points_text(sum(result[n] for n in firsts))} 分，应为 100 分。",
                         "level-1 weights do not add up to 100")
    for parent in range(len(items)):
        children = [n for n, p in enumerate(parents) if p == parent]
        if children:
            _split(items, result, parent, children)
    return [int(w) for w in result]


def _split(items, result: list, parent: int, children: list[int]) -> None:
    fixed = sum(result[n] for n in children if result[n] is not None)
    free = [n for n in children if result[n] is None]
    left = result[parent] - fixed
    name = items[parent].name
    if left < 0 or (not free and left != 0):
        raise InputError(f"“{name}”的下级指标分值之和为 {points_text(fixed)} 分，与“{name}”的 "
                         f"{points_text(result[parent])} 分不符。", "child weights do not add up")
    if not free:
        return
    units, odd = divmod(left, UNIT)
    each, extra = divmod(units, len(free))
    for k, n in enumerate(free):
        result[n] = (each + (1 if k < extra else 0)) * UNIT + (odd if k == 0 else 0)


def _check_scores(items: list[ItemInput], weight: list[int]) -> None:
    parents = set(p for p in outline_parents([item.level for item in items]) if p is not None)
    for n, item in enumerate(items):
        if item.deduction and n in parents:
            raise InputError(f"“{item.name}”有下级指标，扣分应记在下级指标上。", "deduction on a group")
        if item.deduction > weight[n]:
            raise InputError(f"“{item.name}”扣 {points_text(item.deduction)} 分，超过其分值 {points_text(weight[n])} 分。",
                             "deduction above weight")
        if item.deduction and not item.reason:
            raise InputError(f"“{item.name}”扣了 {points_text(item.deduction)} 分，须写明扣分原因。", "deduction without reason")
        if item.measure == SPENDING_RATE and not item.reason:
            raise InputError(f"“{item.name}”（资金支出率）由评价人打分，须写明打分依据，满分也要写。",
                             "spending rate scored without a reason")


# ---------------------------------------------------------------- saving

def evaluation_for(session: Session, fund_id: int, region_code: str) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.fund_id == fund_id, Evaluation.region_code == region_code))


def save_evaluation(session: Session, user: User, fund_id: int, region_code: str, *, as_of: date, scheme: str,
                    items: list[ItemInput], overall_goal: str = "", note: str = "",
                    today: date | None = None) -> Evaluation:
    """Create or replace the evaluation of `fund_id` for `region_code` (its items replaced as a whole)."""
    fund = get_fund(session, fund_id)
    region = find_region(session, region_code)
    require_finance(session, user, region, "填报绩效自评")
    if not region.code.startswith(fund.region_code):
        raise InputError(f"资金“{fund.name}”由{fund.region_code}下达，{region.name}不在其范围内。", "region outside the fund")
    if scheme not in SCHEMES:
        raise InputError(f"没有名为“{scheme}”的评分方案（可用：{'、'.join(SCHEMES)}）。", "unknown scheme")
    act_date(as_of, "评价基准", not_before=fund.issued_on, since="资金下达日期", today=today)
    items = [_clean(item) for item in items]
    _check_outline(SCHEMES[scheme], items)
    _check_scores(items, weights(SCHEMES[scheme], items))
    overall_goal = text.paragraph(overall_goal, "总体绩效目标", Evaluation.overall_goal)
    note = text.paragraph(note, "说明", Evaluation.note)
    evaluation = evaluation_for(session, fund.id, region.code)
    before = None if evaluation is None else _summary(evaluation)
    if evaluation is None:
        evaluation = Evaluation(fund_id=fund.id, region_code=region.code)
        session.add(evaluation)
    evaluation.as_of, evaluation.scheme, evaluation.entered_by_id = as_of, scheme, user.id
    evaluation.overall_goal, evaluation.note = overall_goal, note
    evaluation.items = [EvaluationItem(position=n, level=item.level, name=item.name, weight=item.weight,
                                       target_text=item.target_text, measure=item.measure,
                                       actual_text=item.actual_text, deduction=item.deduction, reason=item.reason)
                        for n, item in enumerate(items, 1)]
    session.flush()
    audit.record(session, user, "evaluation_saved", "evaluation", evaluation.uuid, before=before,
                 after=_summary(evaluation))
    return evaluation


def _clean(item: ItemInput) -> ItemInput:
    return ItemInput(item.level, text.line(item.name, "指标名称", EvaluationItem.name), item.weight,
                     text.line(item.target_text, "指标值", EvaluationItem.target_text), item.measure.strip(),
                     text.line(item.actual_text, "完成值", EvaluationItem.actual_text), item.deduction or 0,
                     text.paragraph(item.reason, "扣分原因", EvaluationItem.reason))


def _summary(evaluation: Evaluation) -> dict:
    return {"fund": evaluation.fund_id, "region": evaluation.region_code, "as_of": evaluation.as_of.isoformat(),
            "scheme": evaluation.scheme, "items": len(evaluation.items),
            "deductions": sum(item.deduction for item in evaluation.items)}


# ---------------------------------------------------------------- scoring

def score(session: Session, evaluation: Evaluation) -> Result:
    fund = session.get(Fund, evaluation.fund_id)
    region = find_region(session, evaluation.region_code)
    scheme = SCHEMES[evaluation.scheme]
    items = list(evaluation.items)
    weight, scores = compute(scheme, items)
    parents = outline_parents([item.level for item in items])
    paths: list[tuple[str, ...]] = []
    for n, item in enumerate(items):
        paths.append((paths[parents[n]] if parents[n] is not None else ()) + (item.name,))
    measured = {key: measure(session, key, fund, region, evaluation.as_of) for key in {i.measure for i in items if i.measure}}
    return Result(evaluation, fund, region, scheme, [
        Scored(item, paths[n], weight[n], scores[n], n not in parents, measured[item.measure] if item.measure else item.actual_text)
        for n, item in enumerate(items)])


def compute(scheme: Scheme, items: list[ItemInput] | list[EvaluationItem]) -> tuple[list[int], list[int]]:
    """(weights, scores) of every item in hundredths: a leaf scores its weight less its deduction, a
    group the sum of its items."""
    weight = weights(scheme, items)
    parents = outline_parents([item.level for item in items])
    scores = [weight[n] - item.deduction for n, item in enumerate(items)]
    for n in reversed(range(len(items))):
        children = [k for k, p in enumerate(parents) if p == n]
        if children:
            scores[n] = sum(scores[k] for k in children)
    return weight, scores


def proportional_score(weight: int, spending_rate: Decimal | None) -> int:
    """A hint for 资金支出率: the weight times the rate (at most 1), half-up to hundredths (not a rule)."""
    if spending_rate is None:
        return 0
    return int((Decimal(weight) * min(spending_rate, Decimal(1))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------- 完成值 from the data

def measure(session: Session, key: str, fund: Fund, region: RegionRef, as_of: date) -> str:
    """The 完成值 a measure gives as of the 基准日, as printed."""
    if key == SPENDING_RATE:
        return _percent(spending_rate(session, fund, region, as_of))
    if key in ("towns_with_plan", "industry_towns"):
        purpose = PurposeCategory.planning if key == "towns_with_plan" else PurposeCategory.industry
        return str(session.scalar(_projects(fund, region, as_of, select(func.count(distinct(Project.town_id))))
                                  .where(Project.purpose_category == purpose)))
    if key == "completed_in_time":
        due = _projects(fund, region, as_of, select(Project.ends_on, Project.completed_on)).where(
            Project.ends_on.is_not(None), Project.ends_on <= as_of)
        rows = session.execute(due).all()
        if not rows:
            return "基准日前无到期项目"
        on_time = sum(1 for ends_on, completed_on in rows if completed_on is not None and completed_on <= ends_on)
        return _percent(Decimal(on_time) / Decimal(len(rows)))
    if key == "upkeep_per_town":
        towns = session.scalar(_projects(fund, region, as_of, select(func.count(distinct(Project.town_id)))))
        upkeep = session.scalar(_projects(fund, region, as_of, select(sum_fen(Asset.upkeep_yearly))
                                          .select_from(Asset).join(Project, Project.id == Asset.project_id))
                                .where(Asset.handed_over_on <= as_of))
        if not towns:
            return "无项目"
        return f"{(Money(upkeep).wan / towns).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"
    raise InputError(f"没有名为“{key}”的数据来源。", "unknown measure")


def spending_rate(session: Session, fund: Fund, region: RegionRef, as_of: date) -> Decimal | None:
    """支出数 ÷ 预算数 of the fund in the region as its 表2-2 shows them (own payments or reported figures)."""
    from app.reports.figures import region_figures  # the returns' own figures, so the two cannot differ
    lines = region_figures(session, region, fund, as_of)
    return rate(Money.total(line.spent for line in lines), Money.total(line.budget for line in lines))


def _projects(fund: Fund, region: RegionRef, as_of: date, query):
    """`query` narrowed to the fund's projects in the region that were in the library by the 基准日 (and
    are still listed), so a signed evaluation's 完成值 do not move with later approvals."""
    return query.where(Project.fund_id == fund.id, Project.status.in_(LISTED), Project.approved_on <= as_of,
                       Project.town_id.in_(towns_in(select(Town.id), region)))


def _percent(fraction: Decimal | None) -> str:
    if fraction is None:
        return "—"
    return f"{(fraction * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"

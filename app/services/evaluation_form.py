"""The 绩效自评 form: the evaluation as a sheet of one row per scored indicator (一级, 二级, 三级 names,
指标值, 分值, 完成值, 数据来源, 扣分, 扣分原因), which the evaluator fills in Excel or a text editor
and imports (`bangzhen evaluation import`), and which the program writes back out (`evaluation form`):
the saved evaluation, or for a new one a template with the 过程 items and the year's 绩效目标 of the
region's city. CSV (UTF-8) or xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, EvaluationItem, Fund, IndicatorLevel1, PerformanceTarget
from app.services import csvfiles
from app.services.errors import InputError
from app.services.evaluation import (MEASURES, SCHEMES, SPENDING_RATE, ItemInput, Level1, Scheme, outline_parents, points,
                                     points_text)
from app.services.regions import RegionRef

FORM_HEADER = ("一级指标", "二级指标", "三级指标", "指标值", "分值", "完成值", "数据来源", "扣分", "扣分原因")


def items_from_rows(scheme_key: str, rows: Iterable[dict[str, str]]) -> list[ItemInput]:
    """The outline from the evaluation form: one row per indicator that is scored (its 一级, 二级 and
    三级 names; 二级 and 三级 may be blank where an indicator has no lower level). Groups are made from
    the names in order; 分值 blank means split equally; 数据来源 names a measure the program computes."""
    scheme = SCHEMES.get(scheme_key)
    if scheme is None:
        raise InputError(f"没有名为“{scheme_key}”的评分方案（可用：{'、'.join(SCHEMES)}）。", "unknown scheme")
    by_label = {label: key for key, label in MEASURES.items()}
    items: list[ItemInput] = []
    seen: list[str | None] = [None, None, None]
    for n, row in enumerate(rows, 2):
        n = row.get(csvfiles.ROW, n)
        names = [(row.get(column) or "").strip() for column in FORM_HEADER[:3]]
        if not any(names):
            continue
        if names[2] and not names[1]:
            raise InputError(f"第 {n} 行填了三级指标“{names[2]}”，却没有填它所属的二级指标。", "level 3 without level 2")
        level1 = _level1(scheme, names[0], n)
        path = [level1.name] + [name for name in names[1:] if name]
        for depth, name in enumerate(path[:-1]):  # the groups above it, unless the row before opened them
            if seen[depth] != name:
                seen[depth:] = [name] + [None] * (2 - depth)
                items.append(ItemInput(depth + 1, name))
        seen[len(path) - 1:] = [path[-1]] + [None] * (3 - len(path))
        source = (row.get("数据来源") or "").strip()
        if source and source not in by_label and source not in MEASURES:
            raise InputError(f"第 {n} 行的数据来源“{source}”不是本程序能计算的（可用：{'、'.join(MEASURES.values())}；"
                             "不填则用“完成值”列）。", "unknown measure")
        items.append(ItemInput(len(path), path[-1], points(row.get("分值"), f"第 {n} 行的分值"),
                               (row.get("指标值") or "").strip(), by_label.get(source, source),
                               (row.get("完成值") or "").strip(), points(row.get("扣分"), f"第 {n} 行的扣分") or 0,
                               (row.get("扣分原因") or "").strip()))
    return items


def _level1(scheme: Scheme, name: str, line: int) -> Level1:
    for level in scheme.levels:
        if name == level.name or any(word in name for word in level.keywords):
            return level
    raise InputError(f"第 {line} 行的一级指标“{name}”不在评分方案中（应为 {'、'.join(l.name for l in scheme.levels)}）。",
                     "unknown level-1 item")


def form_rows(items: list[EvaluationItem] | list[ItemInput]) -> list[list[str]]:
    """An evaluation's items as the form lists them (one row per scored indicator, and one for a group
    whose weight was set by hand, ahead of its items), to edit and import again."""
    items = list(items)
    parents = set(p for p in outline_parents([item.level for item in items]) if p is not None)
    names: list[str] = ["", "", ""]
    rows = []
    for n, item in enumerate(items):
        names[item.level - 1:] = [item.name] + [""] * (3 - item.level)
        if n in parents:
            if item.weight is not None:
                rows.append(names[:3] + ["", points_text(item.weight), "", "", "", ""])
            continue
        rows.append(names[:3] + [item.target_text, "" if item.weight is None else points_text(item.weight),
                                 item.actual_text, MEASURES.get(item.measure, ""),
                                 points_text(item.deduction) if item.deduction else "", item.reason])
    return rows


def read_form(path: str | Path) -> list[dict[str, str]]:
    """The form's rows (a CSV in UTF-8, or the first sheet of a workbook with the header in any row)."""
    return csvfiles.read_form(path, FORM_HEADER, "评分表")


def write_form(path: str | Path, rows: list[list[str]]) -> Path:
    """The form as CSV (UTF-8 with a BOM, so Excel opens it as Chinese) or, for .xlsx, a workbook."""
    return csvfiles.write_form(path, FORM_HEADER, rows, "绩效自评评分表", (10, 16, 36, 14, 8, 14, 14, 8, 40))


def template_rows(session: Session, fund: Fund, region: RegionRef, scheme_key: str) -> list[list[str]]:
    """A new evaluation's form: the 过程 items (资金支出率 computed from the data) and the 绩效目标 the
    province issued to the region's city for the fund's year, or one blank row per level for the province."""
    scheme = SCHEMES[scheme_key]
    process = scheme.levels[0].name
    rows = [[process, "资金支出率", "", "", "", "", MEASURES[SPENDING_RATE], "", ""]]
    if scheme_key == "seed":
        rows.append([process, "监管有效性", "", "", "", "", "", "", ""])
    targets = []
    if region.level in ("city", "county"):
        targets = list(session.scalars(select(PerformanceTarget).join(City, City.id == PerformanceTarget.city_id)
                                       .where(City.code == region.code[:4], PerformanceTarget.year == fund.year)
                                       .order_by(PerformanceTarget.position)))
    for target in targets:
        level1 = _target_level(scheme, target.level1)
        rows.append([level1.name, target.level2.label, target.level3, target.target_text, "", "", "", "", ""])
    if not targets:
        rows += [[level.name, "", "", "", "", "", "", "", ""] for level in scheme.levels[1:]]
    return rows


def _target_level(scheme: Scheme, level1: IndicatorLevel1) -> Level1:
    """满意度 sits inside 效益 in the seeds' scheme, on its own in the national one."""
    wanted = {IndicatorLevel1.output: "产出", IndicatorLevel1.benefit: "效益"}.get(
        level1, "满意度" if scheme.key == "national" else "效益")
    return next(level for level in scheme.levels if wanted in level.name)

"""表1-2 全省乡村振兴驻镇帮镇扶村任务安排表 (`pairing`, RETURNS.md §2.2), counted from the towns' categories
and helpers as the administrators set them, in the province's annex order (seed 004, the pairing table):
each PRD city over the cities it helps and their 小计, 合计 last. Below the table, where the towns as set
differ from the annex's counts, each difference is listed (towns merge and split; a category may not be
set yet), so the table never hides a gap.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import City, HelperType, Pairing, Town, TownCategory
from app.reports.request import Request
from app.reports.table import COUNT, SUBTOTAL, TEXT, TOTAL, Column, Merge, Row, Table
from app.services.errors import InputError
from app.services.regions import find_region

KEY, CONSOLIDATION = TownCategory.key_support, TownCategory.consolidation
KEY_HELPERS = (HelperType.prd_city, HelperType.provincial_units, HelperType.local_city)
TITLE = "表1-2 全省乡村振兴驻镇帮镇扶村任务安排表"


def build_pairing(session: Session, request: Request) -> Table:
    if find_region(session, request.scope).level != "province":
        raise InputError("任务安排表是全省的（珠三角各市及其结对帮扶地市），请选择全省（44）。", "pairing below the province")
    names = dict(session.execute(select(City.id, City.name)).all())
    groups: dict[int, list[int]] = {}  # PRD city → the cities it helps, in annex order
    for prd, helped in session.execute(select(Pairing.prd_city_id, Pairing.helped_city_id)
                                       .where(Pairing.prd_city_id.is_not(None)).order_by(Pairing.id)):
        if helped not in groups.setdefault(prd, []):
            groups[prd].append(helped)
    counted = {(city, category, helper): n for city, category, helper, n in session.execute(
        select(Town.city_id, Town.category, Town.helper_type, func.count())
        .where(Town.in_programme, Town.category.in_([KEY, CONSOLIDATION]))
        .group_by(Town.city_id, Town.category, Town.helper_type))}

    def figures(city: int) -> list[int]:
        key = [counted.get((city, KEY, helper), 0) for helper in KEY_HELPERS]
        consolidation = sum(n for (c, category, _), n in counted.items() if c == city and category is CONSOLIDATION)
        return key + [sum(key), consolidation]

    rows, merges, header_rows = [], [Merge(0, 0, rows=3), Merge(0, 1, rows=3), Merge(0, 2, cols=5),
                                     Merge(1, 2, cols=4), Merge(1, 6, rows=2)], 3
    total = [0] * 5
    for prd, helped in groups.items():
        merges.append(Merge(header_rows + len(rows), 0, rows=len(helped) + 1))
        subtotal = [0] * 5
        for city in helped:
            line = figures(city)
            rows.append(Row([names[prd], names[city], *line]))
            subtotal = [a + b for a, b in zip(subtotal, line)]
        rows.append(Row(["", "小计", *subtotal], SUBTOTAL))
        total = [a + b for a, b in zip(total, subtotal)]
    merges.append(Merge(header_rows + len(rows), 0, cols=2))
    rows.append(Row(["合计", "", *total], TOTAL))
    header = [["珠三角地市", "结对帮扶地市", "帮扶类型", "", "", "", ""],
              ["", "", "重点帮扶镇（个）", "", "", "", "巩固提升镇（个）"],
              ["", "", *[helper.label for helper in KEY_HELPERS], "合计", ""]]
    columns = [Column(TEXT, 6), Column(TEXT, 7)] + [Column(COUNT, 6)] * 5
    return Table("pairing", TITLE, columns, header, rows, merges=merges, unit="单位：个",
                 notes=_differences(session, names, counted))


def _differences(session: Session, names: dict[int, str], counted: dict) -> list[str]:
    """Where the towns as set differ from the annex, one line per annex cell."""
    lines = []
    for city, category, kind, annex in session.execute(
            select(Pairing.helped_city_id, Pairing.town_category, Pairing.helper_kind, Pairing.towns_count)
            .where(Pairing.town_category.in_([KEY, CONSOLIDATION])).order_by(Pairing.id)):
        if category is KEY:
            helper = next(h for h in KEY_HELPERS if h.label == kind)
            set_ = counted.get((city, KEY, helper), 0)
        else:
            set_ = sum(n for (c, cat, _), n in counted.items() if c == city and cat is CONSOLIDATION)
        if set_ != annex:
            lines.append(f"{names[city]}{category.label}（{kind}）：已设置 {set_} 个，省结对帮扶表为 {annex} 个。")
    if lines:
        lines.insert(0, "说明：下列各项与省结对帮扶表不一致（乡镇撤并或镇类别尚未设置）：")
    return lines

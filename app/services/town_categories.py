"""Which towns are 重点帮扶镇, 巩固提升镇 or 先行示范镇, and who helps them: set by the administrator, one
town or a CSV at a time, audited, and checked against the province's pairing annex (seed 004,
`pairing.csv`). Impossible combinations are refused: 重点/巩固 only in the 13 helped cities, 先行示范
only in the 7 Pearl River Delta cities, a 珠三角帮扶 town helped by its own paired PRD city, nothing
for the towns outside the programme. A city holding more towns of a kind than the annex counts is
allowed (the annex is of 2021; towns merge and split) but said, as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import City, HelperType, Pairing, Town, TownCategory, User
from app.services import audit, security, text
from app.services.csvfiles import read_rows
from app.services.errors import BangzhenError, InputError
from app.services.regions import find_town

CATEGORY_HEADER = ("town_code", "category", "helper_type", "helper_unit")
# The annex's helper kinds (pairing.csv) by the helper type a town records.
ANNEX_KIND = {HelperType.prd_city: "珠三角帮扶", HelperType.provincial_units: "省直中直驻粤单位帮扶",
              HelperType.local_city: "属地市自行帮扶", HelperType.local_county: "属地县（市、区）自行组团帮扶"}


@dataclass(frozen=True)
class CategoryResult:
    town: Town
    warnings: list[str]


def _record(town: Town) -> dict:
    return {"category": town.category.value if town.category else None,
            "helper_type": town.helper_type.value if town.helper_type else None, "helper_unit": town.helper_unit}


def set_town_category(session: Session, admin: User, town_code: str, category: TownCategory | None,
                      helper_type: HelperType | None = None, helper_unit: str = "") -> CategoryResult:
    """Record a town's category and who helps it, as the annex allows; audited."""
    helper_unit = text.line(helper_unit, "帮扶单位", Town.helper_unit)
    town = find_town(session, town_code)
    security.require(session, admin, security.Action.manage_regions, town.code)
    if not town.in_programme and category is not None:
        raise InputError(f"{town.name}不在驻镇帮镇扶村范围内（深汕特别合作区），不能设置镇类别。", "town outside the programme")
    if category is None and helper_type is not None:
        raise InputError("未设置镇类别时不能指定帮扶类型。", "helper type without category")
    if helper_type is HelperType.local_county and category is not TownCategory.consolidation:
        raise InputError("“属地县（市、区）自行组团帮扶”只适用于巩固提升镇。", "local_county helper needs consolidation")
    if category is TownCategory.consolidation and helper_type not in (None, HelperType.local_county):
        raise InputError("巩固提升镇由属地县（市、区）自行组团帮扶。", "consolidation towns are helped by the county")
    if category is TownCategory.pilot_demo and helper_type is not None:
        raise InputError("先行示范镇由属地市结合实际全面推进强镇兴村，不设帮扶类型。", "pilot towns have no helper")
    _check_city(session, town, category)
    helper_city = _helper_city(session, helper_type, helper_unit)
    if helper_type is HelperType.prd_city:
        paired = session.scalar(select(City).join(Pairing, Pairing.prd_city_id == City.id).where(
            Pairing.helped_city_id == town.city_id, Pairing.helper_kind == ANNEX_KIND[HelperType.prd_city]))
        if paired is not None and helper_city.id != paired.id:
            raise InputError(f"{town.city.name}的结对帮扶市是{paired.name}，珠三角帮扶单位应属{paired.name}，"
                             f"而“{helper_unit}”属{helper_city.name}。", "PRD helper of another pairing")
    before = _record(town)
    town.category, town.helper_type, town.helper_unit = category, helper_type, helper_unit
    town.helper_city = helper_city
    session.flush()
    if _record(town) != before:
        audit.record(session, admin, "town_category_set", "town", town.code, before=before, after=_record(town))
    return CategoryResult(town, _count_warnings(session, town))


def _check_city(session: Session, town: Town, category: TownCategory | None) -> None:
    if category is None:
        return
    kinds = {TownCategory.pilot_demo: [TownCategory.pilot_demo]}.get(category, [TownCategory.key_support])
    allowed = session.scalar(select(func.count()).select_from(Pairing).where(
        Pairing.helped_city_id == town.city_id, Pairing.town_category.in_(kinds)))
    if not allowed:
        where = "珠三角 7 市（广州、珠海、佛山、惠州、东莞、中山、江门）" if category is TownCategory.pilot_demo \
            else "粤东粤西粤北 12 市和肇庆市"
        raise InputError(f"{category.label}只设在{where}，{town.city.name}的镇不能设为{category.label}。",
                         f"{category.value} not in {town.city.name}")


def _count_warnings(session: Session, town: Town) -> list[str]:
    """More towns of this kind in the city than the annex counts (2021): allowed, but said."""
    if town.category is None:
        return []
    query = select(func.sum(Pairing.towns_count)).where(Pairing.helped_city_id == town.city_id,
                                                          Pairing.town_category == town.category)
    have = select(func.count()).select_from(Town).where(Town.city_id == town.city_id, Town.category == town.category)
    what = town.category.label
    if town.category is TownCategory.key_support and town.helper_type is not None:
        query = query.where(Pairing.helper_kind == ANNEX_KIND[town.helper_type])
        have = have.where(Town.helper_type == town.helper_type)
        what += f"（{town.helper_type.label}）"
    annex, count = session.scalar(query), session.scalar(have)
    if annex is not None and count > annex:
        return [f"{town.city.name}现有{what} {count} 个，多于省工作方案附件的 {annex} 个，请核实。"]
    return []


def _helper_city(session: Session, helper_type: HelperType | None, helper_unit: str) -> City | None:
    """A PRD helper names its city first (深圳市福田区 → 深圳市); remember it for the pairing returns."""
    if helper_type is not HelperType.prd_city:
        return None
    for city in session.scalars(select(City)):
        if helper_unit.startswith(city.name):
            return city
    raise InputError(f"珠三角帮扶单位“{helper_unit}”应以帮扶市的名称开头，例如“深圳市福田区”。",
                     f"PRD helper {helper_unit!r} names no city")


def import_town_categories(session: Session, admin: User, path: str | Path) -> list[str]:
    """Set many towns at once from a CSV (town_code,category,helper_type,helper_unit); the warnings.

    Raises on the first bad line; the caller's unit of work then rolls back every line before it.
    """
    rows = read_rows(path, CATEGORY_HEADER)
    warnings: list[str] = []
    for line_no, row in enumerate(rows, start=2):
        try:
            result = set_town_category(
                session, admin, row["town_code"],
                TownCategory.from_label(row["category"]) if row["category"] else None,
                HelperType.from_label(row["helper_type"]) if row["helper_type"] else None,
                row["helper_unit"])
        except BangzhenError as error:
            raise InputError(f"第 {line_no} 行：{error.user_message}",
                             f"line {line_no}: {error.log_message}") from None
        warnings += [w for w in result.warnings if w not in warnings]
    return warnings

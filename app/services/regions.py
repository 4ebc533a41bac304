"""Regions as the user sees them: the city → county → town tree, looking a region up by its NBS
code, and the county's own setting of each town's category and helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, County, HelperType, Town, TownCategory
from app.services.csvfiles import read_rows
from app.services.errors import BangzhenError, InputError, NotFound

PROVINCE_CODE = "44"
PROVINCE_NAME = "广东省"
CATEGORY_HEADER = ("town_code", "category", "helper_type", "helper_unit")


@dataclass(frozen=True)
class RegionRef:
    """Which part of the province a view or query is about: level is province/city/county/town."""

    level: str
    id: int | None
    code: str
    name: str

    @staticmethod
    def province() -> RegionRef:
        return RegionRef("province", None, PROVINCE_CODE, PROVINCE_NAME)


@dataclass
class RegionNode:
    ref: RegionRef
    children: list[RegionNode] = field(default_factory=list)
    category: TownCategory | None = None


def region_tree(session: Session) -> RegionNode:
    """The province with its cities, counties and towns, in code order (three queries)."""
    root = RegionNode(RegionRef.province())
    cities: dict[int, RegionNode] = {}
    counties: dict[int, RegionNode] = {}
    for city_id, code, name in session.execute(select(City.id, City.code, City.name).order_by(City.code)):
        cities[city_id] = RegionNode(RegionRef("city", city_id, code, name))
        root.children.append(cities[city_id])
    for county_id, code, name, city_id in session.execute(
            select(County.id, County.code, County.name, County.city_id).order_by(County.code)):
        counties[county_id] = RegionNode(RegionRef("county", county_id, code, name))
        cities[city_id].children.append(counties[county_id])
    for town_id, code, name, city_id, county_id, category in session.execute(
            select(Town.id, Town.code, Town.name, Town.city_id, Town.county_id, Town.category).order_by(Town.code)):
        parent = counties[county_id] if county_id is not None else cities[city_id]
        parent.children.append(RegionNode(RegionRef("town", town_id, code, name), category=category))
    return root


def find_region(session: Session, code: str) -> RegionRef:
    """The city (4 digits), county (6) or town (9) with this NBS code, or '44' for the province."""
    code = code.strip()
    if code == PROVINCE_CODE:
        return RegionRef.province()
    model = {4: City, 6: County, 9: Town}.get(len(code))
    row = session.execute(select(model.id, model.name).where(model.code == code)).first() if model else None
    if row is None:
        raise NotFound(f"未知的区划代码“{code}”。请使用国家统计局区划代码：地市 4 位、县区 6 位、乡镇 9 位。",
                       f"unknown region code {code!r}")
    return RegionRef(model.__tablename__, row.id, code, row.name)


def find_town(session: Session, code: str) -> Town:
    town = session.scalar(select(Town).where(Town.code == code.strip()))
    if town is None:
        raise NotFound(f"未知的乡镇区划代码“{code}”（应为 9 位国家统计局代码）。", f"unknown town code {code!r}")
    return town


def set_town_category(session: Session, town_code: str, category: TownCategory | None,
                      helper_type: HelperType | None = None, helper_unit: str = "") -> Town:
    """Record the county's decision on a town's category and who helps it."""
    town = find_town(session, town_code)
    if category is None and helper_type is not None:
        raise InputError("未设置镇类别时不能指定帮扶类型。", "helper type without category")
    if helper_type is HelperType.local_county and category is not TownCategory.consolidation:
        raise InputError("“属地县（市、区）自行组团帮扶”只适用于巩固提升镇。", "local_county helper needs consolidation")
    if category is TownCategory.consolidation and helper_type not in (None, HelperType.local_county):
        raise InputError("巩固提升镇由属地县（市、区）自行组团帮扶。", "consolidation towns are helped by the county")
    town.category = category
    town.helper_type = helper_type
    town.helper_unit = helper_unit.strip()
    town.helper_city = _helper_city(session, helper_type, helper_unit)
    return town


def _helper_city(session: Session, helper_type: HelperType | None, helper_unit: str) -> City | None:
    """A PRD helper names its city first (深圳市福田区 → 深圳市); remember it for the pairing returns."""
    if helper_type is not HelperType.prd_city:
        return None
    for city in session.scalars(select(City)):
        if helper_unit.strip().startswith(city.name):
            return city
    raise InputError(f"珠三角帮扶单位“{helper_unit}”应以帮扶市的名称开头，例如“深圳市福田区”。",
                     f"PRD helper {helper_unit!r} names no city")


def import_town_categories(session: Session, path: str | Path) -> int:
    """Set many towns at once from a CSV (town_code,category,helper_type,helper_unit).

    Raises on the first bad line; the caller's unit of work then rolls back every line before it.
    """
    rows = read_rows(path, CATEGORY_HEADER)
    for line_no, row in enumerate(rows, start=2):
        try:
            set_town_category(
                session, row["town_code"],
                TownCategory.from_label(row["category"]) if row["category"] else None,
                HelperType.from_label(row["helper_type"]) if row["helper_type"] else None,
                row["helper_unit"])
        except BangzhenError as error:
            raise InputError(f"第 {line_no} 行：{error.user_message}",
                             f"line {line_no}: {error.log_message}") from None
    return len(rows)

"""Regions as the user sees them: the city → county → town tree and looking a region up by its NBS
code. (Setting a town's category and helper is `town_categories`.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, County, Town, TownCategory
from app.services.errors import NotFound

PROVINCE_CODE = "44"
PROVINCE_NAME = "广东省"


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

"""Reference data shipped in `resources/refdata/`: Guangdong's divisions, the 2023 task list and
performance targets, the pairing table, the 2021 provincial allocation and the 2021 东西部协作 pairing. Loading is idempotent:
rows already present (by NBS code, or by city and year) are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (Allocation, City, Comparator, County, EastWestPairing, Fund, FundIncome, FundLevel, FundSource,
                        IndicatorLevel1, IndicatorLevel2, Money, Pairing, PerformanceTarget, PurposeCategory,
                        TaskItem, TaskNature, Town, TownCategory, TownKind)
from app.services.csvfiles import read_rows
from app.services.paths import RESOURCES_DIR
from app.services.errors import InputError

REFDATA_DIR = RESOURCES_DIR / "refdata"

DIVISIONS_HEADER = ("city_code", "city", "county_code", "county", "town_code", "town", "town_kind")
TASKS_HEADER = ("seq", "city", "department", "purpose_category", "nature", "task_name", "implementation",
                "quantity_text", "deadline", "note")
TARGETS_HEADER = ("city", "level1", "level2", "level3", "unit", "comparator", "target_text", "target_value")
PAIRING_HEADER = ("prd_city", "helped_city", "town_category", "helper_kind", "helper", "towns_count", "note")
ALLOCATION_HEADER = ("seq", "city", "towns", "allocated_wan", "spent_wan", "spend_rate", "row_kind", "note")
EAST_WEST_HEADER = ("year", "helped_province", "city", "helped_county", "aid_wan")

# The four towns of 深汕特别合作区: in 汕尾's 海丰县 by NBS code, governed by 深圳, outside the programme.
OUTSIDE_PROGRAMME = ("441521102", "441521103", "441521104", "441521105")

TASK_YEAR = 2023
FUND_2021_NAME = "2021年省级乡村振兴驻镇帮镇扶村资金"
FUND_2021_DOC = "粤财农〔2021〕123号"
FUND_2021_ISSUED = date(2021, 9, 30)  # "2021年9月底" (000:l.7); the exact day is not printed

_KIND_BY_LABEL = {kind.label: kind for kind in TownKind} | {kind.value: kind for kind in TownKind}
_COMPARATORS = {">=": Comparator.ge, "<=": Comparator.le, "=": Comparator.eq, "": Comparator.qualitative}


@dataclass
class LoadReport:
    added: dict[str, int] = field(default_factory=dict)

    def count(self, table: str, n: int = 1) -> None:
        self.added[table] = self.added.get(table, 0) + n

    @property
    def total(self) -> int:
        return sum(self.added.values())


def load_all(session: Session, directory: Path = REFDATA_DIR) -> LoadReport:
    """Load every reference file that is present; a second call adds nothing."""
    report = LoadReport()
    load_divisions(session, directory / "guangdong_divisions.csv", report)
    cities = {c.name: c for c in session.scalars(select(City))}
    for name, loader in (("2023_task_list.csv", _load_tasks), ("2023_performance_targets.csv", _load_targets),
                         ("pairing.csv", _load_pairing), ("2021_allocation.csv", _load_2021_allocation),
                         (EAST_WEST_FILE, _load_east_west)):
        if (directory / name).exists():
            loader(session, directory / name, cities, report)
    session.flush()
    return report


def load_divisions(session: Session, path: Path, report: LoadReport) -> None:
    rows = read_rows(path, DIVISIONS_HEADER)
    cities = {c.code: c for c in session.scalars(select(City))}
    counties = {c.code: c for c in session.scalars(select(County))}
    known_towns = set(session.scalars(select(Town.code)))
    for line_no, row in enumerate(rows, start=2):
        _check_code(path, line_no, row["town_code"], 9)
        city = cities.get(row["city_code"])
        if city is None:
            city = cities[row["city_code"]] = City(code=row["city_code"], name=row["city"])
            session.add(city)
            report.count("city")
        county = None
        if row["county_code"]:
            county = counties.get(row["county_code"])
            if county is None:
                county = counties[row["county_code"]] = County(code=row["county_code"], name=row["county"],
                                                               city=city)
                session.add(county)
                report.count("county")
        if row["town_code"] in known_towns:
            continue
        kind = _KIND_BY_LABEL.get(row["town_kind"])
        if kind is None:
            raise InputError(f"文件“{path.name}”第 {line_no} 行的乡镇类型“{row['town_kind']}”无法识别。",
                             f"{path}:{line_no}: unknown kind {row['town_kind']!r}")
        session.add(Town(code=row["town_code"], name=row["town"], kind=kind, city=city, county=county,
                         in_programme=row["town_code"] not in OUTSIDE_PROGRAMME))
        known_towns.add(row["town_code"])
        report.count("town")


def _check_code(path: Path, line_no: int, code: str, digits: int) -> None:
    if len(code) != digits or not code.isdigit():
        raise InputError(f"文件“{path.name}”第 {line_no} 行的区划代码“{code}”不是 {digits} 位数字。",
                         f"{path}:{line_no}: bad code {code!r}")


def _city(cities: dict[str, City], name: str, path: Path) -> City:
    try:
        return cities[name]
    except KeyError:
        raise InputError(f"文件“{path.name}”中的地市“{name}”不在广东省区划中。", f"unknown city {name!r}") from None


def _already_loaded(session: Session, model: type, year: int) -> set[int]:
    return set(session.scalars(select(model.city_id).where(model.year == year).distinct()))


def _load_tasks(session: Session, path: Path, cities: dict[str, City], report: LoadReport) -> None:
    done = _already_loaded(session, TaskItem, TASK_YEAR)
    for position, row in enumerate(read_rows(path, TASKS_HEADER), start=1):
        city = _city(cities, row["city"], path)
        if city.id in done:
            continue
        session.add(TaskItem(
            city=city, year=TASK_YEAR, position=position, department=row["department"],
            purpose_category=PurposeCategory.normalise(row["purpose_category"]),
            purpose_text=row["purpose_category"], nature=TaskNature.from_label(row["nature"]),
            name=row["task_name"], implementation=row["implementation"], quantity_text=row["quantity_text"],
            deadline_text=row["deadline"], note=row["note"]))
        report.count("task_item")


def _load_targets(session: Session, path: Path, cities: dict[str, City], report: LoadReport) -> None:
    done = _already_loaded(session, PerformanceTarget, TASK_YEAR)
    for position, row in enumerate(read_rows(path, TARGETS_HEADER), start=1):
        city = _city(cities, row["city"], path)
        if city.id in done:
            continue
        session.add(PerformanceTarget(
            city=city, year=TASK_YEAR, position=position, level1=IndicatorLevel1.from_label(row["level1"]),
            level2=IndicatorLevel2.from_label(row["level2"]), level3=row["level3"], unit=row["unit"],
            comparator=_COMPARATORS[row["comparator"]], target_text=row["target_text"],
            target_value=Decimal(row["target_value"]) if row["target_value"] else None))
        report.count("performance_target")


def _load_pairing(session: Session, path: Path, cities: dict[str, City], report: LoadReport) -> None:
    if session.scalar(select(func.count()).select_from(Pairing)):
        return
    for row in read_rows(path, PAIRING_HEADER):
        session.add(Pairing(
            prd_city=_city(cities, row["prd_city"], path) if row["prd_city"] else None,
            helped_city=_city(cities, row["helped_city"], path),
            town_category=TownCategory.from_label(row["town_category"]), helper_kind=row["helper_kind"],
            helper=row["helper"], towns_count=int(row["towns_count"]), note=row["note"]))
        report.count("pairing")


EAST_WEST_FILE = "2021_east_west_pairing.csv"


def _east_west_rows(path: Path) -> list[tuple[int, int, str, str, str, int]]:
    """(year, position, helped province, helped county, city name, aid in fen) as published."""
    return [(int(row["year"]), position, row["helped_province"], row["helped_county"], row["city"],
             Money.from_wan(row["aid_wan"]).fen) for position, row in enumerate(read_rows(path, EAST_WEST_HEADER), 1)]


def _load_east_west(session: Session, path: Path, cities: dict[str, City], report: LoadReport) -> None:
    present = set(session.execute(select(EastWestPairing.year, EastWestPairing.helped_county)).all())
    for year, position, province, county, city, aid in _east_west_rows(path):
        if (year, county) not in present:
            session.add(EastWestPairing(year=year, position=position, helped_province=province, helped_county=county,
                                        city=_city(cities, city, path), aid=Money(aid)))
            report.count("east_west_pairing")


def east_west_as_published(session: Session, directory: Path = REFDATA_DIR) -> list[str]:
    """After an upgrade (services.adoption): the published 东西部协作 rows an edit removed are written
    again, and the ids of the rows exactly as published are returned: only those may be signed, so a row
    changed or added before the first administrator login stays unsigned and verify reports it."""
    path = directory / EAST_WEST_FILE
    _load_east_west(session, path, {c.name: c for c in session.scalars(select(City))}, LoadReport())
    session.flush()
    published = set(_east_west_rows(path))
    rows = session.execute(select(EastWestPairing.id, EastWestPairing.year, EastWestPairing.position,
                                  EastWestPairing.helped_province, EastWestPairing.helped_county, City.name,
                                  EastWestPairing.aid).join(City, City.id == EastWestPairing.city_id))
    return [str(row[0]) for row in rows if (*row[1:6], row[6].fen) in published]


def _load_2021_allocation(session: Session, path: Path, cities: dict[str, City], report: LoadReport) -> None:
    if session.scalar(select(Fund.id).where(Fund.doc_number == FUND_2021_DOC, Fund.name == FUND_2021_NAME)):
        return
    rows = read_rows(path, ALLOCATION_HEADER)
    city_rows = [r for r in rows if r["row_kind"] == "city"]
    total = Money.total(Money.from_wan(r["allocated_wan"]) for r in city_rows)
    printed_total = next(Money.from_wan(r["allocated_wan"]) for r in rows if r["row_kind"] == "total")
    if total != printed_total:
        raise InputError(f"文件“{path.name}”各市预算数之和 {total.format_wan()} 万元与合计 "
                         f"{printed_total.format_wan()} 万元不符。", "2021 allocation total mismatch")
    # 000:l.7: issued at the end of September 2021, to be spent by the end of 2022 (RETURNS.md §2.15).
    bonds = Money.from_wan(300_000)
    fund = Fund(name=FUND_2021_NAME, year=2021, doc_number=FUND_2021_DOC, level=FundLevel.provincial,
                budget_unit="广东省农业农村厅", department="广东省农业农村厅", region_code="44",
                issued_on=FUND_2021_ISSUED, deadline=date(2022, 12, 31),
                incomes=[FundIncome(source=FundSource.provincial, amount=bonds, note="一般债券"),
                         FundIncome(source=FundSource.provincial, amount=total - bonds, note="涉农资金")])
    session.add(fund)
    report.count("fund")
    for row in city_rows:
        session.add(Allocation(fund=fund, city_id=_city(cities, row["city"], path).id,
                               amount=Money.from_wan(row["allocated_wan"]), doc_number=FUND_2021_DOC,
                               issued_on=FUND_2021_ISSUED, note="；".join(filter(None, ["2021年9月底下达", row["note"]]))))
        report.count("allocation")

"""Reading the project library for lists and sums: the ids of a region's projects in any order
(cheap, for lazy table models) and the display rows for a handful of ids at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterator, Sequence

from sqlalchemy import Integer, Select, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from app.models import (AMOUNT_COLUMNS, Expenditure, Money, Project, ProjectStatus, ProjectTotal, PurposeCategory, Town,
                        rate)
from app.services.errors import NotFound
from app.services.regions import RegionRef
from app.services.sqlite_limits import pages

SORT_KEYS = ("name", "town", "purpose", "status", "amount", "spent", "rate")  # the ledger's: ledger.ledger_ids


@dataclass(frozen=True)
class ProjectRow:
    id: int
    name: str
    town: str
    purpose: PurposeCategory
    status: ProjectStatus
    amount: Money
    spent: Money

    @property
    def spend_rate(self) -> Decimal | None:
        return rate(self.spent, self.amount)


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"项目（编号 {project_id}）不存在。", f"no project {project_id}")
    return project


def amount_expression():
    """SQL for a project's total amount in 分 (the sum of its amounts by source), as a plain integer."""
    columns = [type_coerce(getattr(Project, name), Integer) for name in AMOUNT_COLUMNS.values()]
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def sum_fen(expression):
    """SQL Σ of a money column or expression as a plain integer of 分 (0 when there are no rows)."""
    return func.coalesce(func.sum(type_coerce(expression, Integer)), 0)


def net_spent(session: Session, project_id: int) -> Money:
    """What a project has spent, reversals (红字冲销) included."""
    return spent_by_project(session, [project_id]).get(project_id, Money(0))


def _spent_per_project() -> Select:
    """Σ expenditure per project, for a page of ids."""
    return (select(Expenditure.project_id, func.sum(Expenditure.amount).label("spent"))
            .group_by(Expenditure.project_id))


def in_region(query: Select, region: RegionRef) -> Select:
    if region.level == "town":
        return query.where(Project.town_id == region.id)
    if region.level == "county":
        return query.where(Project.town_id.in_(select(Town.id).where(Town.county_id == region.id)))
    if region.level == "city":
        return query.where(Project.town_id.in_(select(Town.id).where(Town.city_id == region.id)))
    return query


def _matching(query: Select, text: str) -> Select:
    text = text.strip()
    if not text:
        return query
    towns = select(Town.id).where(Town.name.contains(text, autoescape=True))
    return query.where(or_(Project.name.contains(text, autoescape=True), Project.town_id.in_(towns)))


def _ordinal(column, enum_cls):
    return case({member.value: i for i, member in enumerate(enum_cls)}, value=column, else_=len(enum_cls))


def project_ids(session: Session, region: RegionRef, text: str = "", sort: str | None = None,
                descending: bool = False, statuses: Sequence[ProjectStatus] | None = None) -> list[int]:
    """Ids of the region's projects matching `text` (name or town) and, when given, in one of
    `statuses`, ordered by a `SORT_KEYS` column."""
    query = _matching(in_region(select(Project.id), region), text)
    if statuses is not None:
        query = query.where(Project.status.in_(list(statuses)))
    order = None
    if sort == "name":
        order = Project.name
    elif sort == "purpose":
        order = _ordinal(Project.purpose_category, PurposeCategory)
    elif sort == "status":
        order = _ordinal(Project.status, ProjectStatus)
    elif sort == "amount":
        order = amount_expression()
    elif sort == "town":
        query = query.join(Town, Town.id == Project.town_id)
        order = Town.name
    elif sort in ("spent", "rate"):
        query = query.join(ProjectTotal, ProjectTotal.project_id == Project.id)
        spent_fen = type_coerce(ProjectTotal.spent, Integer)
        # Rate in parts per million, integer arithmetic: exact enough to order by, no float.
        order = spent_fen if sort == "spent" else spent_fen * 1_000_000 / func.nullif(amount_expression(), 0)
    elif sort is not None:
        raise ValueError(f"unknown sort key {sort!r}")
    if order is not None:
        query = query.order_by(order.desc() if descending else order.asc(),
                               Project.id.desc() if descending else Project.id)
    else:
        query = query.order_by(Project.id.desc() if descending else Project.id)
    # Through the Core connection: ids need no ORM row processing (3× faster on 150,000 projects).
    return list(session.connection().execute(query).scalars())


def project_rows(session: Session, ids: Sequence[int]) -> list[ProjectRow]:
    """Display rows for `ids`, in the same order (per page of ids, one query for the rows, one for the
    spending). A long list is better read through `iter_project_rows`."""
    return list(iter_project_rows(session, ids))


def iter_project_rows(session: Session, ids: Sequence[int]) -> Iterator[ProjectRow]:
    """`project_rows` a page at a time: memory stays flat however many ids there are."""
    for page in pages(ids):
        spent = spent_by_project(session, page)
        rows = session.execute(
            select(Project.id, Project.name, Town.name, Project.purpose_category, Project.status,
                   *[getattr(Project, name) for name in AMOUNT_COLUMNS.values()])
            .join(Town, Town.id == Project.town_id).where(Project.id.in_(page)))
        by_id = {r[0]: ProjectRow(r[0], r[1], r[2], r[3], r[4], Money.total(r[5:]), spent.get(r[0], Money(0)))
                 for r in rows}
        yield from (by_id[i] for i in page if i in by_id)


def spent_by_project(session: Session, ids: Sequence[int], as_of: date | None = None) -> dict[int, Money]:
    """Net spending per project; with `as_of`, only what was paid by that day."""
    spent: dict[int, Money] = {}
    for page in pages(list(ids)):
        query = _spent_per_project().where(Expenditure.project_id.in_(page))
        if as_of is not None:
            query = query.where(Expenditure.spent_on <= as_of)
        spent.update(session.execute(query).all())
    return spent


def spending_by_town_year(session: Session, region: RegionRef | None = None) -> list[tuple[int, int, Money]]:
    """Σ expenditure per (town, year): the core of the 支出情况表 (covering index, no table reads)."""
    year = func.substr(Expenditure.spent_on, 1, 4)
    query = (select(Project.town_id, year, func.sum(Expenditure.amount))
             .join(Project, Project.id == Expenditure.project_id)
             .group_by(Project.town_id, year))
    if region is not None:
        query = in_region(query, region)
    return [(town_id, int(y), total) for town_id, y, total in session.execute(query)]


def count_by_status(session: Session, region: RegionRef) -> dict[ProjectStatus, int]:
    query = in_region(select(Project.status, func.count()).group_by(Project.status), region)
    return {status: n for status, n in session.execute(query)}

"""A project's signed content: the library fields, as one canonical, plain value.

This is what a signature covers and what "changed since signing" compares. It holds every field the
town plans and the county approves (amounts as integer 分, dates as ISO text, enums by identifier,
villages and indicators as sorted/ordered lists); it leaves out what the workflow itself changes
later (status, reasons, dates of approval and acceptance, the unit that takes over the asset).

`project_contents` reads many projects with a handful of Core queries, so `verify` can check a
province of projects without loading ORM objects. How content is shown to people, field by field, is
`content_text`; `project_sheet` reads one project's content without SQLAlchemy.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import City, Fund, LabeledEnum, Money, Project, ProjectIndicator, TaskItem, Town, Village, project_village
from app.services import project_sheet
from app.services.content_text import INDICATOR_KEYS, SCALAR_COLUMNS
from app.services.sqlite_limits import pages

def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, LabeledEnum):
        return value.value
    if isinstance(value, Money):
        return value.fen
    return str(value) if not hasattr(value, "isoformat") else value.isoformat()


def project_contents(session: Session, project_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """Signed content of the given projects (all when None), keyed by project id."""
    ids = None if project_ids is None else list(project_ids)
    task_city = aliased(City)
    query = (select(Project.id, Project.uuid, Town.code, Fund.uuid, task_city.code, TaskItem.year, TaskItem.position,
                    *(getattr(Project, c) for c in SCALAR_COLUMNS))
             .join(Town, Town.id == Project.town_id)
             .outerjoin(Fund, Fund.id == Project.fund_id)
             .outerjoin(TaskItem, TaskItem.id == Project.task_item_id)
             .outerjoin(task_city, task_city.id == TaskItem.city_id))
    indicator_query = select(ProjectIndicator.project_id, *(getattr(ProjectIndicator, k) for k in INDICATOR_KEYS)
                             ).order_by(ProjectIndicator.project_id, ProjectIndicator.position, ProjectIndicator.id)
    village_query = (select(project_village.c.project_id, Village.name)
                     .join(Village, Village.id == project_village.c.village_id))
    contents: dict[int, dict[str, Any]] = {}
    indicators: dict[int, list[dict[str, Any]]] = defaultdict(list)
    villages: dict[int, list[str]] = defaultdict(list)
    for chunk in [None] if ids is None else pages(ids):
        if chunk is not None:
            query_c = query.where(Project.id.in_(chunk))
            indicator_c = indicator_query.where(ProjectIndicator.project_id.in_(chunk))
            village_c = village_query.where(project_village.c.project_id.in_(chunk))
        else:
            query_c, indicator_c, village_c = query, indicator_query, village_query
        for pid, uuid, town_code, fund_uuid, task_city_code, task_year, task_position, *values in session.execute(query_c):
            content = {column: _plain(value) for column, value in zip(SCALAR_COLUMNS, values)}
            content.update(uuid=uuid, town=town_code, fund=fund_uuid,
                           task_item=None if task_city_code is None else f"{task_city_code}/{task_year}/{task_position}")
            contents[pid] = content
        for pid, *values in session.execute(indicator_c):
            indicators[pid].append({key: _plain(value) for key, value in zip(INDICATOR_KEYS, values)})
        for pid, name in session.execute(village_c):
            villages[pid].append(name)
    for pid, content in contents.items():
        content["indicators"] = indicators.get(pid, [])
        content["villages"] = sorted(villages.get(pid, []))
    return contents


def project_content(session: Session, project_id: int) -> dict[str, Any]:
    session.flush()
    return project_contents(session, [project_id])[project_id]


def reference_names(session: Session, content: dict[str, Any]) -> dict[str, str]:
    """Readable names for the town, fund and task item a content refers to by code or key."""
    return project_sheet.reference_names(project_sheet.session_query(session), content)

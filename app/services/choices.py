"""What the project editor offers to pick from, and the "from the task list" start of a draft.

- `towns_for(user)`: the towns where the user may draft (乡镇经办人 grants).
- `editor_choices(town)`: the town's villages, the funds that reach it and its city's 任务清单 items.
- `draft_from_task(task_key)`: a new project's content started from one 任务清单 item of the town's
  city (seed 003): its name, 用途类别, the link to the item, its quantity text as 建设内容, and the
  city's 绩效目标 that fit it best as suggested indicators. A city target (e.g. 新建污水管网 ≥ 15 公里 for
  the whole city) is not the project's own target, so quantitative suggestions come with the
  indicator, unit and comparator but no value: the officer enters the project's figure, and the
  editor's rule check says so until it is done. Qualitative benefit targets (提高, 提升) fit as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import (Allocation, City, Comparator, Fund, IndicatorLevel1, PerformanceTarget, TaskItem, Town,
                        User, UserRole, Village)
from app.services.drafting import find_task_item, task_item_key
from app.services.errors import NotFound
from app.services.regions import find_town
from app.services.security import grant_codes, towns_covered


@dataclass(frozen=True)
class Choice:
    key: str     # what the content carries (town code, fund uuid, task key, village name)
    label: str   # what the person reads


@dataclass(frozen=True)
class EditorChoices:
    villages: list[str]
    funds: list[Choice]
    task_items: list[Choice]
    task_year: int | None


def towns_for(session: Session, user: User) -> list[Choice]:
    codes = grant_codes(user, UserRole.town_officer)
    if not codes:
        return []
    query = towns_covered(select(Town.code, Town.name).order_by(Town.code), codes)
    return [Choice(code, f"{name}（{code}）") for code, name in session.execute(query)]


def editor_choices(session: Session, town_code: str, year: int | None = None) -> EditorChoices:
    town = find_town(session, town_code)
    villages = list(session.scalars(select(Village.name).where(Village.town_id == town.id).order_by(Village.name)))
    reaching = select(Allocation.fund_id).where(or_(Allocation.town_id == town.id, Allocation.city_id == town.city_id,
                                                    Allocation.county_id == town.county_id))
    # Funds that reach the town first; the others too, so a project's fund is always on the list.
    funds = session.execute(select(Fund.uuid, Fund.name).order_by(Fund.id.in_(reaching).desc(), Fund.year.desc(),
                                                                  Fund.id)).all()
    fund_choices = [Choice(uuid, name) for uuid, name in funds]
    years = list(session.scalars(select(TaskItem.year).where(TaskItem.city_id == town.city_id)
                                 .distinct().order_by(TaskItem.year.desc())))
    task_year = year if year in years else (years[0] if years else None)
    items = session.scalars(select(TaskItem).where(TaskItem.city_id == town.city_id, TaskItem.year == task_year)
                            .order_by(TaskItem.position)) if task_year else []
    city_code = session.get(City, town.city_id).code
    tasks = [Choice(f"{city_code}/{t.year}/{t.position}", f"{t.position}. {t.name.rstrip('。')}（{t.nature.label}）")
             for t in items]
    return EditorChoices(villages, fund_choices, tasks, task_year)


def _task(session: Session, key: str) -> TaskItem:
    item = find_task_item(session, key)
    if item is None:
        raise NotFound("请选择任务清单项。", "no task item key")
    return item


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _best(targets: list[PerformanceTarget], words: set[str], level: IndicatorLevel1) -> PerformanceTarget | None:
    candidates = [t for t in targets if t.level1 is level]
    if not candidates:
        return None
    return max(candidates, key=lambda t: (len(_bigrams(t.level3) & words), -t.position))


def _suggested(target: PerformanceTarget) -> dict[str, Any]:
    qualitative = target.comparator is Comparator.qualitative
    return {"level1": target.level1.value, "level2": target.level2.value, "level3": target.level3,
            "unit": target.unit, "comparator": target.comparator.value,
            "target_text": target.target_text if qualitative else "", "target_value": None}


def draft_from_task(session: Session, task_key: str) -> dict[str, Any]:
    """The content a new draft starts with when the officer picks 任务清单 item `task_key`."""
    item = _task(session, task_key)
    targets = list(session.scalars(select(PerformanceTarget).where(
        PerformanceTarget.city_id == item.city_id, PerformanceTarget.year == item.year)
        .order_by(PerformanceTarget.position)))
    words = _bigrams(item.name + item.quantity_text)
    indicators = [_suggested(t) for t in (_best(targets, words, IndicatorLevel1.output),
                                          _best(targets, words, IndicatorLevel1.benefit)) if t is not None]
    return {"name": item.name.rstrip("。"), "year": item.year, "purpose_category": item.purpose_category.value,
            "task_item": task_item_key(session, item), "content": item.quantity_text.strip(),
            "indicators": indicators}


def task_nature_text(session: Session, task_key: str) -> str:
    """One line about the picked task for the editor: its nature, department and deadline."""
    item = _task(session, task_key)
    parts = [item.nature.label, f"牵头：{item.department}" if item.department else "",
             f"时限：{item.deadline_text}" if item.deadline_text else ""]
    return "；".join(p for p in parts if p)

"""A project's signed content: the library fields, as one canonical, plain value.

This is what a signature covers and what "changed since signing" compares. It holds every field the
town plans and the county approves (amounts as integer 分, dates as ISO text, enums by identifier,
villages and indicators as sorted/ordered lists); it leaves out what the workflow itself changes
later (status, reasons, dates of approval and acceptance, the unit that takes over the asset).

`project_contents` reads many projects with a handful of Core queries, so `verify` can check a
province of projects without loading ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import (AMOUNT_COLUMNS, City, Fund, LabeledEnum, Money, Project, ProjectIndicator, TaskItem, Town,
                        Village, project_village)
from app.models import enums
from app.services.sqlite_limits import pages

# Every signed field with its Chinese name, in the order the editor and the 审批表 show them.
FIELD_LABELS: dict[str, str] = {
    "name": "项目名称", "year": "年度", "town": "所属乡镇", "fund": "资金", "purpose_category": "用途类别",
    "task_item": "对应任务清单", "construction_nature": "建设性质", "spending_category": "支出类别",
    "location": "建设地点", "starts_on": "计划开工日期", "ends_on": "计划完工日期", "responsible_unit": "实施单位",
    "responsible_person": "项目负责人", "content": "建设内容及规模",
    "amount_provincial": "省级财政资金（万元）", "amount_prd_city": "珠三角帮扶市资金（万元）",
    "amount_local_city": "被帮扶市资金（万元）", "amount_county": "县级财政资金（万元）", "amount_other": "其他资金（万元）",
    "support_method": "支持方式", "beneficiaries": "受益对象", "beneficiary_households": "受益户数",
    "beneficiary_people": "受益人数", "poverty_households": "其中脱贫户数", "poverty_people": "其中脱贫人数",
    "monitored_households": "其中监测对象户数", "monitored_people": "其中监测对象人数",
    "farmer_linkage": "联农带农机制", "asset_type": "资产类型", "publicity_starts_on": "事前公示开始日期",
    "villages": "涉及行政村", "indicators": "绩效目标",
}
SCALAR_COLUMNS = ("name", "year", "purpose_category", "construction_nature", "spending_category", "location",
                  "starts_on", "ends_on", "responsible_unit", "responsible_person", "content",
                  *AMOUNT_COLUMNS.values(), "support_method", "beneficiaries", "beneficiary_households",
                  "beneficiary_people", "poverty_households", "poverty_people", "monitored_households",
                  "monitored_people", "farmer_linkage", "asset_type", "publicity_starts_on")
ENUM_FIELDS = {"purpose_category": enums.PurposeCategory, "construction_nature": enums.ConstructionNature,
               "spending_category": enums.SpendingCategory, "support_method": enums.SupportMethod,
               "asset_type": enums.AssetType}
INDICATOR_KEYS = ("level1", "level2", "level3", "unit", "comparator", "target_text", "target_value")
INDICATOR_LABELS = {"level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "unit": "单位",
                    "comparator": "比较", "target_text": "指标值", "target_value": "指标数值"}


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


# ---------------------------------------------------------------- showing content to people

def display(field: str, value: Any, names: dict[str, str] | None = None) -> str:
    """A content value as a person reads it (amounts in 万元, exact; enums by their Chinese label;
    town, fund and task item by name when `names` gives them, see `reference_names`)."""
    if value is None or value == "":
        return "（空）"
    if names and field in names:
        return names[field]
    if field.startswith("amount_"):
        return exact_wan(Money(value))
    if field in ENUM_FIELDS:
        return ENUM_FIELDS[field](value).label
    if field == "villages":
        return "、".join(value) or "（空）"
    if field == "indicators":
        return "；".join(indicator_text(i) for i in value) or "（空）"
    return str(value)


def indicator_text(indicator: dict[str, Any]) -> str:
    comparator = enums.Comparator(indicator["comparator"])
    target = indicator["target_text"] if comparator is enums.Comparator.qualitative else \
        f"{comparator.label}{indicator['target_text']}{indicator['unit']}"
    return (f"{enums.IndicatorLevel1(indicator['level1']).label}/{enums.IndicatorLevel2(indicator['level2']).label}/"
            f"{indicator['level3']}：{target}")


def exact_wan(amount: Money) -> str:
    """万元 with at least 2 and at most the 6 decimals an amount in 分 needs: nothing rounded away."""
    text = amount.format_wan(6)
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def reference_names(session: Session, content: dict[str, Any]) -> dict[str, str]:
    """Readable names for the town, fund and task item a content refers to by code or key."""
    names = {}
    town = session.execute(select(Town.name, Town.code).where(Town.code == content.get("town"))).first()
    if town is not None:
        names["town"] = f"{town.name}（{town.code}）"
    fund = session.scalar(select(Fund.name).where(Fund.uuid == content.get("fund")))
    if fund is not None:
        names["fund"] = fund
    if content.get("task_item"):
        city_code, year, position = content["task_item"].split("/")
        task = session.scalar(select(TaskItem.name).join(City, City.id == TaskItem.city_id).where(
            City.code == city_code, TaskItem.year == int(year), TaskItem.position == int(position)))
        if task is not None:
            names["task_item"] = task
    return names


def content_lines(content: dict[str, Any], names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) for every signed field: what the sign dialog shows, in order."""
    return [(label, display(field, content.get(field), names)) for field, label in FIELD_LABELS.items()]


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field changes between two contents, in display order."""
    return [FieldChange(field, label, display(field, before.get(field)), display(field, after.get(field)))
            for field, label in FIELD_LABELS.items() if before.get(field) != after.get(field)]

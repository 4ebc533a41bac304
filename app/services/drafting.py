"""Writing a project's content (the plain dict of `content.py`) onto the ORM `Project`.

The editor, the JSON/xlsx import and the tests all hand the workflow a content dict; this module
checks each value's type and turns codes, identifiers and names back into rows, with a Chinese
message naming the field when something does not fit.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import shown
from app.models import (AMOUNT_COLUMNS, City, Comparator, Fund, IndicatorLevel1, IndicatorLevel2, Money, Project,
                        ProjectIndicator, TaskItem, Town, Village)
from app.services import text
from app.services.content_text import ENUM_FIELDS, FIELD_LABELS, INDICATOR_KEYS, INDICATOR_LABELS
from app.services.dates import check_date, check_year, parse_date
from app.services.errors import InputError
from app.services.regions import find_town

TEXT_FIELDS = ("name", "location", "responsible_unit", "responsible_person", "content", "beneficiaries",
               "farmer_linkage")
MULTILINE_FIELDS = ("content", "farmer_linkage")  # the editor's text boxes; every other field is one line
COUNT_FIELDS = ("beneficiary_households", "beneficiary_people", "poverty_households", "poverty_people",
                "monitored_households", "monitored_people")
MAX_COUNT = 200_000_000  # more households or people than Guangdong holds is a typing slip
DATE_FIELDS = ("starts_on", "ends_on", "publicity_starts_on")
_TASK_KEY = re.compile(r"([0-9]{4})/([0-9]{4})/([0-9]{1,6})")  # city code/year/position
MAX_TARGET = Decimal(10) ** 12  # an indicator's number: far above any count, area or rate it measures


def _bad(field: str, what: str) -> InputError:
    return InputError(f"“{FIELD_LABELS.get(field, field)}”{what}", f"bad value for {field}")


def apply_content(session: Session, project: Project, content: dict[str, Any]) -> None:
    """Set every field present in `content` on `project` (absent keys are left as they are)."""
    unknown = set(content) - set(FIELD_LABELS) - {"uuid"}
    if unknown:
        raise InputError(f"不认识的项目字段：{'、'.join(sorted(unknown))}。", f"unknown fields {unknown}")
    for field, value in content.items():
        if field in TEXT_FIELDS:
            setattr(project, field, _text(field, value))
        elif field in COUNT_FIELDS:
            setattr(project, field, _count(field, value))
        elif field == "year":
            project.year = 0 if value in (None, "", 0) else check_year(value, f"“{FIELD_LABELS['year']}”")  # 0: not filled
        elif field in DATE_FIELDS:
            setattr(project, field, _date(field, value))
        elif field in AMOUNT_COLUMNS.values():
            if not isinstance(value, int) or isinstance(value, bool):
                raise _bad(field, "应为以分计的整数金额。")
            setattr(project, field, Money(value))
        elif field in ENUM_FIELDS:
            setattr(project, field, None if value in (None, "") else _enum(field, ENUM_FIELDS[field], value))
        elif field == "town":
            project.town = find_town(session, str(value))
        elif field == "fund":
            project.fund = _fund(session, value)
        elif field == "task_item":
            project.task_item = find_task_item(session, value)
    if "villages" in content:
        project.villages = _villages(session, project, content["villages"])
    if "indicators" in content:
        rows = content["indicators"] or []
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise _bad("indicators", "应为每行一项的列表。")
        _set_indicators(project, [_indicator(n, row) for n, row in enumerate(rows)])


def _set_indicators(project: Project, new: list[ProjectIndicator]) -> None:
    """Update the indicator rows in place, position by position, so that what else a row holds
    (the 完成值 recorded later) survives a save of the targets."""
    kept = list(project.indicators)
    for position, indicator in enumerate(new):
        if position < len(kept):
            for key in INDICATOR_KEYS:
                setattr(kept[position], key, getattr(indicator, key))
        else:
            kept.append(indicator)
    project.indicators = kept[:len(new)]


def _text(field: str, value: Any) -> str:
    clean = text.paragraph if field in MULTILINE_FIELDS else text.line
    return clean(value, FIELD_LABELS[field], getattr(Project, field))


def _count(field: str, value: Any) -> int:
    if value in (None, ""):
        return 0
    digits = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif digits.isascii() and digits.isdigit() and len(digits) <= len(str(MAX_COUNT)):
        number = int(digits)
    else:
        raise _bad(field, f"应为整数，而不是“{shown(value)}”。")
    if not 0 <= number <= MAX_COUNT:
        raise _bad(field, f"应为 0 到 {MAX_COUNT:,} 之间的整数，而不是“{shown(value)}”。")
    return number


def _date(field: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    label = f"“{FIELD_LABELS[field]}”"
    return check_date(value, label) if isinstance(value, date) else parse_date(value, label)


def _enum(field: str, enum_cls, value: Any):
    try:
        return enum_cls(value)
    except ValueError:
        try:
            return enum_cls.from_label(str(value))
        except InputError:
            choices = "、".join(m.label for m in enum_cls)
            raise _bad(field, f"不能是“{shown(value)}”，可选：{choices}。") from None


def _fund(session: Session, value: Any) -> Fund | None:
    if value in (None, ""):
        return None
    fund = session.scalar(select(Fund).where((Fund.uuid == str(value)) | (Fund.name == str(value))))
    if fund is None:
        raise _bad("fund", f"找不到“{shown(value)}”。请填写已登记资金的名称。")
    return fund


def find_task_item(session: Session, value: Any) -> TaskItem | None:
    """A task item by its key "city code/year/position" (what content carries)."""
    if value in (None, ""):
        return None
    key = _TASK_KEY.fullmatch(value.strip()) if isinstance(value, str) else None
    item = None if key is None else session.scalar(select(TaskItem).join(City).where(
        City.code == key[1], TaskItem.year == int(key[2]), TaskItem.position == int(key[3])))
    if item is None:
        raise _bad("task_item", f"找不到任务清单项“{shown(value)}”。")
    return item


def task_item_key(session: Session, item: TaskItem) -> str:
    return f"{session.get(City, item.city_id).code}/{item.year}/{item.position}"


def _villages(session: Session, project: Project, names: Any) -> list[Village]:
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise _bad("villages", "应为行政村名称的列表。")
    town: Town = project.town
    if town is None:
        raise _bad("town", "未填写，无法选择行政村。")
    known = {v.name: v for v in session.scalars(select(Village).where(Village.town_id == town.id))}
    missing = [n for n in names if n not in known]
    if missing:
        raise _bad("villages", f"中的“{shown('、'.join(missing), 60)}”不是{town.name}的行政村。")
    return [known[n] for n in dict.fromkeys(names)]


def _indicator(position: int, row: dict[str, Any]) -> ProjectIndicator:
    unknown = set(row) - set(INDICATOR_KEYS)
    if unknown:
        raise InputError(f"第 {position + 1} 项绩效目标有不认识的字段：{'、'.join(sorted(unknown))}。", "indicator keys")
    where = f"第 {position + 1} 项绩效目标"

    def line(key: str) -> str:
        value = row.get(key)
        return text.line("" if value is None else str(value), f"{where}的{INDICATOR_LABELS[key]}",
                         getattr(ProjectIndicator, key))

    level1 = _enum("indicators", IndicatorLevel1, row.get("level1"))
    level2 = _enum("indicators", IndicatorLevel2, row.get("level2"))
    comparator = _enum("indicators", Comparator, row.get("comparator") or Comparator.qualitative.value)
    target_text = line("target_text")
    target_value = row.get("target_value")
    if comparator is not Comparator.qualitative:
        number = str(target_value if target_value not in (None, "") else target_text).strip()
        try:
            target_value = Decimal(number)
        except InvalidOperation:
            target_value = None
        if target_value is None or not target_value.is_finite() or abs(target_value) >= MAX_TARGET:
            raise InputError(f"{where}的比较方式为“{comparator.label}”，指标值应为数字，而不是“{shown(number)}”。",
                             "indicator target not a number")
        if not target_text:
            target_text = str(target_value)
    else:
        target_value = None
    return ProjectIndicator(position=position, level1=level1, level2=level2, level3=line("level3"), unit=line("unit"),
                            comparator=comparator, target_text=target_text, target_value=target_value)

"""A project's signed content as people read it: every field's Chinese name in display order, how a
value is shown (amounts in exact 万元, enums by label), and what changed between two contents.

Plain Python over the content's plain values (services.content reads them): no SQLAlchemy, so the
quick `project show` (app.cli.quick) and the GUI share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain import enums
from app.domain.enums import AMOUNT_COLUMNS
from app.domain.money import Money

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

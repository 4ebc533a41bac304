"""The rules a project must meet, checked live in the editor and again by the services on every
transition: required library fields, 绩效目标, the 负面清单 and the 公示 period.

No allocation is needed to sign or approve: the library is a reserve larger than the money (000:l.93–94);
the limit bites when the county arranges money (`services.money.plans`).

Each check returns `Finding`s (field, Chinese message, blocking or warning) so the editor can show
them next to the field; the workflow raises `RuleViolation` when a blocking one is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from app.models import AMOUNT_COLUMNS, Comparator, IndicatorLevel1, PublicityKind, SpendingCategory
from app.services.content_text import FIELD_LABELS
from app.services.errors import InputError
from app.services.settings import PUBLICITY_DAYS, PUBLICITY_REQUIRED, get_setting

# Which 公示 the county requires before 审定 (setting PUBLICITY_REQUIRED).
REQUIRED_KINDS = {"village": (PublicityKind.village,), "town": (PublicityKind.town,),
                  "both": (PublicityKind.village, PublicityKind.town), "none": ()}

REQUIRED_FIELDS = ("name", "year", "town", "fund", "purpose_category", "construction_nature", "spending_category",
                   "location", "starts_on", "ends_on", "responsible_unit", "responsible_person", "content",
                   "support_method", "beneficiaries", "asset_type")


class Stage(Enum):
    """How far a project is going: each stage checks everything the earlier ones do."""
    save = 1
    sign = 2
    approve = 3


@dataclass(frozen=True)
class Finding:
    field: str      # a FIELD_LABELS key ("" for the project as a whole)
    message: str
    blocking: bool = True


class RuleViolation(InputError):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("；".join(f.message for f in findings if f.blocking),
                         "rules: " + ", ".join(f.field for f in findings if f.blocking))


def check(session: Session, content: dict[str, Any], stage: Stage, *, today: date | None = None,
          publicity: dict[PublicityKind, list[date]] | None = None) -> list[Finding]:
    """Every finding for a project's content at a stage; `publicity` says when each kind of the
    project's 公示 started (services.publicity), for the 审定 stage."""
    findings = _negative_list(content) + _consistency(content)
    if stage.value >= Stage.sign.value:
        findings += _required(content) + _indicators(content)
    if stage is Stage.approve:
        findings += _publicity(session, content, publicity or {}, today or date.today())
    return findings


def raise_if_blocked(findings: list[Finding]) -> list[str]:
    """Raise on blocking findings; return the warnings' messages for the caller to show."""
    blocking = [f for f in findings if f.blocking]
    if blocking:
        raise RuleViolation(blocking)
    return [f.message for f in findings]


def _negative_list(content: dict[str, Any]) -> list[Finding]:
    value = content.get("spending_category")
    category = SpendingCategory(value) if value else None
    if category is not None and category.negative:
        return [Finding("spending_category", f"“{category.label}”属于负面清单：{category.rule_text}")]
    return []


def _consistency(content: dict[str, Any]) -> list[Finding]:
    findings = []
    starts, ends = content.get("starts_on"), content.get("ends_on")
    if starts and ends and ends < starts:
        findings.append(Finding("ends_on", "计划完工日期不能早于计划开工日期。"))
    for column in AMOUNT_COLUMNS.values():
        if (content.get(column) or 0) < 0:
            findings.append(Finding(column, f"{FIELD_LABELS[column]}不能为负数。"))
    counts = (("poverty_households", "beneficiary_households"), ("poverty_people", "beneficiary_people"))
    for part, whole in counts:
        if (content.get(part) or 0) > (content.get(whole) or 0) > 0:
            findings.append(Finding(part, f"{FIELD_LABELS[part]}不能大于{FIELD_LABELS[whole]}。"))
    if not str(content.get("name") or "").strip():
        findings.append(Finding("name", "请填写项目名称。"))
    return findings


def _required(content: dict[str, Any]) -> list[Finding]:
    findings = [Finding(field, f"请填写“{FIELD_LABELS[field]}”。")
                for field in REQUIRED_FIELDS if field != "name" and content.get(field) in (None, "")]
    if sum(content.get(c) or 0 for c in AMOUNT_COLUMNS.values()) <= 0:
        findings.append(Finding("amount_provincial", "项目资金合计须大于 0。"))
    if not content.get("villages"):
        findings.append(Finding("villages", "请选择项目涉及的行政村（至少一个）。", blocking=False))
    return findings


def _indicators(content: dict[str, Any]) -> list[Finding]:
    findings = []
    indicators = content.get("indicators") or []
    for level, name in ((IndicatorLevel1.output, "产出指标"), (IndicatorLevel1.benefit, "效益指标")):
        if not any(i["level1"] == level.value and _has_target(i) for i in indicators):
            findings.append(Finding("indicators", f"签字前须至少填写一项有指标值的{name}。"))
    for n, indicator in enumerate(indicators, 1):
        if not str(indicator.get("level3") or "").strip():
            findings.append(Finding("indicators", f"第 {n} 项绩效目标缺少三级指标名称。"))
        elif not _has_target(indicator):
            findings.append(Finding("indicators", f"绩效目标“{indicator['level3']}”缺少指标值。"))
    return findings


def _has_target(indicator: dict[str, Any]) -> bool:
    if not str(indicator.get("target_text") or "").strip():
        return False
    return indicator["comparator"] == Comparator.qualitative.value or indicator.get("target_value") is not None


def _publicity(session: Session, content: dict[str, Any], started: dict[PublicityKind, list[date]],
               today: date) -> list[Finding]:
    days = int(get_setting(session, PUBLICITY_DAYS))
    findings = []
    legacy = content.get("publicity_starts_on")  # signed into the content by the program before 公示 records
    for kind in REQUIRED_KINDS[get_setting(session, PUBLICITY_REQUIRED)]:
        starts = started.get(kind, []) + ([date.fromisoformat(legacy)] if legacy and kind is PublicityKind.village
                                          else [])
        if not starts:
            findings.append(Finding("", f"审定前须完成{kind.label}（不少于 {days} 天），请先登记公示。"))
            continue
        elapsed = (today - min(starts)).days
        if elapsed < days:
            findings.append(Finding("", f"{kind.label}自 {min(starts)} 起仅 {max(elapsed, 0)} 天，"
                                                 f"须满 {days} 天后才能审定。"))
    return findings

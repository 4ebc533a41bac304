"""The audit log as people read it: what an event changed, field by field, in Chinese.

`changes` lists each value an event's before/after JSON differs in, labelled and shown the way the
rest of the program shows it (project fields through `content.display`, statuses and roles by their
Chinese labels, money in 元); `summary` is the one-line form for a table, `pretty_json` the raw record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.models import Money, ProjectStatus, UserRole
from app.services.content import reference_names
from app.services.content_text import FIELD_LABELS, display
from app.services.settings import COUNTY_SETTINGS, HOME_REGION

_MISSING = object()
_EMPTY = "（空）"

LABELS: dict[str, dict[str, str]] = {
    "project": {"status": "状态"} | FIELD_LABELS | {
        "uuid": "项目编号（UUID）", "content_version": "内容版本", "approved_on": "审定日期",
        "asset_receiver": "资产接收管护单位", "accepted_on": "验收日期"},
    "expenditure": {"amount": "金额", "spent_on": "支出日期", "payee": "收款单位（人）", "voucher_no": "凭证号",
                    "purpose": "用途", "project": "项目（UUID）", "reversal_of": "冲销的原支出（UUID）"},
    "user": {"username": "用户名", "display_name": "姓名", "grants": "角色", "public_key": "签名公钥"},
    "setting": {HOME_REGION: "本地区"} | {key: spec.label for key, spec in COUNTY_SETTINGS.items()},
    "village": {"town": "乡镇（代码）", "name": "行政村名称"},
    "installation": {"fingerprint": "根密钥指纹", "legacy_events": "旧版本的未签名记录数",
                     "record_layout": "核对内容版本", "records": "签认的记录数",
                     "head": "审计记录头（条数:哈希）", "backup": "备份文件", "taken_at": "备份时间"},
}
# Identifiers and keys: in the details pane, not in the one-line summary.
NOT_SUMMARISED = {"uuid", "town", "fund", "task_item", "content_version", "project", "reversal_of", "public_key"}
SUMMARY_PARTS = 3
SUMMARY_VALUE_CHARS = 40


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str | None  # None: the value did not exist before (created)
    after: str | None   # None: the value is gone afterwards


def parse(text: str) -> dict[str, Any]:
    """A stored before/after JSON as a dict ({} when empty)."""
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {"value": value}


def pretty_json(text: str) -> str:
    """The stored JSON indented, Chinese kept readable (not \\u escapes)."""
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2) if text else _EMPTY


def show_value(entity_type: str, key: str, value: Any, names: dict[str, str] | None = None) -> str:
    """One stored value as a person reads it (`names`: a project's town, fund and task item by name)."""
    if value is None or value == "":
        return _EMPTY
    if entity_type == "project":
        if key == "status":
            return ProjectStatus.label_of(value)
        if key in FIELD_LABELS:
            return display(key, value, names)
    elif entity_type == "expenditure" and key == "amount":
        return f"{Money(int(value)).format_yuan()} 元"
    elif entity_type == "user" and key == "grants":
        return "、".join(_grant(grant) for grant in value) or _EMPTY
    elif entity_type == "setting" and key in COUNTY_SETTINGS:
        choices = COUNTY_SETTINGS[key].choices
        return choices.get(value, str(value)) if choices else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes(entity_type: str, before_json: str, after_json: str,
            names: tuple[dict[str, str], dict[str, str]] | None = None) -> list[Change]:
    """Each key whose value differs between before and after, in the order the program lists fields;
    `names` (before, after) shows referenced records by name (see `named_changes`)."""
    before, after = parse(before_json), parse(after_json)
    names_before, names_after = names or (None, None)
    labels = LABELS.get(entity_type, {})
    keys = [key for key in labels if key in before or key in after]
    keys += sorted((before.keys() | after.keys()) - set(labels))
    result = []
    for key in keys:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if old == new:
            continue
        result.append(Change(key, labels.get(key, key),
                             None if old is _MISSING else show_value(entity_type, key, old, names_before),
                             None if new is _MISSING else show_value(entity_type, key, new, names_after)))
    return result


def named_changes(session: Session, entity_type: str, before_json: str, after_json: str) -> list[Change]:
    """`changes` with a project's town, fund and task item by name: a few queries, for one event at a time."""
    if entity_type != "project":
        return changes(entity_type, before_json, after_json)
    names = (reference_names(session, parse(before_json)), reference_names(session, parse(after_json)))
    return changes(entity_type, before_json, after_json, names)


def change_text(change: Change, limit: int | None = None) -> str:
    """"label：before → after" (or just the new or the removed value)."""
    def cut(text: str) -> str:
        return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"
    if change.before is None:
        return f"{change.label}：{cut(change.after or _EMPTY)}"
    if change.after is None:
        return f"{change.label}：{cut(change.before)} → （删除）"
    return f"{change.label}：{cut(change.before)} → {cut(change.after)}"


def summary(entity_type: str, before_json: str, after_json: str) -> str:
    """At most a few changes on one line, each value shortened; the rest counted."""
    shown = [c for c in changes(entity_type, before_json, after_json) if c.key not in NOT_SUMMARISED]
    text = "；".join(change_text(c, SUMMARY_VALUE_CHARS) for c in shown[:SUMMARY_PARTS])
    return text + (f"；…（共 {len(shown)} 项）" if len(shown) > SUMMARY_PARTS else "")


def _grant(grant: str) -> str:
    role, _, region = grant.partition("@")
    return f"{UserRole.label_of(role)}（{region}）" if region else UserRole.label_of(role)

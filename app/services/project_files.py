"""Projects from files: a JSON object or an xlsx workbook, in the words a town officer uses.

Keys may be the English field names of `content.FIELD_LABELS` or their Chinese labels (with or
without the "（万元）"); amounts are in 万元 as written in the returns; enums by Chinese label;
villages as a list (or one cell separated by 、). The xlsx has a sheet 项目 with two columns
(字段, 值) and a sheet 绩效目标 with one indicator per row under the headers of INDICATOR_LABELS.
The result is a content dict for `approval.create_project` / `edit_project`, which check the values.
Whatever a file holds, reading it ends in that dict or a Chinese `InputError`: every value is a plain
scalar (villages a list of them, indicators a list of rows of them), never NaN or Infinity, and a
file nested too deeply for the parser, or a number too long for it, is refused like any bad JSON.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.errors import shown
from app.models import AMOUNT_COLUMNS, Money
from app.services.content_text import FIELD_LABELS, INDICATOR_KEYS, INDICATOR_LABELS
from app.services.csvfiles import typed_text
from app.services.drafting import DATE_FIELDS
from app.services.errors import BangzhenError, InputError

PROJECT_SHEET = "项目"
INDICATOR_SHEET = "绩效目标"


def _field_names() -> dict[str, str]:
    names = {}
    for field, label in FIELD_LABELS.items():
        names[field] = names[label] = names[re.sub(r"（.*?）$", "", label)] = field
    return names


def _indicator_names() -> dict[str, str]:
    return {**{k: k for k in INDICATOR_KEYS}, **{label: key for key, label in INDICATOR_LABELS.items()}}


def read_project_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件“{path}”。", f"no file {path}")
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal, parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError) as error:  # ValueError: bad JSON, or an integer too long
            raise InputError(f"“{path.name}”不是有效的 JSON 文件（UTF-8）：{shown(error, 120)}", str(error)) from None
        except RecursionError:
            raise InputError(f"“{path.name}”嵌套层数过多，不是项目文件。", "json nested too deeply") from None
        if not isinstance(raw, dict):
            raise InputError(f"“{path.name}”应包含一个项目（JSON 对象）。", "json is not an object")
        return normalise(raw)
    if path.suffix.lower() == ".xlsx":
        return normalise(_read_xlsx(path))
    raise InputError("项目文件应为 .json 或 .xlsx。", f"unsupported file {path.suffix}")


def _no_constant(name: str) -> None:
    raise InputError(f"项目文件中不能有 {name}：金额和数量须为具体的数字。", f"json constant {name}")


def _read_xlsx(path: Path) -> dict[str, Any]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — openpyxl raises many kinds for a bad file
        raise InputError(f"无法读取“{path.name}”：不是有效的 xlsx 文件。", str(error)) from None
    try:
        return _sheets(path, book)
    except BangzhenError:
        raise
    except Exception as error:  # noqa: BLE001 — a read-only workbook is parsed, and may fail, row by row
        raise InputError(f"无法读取“{path.name}”：xlsx 文件已损坏。", str(error)) from None
    finally:
        book.close()


def _sheets(path: Path, book) -> dict[str, Any]:
    """The raw project of an open workbook: sheet 项目 (字段, 值) and sheet 绩效目标."""
    if PROJECT_SHEET not in book.sheetnames:
        raise InputError(f"“{path.name}”缺少工作表“{PROJECT_SHEET}”。", "no project sheet")
    raw: dict[str, Any] = {}
    for row in book[PROJECT_SHEET].iter_rows(min_row=2, values_only=True):
        if row and row[0] not in (None, ""):
            raw[str(row[0]).strip()] = row[1] if len(row) > 1 else None
    if INDICATOR_SHEET in book.sheetnames:
        rows = list(book[INDICATOR_SHEET].iter_rows(values_only=True))
        if rows:
            header = [str(h or "").strip() for h in rows[0]]
            raw["indicators"] = [dict(zip(header, r)) for r in rows[1:] if any(v not in (None, "") for v in r)]
    return raw


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """A file's project (labels, 万元, dates in any form) as a content dict."""
    names = _field_names()
    unknown = [key for key in raw if key not in names]
    if unknown:
        raise InputError(f"不认识的项目字段：{shown('、'.join(map(str, unknown)), 80)}。", f"unknown keys {unknown[:5]}")
    content: dict[str, Any] = {}
    for key, value in raw.items():
        field = names[key]
        _check_shape(field, value)
        if isinstance(value, str):
            value = value.strip()
        if field in AMOUNT_COLUMNS.values():
            value = _wan_to_fen(field, value)
        elif field in DATE_FIELDS and isinstance(value, (date, datetime)):
            value = (value.date() if isinstance(value, datetime) else value).isoformat()
        elif field == "villages" and isinstance(value, str):
            value = [v for v in re.split(r"[、,，;；\s]+", value) if v]
        elif field == "villages" and value is None:
            value = []
        elif field == "indicators":
            value = [_indicator(row) for row in (value or [])]
        elif field in ("town", "year") and value is not None:
            value = str(value) if field == "town" else value
        content[field] = value
    return content


SCALARS = (str, int, Decimal, float, date, datetime, time, type(None))  # what one cell or JSON value may be
SHAPES = {"villages": "行政村名称的列表", "indicators": "绩效目标的列表，每行一项"}


def _check_shape(field: str, value: Any) -> None:
    """A scalar for every field; villages a list of scalars; indicators a list of rows of scalars."""
    if field == "villages" and isinstance(value, list):
        ok = all(isinstance(v, SCALARS) for v in value)
    elif field == "indicators":
        ok = value is None or isinstance(value, list) and all(
            isinstance(row, dict) and all(isinstance(v, SCALARS) for v in row.values()) for row in value)
    else:
        ok = isinstance(value, SCALARS)
    if not ok:
        raise InputError(f"“{FIELD_LABELS[field]}”的写法不对：应为{SHAPES.get(field, '一个值（文字、数字或日期）')}。",
                         f"bad shape for {field}")


def _wan_to_fen(field: str, value: Any) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, float):  # a workbook's number: its shortest decimal form is what was typed
        value = Decimal(typed_text(value))
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InputError(f"“{FIELD_LABELS[field]}”应为以万元计的金额，而不是“{shown(value)}”。", f"bad amount for {field}")
    try:
        return Money.from_wan(value).fen
    except BangzhenError as error:
        raise InputError(f"“{FIELD_LABELS[field]}”：{error.user_message}", error.log_message) from None


def _indicator(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise InputError("绩效目标应为每行一项（含一级指标、二级指标、三级指标、单位、比较、指标值）。", "indicator row")
    names = _indicator_names()
    unknown = [k for k in row if k not in names]
    if unknown:
        raise InputError(f"不认识的绩效目标字段：{shown('、'.join(map(str, unknown)), 80)}。",
                         f"unknown indicator keys {unknown[:5]}")
    indicator = {names[k]: ("" if v is None else str(v).strip()) for k, v in row.items()}
    indicator.pop("target_value", None)  # the number is read from 指标值 itself
    return indicator

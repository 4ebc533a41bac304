"""Names and free text as users type them: control characters out (a newline in a name would forge a
line in every list that prints it), and no longer than the column that keeps them, with a Chinese
message naming the field.

A single-line value (a name, a unit, a person, a place, a voucher number, a reason) has each line
break or tab turned into a space and every other control or format character (bidi overrides,
zero-width marks, lone surrogates from undecodable command-line bytes) removed. A multi-line value
(建设内容, 联农带农) keeps its tabs and its line breaks (as "\n") and loses the rest the same way.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from app.services.errors import InputError

TEXT_LIMIT = 5000  # for a Text column, which has no length of its own: a page of writing is plenty
_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_DROPPED = {"Cc", "Cf", "Cs"}


def limit_of(column: InstrumentedAttribute | int | None) -> int:
    """The length a column holds: String(n) → n; Text (no length) → TEXT_LIMIT."""
    if isinstance(column, int):
        return column
    length = getattr(column.property.columns[0].type, "length", None) if column is not None else None
    return length or TEXT_LIMIT


def line(value: Any, label: str, column: InstrumentedAttribute | int | None = None, *,
         required: bool = False) -> str:
    """`value` as one line of text for the field called `label` (see the module docstring)."""
    return _clean(value, label, column, required, multiline=False)


def paragraph(value: Any, label: str, column: InstrumentedAttribute | int | None = None, *,
              required: bool = False) -> str:
    """`value` as text that may hold several lines."""
    return _clean(value, label, column, required, multiline=True)


def _clean(value: Any, label: str, column: InstrumentedAttribute | int | None, required: bool, *,
           multiline: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(f"“{label}”应为文字。", f"{label}: not text")
    kept = "\n\t" if multiline else ""
    text = _BREAKS.sub("\n", value) if multiline else _BREAKS.sub(" ", value).replace("\t", " ")
    text = "".join(c for c in text if c in kept or unicodedata.category(c) not in _DROPPED).strip()
    if required and not text:
        raise InputError(f"请填写“{label}”。", f"{label}: empty")
    limit = limit_of(column)
    if len(text) > limit:
        raise InputError(f"“{label}”太长：{len(text):,} 个字，最多 {limit:,} 个字。", f"{label}: {len(text)} > {limit}")
    return text

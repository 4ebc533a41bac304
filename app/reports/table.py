"""A return as a plain table, free of Qt and of any file format: what the preview, the xlsx and the PDF
writers all draw, so the three cannot disagree.

A `Table` has a title, a heading block (资金名称, 填报单位, 单位：万元, 基准日 ...), header rows and body rows
on one grid of cells with merges, notes (说明) and signature lines. Cells hold values, not text: an
amount is `Money` (printed in 万元), a rate a fraction, a count an int; each column says how its
values are printed (`Column.kind` and `Column.decimals`), so the xlsx gets numbers with a number
format and the PDF the same figures as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.models import Money

TEXT, COUNT, AMOUNT, RATE = "text", "count", "amount", "rate"
# Scores and 得分率 (a Decimal of points, a fraction) print as the self-evaluations print them: an integer
# when whole, else 2 decimals with any trailing zero kept: 99, 99.70, 13.40; 99%, 99.70%, 97.74%.
SCORE, SCORE_RATE = "score", "score_rate"


@dataclass(frozen=True)
class Column:
    """`width` in Chinese characters; `decimals` for amounts: the most printed, and with `minimal`
    trailing zeros dropped (RETURNS.md §2.0: 000 表2-2 prints 23285.9 and 16651, 001 prints 23312.50).
    Text and 序号 are centred, figures right-aligned."""
    kind: str = TEXT
    width: int = 8
    decimals: int = 2
    minimal: bool = False
    centred: bool = False
    left_aligned: bool = False  # long text (a target's or a task's wording) reads better from the left
    figures: bool = False       # text that holds figures ("1,200.00", a list as shown): right-aligned too

    def right_aligned(self, value: Any) -> bool:
        if self.figures:
            return True
        return self.kind in (COUNT, AMOUNT, RATE, SCORE, SCORE_RATE) and not self.centred and not isinstance(value, str)


@dataclass(frozen=True)
class Merge:
    """Cells merged on the grid of header rows followed by body rows (0-based), `rows` × `cols`."""
    row: int
    col: int
    rows: int = 1
    cols: int = 1


BODY, SUBTOTAL, TOTAL, HEADING = "body", "subtotal", "total", "heading"  # HEADING: a header row inside the body


@dataclass(frozen=True)
class Row:
    cells: list[Any]
    kind: str = BODY


@dataclass
class Table:
    name: str                    # the return's CLI name
    title: str
    columns: list[Column]
    header: list[list[str]]      # header rows; a cell covered by a merge holds ""
    rows: list[Row] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    heading: list[str] = field(default_factory=list)   # lines above the table, left
    unit: str = "单位：万元"                              # above the table, right
    notes: list[str] = field(default_factory=list)     # 说明, below the table
    signatures: list[str] = field(default_factory=lambda: ["填表人：", "审核人：", "负责人："])
    landscape: bool = False
    paper: str = "A4"  # or "A3", for a list too wide for A4
    sheet: str = ""   # the xlsx sheet's name when a return has several tables (default: the title)

    def text_grid(self) -> list[list[str]]:
        """Header and body rows, every cell as printed."""
        return [list(row) for row in self.header] + [[cell_text(value, column) for value, column
                                                     in zip(row.cells, self.columns)] for row in self.rows]


def runs(keys: list, columns: tuple[int, ...], first_row: int) -> list[Merge]:
    """A vertical merge in each of `columns` over every run of equal `keys` longer than one row; the
    rows' keys are given in order from grid row `first_row`."""
    merges, start = [], 0
    for n in range(1, len(keys) + 1):
        if n == len(keys) or keys[n] != keys[start]:
            if n - start > 1:
                merges += [Merge(first_row + start, column, rows=n - start) for column in columns]
            start = n
    return merges


def amount_value(value: Money, column: Column) -> Decimal:
    """The amount in 万元, rounded half-up to the column's decimals."""
    return value.wan.quantize(Decimal(1).scaleb(-column.decimals), rounding=ROUND_HALF_UP)


def rate_value(value: Decimal) -> Decimal:
    """A fraction rounded half-up to 2 decimals of a percent (0.560945 → 0.5609)."""
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def cell_text(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column.kind == AMOUNT and isinstance(value, Money):
        shown = amount_value(value, column)
        text = f"{abs(shown) if shown == 0 else shown:f}"
        if column.minimal and "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    if column.kind == RATE and isinstance(value, Decimal):
        return f"{rate_value(value) * 100:.2f}%"
    if column.kind == SCORE and isinstance(value, Decimal):
        return score_text(value)
    if column.kind == SCORE_RATE and isinstance(value, Decimal):
        return score_text(rate_value(value) * 100) + "%"
    return str(value)


def whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def score_text(points: Decimal) -> str:
    """99 → "99", 99.7 → "99.70" (half-up to 2 decimals)."""
    shown = points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{shown:.0f}" if whole(shown) else f"{shown:.2f}"

"""Any list the program shows (projects, work lists, the ledger in both views, payments, the audit log)
as a file: Excel streamed row by row (app.reports.xlsx_stream: memory stays flat however long the
list), or a PDF through the returns' own writer for lists short enough to print.

The rows come as the list shows them, in its current filter and order. A cell that is a formatted
amount or rate ("1,200.00", "56.09%") is written to Excel as an exact number with that format, so
the sheet can be summed; anything else (names, dates, codes such as 441624100) stays text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Sequence

from app.reports.export import write_file
from app.reports.table import TEXT, Column, Row, Table
from app.reports.xlsx_stream import SheetWriter
from app.services.errors import InputError

PDF_LIMIT = 5_000   # rows: a longer list is an Excel job, not a print job
_AMOUNT = re.compile(r"-?\d{1,3}(,\d{3})*\.\d+|-?\d+\.\d+")
_PERCENT = re.compile(r"-?\d+(\.\d+)?%")
Progress = Callable[[int], None]  # rows written so far; may raise to cancel


def cell_value(text) -> tuple[object, str]:
    """(value, number format) for one displayed cell."""
    if isinstance(text, (int, Decimal)) and not isinstance(text, bool):
        return text, "General"
    if not isinstance(text, str):
        return ("" if text is None else str(text)), "@"
    if _AMOUNT.fullmatch(text):
        decimals = len(text.rsplit(".", 1)[1])
        return Decimal(text.replace(",", "")), "#,##0." + "0" * decimals
    if _PERCENT.fullmatch(text):
        return Decimal(text[:-1]) / 100, "0.00%"
    return text, "@"


def write_list_xlsx(path: Path, title: str, headers: Sequence[str], rows: Iterable[Sequence],
                    progress: Progress | None = None) -> Path:
    """The list as one sheet: the title, the header row (repeated on every printed page, frozen), the rows."""
    def write(target: Path) -> None:
        widths = [max(10, min(40, 2 * len(header) + 4)) for header in headers]
        with SheetWriter(target, re.sub(r"[\[\]:*?/\\']", "", title)[:31] or "清单", widths) as sheet:
            sheet.row([title], style=1)
            sheet.row(list(headers), style=2)
            for done, row in enumerate(rows, 1):
                values, formats = zip(*(cell_value(text) for text in row)) if row else ((), ())
                sheet.row(list(values), list(formats))
                if progress is not None and done % 1000 == 0:
                    progress(done)

    return write_file(write, path, "xlsx")


def write_list_pdf(path: Path, title: str, headers: Sequence[str], rows: Iterable[Sequence],
                   progress: Progress | None = None) -> Path:
    """The list as a printed table (landscape A4, header on every page, page numbers)."""
    from app.reports.pdf import write_pdf

    body = []
    for done, row in enumerate(rows, 1):
        if done > PDF_LIMIT:
            raise InputError(f"清单超过 {PDF_LIMIT:,} 行，不宜打印。请缩小筛选范围，或导出 Excel。", "list too long to print")
        body.append(Row([str(cell) if cell is not None else "" for cell in row]))
        if progress is not None and done % 500 == 0:
            progress(done)
    sample = [row.cells for row in body[:300]]
    columns = []
    for n, header in enumerate(headers):
        cells = [cells[n] for cells in sample if cells[n]]
        figures = bool(cells) and all(_AMOUNT.fullmatch(c) or _PERCENT.fullmatch(c) for c in cells)
        longest = max((len(c) for c in cells), default=0)
        width = max(len(header) + 1, min(10 if figures else 22, longest + 1))
        columns.append(Column(TEXT, width, left_aligned=not figures, figures=figures))
    table = Table("list", title, columns, [list(headers)], body, unit="", signatures=[], landscape=True)
    return write_file(lambda target: write_pdf(table, target), path, "pdf")

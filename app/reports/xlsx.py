"""A `Table` as an Excel workbook (openpyxl) the way a county hands it in: the title centred above the
table, the heading block, merged header cells, thin borders, numbers as numbers with the return's
number format (amounts in 万元, rates as percentages with 2 decimals), column widths that fit Chinese
text, A4 print setup (landscape where wide) with the header rows repeated on every page, frozen panes
below the header, then 说明 and signature lines."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.models import Money
from app.reports.table import (AMOUNT, COUNT, HEADING, RATE, SCORE, SCORE_RATE, SUBTOTAL, TOTAL, Column, Table,
                               amount_value, rate_value, whole)

FONT_NAME = "宋体"


def _number_format(column: Column, value) -> str:
    if column.kind == RATE:
        return "0.00%"
    if column.kind == SCORE:
        return "0" if whole(value) else "0.00"
    if column.kind == SCORE_RATE:
        return "0%" if whole(value * 100) else "0.00%"
    if column.kind == AMOUNT:
        return "General" if column.minimal else "0." + "0" * column.decimals if column.decimals else "0"
    return "0" if column.kind == COUNT else "@"


def _value(value, column: Column):
    if isinstance(value, Money) and column.kind == AMOUNT:
        return amount_value(value, column)
    if column.kind in (RATE, SCORE_RATE) and value is not None and not isinstance(value, str):
        return rate_value(value)
    if column.kind == SCORE and value is not None and not isinstance(value, str):
        return value.quantize(Decimal("0.01"))
    return value


def _column_at(table: Table, fraction: float) -> int:
    """The 1-based column in which `fraction` of the table's width falls."""
    total, reached = sum(column.width for column in table.columns), 0
    for n, column in enumerate(table.columns, 1):
        if reached >= fraction * total:
            return n
        reached += column.width
    return len(table.columns)


def write_xlsx(tables: Table | list[Table], path: Path) -> Path:
    """One sheet per table (a return of several tables, such as one per city, keeps them together)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    names: set[str] = set()
    for table in [tables] if isinstance(tables, Table) else tables:
        _write_sheet(book.create_sheet(_sheet_name(table.sheet or table.title, names)), table)
    first = tables if isinstance(tables, Table) else tables[0]
    book.properties.creator = "帮镇扶村台账"
    book.properties.title = first.title
    book.save(path)
    return path


def _sheet_name(wanted: str, used: set[str]) -> str:
    """At most 31 characters, none of those Excel forbids, unique in the book."""
    name = "".join("－" if char in '[]:*?/\\' else char for char in wanted)[:31]
    n = 2
    while name in used:
        name = f"{name[:27]}（{n}）"
        n += 1
    used.add(name)
    return name


def _write_sheet(sheet, table: Table) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    width = len(table.columns)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    plain, bold = Font(name=FONT_NAME, size=11), Font(name=FONT_NAME, size=11, bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    row = 1
    sheet.cell(row, 1, table.title).font = Font(name=FONT_NAME, size=16, bold=True)
    sheet.cell(row, 1).alignment = centre
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.row_dimensions[row].height = 30
    for line in table.heading:
        row += 1
        sheet.cell(row, 1, line).font = plain
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    if table.unit:
        row += 1
        sheet.cell(row, width, table.unit).font = plain
        sheet.cell(row, width).alignment = Alignment(horizontal="right")
    first = row + 1

    for r in range(first, first + len(table.header) + len(table.rows)):
        sheet.row_dimensions[r].height = 20
    for r, cells in enumerate(table.header):
        for c, text in enumerate(cells):
            cell = sheet.cell(first + r, c + 1, text or None)
            cell.font, cell.alignment, cell.border = bold, centre, border
    body_start = first + len(table.header)
    for r, body in enumerate(table.rows):
        font = bold if body.kind in (TOTAL, SUBTOTAL, HEADING) else plain
        for c, (value, column) in enumerate(zip(body.cells, table.columns)):
            cell = sheet.cell(body_start + r, c + 1, _value(value, column))
            cell.font, cell.border = font, border
            cell.number_format = "@" if value is None or isinstance(value, str) else _number_format(column, _value(value, column))
            right = column.right_aligned(value)
            horizontal = "right" if right else "left" if column.left_aligned else "center"
            cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=not right)
    for merge in table.merges:
        sheet.merge_cells(start_row=first + merge.row, start_column=merge.col + 1,
                          end_row=first + merge.row + merge.rows - 1, end_column=merge.col + merge.cols)
    last = body_start + len(table.rows) - 1

    row = last + 1
    for note in table.notes:
        row += 1
        sheet.cell(row, 1, note).font = plain
        sheet.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.row_dimensions[row].height = 15 * (1 + len(note) // max(1, sum(c.width for c in table.columns)))
    if table.signatures:  # spread evenly over the printed width
        row += 2
        for n, line in enumerate(table.signatures):
            sheet.cell(row, _column_at(table, n / len(table.signatures)), line).font = plain

    for c, column in enumerate(table.columns):
        sheet.column_dimensions[get_column_letter(c + 1)].width = column.width * 2.2 + 2
    if table.header:
        sheet.freeze_panes = sheet.cell(body_start, 1)
        sheet.print_title_rows = f"{first}:{body_start - 1}"
    sheet.print_area = f"A1:{get_column_letter(width)}{row}"
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A3 if table.paper == "A3" else sheet.PAPERSIZE_A4
    setup.orientation = "landscape" if table.landscape else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left, sheet.page_margins.right = 28 / 25.4, 26 / 25.4
    sheet.page_margins.top, sheet.page_margins.bottom = 37 / 25.4, 35 / 25.4
    sheet.oddFooter.center.text = "— &P —"

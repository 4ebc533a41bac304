"""Reading the CSV and xlsx files users and the program exchange: UTF-8 (with or without BOM), the
header checked exactly, every problem reported in Chinese with the file and line."""

from __future__ import annotations

import csv
import math
from decimal import Decimal
from pathlib import Path

from app.services.errors import InputError


ROW = "_row"  # in the rows `read_form` returns: the row's number in the file, for messages


def read_rows(path: str | Path, header: tuple[str, ...], numbered: bool = False) -> list[dict[str, str]]:
    """All rows of `path` as dicts (with `numbered`, each row's line number under ROW); refuses a file
    whose header is not exactly `header`."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            found = tuple(cell.strip() for cell in next(reader, ()))
            if found != header:
                raise InputError(
                    f"文件“{path.name}”的表头不正确。\n应为：{','.join(header)}\n实为：{','.join(found) or '（空）'}",
                    f"{path}: header {found} != {header}")
            rows = []
            for line_no, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    raise InputError(f"文件“{path.name}”第 {line_no} 行有 {len(cells)} 列，应为 {len(header)} 列。",
                                     f"{path}:{line_no}: {len(cells)} cells")
                rows.append(dict(zip(header, (c.strip() for c in cells))) | ({ROW: line_no} if numbered else {}))
            return rows
    except FileNotFoundError:
        raise InputError(f"找不到文件“{path}”。", f"{path} not found") from None
    except UnicodeDecodeError:
        raise InputError(f"文件“{path.name}”不是 UTF-8 编码的 CSV。请在 Excel 中另存为“CSV UTF-8”后重试。",
                         f"{path}: not UTF-8") from None
    except csv.Error as error:
        raise InputError(f"文件“{path.name}”不是有效的 CSV：{error}", f"{path}: {error}") from None


def typed_text(value) -> str:
    """A workbook cell as the text that was typed: a number kept as a float by its shortest decimal form
    (3.4, never 3.4000000000000004; 100, not 100.0), None as "", anything else as its text."""
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):  # a cell too large for a number reads back as infinity
            return str(value)
        return str(int(value)) if value == int(value) else format(Decimal(repr(value)), "f")
    return str(value).strip()


def open_workbook(path: Path, data_only: bool = True):
    """The workbook at `path`, read-only (with `data_only`, the values Excel saved instead of formulas),
    or a Chinese refusal; the caller closes it."""
    from openpyxl import load_workbook  # imported when a workbook is read: it costs start-up time

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except FileNotFoundError:
        raise InputError(f"找不到文件“{path}”。", f"{path} not found") from None
    except Exception as error:  # noqa: BLE001 — openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"文件“{path.name}”不是有效的 Excel 文件（.xlsx）。", f"{path}: {error}") from None


def sheet_rows(path: str | Path, sheet: str | None = None) -> list[tuple]:
    """Every row of a workbook's sheet (`sheet`, else the first) as a tuple of cell values."""
    path = Path(path)
    book = open_workbook(path)
    try:
        if not book.sheetnames:
            raise InputError(f"文件“{path.name}”中没有工作表。", f"{path}: no sheets")
        chosen = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
        return [tuple(row) for row in chosen.iter_rows(values_only=True)]
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 — a read-only workbook is parsed, and may fail, row by row
        raise InputError(f"文件“{path.name}”已损坏，无法读取。", f"{path}: {error}") from None
    finally:
        book.close()


def read_form(path: str | Path, header: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """The rows of a form the program wrote and a user filled (`what` names it in messages): a CSV in
    UTF-8 with exactly `header`, or the first sheet of a workbook with `header` in any row; each row
    with its number in the file under ROW. A text the program wrote out as '=… (so Excel keeps it text)
    comes back as =…"""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        return [{key: value[1:] if isinstance(value, str) and value.startswith("'=") else value
                 for key, value in row.items()} for row in read_rows(path, header, numbered=True)]
    rows = sheet_rows(path)
    for n, row in enumerate(rows):
        if tuple(typed_text(value) for value in row[:len(header)]) == header:
            cells = [(number, [typed_text(value) for value in (tuple(line) + (None,) * len(header))[:len(header)]])
                     for number, line in enumerate(rows[n + 1:], n + 2)]
            return [dict(zip(header, line)) | {ROW: number} for number, line in cells if any(line)]
    raise InputError(f"文件“{path.name}”中找不到{what}的表头（{','.join(header)}）。", f"{path}: no form header")


def write_form(path: str | Path, header: tuple[str, ...], rows: list[list], sheet_title: str,
               widths: tuple[int, ...]) -> Path:
    """A form as CSV (UTF-8 with a BOM, so Excel opens it as Chinese) or, for .xlsx, a workbook whose
    cells are text (100% and 3.40 stay as typed; "=100%" is a target's text, never a formula)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.active
        sheet.title = sheet_title
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for n, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(n)].width = width
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.number_format = "@"
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        book.save(path)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([f"'{cell}" if str(cell).startswith("=") else cell for cell in row] for row in rows)
    return path

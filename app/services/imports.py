"""Excel imports: templates the program writes, and a checked import of what a clerk filled in.

Each kind of import (`app.services.import_kinds`) is a list of columns with Chinese headers and one
function that applies a row through the same service an officer's single act uses, so a row is
refused for exactly the reasons the form would refuse it, and every act is signed and audited.

An import reads the first sheet whose header row (any of the first ten rows) holds the kind's
required headers; the columns may stand in any order, extra columns are ignored. Every row is checked
cell by cell first (type, code, required, money exact to the 分, dates, choices), then keys repeated
within the file, then applied inside its own savepoint. The result is
- a **dry run**: everything checked and rolled back;
- **all or nothing** (the default): applied only when no row has an error;
- **only the valid rows** when the user asks for it.
A row the database already holds exactly (the same 下达, the same 到位 voucher, a project of the same
town, year and name) is skipped and said, so a fixed result workbook can be imported again after
the valid rows went in, without doubling anything.

The result workbook is the input itself with a 错误说明 column added (or refilled, when a result is
imported again) and the bad cells highlighted, so the clerk fixes it and imports it again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session

from app.errors import shown
from app.models import Fund, Money, User
from app.services import text
from app.services.csvfiles import open_workbook, typed_text
from app.services.dates import check_date, parse_date
from app.services.errors import BangzhenError, InputError

ERROR_HEADER = "错误说明"
HEADER_SEARCH = 10           # a clerk may put a title or two above the header row
ERROR_FILL = "FFB7B7"        # the cells at fault: red, and not one of Excel's own style colours, so that the
ROW_FILL = "FFF0B3"          # marks of an earlier check can be told from a clerk's own colours and cleared
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!",
                "#CALC!"}
MAX_DIGITS = 12              # a code or a count longer than this is a slip (and beyond SQLite's integers)
Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------- what a kind is

@dataclass(frozen=True)
class Column:
    header: str                      # as printed in the template and looked for on import
    key: str
    type: str = "text"               # text | code | money | date | choice | count
    required: bool = False
    choices: tuple[str, ...] = ()    # for type "choice": the labels offered in the template's list
    also: tuple[str, ...] = ()       # labels not offered but read, for the kind to refuse with its reason
    width: int = 16
    hint: str = ""                   # the template's 填写说明 for this column


@dataclass
class Context:
    """What a row is applied with: the session, the acting user and, for money kinds, the fund."""
    session: Session
    user: User
    fund: Fund | None = None
    notes: list[str] = field(default_factory=list)   # what the row being applied wants said (提示)


@dataclass(frozen=True)
class Kind:
    name: str                                   # the CLI's KIND: allocations, projects, ...
    title: str                                  # 下达, 项目（批量录入）, ...
    columns: tuple[Column, ...]
    key: tuple[str, ...]                        # columns whose values may not repeat within the file
    apply: Callable[[Context, dict], str]       # applies one row; what it did: 新增 / 更新 / 无变化 / 已有，跳过
    needs_fund: bool = False
    notes: tuple[str, ...] = ()                 # the template's 填写说明 above the column hints
    prefill: Callable[[Context], list[list]] | None = None   # rows the template starts with
    code_list: Callable[[Context], list[tuple[str, str]]] | None = None  # (代码, 名称) on the 代码表 sheet


class RowError(BangzhenError):
    """A row's value that does not fit, with the column at fault (None: the row as a whole)."""

    def __init__(self, column: str | None, message: str):
        super().__init__(message, f"column {column}: {message}")
        self.column = column


# ---------------------------------------------------------------- results

APPLIED = ("新增", "更新")      # what a row that changed something says; anything else changed nothing


@dataclass
class RowResult:
    line: int                                   # the row's number in the sheet, as Excel shows it
    values: dict[str, Any]
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    outcome: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        return "；".join(message.rstrip("。") for _, message in self.errors) + "。"


@dataclass
class Report:
    kind: Kind
    path: Path
    sheet: str
    header_line: int
    found: dict[str, int]                       # column key → its 1-based column in the sheet
    rows: list[RowResult]
    dry_run: bool
    valid_only: bool
    applied: bool = False
    backup: Path | None = None
    digest: str = ""                            # the file's sha256 as checked

    @property
    def bad(self) -> list[RowResult]:
        return [row for row in self.rows if not row.ok]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.ok and row.outcome == outcome)

    def summary(self) -> str:
        parts = [f"{outcome} {self.count(outcome)} 行" for outcome in dict.fromkeys(r.outcome for r in self.rows if r.ok)]
        parts.append(f"有错 {len(self.bad)} 行")
        head = f"{self.kind.title}：共 {len(self.rows)} 行，" + "，".join(parts)
        if self.dry_run:
            return head + "。试导入，未作任何改动。"
        if not self.applied:
            return head + "。有错误，全部未导入（改正后重新导入，或选择只导入无误的行）。"
        return head + ("。已导入无误的行，有错的行未导入。" if self.bad else "。已全部导入。")


# ---------------------------------------------------------------- reading cells

_DATE_PARTS = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_HEADER_NORMAL = str.maketrans({"(": "（", ")": "）", " ": None, "\u3000": None, "\n": None})


def normal_header(value: Any) -> str:
    return typed_text(value).translate(_HEADER_NORMAL)


def cell_value(column: Column, value: Any) -> Any:
    """A cell as the kind's row wants it, or RowError naming the column."""
    label = f"“{column.header}”"
    if isinstance(value, Uncomputed):
        raise RowError(column.key, f"{label}是公式（{shown(value.formula, 40)}），文件中没有它的计算结果：请在 Excel 或 WPS "
                                   "中打开并保存后再导入，或改填数值。")
    if isinstance(value, str):
        value = value.strip()
        if value in EXCEL_ERRORS:
            raise RowError(column.key, f"{label}是 Excel 的错误值 {value}，请改为实际的内容。")
    if value in (None, ""):
        if column.required:
            raise RowError(column.key, f"{label}必须填写。")
        return None if column.type in ("money", "date") else ""
    try:
        if column.type == "money":
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
                raise RowError(column.key, f"{label}应为数字，而不是“{shown(value)}”。")
            return Money.from_wan(typed_text(value))
        if column.type == "date":
            if isinstance(value, datetime):
                return check_date(value.date(), label)
            if isinstance(value, date):
                return check_date(value, label)
            parts = _DATE_PARTS.fullmatch(typed_text(value))
            if parts:
                try:
                    return check_date(date(*map(int, parts.groups())), label)
                except ValueError:
                    pass
            return parse_date(value, label)
        if column.type == "code":
            code = typed_text(value)
            if not (code.isascii() and code.isdigit()) or len(code) > MAX_DIGITS:
                raise RowError(column.key, f"{label}应为数字代码，而不是“{shown(value)}”。")
            return code
        if column.type == "count":
            number = typed_text(value)
            if not (number.isascii() and number.isdigit()) or len(number) > MAX_DIGITS:
                raise RowError(column.key, f"{label}应为不小于 0 的整数（至多 {MAX_DIGITS} 位），而不是“{shown(value)}”。")
            return int(number)
        if column.type == "choice":
            choice = typed_text(value)
            if choice not in column.choices + column.also:
                raise RowError(column.key, f"{label}不能是“{shown(choice)}”，可选：{'、'.join(column.choices)}。")
            return choice
        return text.line(typed_text(value), label)  # stored as the services store it, so keys compare alike
    except RowError:
        raise
    except BangzhenError as error:
        message = error.user_message
        raise RowError(column.key, message if message.startswith(label) else f"{label}：{message}") from None


# ---------------------------------------------------------------- reading the sheet

@dataclass
class Sheet:
    title: str
    header_line: int
    found: dict[str, int]
    lines: list[tuple[int, tuple]]             # (row number, cells) of every non-empty row below the header


class Uncomputed:
    """A formula cell the file holds no result for (a workbook written by a script, never opened in Excel)."""

    def __init__(self, formula: str) -> None:
        self.formula = formula


def _header(kind: Kind, cells: tuple) -> dict[str, int] | None:
    """The kind's columns found in a row (key → 1-based column), when the row is the kind's header."""
    wanted = {normal_header(c.header): c for c in kind.columns}
    found: dict[str, int] = {}
    for n, name in enumerate(map(normal_header, cells or ()), 1):
        if name in wanted:
            column = wanted[name]
            if column.key in found:
                raise InputError(f"表头“{column.header}”出现了两次（第 {found[column.key]} 列和第 {n} 列），"
                                 "请删去多余的一列。", f"header {name} twice")
            found[column.key] = n
    required = [c.key for c in kind.columns if c.required]
    return found if all(k in found for k in required) and len(found) >= min(2, len(kind.columns)) else None


def read_sheet(kind: Kind, path: str | Path) -> Sheet:
    """The one sheet holding `kind`'s header (see the module docstring), or a Chinese refusal.

    The workbook is read twice, for the values Excel saved and for the formulas, so that a formula with
    no saved result is refused instead of read as an empty cell."""
    path = Path(path)
    values, formulas = open_workbook(path), open_workbook(path, data_only=False)
    chosen: Sheet | None = None
    try:
        for sheet, written in zip(values.worksheets, formulas.worksheets):
            sheet.reset_dimensions()  # the file's own record of its size may be wrong: read every cell there is
            written.reset_dimensions()
            rows = zip(sheet.iter_rows(), written.iter_rows())
            for line, (cells, _) in enumerate(rows, 1):
                if line > HEADER_SEARCH:
                    break
                found = _header(kind, tuple(cell.value for cell in cells))
                if found is None:
                    continue
                if chosen is not None:
                    raise InputError(f"文件“{path.name}”中有两个工作表（“{chosen.title}”和“{sheet.title}”）都是"
                                     f"{kind.title}，请合并成一个后再导入。", f"{path}: two sheets")
                notes = [n for n, cell in enumerate(cells, 1) if normal_header(cell.value) == ERROR_HEADER]
                chosen = Sheet(sheet.title, line, found, [])
                for number, (row, formula_row) in enumerate(rows, line + 1):
                    cells_read = [Uncomputed(str(f.value)) if v.value is None and getattr(f, "data_type", "") == "f"
                                  else v.value for v, f in zip(row, formula_row)]
                    if any(typed_text(v) if not isinstance(v, Uncomputed) else True
                           for n, v in enumerate(cells_read, 1) if n not in notes):
                        chosen.lines.append((number, tuple(cells_read)))
                break
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 — a read-only workbook is parsed, and may fail, row by row
        raise InputError(f"文件“{path.name}”已损坏，无法读取。", f"{path}: {error}") from None
    finally:
        values.close()
        formulas.close()
    if chosen is None:
        required = [c.header for c in kind.columns if c.required]
        raise InputError(f"文件“{path.name}”中找不到“{kind.title}”的表头。表头行应含：{'、'.join(required)}"
                         f"（可用“bangzhen template {kind.name}”或菜单 文件 → 从 Excel 导入 生成模板）。",
                         f"{path}: no {kind.name} header")
    return chosen


def _values(kind: Kind, sheet: Sheet, cells: tuple) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    values, errors = {}, []
    for column in kind.columns:
        at = sheet.found.get(column.key)
        raw = cells[at - 1] if at is not None and at <= len(cells) else None
        try:
            values[column.key] = cell_value(column, raw)
        except RowError as error:
            errors.append((error.column, error.user_message))
            values[column.key] = raw
    return values, errors


# ---------------------------------------------------------------- importing

def run_import(session: Session, user: User, kind: Kind, path: str | Path, *, fund: Fund | None = None,
               dry_run: bool = False, valid_only: bool = False, db_path: str | Path | None = None,
               progress: Progress | None = None, expect_digest: str = "") -> Report:
    """Check every row of the workbook at `path` and apply what may be applied (see the module docstring).

    Applied rows stay in `session` for the caller's unit of work to commit; when nothing may be kept
    (a dry run, or an error without `valid_only`) the session is rolled back here. With `db_path`, the
    database is backed up before anything is applied. With `expect_digest` (a trial's `Report.digest`), a
    file changed since that trial is refused: what is imported is what was shown.
    """
    from app.services import backup

    path = Path(path)
    if kind.needs_fund and fund is None:
        raise InputError(f"导入{kind.title}须指定资金。", f"{kind.name} without a fund")
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise InputError(f"无法读取文件“{path}”：{error.strerror or error}。", str(error)) from None
    if expect_digest and digest != expect_digest:
        raise InputError(f"文件“{path.name}”在检查之后又被修改过：请返回上一步重新检查，再导入。", "file changed")
    sheet = read_sheet(kind, path)
    report = Report(kind, path, sheet.title, sheet.header_line, sheet.found, [], dry_run, valid_only, digest=digest)
    if not dry_run and db_path is not None:
        report.backup = backup.make_backup(db_path, "import")
    context = Context(session, user, fund)
    seen: dict[tuple, int] = {}
    total = len(sheet.lines)
    for done, (line, cells) in enumerate(sheet.lines):
        if progress is not None and done % 50 == 0:
            progress(done, total, f"第 {line} 行")
        values, errors = _values(kind, sheet, cells)
        row = RowResult(line, values, errors)
        report.rows.append(row)
        key = tuple(values.get(k) for k in kind.key)
        if kind.key and all(v not in (None, "") for v in key):
            if key in seen:
                row.errors.append((kind.key[-1], f"与第 {seen[key]} 行重复（{'、'.join(map(str, key))}）。"))
            else:
                seen[key] = line
        if row.errors:
            continue
        savepoint = session.begin_nested()
        context.notes = row.notes
        try:
            row.outcome = kind.apply(context, values)
            savepoint.commit()
        except RowError as error:
            savepoint.rollback()
            row.errors.append((error.column, error.user_message))
        except BangzhenError as error:
            savepoint.rollback()
            row.errors.append((None, error.user_message))
    if progress is not None:
        progress(total, total, "检查完毕")
    report.applied = not dry_run and (valid_only or not report.bad)
    if not report.applied:
        session.rollback()
    return report


# ---------------------------------------------------------------- the result workbook

def result_path(path: Path) -> Path:
    """Where a checked copy goes unless the user says: beside the input, "<name>-错误说明.xlsx"."""
    return path.with_name(path.stem.removesuffix("-" + ERROR_HEADER) + f"-{ERROR_HEADER}.xlsx")


def write_result(report: Report, out: str | Path) -> Path:
    """The input workbook with each row's 错误说明 and its bad cells highlighted (module docstring)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    out = Path(out)
    book = load_workbook(report.path)
    sheet = book[report.sheet]
    header = report.header_line
    at = next((cell.column for cell in sheet[header] if normal_header(cell.value) == ERROR_HEADER), None)
    if at is None:
        at = sheet.max_column + 1
    sheet.cell(header, at, ERROR_HEADER).font = Font(bold=True, color="C00000")
    sheet.column_dimensions[sheet.cell(header, at).column_letter].width = 60
    for line in range(header + 1, sheet.max_row + 1):  # an earlier result's marks go first
        sheet.cell(line, at).value = None
        for cell in sheet[line]:
            if cell.fill is not None and cell.fill.fgColor is not None and \
                    str(cell.fill.fgColor.rgb)[-6:] in (ERROR_FILL, ROW_FILL):
                cell.fill = PatternFill()
    bad_cell = PatternFill("solid", fgColor=ERROR_FILL)
    whole_row = PatternFill("solid", fgColor=ROW_FILL)
    for row in report.rows:
        note = sheet.cell(row.line, at)
        if row.ok:
            said = ([] if row.outcome in APPLIED else [row.outcome]) + [f"提示：{n}" for n in row.notes]
            note.value = "；".join(said) or None
            continue
        note.value = row.message
        note.alignment = Alignment(wrap_text=True, vertical="top")
        note.fill = whole_row
        for column, _ in row.errors:
            if column in report.found:
                sheet.cell(row.line, report.found[column]).fill = bad_cell
    try:
        book.save(out)
    except OSError as error:
        raise InputError(f"无法写入“{out}”：{error.strerror or error}。", str(error)) from None
    return out


# ---------------------------------------------------------------- templates

def write_template(session: Session, user: User, kind: Kind, out: str | Path, fund: Fund | None = None) -> Path:
    """An empty (or, for some kinds, prefilled) workbook for `kind`: Chinese headers, choice lists as
    data validation, a 代码表 sheet of the codes the user may use, and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    context = Context(session, user, fund)
    book = Workbook()
    sheet = book.active
    sheet.title = kind.title[:31]
    sheet.append([c.header for c in kind.columns])
    thin = Side(style="thin", color="808080")
    for n, column in enumerate(kind.columns, 1):
        cell = sheet.cell(1, n)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    rows = kind.prefill(context) if kind.prefill else []
    for row in rows:
        sheet.append(row)
    last = max(len(rows) + 1, 1000)
    formats = {"code": "@", "text": "@", "date": "yyyy-mm-dd", "money": "0.00####"}
    for n, column in enumerate(kind.columns, 1):
        letter = get_column_letter(n)
        if column.type in formats:  # codes and texts stay as typed (no 4.4162e+08), dates as dates
            sheet.column_dimensions[letter].number_format = formats[column.type]
            for line in range(2, len(rows) + 2):
                sheet.cell(line, n).number_format = formats[column.type]
        if column.type == "choice":
            listed = ",".join(column.choices)
            check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=not column.required,
                                   showErrorMessage=True, errorTitle="请从列表中选择",
                                   error=f"“{column.header}”请从列表中选择。")
        elif column.type == "date":
            check = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                                   formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                                   errorTitle="日期无效", error="请填写 2000–2100 年间的日期，如 2023-05-01。")
        elif column.type == "money":
            check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                   showErrorMessage=True, errorTitle="金额无效", error="金额以万元计，不小于 0。")
        else:
            continue
        sheet.add_data_validation(check)
        check.add(f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32
    guide = book.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 90
    guide.append([f"{kind.title} 导入模板"])
    guide["A1"].font = Font(bold=True, size=14)
    for note in (*kind.notes, "红色表头为必填列；列的顺序可以调整，不认识的列不读。",
                 "导入时先试导入：每一行都会检查，结果文件在原表后加“错误说明”列并标出有错的单元格，改正后可直接再次导入。",
                 "金额以万元计，最多 6 位小数（精确到分）；日期写成 2023-05-01。"):
        guide.append(["", note])
    guide.append([])
    guide.append(["列", "说明"])
    for column in kind.columns:
        what = column.hint or ("从列表中选择：" + "、".join(column.choices) if column.choices else "")
        guide.append([column.header, ("必填。" if column.required else "") + what])
    for line in guide.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if kind.code_list is not None:
        codes = book.create_sheet("代码表")
        codes.append(["代码", "名称"])
        codes["A1"].font = codes["B1"].font = Font(bold=True)
        codes.column_dimensions["A"].width = 14
        codes.column_dimensions["B"].width = 40
        for code, name in kind.code_list(context):
            codes.append([code, name])
            codes.cell(codes.max_row, 1).number_format = "@"
    try:
        book.save(out)
    except OSError as error:
        raise InputError(f"无法写入“{out}”：{error.strerror or error}。", str(error)) from None
    return out

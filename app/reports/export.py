"""Writing a `Table` to a file as the user asked: xlsx or pdf, by option or by the file's suffix, into a
temporary file beside the target that replaces it only when complete (a failed export leaves no half
file and never clobbers the previous one), with every file-system failure said in Chinese."""

from __future__ import annotations

import os
from pathlib import Path

from app.reports.table import Table
from app.services.errors import InputError

FORMATS = ("xlsx", "pdf")


def format_of(path: Path, given: str | None) -> str:
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError(f"不支持的导出格式“{fmt or path.name}”：请用 xlsx 或 pdf（--format，或以 .xlsx/.pdf 结尾的文件名）。",
                         f"unknown format {fmt!r}")
    return fmt


def export(table: Table | list[Table], path: Path, fmt: str | None = None) -> Path:
    from app.reports.pdf import write_pdf
    from app.reports.xlsx import write_xlsx

    fmt = format_of(path, fmt)
    return write_file(lambda target: (write_xlsx if fmt == "xlsx" else write_pdf)(table, target), path, fmt)


def export_sheets(sheets: list, path: Path) -> Path:
    """双签审批表 (services.approval_sheets), one page each, as one PDF."""
    from app.reports.approval_sheet import write_sheets

    if not sheets:
        raise InputError("没有要打印审批表的项目。", "no sheets")
    return write_file(lambda target: write_sheets(sheets, target), path, "pdf")


def write_file(write, path: Path, fmt: str) -> Path:
    """`write(partial)` into a temporary file beside `path` (given the `fmt` suffix if it lacks it), then
    put in its place; file-system failures said in Chinese."""
    path = path if path.suffix.lower() == f".{fmt}" else path.with_name(f"{path.name}.{fmt}")
    if not path.parent.is_dir():
        raise InputError(f"文件夹“{path.parent}”不存在，请先建立或另选位置。", f"no folder {path.parent}")
    partial = path.with_name(f".{path.name}.part")
    try:
        write(partial)
        os.replace(partial, path)
    except PermissionError:
        raise InputError(f"无法写入“{path}”：没有权限，或文件正被其他程序（如 Excel、WPS）打开。请关闭后重试。",
                         f"cannot write {path}") from None
    except OSError as error:
        raise InputError(f"无法写入“{path}”：{error.strerror or error}。", f"cannot write {path}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return path

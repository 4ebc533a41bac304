"""The standard returns from the command line: `bangzhen report --list`, and `bangzhen report NAME
--scope CODE --year Y [--fund ID] [--as-of DATE] [--format xlsx|pdf] --out FILE`. Reading the database
needs no login (whoever holds the file can read it); every figure is computed (app.reports)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import parse_date, unit, year
from app.cli.parsing import number
from app.reports.export import FORMATS, export, export_sheets, format_of
from app.reports.returns import RETURNS, Request, find_return
from app.services.approval_sheets import approval_sheet, check_sheet, sheet_projects
from app.services.errors import InputError


SHEET = "approval-sheet"


def cmd_report(args: argparse.Namespace) -> None:
    if args.list:
        for spec in RETURNS.values():
            print(f"{spec.name}\t{spec.label}")
        print(f"{SHEET}\t双签审批表（PDF，每个项目一页；--project 指定项目，否则为 --scope 地区该年度已双签和已入库的项目）")
        return
    if args.name == SHEET:
        _approval_sheets(args)
        return
    if not args.name or args.out is None or args.year is None:
        raise InputError("请指定报表名称、--year 和 --out，例如：bangzhen report spending --scope 441624 --year 2023 "
                         "--out 支出情况表.xlsx（bangzhen report --list 列出全部报表）。", "report without name, year or out")
    spec = find_return(args.name)
    request = Request(args.scope, args.year, args.fund, parse_date(args.as_of) if args.as_of else None)
    with unit(args) as session:
        tables = spec.tables(session, request)
    written = export(tables, args.out, args.format)
    count = f"{len(tables)} 张表，" if len(tables) > 1 else ""
    print(f"已导出{tables[0].title}：{written}（{count}{sum(len(t.rows) for t in tables)} 行）")


def _approval_sheets(args: argparse.Namespace) -> None:
    if args.out is None:
        raise InputError("请用 --out 指定审批表 PDF 的保存位置。", "sheet without out")
    if format_of(args.out, args.format) != "pdf":
        raise InputError("双签审批表只导出为 PDF（--format pdf，或以 .pdf 结尾的文件名）。", "sheet not pdf")
    with unit(args) as session:
        ids = args.project or sheet_projects(session, args.scope, args.year)
        sheets = [approval_sheet(session, project_id) for project_id in ids]
    written = export_sheets(sheets, args.out)
    print(f"已导出双签审批表：{written}（{len(sheets)} 个项目）")


def cmd_verify_sheet(args: argparse.Namespace) -> None:
    with unit(args) as session:
        result = check_sheet(session, args.code)
    if not result.matches:
        raise InputError(result.message, "sheet does not match")
    print(result.message)


def add_commands(commands, command, parser_class) -> None:
    report = command("report", cmd_report, "导出标准报表（xlsx 或 pdf；--list 列出全部报表）")
    report.add_argument("name", nargs="?", help="报表名称，如 allocation、spending")
    report.add_argument("--list", action="store_true", help="列出全部报表")
    report.add_argument("--scope", default="44", help="地区代码：全省 44、地市 4 位、县区 6 位（默认 44）")
    report.add_argument("--year", type=year, help="年度，如 2023")
    report.add_argument("--fund", help="资金编号或名称（该年度只有一项资金时可省略）")
    report.add_argument("--as-of", help="基准日，如 2023-12-31（默认：年末，或年度未结束时为今天）")
    report.add_argument("--format", choices=FORMATS, help="xlsx 或 pdf（默认按 --out 的扩展名）")
    report.add_argument("--out", type=Path, metavar="文件", help="导出文件路径")
    report.add_argument("--project", type=number, action="append", metavar="编号",
                        help="approval-sheet：项目编号，可重复")
    check = command("verify-sheet", cmd_verify_sheet, "核对纸质双签审批表与系统数据是否一致")
    check.add_argument("code", help="审批表上的校验码（以 BZSHEET1 开头，或 64 位内容校验值）")

"""The standard returns from the command line: `bangzhen report --list`, and `bangzhen report NAME
--scope CODE --year Y [--fund ID] [--as-of DATE] [--format xlsx|pdf] --out FILE`. Reading the database
needs no login (whoever holds the file can read it); every figure is computed (app.reports)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import parse_date, unit, year
from app.reports.export import FORMATS, export
from app.reports.returns import RETURNS, Request, find_return
from app.services.errors import InputError


def cmd_report(args: argparse.Namespace) -> None:
    if args.list:
        for spec in RETURNS.values():
            print(f"{spec.name}\t{spec.label}")
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

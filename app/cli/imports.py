"""`bangzhen template KIND --out F` and `bangzhen import KIND F [--dry-run | --valid-only]`: the Excel
imports of services.imports on the command line. `bangzhen allocation import` is the same import of
下达, kept under the name it had before the other kinds came."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import Passwords, acting, as_user, login, unit
from app.services import import_kinds, imports
from app.services.errors import InputError
from app.services.money import funds

SHOWN_ERRORS = 20  # rows printed on the terminal; the result workbook holds all of them


def _fund(session, kind: imports.Kind, args: argparse.Namespace):
    if args.fund:
        return funds.find_fund(session, args.fund)
    if kind.needs_fund:
        raise InputError(f"导入{kind.title}须用 --fund 指定资金（名称或编号）。", "no --fund")
    return None


@as_user
def cmd_template(session, user, args, _password) -> None:
    kind = import_kinds.find_kind(args.kind)
    out = imports.write_template(session, user, kind, args.out, _fund(session, kind, args))
    print(f"已生成“{kind.title}”导入模板：{out}")


def run(args: argparse.Namespace, kind_name: str) -> None:
    kind = import_kinds.find_kind(kind_name)
    with unit(args) as session:
        user, _ = login(session, args, Passwords())
        report = imports.run_import(session, user, kind, args.file, fund=_fund(session, kind, args),
                                    dry_run=args.dry_run, valid_only=args.valid_only, db_path=args.db)
        said = [f"  第 {row.line} 行：{row.message}" for row in report.bad[:SHOWN_ERRORS]]
        if len(report.bad) > SHOWN_ERRORS:
            said.append(f"  ……另有 {len(report.bad) - SHOWN_ERRORS} 行有错，见结果文件。")
        said += [f"  第 {row.line} 行提示：{note}" for row in report.rows for note in row.notes]
        result = args.result or (imports.result_path(args.file) if report.bad else None)
        if result is not None:
            said.append(f"  结果文件（原表加“错误说明”列，有错的单元格标红）：{imports.write_result(report, result)}")
        if report.backup is not None and report.applied:
            said.append(f"  导入前已备份：{report.backup}")
        if report.bad and not report.applied and not args.dry_run:
            raise InputError("\n".join([report.summary(), *said]), f"{len(report.bad)} bad rows")
    print("\n".join([report.summary(), *said]))


def cmd_import(args: argparse.Namespace) -> None:
    run(args, args.kind)


def cmd_allocation_import(args: argparse.Namespace) -> None:
    run(args, import_kinds.ALLOCATIONS.name)


def add_import_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("file", type=Path, help="填好的 xlsx 文件")
    sub.add_argument("--dry-run", action="store_true", help="试导入：逐行检查，不作任何改动")
    sub.add_argument("--valid-only", action="store_true", help="只导入无误的行（默认：有一行有错就全部不导入）")
    sub.add_argument("--result", type=Path, help="把检查结果（原表加“错误说明”列）写到这个文件；有错时默认写在原文件旁")


def add_commands(commands, command, parser_class) -> None:
    """Register the commands on the main parser's subcommands (see app.cli.build_parser)."""
    kinds = "；".join(f"{k.name}：{k.title}" for k in import_kinds.KINDS.values())
    template = acting(command("template", cmd_template, f"生成 Excel 导入模板（{kinds}）"))
    template.add_argument("kind", metavar="KIND", choices=list(import_kinds.KINDS), help="导入的种类")
    template.add_argument("--out", type=Path, required=True, help="模板文件（.xlsx）")
    template.add_argument("--fund", help="资金名称或编号（下达、到位、上报支出数）")
    imp = acting(command("import", cmd_import, "从 Excel 导入（逐行检查；有错的行写进结果文件的“错误说明”列）"))
    imp.add_argument("kind", metavar="KIND", choices=list(import_kinds.KINDS), help=f"导入的种类：{kinds}")
    add_import_arguments(imp)
    imp.add_argument("--fund", help="资金名称或编号（下达、到位、上报支出数必填）")

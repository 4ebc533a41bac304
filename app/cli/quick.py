"""The commands that only read a little and must answer at once (issue 19: `bangzhen stats` within
0.15 s and `project show` within 0.2 s on a province): they use the standard library's sqlite3 on a file
`dbfile` has checked, and never import SQLAlchemy, the models or the services that need them (about
0.4 s of imports on an office PC). Each is also registered in the full parser, so --help lists it."""

from __future__ import annotations

import argparse

from app.cli.parsing import ChineseArgumentParser, add_db_argument, number, run
from app.services import dbfile, stats

STATS_HELP = "显示各表记录数"
PROJECT_SHOW_HELP = "查看项目全部内容、签名和支出"


def cmd_stats(args: argparse.Namespace) -> None:
    counts = stats.read_counts(args.db)
    width = max(len(label) for label in stats.TABLE_LABELS.values())
    print(f"数据库：{args.db}")
    for table, n in counts.items():
        label = stats.TABLE_LABELS[table]
        print(f"  {label}{'　' * (width - len(label))}  {n:>10,}  ({table})")


def cmd_project_show(args: argparse.Namespace) -> None:
    sheet = _read_sheet(args.db, args.id)
    print(f"项目 {sheet.id}  状态：{sheet.status.label}  内容版本：{sheet.content_version}")
    if sheet.status_reason:
        print(f"  {sheet.reason_label}：{sheet.status_reason}")
    for label, value in sheet.lines:
        print(f"  {label}：{value}")
    for signature in sheet.signatures:
        state = f"已作废（{signature.void_reason}）" if signature.void_reason is not None else "有效"
        print(f"  签名：{signature.role.label} {signature.signer} "
              f"{signature.signed_at:%Y-%m-%d %H:%M} 第 {signature.content_version} 版 {state}")
    for change in sheet.changes:
        print(f"  签字后变更：{change.label}：{change.before} → {change.after}")
    for label, day in sheet.dates:
        print(f"  {label}：{day}")
    for kind, period, where in sheet.publicity:
        print(f"  {kind}：{period} {where}")
    print(f"  金额：{sheet.amount.format_yuan()} 元，资金安排：{sheet.arranged.format_yuan()} 元，"
          f"已支出：{sheet.spent.format_yuan()} 元")
    for e in sheet.expenditures:
        print(f"    支出 {e.id}：{e.spent_on} {e.amount.format_yuan()} 元 {e.payee} 凭证 {e.voucher_no} {e.purpose}")


def _read_sheet(path, project_id: int):
    from app.services import project_sheet  # here: `stats` never waits for it

    return dbfile.read_only(path, lambda connection: project_sheet.read_sheet(
        lambda sql, params: connection.execute(sql, params).fetchall(), project_id))


def add_project_show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=number, help="项目编号")


# Command words → handler, help, what else the command takes (besides --db).
COMMANDS = {("stats",): (cmd_stats, STATS_HELP, lambda parser: None),
            ("project", "show"): (cmd_project_show, PROJECT_SHOW_HELP, add_project_show_arguments)}


def command_of(argv: list[str]) -> tuple[str, ...] | None:
    """The quick command `argv` starts with, if any."""
    return next((words for words in COMMANDS if tuple(argv[:len(words)]) == words), None)


def main(argv: list[str]) -> int:
    words = command_of(argv)
    handler, help_text, add_arguments = COMMANDS[words]
    parser = ChineseArgumentParser(prog=f"bangzhen {' '.join(words)}", description=help_text)
    add_arguments(parser)
    add_db_argument(parser)
    parser.set_defaults(handler=handler)
    return run(parser.parse_args(argv[len(words):]))

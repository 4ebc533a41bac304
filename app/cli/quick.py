"""The commands that only read a few figures and must answer at once (issue 19: `bangzhen stats` within
0.15 s on a province): they use the standard library's sqlite3 on a file `dbfile` has checked, and
never import SQLAlchemy, the models or the services (about 0.4 s of imports on an office PC)."""

from __future__ import annotations

import argparse

from app.cli.parsing import ChineseArgumentParser, add_db_argument, run
from app.services import stats

STATS_HELP = "显示各表记录数"


def cmd_stats(args: argparse.Namespace) -> None:
    counts = stats.read_counts(args.db)
    width = max(len(label) for label in stats.TABLE_LABELS.values())
    print(f"数据库：{args.db}")
    for table, n in counts.items():
        label = stats.TABLE_LABELS[table]
        print(f"  {label}{'　' * (width - len(label))}  {n:>10,}  ({table})")


COMMANDS = {"stats": (cmd_stats, STATS_HELP)}


def main(argv: list[str]) -> int:
    name, *rest = argv
    handler, help_text = COMMANDS[name]
    parser = ChineseArgumentParser(prog=f"bangzhen {name}", description=help_text)
    add_db_argument(parser)
    parser.set_defaults(handler=handler)
    return run(parser.parse_args(rest))

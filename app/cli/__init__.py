"""`bangzhen`: the program's services from the command line. A quick command (`app.cli.quick`) runs on
the standard library alone and answers at once; every other one loads the services it needs
(`app.cli.commands`, which builds the full parser and lists every command in --help)."""

from __future__ import annotations

import sys

from app.cli import quick
from app.cli.parsing import complain, decodable


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not decodable(argv):
        complain("错误：命令行参数中有无法识别的字符（不是 UTF-8 编码的文字），请检查后重试。")
        return 2
    if quick.command_of(argv):
        return quick.main(argv)
    from app.cli.commands import main as run_command

    return run_command(argv)

"""What every `bangzhen` command shares before any database work, kept free of SQLAlchemy so that a quick
command starts at once: argparse speaking Chinese, the --db argument, how a failure is told, and the
output held until the work is done."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Iterator

from app.errors import BangzhenError, shown
from app.services.errors import InputError
from app.services.paths import default_db_path

log = logging.getLogger("bangzhen")


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its complaints in Chinese (its own messages are English)."""

    def error(self, message: str) -> None:
        for english, chinese in (("the following arguments are required", "缺少参数"),
                                 ("invalid int value", "不是整数"), ("invalid choice", "无效的选项"),
                                 ("unrecognized arguments", "无法识别的参数"), ("argument ", "参数 "),
                                 ("expected one argument", "需要一个值")):
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{message}\n使用 {self.prog} --help 查看帮助。\n")


def argument_type(check: Callable[[str], int]) -> Callable[[str], int]:
    """`check` as an argparse type: its Chinese refusal becomes argparse's (exit 2, usage)."""
    def convert(text: str) -> int:
        try:
            return check(text)
        except InputError as error:
            raise argparse.ArgumentTypeError(error.user_message) from None
    return convert


def _number(text: str) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise InputError(f"“{shown(text)}”不是整数（编号或数量应为不超过 18 位的非负整数）。", f"bad number {text!r}")
    return int(digits)


number = argument_type(_number)  # a record's number or a count: ASCII digits only, small enough for the database


def add_db_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    if required:  # sample data never goes into the real ledger by default
        parser.add_argument("--db", type=Path, required=True, help="数据库文件（必须指定）")
    else:
        parser.add_argument("--db", type=Path, default=default_db_path(), help="数据库文件（默认：用户数据目录）")


def decodable(argv: list[str]) -> bool:
    """Bytes that are not UTF-8 reach Python as lone surrogates, which no file or database can store."""
    try:
        for arg in argv:
            arg.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def complain(message: str) -> None:
    """A message on standard error, which may itself be a pipe whose reader has gone."""
    try:
        print(message, file=sys.stderr, flush=True)
    except BrokenPipeError:
        pass


def internal_error(error: Exception) -> int:
    """The last line of defence: a fault of the program is told in one line, never as a traceback."""
    complain(f"程序内部错误：{type(error).__name__}: {error}\n请将此信息反馈给技术支持。")
    return 1


@contextlib.contextmanager
def held_output() -> Iterator[io.StringIO]:
    """Standard output, held in memory for `release` (see app.cli.common's docstring)."""
    held = io.StringIO()
    with contextlib.redirect_stdout(held):
        yield held


def release(held: io.StringIO) -> None:
    """Write what a command held; a reader gone by now is not an error (the work is already saved)."""
    try:
        sys.stdout.write(held.getvalue())
        sys.stdout.flush()
    except BrokenPipeError:
        # Point the descriptor at /dev/null so that Python's own flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run(args: argparse.Namespace) -> int:
    """Run the parsed command's handler; its exit status. Output is held until the work is done; a
    failure is told in Chinese on standard error (what a read-only command held is written first)."""
    try:
        with held_output() as held:
            args.handler(args)
    except BangzhenError as error:
        log.debug("%s", error.log_message)
        if not getattr(args, "as_user", None):  # a read-only report the error sums up (see common)
            release(held)
        complain(f"错误：{error.user_message}")
        return 2
    except KeyboardInterrupt:
        complain("已取消。")
        return 130
    except Exception as error:  # noqa: BLE001 — the last line of defence: no traceback for the user
        return internal_error(error)
    release(held)
    return 0

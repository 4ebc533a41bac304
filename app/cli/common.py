"""What every command shares: the acting user (--as) logged in with a password read from standard
input (one per line) or a no-echo prompt, never an argument; numbers, years, amounts and dates as
typed; and when a command's output reaches its reader.

Output and commit, exactly:
- Everything a command prints to standard output is held while it runs (`held_output`) and written
  when it has finished (`release`): for a command that changes data, after its unit of work (`unit`)
  has committed. A success message never reaches anyone for work that was not saved.
- Just before a unit of work commits, the command makes sure its standard output can still be
  written. When the reader has already gone (a pipe into `head` that exited, say), the work is rolled
  back and the command fails with exit status 2 and a message on standard error: nothing changed.
- When the reader goes while the held output is being written after the commit (BrokenPipeError),
  the command ends quietly with status 0: the work is saved; the reader chose to stop reading.
- A command that fails prints its error in Chinese on standard error with status 2. What it held is
  dropped when it acted as a user (--as: the lines would describe work that was rolled back) and
  written first otherwise (a read-only report, such as `verify`'s problems, that the error sums up).
- The check for a gone reader uses poll(), which Windows lacks; there it is skipped, and the output
  still comes only after the commit.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import select
import sys
from datetime import date
from typing import Callable, Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.cli.parsing import argument_type
from app.errors import BangzhenError, shown
from app.models import Money, User
from app.services import database, dates, security
from app.services.errors import InputError


class OutputClosed(BangzhenError):
    """Standard output's reader went away before the work was saved; it was rolled back."""


class Passwords:
    """Passwords in order: lines of a piped stdin, or prompts at a terminal."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()

    def read(self, prompt: str, confirm: bool = False) -> str:
        if self.interactive:
            first = getpass.getpass(f"{prompt}：")
            if confirm and getpass.getpass(f"再次输入{prompt}：") != first:
                raise InputError("两次输入的密码不一致。", "password confirmation differs")
            return first
        try:
            line = sys.stdin.readline()
        except UnicodeDecodeError:
            raise InputError(f"{prompt}不是有效的 UTF-8 文字。", "stdin not UTF-8") from None
        if not line:
            raise InputError(f"缺少{prompt}：请在标准输入中每行提供一个密码。", "stdin ended")
        return line.rstrip("\r\n")


def login(session, args: argparse.Namespace, passwords: Passwords) -> tuple[User, str]:
    password = passwords.read(f"用户“{args.as_user}”的密码")
    user = security.authenticate(session, args.as_user, password)
    return user, password


def engine(args: argparse.Namespace) -> Engine:
    return database.connect(args.db)


# ---------------------------------------------------------------- output after the commit

def require_reader() -> None:
    """Refuse to go on when standard output's reader has gone: what was done could not be reported."""
    try:
        fd = sys.__stdout__.fileno()
    except (AttributeError, ValueError, OSError):  # no standard output at all: nobody to tell
        return
    if not hasattr(select, "poll"):  # Windows
        return
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    if any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0)):
        raise OutputClosed("输出已中断（接收输出的程序已退出），本次操作已撤销，未作任何改动。",
                           "stdout's reader gone before commit")


@contextlib.contextmanager
def unit(args: argparse.Namespace, on: Engine | None = None) -> Iterator[Session]:
    """A command's unit of work on --db (or `on`): committed only while its output can still be read."""
    with database.unit_of_work(on or engine(args)) as session:
        yield session
        require_reader()


def as_user(function: Callable) -> Callable[[argparse.Namespace], None]:
    """A command body `function(session, user, args, password)` run as the --as user, in one unit of work."""
    def run(args: argparse.Namespace) -> None:
        with unit(args) as session:
            user, password = login(session, args, Passwords())
            function(session, user, args, password)
    return run


def reading(function: Callable) -> Callable[[argparse.Namespace], None]:
    """A read-only command body `function(session, args)`, in one unit of work."""
    def run(args: argparse.Namespace) -> None:
        with unit(args) as session:
            function(session, args)
    return run


def print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"  提示：{warning}")


# ---------------------------------------------------------------- values as typed

def yuan(text: str) -> Money:
    """An amount typed in 元: strictly digits (thousands commas where they belong), at most 2 decimals,
    not negative (see Money.from_yuan)."""
    return _not_negative(Money.from_yuan(text), text, "元")


def wan(text: str) -> Money:
    """An amount typed in 万元 (at most 6 decimals: exact to the 分), not negative."""
    return _not_negative(Money.from_wan(text), text, "万元")


def _not_negative(amount: Money, text: str, unit: str) -> Money:
    if amount.fen < 0:
        raise InputError(f"金额“{shown(text)}”{unit}不能为负数。", f"negative amount {shown(text)!r}")
    return amount


def parse_date(text: str | None) -> date:
    """A date typed as 2023-05-01 (years 2000–2100); today when not given."""
    return dates.parse_date(text) if text else date.today()


year = argument_type(dates.check_year)  # a year, 2000–2100


# ---------------------------------------------------------------- the parser

def group(commands, parser_class, name: str, help_text: str):
    """A command group (`bangzhen <name> <子命令>`) on the main parser's subcommands."""
    return commands.add_parser(name, help=help_text).add_subparsers(
        dest=f"{name}_command", required=True, metavar="子命令", parser_class=parser_class)


def acting(sub: argparse.ArgumentParser, passwords: str = "该用户的密码") -> argparse.ArgumentParser:
    """A command that acts as --as; its passwords come on standard input, one per line."""
    sub.add_argument("--as", dest="as_user", required=True, metavar="用户名",
                     help=f"执行操作的用户；标准输入依次提供：{passwords}（每行一个）")
    return sub

"""What every command that acts shares: the acting user (--as) logged in with a password read from
standard input (one per line) or a no-echo prompt, never an argument; and amounts and dates as typed."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from typing import Callable

from app.models import Money, User
from app.services import database, security
from app.services.errors import InputError


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
        line = sys.stdin.readline()
        if not line:
            raise InputError(f"缺少{prompt}：请在标准输入中每行提供一个密码。", "stdin ended")
        return line.rstrip("\r\n")


def login(session, args: argparse.Namespace, passwords: Passwords) -> tuple[User, str]:
    password = passwords.read(f"用户“{args.as_user}”的密码")
    user = security.authenticate(session, args.as_user, password)
    return user, password


def engine(args: argparse.Namespace):
    return database.connect(args.db)


def print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"  提示：{warning}")


def yuan(text: str) -> Money:
    """An amount typed in 元 (at most 分; thousands commas only where they belong)."""
    return Money.from_yuan(text)


def parse_date(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期“{text}”无效，应写成 2023-05-01。", f"bad date {text!r}") from None


def wan(text: str) -> Money:
    """An amount typed in 万元."""
    return Money.from_wan(text)


def group(commands, parser_class, name: str, help_text: str):
    """A command group (`bangzhen <name> <子命令>`) on the main parser's subcommands."""
    return commands.add_parser(name, help=help_text).add_subparsers(
        dest=f"{name}_command", required=True, metavar="子命令", parser_class=parser_class)


def acting(sub: argparse.ArgumentParser, passwords: str = "该用户的密码") -> argparse.ArgumentParser:
    """A command that acts as --as; its passwords come on standard input, one per line."""
    sub.add_argument("--as", dest="as_user", required=True, metavar="用户名",
                     help=f"执行操作的用户；标准输入依次提供：{passwords}（每行一个）")
    return sub


def as_user(function: Callable) -> Callable[[argparse.Namespace], None]:
    """A command body `function(session, user, args, password)` run as the --as user, in one unit of work."""
    def run(args: argparse.Namespace) -> None:
        with database.unit_of_work(engine(args)) as session:
            user, password = login(session, args, Passwords())
            function(session, user, args, password)
    return run


def reading(function: Callable) -> Callable[[argparse.Namespace], None]:
    """A read-only command body `function(session, args)`, in one unit of work."""
    def run(args: argparse.Namespace) -> None:
        with database.unit_of_work(engine(args)) as session:
            function(session, args)
    return run

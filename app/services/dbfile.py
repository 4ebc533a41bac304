"""Looking at a database file before opening it, with the standard library's sqlite3 alone (no SQLAlchemy,
so that a command that only reads can answer at once): is it there, is it ours, is its schema current;
and SQLite's errors in Chinese.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable, TypeVar

from app.migrations import HEAD, REVISIONS
from app.services.errors import DatabaseError
from app.services.sqlite_limits import limit_variables

T = TypeVar("T")

BUSY_TIMEOUT_MS = 3000


def check(path: Path, *, create: bool = False, upgrade: bool = False) -> str | None:
    """The file's schema revision (None for a new or empty file), after refusing what may not be opened:
    a missing file (unless `create`), a folder, a file that is not ours, one from a newer program, and
    an outdated one (unless `upgrade`)."""
    if path.is_dir():
        raise DatabaseError(f"“{path}”是一个文件夹，不是数据库文件。", f"{path} is a directory")
    exists = path.exists()
    if not exists and not create:
        raise DatabaseError(f"数据库文件“{path}”不存在。请检查路径，或先运行 bangzhen init --db {path} 创建。",
                            f"{path} does not exist")
    if not exists and not path.parent.exists():
        raise DatabaseError(f"文件夹“{path.parent}”不存在，无法创建数据库。", f"no folder {path.parent}")
    # Look before touching: the file is only read until it is known to be ours and current.
    revision, has_tables = inspect(path) if exists else (None, False)
    if revision is None and has_tables:
        raise DatabaseError(f"“{path}”不是本程序的数据库（缺少版本信息）。请选择正确的文件。",
                            f"{path}: no alembic_version table")
    if revision is None and not (create or upgrade):
        raise DatabaseError(f"“{path}”是空的数据库文件。请运行 bangzhen init --db {path} 初始化。", f"{path}: empty")
    if revision is not None and revision not in REVISIONS:
        raise DatabaseError(
            f"数据库“{path}”由更新版本的帮镇扶村台账创建（结构版本 {revision}），本程序无法安全打开。请升级本程序。",
            f"{path}: unknown revision {revision}, this program knows {REVISIONS}")
    if revision not in (None, HEAD) and not upgrade:
        raise DatabaseError(f"数据库“{path}”来自旧版本程序，需要升级。请运行 bangzhen init --db {path}。",
                            f"{path}: revision {revision} is behind {HEAD}")
    return revision


def open_read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    limit_variables(connection)
    return connection


def read_only(path: str | Path, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work` on the database at `path`, opened read-only once it is known to be a current one of ours;
    an SQLite error becomes a Chinese `DatabaseError` (the quick commands, app.cli.quick)."""
    path = Path(path)
    check(path)
    try:
        connection = open_read_only(path)
        try:
            return work(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise user_error(str(error), f"“{path}”") from None


def inspect(path: Path) -> tuple[str | None, bool]:
    """(Alembic revision or None, whether it has tables other than alembic_version), read-only."""
    try:
        conn = open_read_only(path)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in names:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            return revision, bool(names - {"alembic_version"})
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise user_error(str(error), f"“{path}”") from None


def user_error(message: str, where: str) -> DatabaseError:
    if "locked" in message or "busy" in message:
        return DatabaseError(f"数据库文件{where}正被其他程序占用（已锁定）。请关闭其他正在使用它的程序后重试。", message)
    if "readonly" in message or "read-only" in message:
        return DatabaseError(f"数据库文件{where}是只读的，无法写入。请检查文件权限。", message)
    if "unable to open" in message:
        return DatabaseError(f"无法打开数据库文件{where}。请检查路径和权限。", message)
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return DatabaseError(f"文件{where}不是有效的数据库，或已损坏。请从备份恢复，或选择正确的文件。", message)
    return DatabaseError(f"数据库{where}操作失败，请重试；如果问题持续，请联系技术支持。", message)

"""Everything between `python -m app` and a shown window: the font, the one-instance-per-database
lock, opening (or, on first start, creating the demo) database, the login, and building the main
window."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QApplication

from sqlalchemy import Engine

from app.errors import BangzhenError
from app.services import database
from app.services.paths import default_db_path
from app.ui.chinese import install_chinese
from app.ui.fonts import install_app_font
from app.ui.login import Login
from app.ui.main_window import MainWindow


class StartupError(BangzhenError):
    def __init__(self, user_message: str, exit_code: int = 2) -> None:
        super().__init__(user_message)
        self.exit_code = exit_code


def lock_database(path: Path) -> QLockFile:
    """Hold `<db>.lock` while the window is open; a second instance on the same file is refused."""
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # a lock whose process has died is stale whatever its age
    if not lock.tryLock(200):
        if lock.error() != QLockFile.LockError.LockFailedError:
            raise StartupError(f"无法在“{path.parent}”中创建锁文件：文件夹不存在或没有写入权限。")
        pid, host, _ = lock.getLockInfo()
        raise StartupError(f"数据库“{path}”已在另一个窗口中打开（进程 {pid}，计算机 {host}）。\n"
                           "同一个数据库同时只能由一个程序窗口使用，请切换到已打开的窗口。", exit_code=3)
    return lock


def open_main_window(app: QApplication, db: Path | None,
                     sign_in: Callable[[Engine], Login | None] | None = None) -> MainWindow | None:
    """The main window on `db`. With `sign_in` (the login dialog) the person signs in first, and
    None is returned when they close it; without, the window is read-only (smoke test, tests)."""
    install_app_font(app)
    install_chinese(app)
    first_start = db is None and not default_db_path().exists()
    path = db.resolve() if db else default_db_path()
    if first_start:
        path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_database(path)
    engine = None
    try:
        engine = database.connect(path, create=first_start, upgrade=True)
        if first_start:
            from app.services import demo  # only needed once, so kept out of every other start-up

            with database.unit_of_work(engine) as session:
                demo.create_demo(session)
        login = sign_in(engine) if sign_in is not None else None
        if sign_in is not None and login is None:
            engine.dispose()
            lock.unlock()
            return None
        window = MainWindow(engine, path, login)
    except BaseException as error:
        if engine is not None:
            engine.dispose()
        if first_start:  # never leave a half-made demo that the next start would take as real
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        lock.unlock()
        if isinstance(error, BangzhenError):
            raise StartupError(error.user_message) from error
        raise
    window.hold(lock)
    if first_start:
        window.statusBar().showMessage(f"首次启动：已创建演示数据库 {path}", 15000)
    return window

"""Running service calls from the GUI, in one unit of work each (after Anki's `aqt.operations`).

- `run_now` is for what a user does with a click or a dialog's OK (save, sign, spend): a fraction
  of a second, run on the GUI thread with a wait cursor. A `BangzhenError` is shown as a Chinese
  warning and nothing is changed (the unit of work rolls back); the caller gets `Failed`.
- `BackgroundOp` is for long work (verify a province, read the whole audit chain): the service runs
  on a worker thread with its own session, reports progress to a modal progress dialog that can
  cancel it, and hands its result to `success` back on the GUI thread. The op must not touch any
  widget: it gets a `Session` and a `progress(done, total, what)` callable, nothing else.

Every op receives the `Session`; the acting user is re-read inside it (see `login.Login.user`), so
the services always check permissions against the database, not against what the GUI remembers.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import APP_NAME
from app.errors import BangzhenError, Cancelled
from app.services.database import unit_of_work

T = TypeVar("T")
Progress = Callable[[int, int, str], None]


class _FailedType:
    """What `run_now` returns when the op raised (the error has been shown already)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Failed"


Failed: Any = _FailedType()


def show_error(parent: QWidget | None, error: BaseException) -> None:
    if isinstance(error, BangzhenError):
        QMessageBox.warning(parent, APP_NAME, error.user_message)
    else:
        traceback.print_exception(type(error), error, error.__traceback__)
        QMessageBox.critical(parent, APP_NAME, f"程序内部错误：{type(error).__name__}: {error}\n"
                                               "操作未完成，数据未改动。请将此信息反馈给技术支持。")


def run_now(parent: QWidget | None, engine: Engine, op: Callable[[Session], T],
            failure: Callable[[BangzhenError], Any] | None = None) -> T | Any:
    """Run `op` in one unit of work on the GUI thread. Returns its result, or `Failed` after showing
    the error (or passing it to `failure`) when it raised a `BangzhenError`."""
    QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    try:
        with unit_of_work(engine) as session:
            return op(session)
    except BangzhenError as error:
        failed = error
    finally:
        QGuiApplication.restoreOverrideCursor()  # before any message box, which must not show a wait cursor
    (failure or (lambda e: show_error(parent, e)))(failed)
    return Failed


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object, object)  # result, error


class _Job(QRunnable):
    def __init__(self, engine: Engine, op: Callable[[Session, Progress], Any], signals: _Signals,
                 cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._engine, self._op, self._signals, self._cancel = engine, op, signals, cancel

    def _progress(self, done: int, total: int, what: str = "") -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self._signals.progress.emit(done, total, what)

    def run(self) -> None:
        try:
            with unit_of_work(self._engine) as session:
                result = self._op(session, self._progress)
        except BaseException as error:  # reported on the GUI thread; a worker must not die silently
            self._signals.finished.emit(None, error)
        else:
            self._signals.finished.emit(result, None)


class BackgroundOp(Generic[T]):
    """Run `op(session, progress)` on a worker thread; `success(result)` runs on the GUI thread.

    With a `label`, a modal progress dialog shows `progress` calls and offers 取消, which makes the
    op's next `progress` call raise `Cancelled` (so its unit of work rolls back)."""

    def __init__(self, parent: QWidget | None, engine: Engine, op: Callable[[Session, Progress], T], *,
                 success: Callable[[T], Any], failure: Callable[[BaseException], Any] | None = None,
                 label: str | None = None) -> None:
        self._parent, self._engine, self._op = parent, engine, op
        self._success, self._failure, self._label = success, failure, label
        self._cancel = threading.Event()
        self._signals = _Signals()
        self._dialog: QProgressDialog | None = None
        self.done = False

    def start(self) -> "BackgroundOp[T]":
        if self._label is not None:
            dialog = QProgressDialog(self._label, "取消", 0, 0, self._parent)
            dialog.setWindowTitle(APP_NAME)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.canceled.connect(self._cancel.set)
            self._dialog = dialog
        self._signals.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._signals.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        _running.add(self)  # keep the op and its signals alive until it reports back
        QThreadPool.globalInstance().start(_Job(self._engine, self._op, self._signals, self._cancel))
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether 取消 or `stop_background_ops` asked it to stop (for an op that checks by itself)."""
        return self._cancel.is_set()

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if self._dialog is not None and not self._cancel.is_set():
            self._dialog.setMaximum(max(total, 1))
            self._dialog.setValue(min(done, max(total, 1)))
            if what:
                self._dialog.setLabelText(f"{self._label}（{what} {done:,}/{total:,}）")

    def _on_finished(self, result: Any, error: BaseException | None) -> None:
        _running.discard(self)
        self.done = True
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
        if error is None:
            self._success(result)
        elif self._failure is not None:
            self._failure(error)
        elif not isinstance(error, Cancelled):
            show_error(self._parent, error)


_running: set[BackgroundOp] = set()


def stop_background_ops(timeout_ms: int = 10000) -> bool:
    """Cancel every background op and wait for its worker to stop (before the database is closed)."""
    for op in list(_running):
        op.cancel()
    return QThreadPool.globalInstance().waitForDone(timeout_ms)

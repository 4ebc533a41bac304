"""Helpers the test modules share (on the path through pytest's `pythonpath`, so both `pytest` and
`python -m pytest` find them): the `bangzhen` command as a user runs it, and how its answers read; the
databases earlier programs made."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
OLD_DEMOS = ROOT / "tests" / "migrations" / "data"


def bangzhen(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=300, cwd=ROOT)


def old_demo(revision: str, folder: Path, name: str = "county.sqlite") -> Path:
    """The demo database an earlier program made (`tests/migrations/data/demo_<revision>.sqlite.gz`),
    unpacked into `folder` as `name`, with the trust file it wrote beside it when there is one."""
    path = folder / name
    with gzip.open(OLD_DEMOS / f"demo_{revision}.sqlite.gz") as packed, path.open("wb") as file:
        shutil.copyfileobj(packed, file)
    trust = OLD_DEMOS / f"demo_{revision}.sqlite.trust.json"
    if trust.exists():
        shutil.copy(trust, folder / f"{name}.trust.json")
    return path


@contextlib.contextmanager
def raw_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to `path` (an insider's, or a test's look), committed and closed on leaving.
    sqlite3's own `with` only commits: a connection left to the garbage collector can, whenever it is
    collected, checkpoint its WAL into a file that a test has replaced meanwhile."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    """Exit status 2, the Chinese message on stderr, no traceback anywhere."""
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def in_modal(kind, fill) -> None:
    """Answer the next modal dialog (of `kind`) with `fill(dialog)` (GUI tests)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def answer():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, kind), dialog
        fill(dialog)
    QTimer.singleShot(0, answer)

"""Alembic migrations: `alembic upgrade head` creates or upgrades a database.

`REVISIONS` lists every revision in order, so the program can tell an old database (upgrade it) from
one written by a newer program (refuse it) without importing Alembic at start-up; a test keeps the
list equal to the scripts in `versions/`.
"""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012")
HEAD = REVISIONS[-1]

"""How many parameters one SQL statement may bind. SQLite allows 32,766 in a stock build (the Python most
Windows offices run), PostgreSQL 65,535, some builds far more: the program never relies on more than a
few hundred, so lists of ids are paged or joined, never bound one parameter per id. Kept apart from
`database` so that `verify`'s worker processes can use it without importing SQLAlchemy.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Iterator, Sequence, TypeVar

T = TypeVar("T")
MAX_PARAMETERS = 900
PAGE = 500  # ids bound by one statement (a page of ids, and room for the statement's other parameters)
VARIABLE_LIMIT_ENV = "BANGZHEN_SQLITE_MAX_VARIABLES"


def limit_variables(connection: sqlite3.Connection) -> None:
    """Lower the connection's limit on bound parameters when the environment asks for it. The test
    suite sets it to 999 in every process (SQLite's historic default), so a statement that binds one
    parameter per id fails a test here instead of a province's work on a stock build."""
    limit = os.environ.get(VARIABLE_LIMIT_ENV)
    if limit:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, int(limit))


def pages(items: Sequence[T], size: int = PAGE) -> Iterator[Sequence[T]]:
    """`items` a page at a time, for a statement that binds them: no statement binds more than `size`."""
    for start in range(0, len(items), size):
        yield items[start:start + size]

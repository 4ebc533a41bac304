"""Domain errors: each carries a Chinese message for the user and an English one for the log."""

from __future__ import annotations

from app.errors import BangzhenError

__all__ = ["BangzhenError", "DatabaseError", "InputError", "NotFound"]


class DatabaseError(BangzhenError):
    """The database file is missing, damaged, locked, foreign or from a newer program."""


class InputError(BangzhenError):
    """A file or value the user supplied is not what it must be; nothing was changed."""


class NotFound(BangzhenError):
    """A code or id that names nothing in this database."""

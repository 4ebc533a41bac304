"""The one exception family every layer raises for the user to read.

Each error carries a Chinese message for the user (shown by the CLI and the GUI as is) and an
English one for the log; anything else reaching the top is a bug.
"""

from __future__ import annotations


class BangzhenError(Exception):
    """An expected failure with a message the user can act on."""

    def __init__(self, user_message: str, log_message: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.log_message = log_message or user_message


class Cancelled(BangzhenError):
    """The user stopped a long operation (取消): nothing it would have written was kept."""

    def __init__(self) -> None:
        super().__init__("操作已取消，未作任何改动。", "cancelled by the user")


def shown(value: object, limit: int = 24) -> str:
    """A value the user typed, as an error message quotes it: short, on one line, never failing
    (an integer too long for str() is described instead)."""
    if isinstance(value, int) and value.bit_length() > 256:
        return "（位数过多的数字）"
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= limit else text[:limit] + "…"

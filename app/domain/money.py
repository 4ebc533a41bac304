"""Exact money: `Money` holds integer 分 (fen); conversions to 元 and 万元 go through Decimal.

No float ever touches an amount. Reports format in 万元 with the decimals they ask for (half-up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from app.errors import BangzhenError, shown as _shown

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000
# What an amount typed as text may look like: ASCII digits, thousands commas only between groups of
# three, one decimal point with digits after it, a minus sign only in front (callers that take no
# negative amounts refuse it). No "+", exponent, underscore, full-width digit, NaN or Infinity.
AMOUNT_TEXT = re.compile(r"(-?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
MAX_FEN = 10**17  # 1 万亿元: far above any amount of the programme, far below what a database integer holds
MAX_DIGITS = 16   # whole digits of the largest amount in 元 (万元 need fewer): longer text is refused unread


class InvalidAmount(BangzhenError):
    """Text or a number that is not an exact amount of money."""


@dataclass(frozen=True, order=True, slots=True)
class Money:
    fen: int

    def __post_init__(self) -> None:
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise TypeError(f"Money needs integer fen, got {type(self.fen).__name__}")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def from_yuan(cls, value: Decimal | int | str) -> Money:
        return cls._from_unit(value, FEN_PER_YUAN, "元")

    @classmethod
    def from_wan(cls, value: Decimal | int | str) -> Money:
        return cls._from_unit(value, FEN_PER_WAN, "万元")

    @classmethod
    def _from_unit(cls, value: Decimal | int | str, fen_per_unit: int, unit: str) -> Money:
        if isinstance(value, (float, bool)):
            raise TypeError("Money never takes float or bool; pass Decimal, int or str")
        amount = _parse(value, fen_per_unit, unit) if isinstance(value, str) else Decimal(value)
        shown = _shown(value)
        if not amount.is_finite():
            raise InvalidAmount(f"金额“{shown}”不是有效的数字（单位：{unit}）。", f"not finite: {shown!r}")
        fen = amount * fen_per_unit
        if abs(fen) > MAX_FEN:
            raise InvalidAmount(f"金额“{shown}”{unit}过大，请检查。", f"too large: {shown!r} {unit}")
        if fen != fen.to_integral_value():
            raise InvalidAmount(f"金额“{shown}”{unit}精确不到分，请检查小数位数。",
                                f"finer than one fen: {shown!r} {unit}")
        return cls(int(fen))

    # -- views ----------------------------------------------------------------------------
    @property
    def yuan(self) -> Decimal:
        return Decimal(self.fen) / FEN_PER_YUAN

    @property
    def wan(self) -> Decimal:
        return Decimal(self.fen) / FEN_PER_WAN

    def format_wan(self, places: int = 2, thousands: bool = False) -> str:
        """The amount in 万元 rounded half-up to `places` decimals, as printed in the returns."""
        return _format(self.wan, places, thousands)

    def format_yuan(self, thousands: bool = True) -> str:
        return _format(self.yuan, 2, thousands)

    # -- arithmetic -----------------------------------------------------------------------
    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __radd__(self, other: Money | int) -> Money:
        if other == 0:  # lets the builtin sum() start from 0
            return self
        return self.__add__(other)  # type: ignore[arg-type]

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.fen != 0

    @staticmethod
    def total(amounts: Iterable[Money]) -> Money:
        return Money(sum(a.fen for a in amounts))

    def __str__(self) -> str:
        return f"{self.format_yuan()}元"


def _parse(text: str, fen_per_unit: int, unit: str) -> Decimal:
    """An amount typed as text, strictly (see AMOUNT_TEXT); a Chinese message for anything else."""
    shown = _shown(text)
    stripped = text.strip().replace("，", ",")
    if not stripped:
        raise InvalidAmount(f"请填写金额（单位：{unit}）。", "empty amount")
    match = AMOUNT_TEXT.fullmatch(stripped)
    if match is None:
        if "," in stripped and AMOUNT_TEXT.fullmatch(stripped.replace(",", "")):
            raise InvalidAmount(f"金额“{shown}”的逗号位置不对（千位分隔应为 1,234,567.89）。", f"bad grouping: {shown!r}")
        raise InvalidAmount(f"金额“{shown}”不是有效的数字（单位：{unit}）：只能用阿拉伯数字、千位逗号和一个小数点，"
                            "如 12,345.67。", f"not a number: {shown!r}")
    sign, whole, decimals = match.groups()
    whole = whole.replace(",", "")
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise InvalidAmount(f"金额“{shown}”{unit}过大，请检查。", f"too large: {shown!r} {unit}")
    places = len(str(fen_per_unit)) - 1  # 元: 2 decimals, 万元: 6
    if decimals and len(decimals) > places:
        raise InvalidAmount(f"金额“{shown}”{unit}精确不到分：最多 {places} 位小数。", f"finer than one fen: {shown!r} {unit}")
    return Decimal(f"{sign}{whole}.{decimals or 0}")


def rate(part: Money, whole: Money) -> Decimal | None:
    """part ÷ whole as a fraction (e.g. 支出率), exact; None when the whole is zero."""
    if whole.fen == 0:
        return None
    return Decimal(part.fen) / Decimal(whole.fen)


def format_percent(fraction: Decimal | None, places: int = 2) -> str:
    """A fraction as the returns print it: 0.560945 → '56.09%'; no base → '—'."""
    if fraction is None:
        return "—"
    return _format(fraction * 100, places, False) + "%"


def _format(value: Decimal, places: int, thousands: bool) -> str:
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never print "-0.00"
    return f"{rounded:,.{places}f}" if thousands else f"{rounded:.{places}f}"

"""Money is exact: integer 分, Decimal views, half-up 万元 formatting, no float anywhere."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models import InvalidAmount, Money, format_percent, rate

fen = st.integers(min_value=-10**15, max_value=10**15)


@given(st.lists(fen, max_size=200))
def test_sums_never_drift(values):
    """Σ Money equals the exact integer sum, however many amounts and in whatever order."""
    amounts = [Money(v) for v in values]
    assert sum(amounts, Money(0)).fen == sum(values)
    assert Money.total(reversed(amounts)).fen == sum(values)
    assert sum(a.wan for a in amounts) == Decimal(sum(values)) / 1_000_000


@given(fen)
def test_yuan_and_wan_round_trip(value):
    """Converting to 元 or 万元 and back gives the same amount."""
    money = Money(value)
    assert Money.from_yuan(money.yuan) == money
    assert Money.from_wan(money.wan) == money
    assert Money.from_yuan(str(money.yuan)) == money


def test_parsing_user_text():
    """Amounts typed with separators parse exactly; finer than a fen is refused in Chinese."""
    assert Money.from_yuan("1,234.56").fen == 123456
    assert Money.from_wan("252425.37").fen == 252425_370000
    with pytest.raises(InvalidAmount, match="精确不到分"):
        Money.from_yuan("0.001")
    with pytest.raises(InvalidAmount, match="不是有效的数字"):
        Money.from_yuan("十元")
    with pytest.raises(TypeError):
        Money.from_yuan(1.5)
    with pytest.raises(TypeError):
        Money(1.0)


def test_formatting_rounds_half_up():
    """万元 figures round half-up like the printed returns (56.0945% → 56.09%)."""
    assert Money(5_000).format_wan(2) == "0.01"  # 0.005 万元 rounds up
    assert Money(4_999).format_wan(2) == "0.00"
    assert Money(-4_999).format_wan(2) == "0.00"  # never "-0.00"
    assert Money.from_wan("1234567.891").format_wan(2, thousands=True) == "1,234,567.89"
    assert format_percent(rate(Money.from_wan("252425.37"), Money.from_wan("450000"))) == "56.09%"
    assert format_percent(rate(Money(1), Money(0))) == "—"


def test_arithmetic_stays_money():
    """Adding, subtracting and scaling by an integer keep the type; float scaling is refused."""
    assert Money(100) + Money(50) - Money(30) == Money(120)
    assert Money(7) * 3 == Money(21) == 3 * Money(7)
    assert -Money(5) == Money(-5)
    with pytest.raises(TypeError):
        Money(100) * 0.5
    with pytest.raises(TypeError):
        Money(100) + 1

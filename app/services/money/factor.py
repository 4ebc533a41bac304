"""因素法: divide an amount among towns by weighted factors (面积, 人口, 行政村数, 脱贫人口, 四沿), rounded
to whole units (万元 by default) with the largest-remainder method, so the parts add up exactly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.models import Money
from app.services.csvfiles import sheet_rows
from app.services.errors import InputError

FACTORS = ("面积", "人口", "行政村数", "脱贫人口", "四沿")
MAX_FACTOR = Decimal(10) ** 12  # no town's area, population or weight comes near it


def split(total: Money, scores: dict[str, dict[str, Decimal]], factor_weights: dict[str, Decimal],
          unit: Money = Money.from_wan(1)) -> dict[str, Money]:
    """Each town's share of `total`: a factor's weight is shared in proportion to the towns' values of
    it. Whole `unit`s are handed out by largest remainder (ties by key), and what is left below one
    unit goes to the town with the largest share, so the result always adds up to `total`."""
    if not scores:
        raise InputError("没有可分配的镇。", "no towns to split among")
    weight_sum = sum(factor_weights.values(), Decimal(0))
    if weight_sum <= 0 or any(w < 0 for w in factor_weights.values()):
        raise InputError("因素权重须为非负数，且合计大于 0。", "bad factor weights")
    factor_totals = {f: sum((s.get(f, Decimal(0)) for s in scores.values()), Decimal(0)) for f in factor_weights}
    for factor, weight in factor_weights.items():
        if weight > 0 and factor_totals[factor] <= 0:
            raise InputError(f"因素“{factor}”在各镇的数值合计为 0，无法按其分配。", f"factor {factor} sums to 0")
        if any(s.get(factor, Decimal(0)) < 0 for s in scores.values()):
            raise InputError(f"因素“{factor}”的数值不能为负。", f"negative {factor}")
    shares = {town: sum((weight / weight_sum * values.get(f, Decimal(0)) / factor_totals[f]
                         for f, weight in factor_weights.items() if weight > 0), Decimal(0))
              for town, values in scores.items()}
    units = total.fen // unit.fen
    exact = {town: share * units for town, share in shares.items()}
    result = {town: int(value) for town, value in exact.items()}  # floor: shares are non-negative
    left = units - sum(result.values())
    for town in sorted(exact, key=lambda t: (-(exact[t] - result[t]), t))[:left]:
        result[town] += 1
    money = {town: unit * n for town, n in result.items()}
    rest = total - Money.total(money.values())
    if rest:
        biggest = max(sorted(shares), key=lambda t: shares[t])
        money[biggest] = money[biggest] + rest
    return money


def read_weights(path: str | Path) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]:
    """A weights workbook: sheet 因素 with a header row 乡镇 (code or name) and factor columns, one
    row per town; and a row 权重 giving each factor's weight (e.g. 30, 30, 20, 10, 10)."""
    rows = sheet_rows(path, "因素")
    if not rows or not rows[0] or str(rows[0][0]).strip() != "乡镇":
        raise InputError("因素表第一行应为表头：乡镇、面积、人口、行政村数、脱贫人口、四沿（可只含其中几项）。",
                         "bad weights header")
    header = [str(c).strip() for c in rows[0][1:] if c is not None]
    unknown = [h for h in header if h not in FACTORS]
    if unknown:
        raise InputError(f"无法识别的因素：{'、'.join(unknown)}。可用：{'、'.join(FACTORS)}。", f"unknown {unknown}")
    scores: dict[str, dict[str, Decimal]] = {}
    weights: dict[str, Decimal] | None = None
    for line, row in enumerate(rows[1:], start=2):
        if not row or row[0] is None or str(row[0]).strip() == "":
            continue
        values = {}
        for factor, cell in zip(header, row[1:]):
            try:
                value = Decimal(str(cell if cell is not None else 0).strip())
            except ArithmeticError:
                value = Decimal("NaN")
            if not value.is_finite() or value < 0 or value > MAX_FACTOR:
                raise InputError(f"因素表第 {line} 行“{factor}”的值“{cell}”不是合理的非负数。", f"line {line}")
            values[factor] = value
        key = str(row[0]).strip()
        if key == "权重":
            weights = values
        elif key in scores:
            raise InputError(f"因素表第 {line} 行：乡镇“{key}”重复。", f"duplicate {key}")
        else:
            scores[key] = values
    if weights is None:
        raise InputError("因素表缺少“权重”行（各因素所占比重）。", "no weights row")
    return scores, weights

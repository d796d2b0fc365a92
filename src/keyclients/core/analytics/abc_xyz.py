"""Stability and growth (DESIGN §4 "Stability and growth"): how steadily a client buys, whether
it grows, and which clients are worth developing.

Entry points:

- `stability_periods(as_of)` names the months everything here looks at (see `StabilityPeriods`);
- `monthly_revenue(sales, as_of=)` gives revenue per client and month over the last 12 full
  months, zero months included;
- `client_stability(sales, as_of=)` gives one row per client: LTM and previous LTM revenue,
  growth, new, dormant, coefficient of variation, XYZ, ABC and prospective;
- `abc_xyz_matrix(stability)` counts clients and revenue in the nine ABC × XYZ cells.

The plain metrics are usable on their own: `coefficient_of_variation`, `xyz_class`, `growth`.

`sales` may be sales lines or per-client-month aggregates (one row per client and month, dated
any day of that month, as SQL's GROUP BY gives them): everything here works on whole months.
Needed columns: client_key, client, date, amount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from keyclients.core.analytics.concentration import (
    ABC_CLASSES,
    DEFAULT_A,
    DEFAULT_B,
    EPSILON,
    client_shares,
)

DEFAULT_X = 0.10  # XYZ: class X while the coefficient of variation is at most this
DEFAULT_Y = 0.25  # ... class Y while it is at most this, Z above
PROSPECTIVE_GROWTH = 0.50  # prospective: LTM growth of at least +50% ...
PROSPECTIVE_CLASSES = ("B", "C")  # ... in ABC class B or C
LTM_MONTHS = 12
RECENT_MONTHS = 3  # dormant: no revenue in the last 3 of the 12 months
XYZ_CLASSES = ("X", "Y", "Z")

XYZ_THRESHOLDS_INVALID = "XYZ thresholds must satisfy 0 <= x <= y"
GROWTH_THRESHOLD_INVALID = "the prospective growth threshold must be a finite number"

MONTHLY_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "month": pl.Date(),  # the first day of the month
    "revenue": pl.Float64(),  # net of returns; 0 for a month without sales
}
STABILITY_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "ltm_revenue": pl.Float64(),  # the last 12 full months (StabilityPeriods.ltm_*)
    "prev_ltm_revenue": pl.Float64(),  # the 12 months before them
    "growth": pl.Float64(),  # ltm / prev_ltm − 1; null when prev_ltm_revenue <= 0
    "is_new": pl.Boolean(),  # prev_ltm_revenue <= 0 and ltm_revenue > 0
    "dormant": pl.Boolean(),  # prev_ltm_revenue > 0 and the last 3 months' revenue <= 0
    "cv": pl.Float64(),  # population std / mean of the 12 monthly revenues; null if mean <= 0
    "xyz": pl.String(),  # null when cv is null
    "abc": pl.String(),  # by LTM revenue (concentration.client_shares); null if ltm <= 0
    "prospective": pl.Boolean(),
}
MATRIX_SCHEMA: dict[str, pl.DataType] = {
    "abc": pl.String(),
    "xyz": pl.String(),
    "clients": pl.Int64(),
    "revenue": pl.Float64(),  # Σ ltm_revenue of the cell's clients
    "share": pl.Float64(),  # of the LTM revenue of all classified clients; null when none
}


@dataclass(frozen=True)
class StabilityPeriods:
    """The months `client_stability` and the revenue-drop signal look at, as inclusive dates.

    The last 12 full months end with the month of `as_of` when `as_of` is that month's last
    day, else with the month before: a month counts only once it is over.
    """

    as_of: date
    ltm_from: date
    ltm_to: date
    prev_ltm_from: date
    prev_ltm_to: date
    recent_from: date  # the last 3 months: recent_from .. ltm_to
    recent_year_before_from: date  # the same 3 months a year before ...
    recent_year_before_to: date  # ... ending here


def stability_periods(as_of: date) -> StabilityPeriods:
    """The periods of the last 12 full months at `as_of` (see `StabilityPeriods`)."""
    last = _month_index(as_of) if _is_month_end(as_of) else _month_index(as_of) - 1
    return StabilityPeriods(
        as_of=as_of,
        ltm_from=_month_start(last - LTM_MONTHS + 1),
        ltm_to=_month_end(last),
        prev_ltm_from=_month_start(last - 2 * LTM_MONTHS + 1),
        prev_ltm_to=_month_end(last - LTM_MONTHS),
        recent_from=_month_start(last - RECENT_MONTHS + 1),
        recent_year_before_from=_month_start(last - LTM_MONTHS - RECENT_MONTHS + 1),
        recent_year_before_to=_month_end(last - LTM_MONTHS),
    )


# --- Plain metrics --------------------------------------------------------------------------


def coefficient_of_variation(monthly_revenues: Sequence[float]) -> float | None:
    """Population standard deviation / mean; None when the mean is not positive (or no months).

    Zero months must be in the input: a client who buys in 3 months of 12 is not stable.
    """
    n = len(monthly_revenues)
    if n == 0:
        return None
    mean = math.fsum(monthly_revenues) / n
    if not mean > 0:
        return None
    variance = math.fsum((revenue - mean) ** 2 for revenue in monthly_revenues) / n
    return math.sqrt(variance) / mean


def xyz_class(cv: float | None, x: float = DEFAULT_X, y: float = DEFAULT_Y) -> str | None:
    """X while cv <= x, Y while cv <= y, else Z; None without a cv (boundaries inclusive)."""
    _check_xyz(x, y)
    if cv is None:
        return None
    if cv <= x + EPSILON:
        return "X"
    if cv <= y + EPSILON:
        return "Y"
    return "Z"


def growth(ltm_revenue: float, prev_ltm_revenue: float) -> float | None:
    """LTM / previous LTM − 1; None when the previous LTM is not positive (no base to grow on)."""
    if not prev_ltm_revenue > 0:
        return None
    return ltm_revenue / prev_ltm_revenue - 1.0


# --- Frames ---------------------------------------------------------------------------------


def monthly_revenue(sales: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """Revenue per client and month over the last 12 full months at `as_of`, zero months included.

    Every client with a dated line on or before `as_of` gets its 12 rows, even with no revenue in
    the window. Sorted by client_key, then month. Columns as in MONTHLY_SCHEMA.
    """
    lines = _dated_lines(sales, as_of)
    return _monthly(lines, _client_names(lines), stability_periods(as_of))


def client_stability(
    sales: pl.DataFrame,
    *,
    as_of: date,
    manual_prospective: Iterable[str] = frozenset(),
    x: float = DEFAULT_X,
    y: float = DEFAULT_Y,
    a: float = DEFAULT_A,
    b: float = DEFAULT_B,
    prospective_growth: float = PROSPECTIVE_GROWTH,
) -> pl.DataFrame:
    """One row per client (every client with a dated line on or before `as_of`).

    Columns as in STABILITY_SCHEMA. Order: LTM revenue descending, then display name, then key
    (the rank order of `concentration.client_shares`). `manual_prospective` holds the
    client_keys flagged prospective by hand; `a`, `b` are the ABC thresholds, `x`, `y` the XYZ
    ones.
    """
    _check_xyz(x, y)
    if not math.isfinite(prospective_growth):
        raise ValueError(GROWTH_THRESHOLD_INVALID)
    periods = stability_periods(as_of)
    lines = _dated_lines(sales, as_of)
    names = _client_names(lines)
    months = _monthly(lines, names, periods)
    per_month = months.group_by("client_key").agg(
        pl.col("revenue").sum().alias("ltm_revenue"),
        pl.col("revenue").filter(pl.col("month") >= periods.recent_from).sum().alias("recent"),
        pl.col("revenue").alias("months"),
    )
    previous = (
        _month_sums(
            lines.filter(pl.col("date").is_between(periods.prev_ltm_from, periods.prev_ltm_to))
        )
        .group_by("client_key")
        .agg(pl.col("revenue").sum().alias("prev_ltm_revenue"))
    )
    clients = (
        names.join(per_month, on="client_key", how="left")
        .join(previous, on="client_key", how="left")
        .with_columns(pl.col("prev_ltm_revenue").fill_null(0.0))
    )
    cv = [coefficient_of_variation(monthly) for monthly in clients["months"].to_list()]
    ltm: list[float] = clients["ltm_revenue"].to_list()
    prev: list[float] = clients["prev_ltm_revenue"].to_list()
    classes = client_shares(
        clients.select("client_key", "client", revenue="ltm_revenue"), a=a, b=b
    ).select("client_key", "abc")
    flagged = frozenset(manual_prospective)
    recent_has_revenue = pl.col("recent") > 0
    return (
        clients.with_columns(
            growth=pl.Series([growth(now, before) for now, before in zip(ltm, prev, strict=True)]),
            cv=pl.Series(cv, dtype=pl.Float64),
            xyz=pl.Series([xyz_class(value, x, y) for value in cv], dtype=pl.String),
        )
        .join(classes, on="client_key", how="left")
        .with_columns(
            is_new=(pl.col("prev_ltm_revenue") <= 0) & (pl.col("ltm_revenue") > 0),
            dormant=(pl.col("prev_ltm_revenue") > 0) & ~recent_has_revenue,
            prospective=(
                (pl.col("growth") >= prospective_growth - EPSILON).fill_null(False)
                & pl.col("abc").is_in(PROSPECTIVE_CLASSES).fill_null(False)
            )
            | pl.col("client_key").is_in(list(flagged)),
        )
        .sort("ltm_revenue", "client", "client_key", descending=[True, False, False])
        .select(pl.col(name).cast(dtype) for name, dtype in STABILITY_SCHEMA.items())
    )


def abc_xyz_matrix(stability: pl.DataFrame) -> pl.DataFrame:
    """The nine ABC × XYZ cells (A-X, A-Y, ... C-Z, in that order), each with its number of
    clients, their LTM revenue and its share of the revenue of all classified clients.

    Clients without an ABC or XYZ class (LTM revenue <= 0) are in no cell. Every cell is
    present, with 0 clients and 0 revenue when empty. Columns as in MATRIX_SCHEMA.
    """
    classified = stability.filter(pl.col("abc").is_not_null() & pl.col("xyz").is_not_null())
    cells = classified.group_by("abc", "xyz").agg(
        pl.len().cast(pl.Int64).alias("clients"), pl.col("ltm_revenue").sum().alias("revenue")
    )
    grid = pl.DataFrame(
        {
            "abc": [abc for abc in ABC_CLASSES for _ in XYZ_CLASSES],
            "xyz": [xyz for _ in ABC_CLASSES for xyz in XYZ_CLASSES],
        }
    )
    total = math.fsum(classified["ltm_revenue"].to_list())
    matrix = grid.join(cells, on=["abc", "xyz"], how="left", maintain_order="left").with_columns(
        pl.col("clients").fill_null(0), pl.col("revenue").fill_null(0.0)
    )
    share = [revenue / total if total > 0 else None for revenue in matrix["revenue"].to_list()]
    return matrix.with_columns(share=pl.Series(share, dtype=pl.Float64)).select(
        pl.col(name).cast(dtype) for name, dtype in MATRIX_SCHEMA.items()
    )


# --- Helpers --------------------------------------------------------------------------------


def _dated_lines(sales: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The lines that can be placed in time and are known at `as_of`, in a canonical order.

    Float sums depend on the order of their terms; sorting by every column first makes the
    results independent of the order of the input rows, to the last bit.
    """
    lines = sales.select(
        pl.col("client_key").cast(pl.String),
        pl.col("client").cast(pl.String),
        pl.col("date").cast(pl.Date),
        pl.col("amount").cast(pl.Float64),
    ).filter(pl.col("date").is_not_null() & (pl.col("date") <= as_of))
    return lines.sort(lines.columns, nulls_last=True)


def _monthly(lines: pl.DataFrame, clients: pl.DataFrame, periods: StabilityPeriods) -> pl.DataFrame:
    """`monthly_revenue` of lines already made canonical by `_dated_lines`."""
    months = pl.DataFrame(
        {"month": pl.date_range(periods.ltm_from, periods.ltm_to, "1mo", eager=True)}
    )
    in_window = _month_sums(lines.filter(pl.col("date") >= periods.ltm_from))
    return (
        clients.join(months, how="cross")
        .join(in_window, on=["client_key", "month"], how="left")
        .with_columns(pl.col("revenue").fill_null(0.0))
        .select(pl.col(name).cast(dtype) for name, dtype in MONTHLY_SCHEMA.items())
        .sort("client_key", "month")
    )


def _client_names(lines: pl.DataFrame) -> pl.DataFrame:
    # Ingest gives one display name per key; min() stays order-independent if it did not.
    return lines.group_by("client_key").agg(pl.col("client").min()).sort("client_key")


def _month_sums(lines: pl.DataFrame) -> pl.DataFrame:
    """Σ amount per client and month (the month's first day), sorted; null amounts count 0."""
    return (
        lines.group_by("client_key", pl.col("date").dt.month_start().alias("month"))
        .agg(pl.col("amount").sum().alias("revenue"))
        .sort("client_key", "month")
    )


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _month_index(day: date) -> int:
    """Months since year 0: consecutive calendar months get consecutive numbers."""
    return day.year * 12 + day.month - 1


def _month_start(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


def _month_end(month: int) -> date:
    return _month_start(month + 1) - timedelta(days=1)


def _check_xyz(x: float, y: float) -> None:
    if not 0 <= x <= y or not math.isfinite(y):
        raise ValueError(XYZ_THRESHOLDS_INVALID)

"""Revenue concentration (DESIGN §4 "Concentration"): how much we depend on a few clients.

Entry points, in the order a caller uses them:

- `client_revenue(sales, date_from=, date_to=)` turns sales lines into one row per client;
- `client_shares(revenue)` ranks those clients and adds share, cumulative share, ABC and `major`;
- `concentration(revenue)` sums it up in a frozen `Concentration` (top-N, HHI, Gini, ...);
- `concentration_trend(sales, months=12)` gives the figures over rolling windows, per month-end;
- `client_share_trend(sales, client_key, months=12)` follows one client's share the same way.

The metrics themselves are plain functions of numbers, usable on their own: `hhi`,
`effective_clients`, `hhi_level`, `gini`, `top_n_share`, `abc_classes`.

Shares are taken over clients with revenue > 0 only; clients with revenue ≤ 0 (returns exceed
sales, or they net to zero) are counted but get no share, rank or class.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import polars as pl

DEFAULT_A = 0.80  # ABC: class A while the cumulative share before the client is below this
DEFAULT_B = 0.95  # ... class B while it is below this, class C after
MAJOR_SHARE = 0.10  # IFRS 8.34 / ASC 280 "10% customer": share >= 10%
MONO_SHARE = 0.50  # mono-client: top-1 share strictly above 50%
HHI_MODERATE_FROM = 1_000.0  # US DOJ/FTC 2023: below is unconcentrated
HHI_HIGH_ABOVE = 1_800.0  # 1,000-1,800 inclusive is moderate, above is high
HHI_MAX = 10_000.0

# Shares are ratios of float sums, so a share that is exactly 0.8 on paper may come out as
# 0.7999999999999999 or 0.8000000000000002. Comparisons against thresholds allow this much
# slack, so the paper value decides; no real share differs from a threshold by so little.
EPSILON = 1e-12
_HHI_EPSILON = EPSILON * HHI_MAX  # the same slack on the 0-10,000 HHI scale

LEVEL_UNCONCENTRATED = "unconcentrated"
LEVEL_MODERATE = "moderate"
LEVEL_HIGH = "high"
ABC_CLASSES = ("A", "B", "C")

THRESHOLDS_INVALID = "ABC thresholds must satisfy 0 < a <= b <= 1"
PERIOD_REVERSED = "date_from must not be after date_to"
MONTHS_INVALID = "months must be at least 1"
TOP_N_INVALID = "n must be at least 1"
REVENUES_NOT_POSITIVE = "abc_classes takes positive revenues only (clients with R_i > 0)"
REVENUES_NOT_RANKED = "abc_classes takes revenues in rank order, largest first"

REVENUE_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "revenue": pl.Float64(),
}
SHARES_SCHEMA: dict[str, pl.DataType] = {
    **REVENUE_SCHEMA,
    "share": pl.Float64(),  # null for clients with revenue <= 0, as are the columns below
    "cumulative_share": pl.Float64(),
    "rank": pl.Int64(),  # 1-based
    "abc": pl.String(),
    "major": pl.Boolean(),
}
TREND_SCHEMA: dict[str, pl.DataType] = {
    "month_end": pl.Date(),
    "revenue": pl.Float64(),  # the share base: revenue of the window's positive clients
    "clients_positive": pl.Int64(),
    "top1_share": pl.Float64(),  # null, as are the columns below, when no client is positive
    "hhi": pl.Float64(),
    "effective_clients": pl.Float64(),
    "level": pl.String(),
}
CLIENT_TREND_SCHEMA: dict[str, pl.DataType] = {
    "month_end": pl.Date(),
    "revenue": pl.Float64(),  # the client's net revenue in the window
    "base": pl.Float64(),  # the share base: revenue of the window's positive clients
    "share": pl.Float64(),  # revenue / base; null when the client's revenue is <= 0 (no share)
}


@dataclass(frozen=True)
class Concentration:
    """The concentration figures of one period (DESIGN §4, CLI `analyze` JSON).

    Share-type figures (`top*_share`, `hhi`, `effective_clients`, `gini`, `level`) are None when
    no client has positive revenue: there is no share base, and 0 would read as "perfectly
    diversified". `mono_client` is then False and every `abc_counts` value 0.
    """

    revenue_total: float  # all clients, net of returns
    revenue_positive: float  # clients with revenue > 0: the share base
    clients_total: int
    clients_positive: int
    top1_share: float | None
    top3_share: float | None
    top5_share: float | None
    top10_share: float | None
    hhi: float | None
    effective_clients: float | None
    gini: float | None
    level: str | None
    mono_client: bool
    abc_counts: dict[str, int]  # "A", "B", "C" -> number of clients


# --- Plain metrics --------------------------------------------------------------------------


def hhi(shares: Iterable[float]) -> float:
    """Herfindahl-Hirschman index Σ(100·s)² of shares given as fractions: 0-10,000."""
    return math.fsum((100.0 * share) ** 2 for share in shares)


def effective_clients(hhi: float) -> float | None:
    """The number of equal clients with the same HHI, 10,000 / HHI; None without clients."""
    if hhi <= 0:
        return None
    return HHI_MAX / hhi


def hhi_level(hhi: float) -> str:
    """US DOJ/FTC 2023 bands: < 1,000 unconcentrated, 1,000-1,800 moderate, > 1,800 high."""
    if hhi < HHI_MODERATE_FROM - _HHI_EPSILON:
        return LEVEL_UNCONCENTRATED
    if hhi <= HHI_HIGH_ABOVE + _HHI_EPSILON:
        return LEVEL_MODERATE
    return LEVEL_HIGH


def gini(revenues: Iterable[float]) -> float:
    """Gini coefficient of the positive revenues (others are ignored), in [0, 1).

    With x_1..x_n sorted ascending: G = 2·Σ i·x_i / (n·Σx) − (n+1)/n. It is 0 for one client
    and for equal revenues (float noise below EPSILON is reported as exactly 0).
    """
    positive = sorted(revenue for revenue in revenues if revenue > 0)
    n = len(positive)
    if n < 2:
        return 0.0
    weighted = math.fsum(i * revenue for i, revenue in enumerate(positive, start=1))
    coefficient = 2.0 * weighted / (n * math.fsum(positive)) - (n + 1) / n
    return coefficient if coefficient > EPSILON else 0.0


def top_n_share(shares: Iterable[float], n: int) -> float:
    """Sum of the n largest shares; all of them when there are fewer than n."""
    if n < 1:
        raise ValueError(TOP_N_INVALID)
    return math.fsum(sorted(shares, reverse=True)[:n])


def abc_classes(
    revenues_in_rank_order: Sequence[float], a: float = DEFAULT_A, b: float = DEFAULT_B
) -> list[str]:
    """ABC class of each client, given positive revenues largest first.

    Walking by rank, a client is A while the cumulative share *before* it is < a (so the client
    that crosses a is still A), B while it is < b, else C.
    """
    _check_thresholds(a, b)
    if any(not revenue > 0 for revenue in revenues_in_rank_order):
        raise ValueError(REVENUES_NOT_POSITIVE)
    if any(later > earlier for earlier, later in pairwise(revenues_in_rank_order)):
        raise ValueError(REVENUES_NOT_RANKED)
    ranked = pl.DataFrame({"revenue": list(revenues_in_rank_order)}, schema={"revenue": pl.Float64})
    return [str(cls) for cls in _with_ranks(ranked, a=a, b=b)["abc"]]


# --- Frames ---------------------------------------------------------------------------------


def client_revenue(
    sales: pl.DataFrame, *, date_from: date | None = None, date_to: date | None = None
) -> pl.DataFrame:
    """One row per client: client_key, client (display name), revenue = Σ amount in the period.

    The period is inclusive; without bounds all lines count. When a bound is given, lines
    without a date are left out (they cannot be placed in the period). Rows are sorted by
    client_key.

    Amounts are money: they are summed as whole kopecks (integers), which is exact and the
    same in any order of the lines — no sort of a million lines is needed for that.
    """
    _check_period(date_from, date_to)
    lines = sales.lazy().select("client_key", "client", "date", "amount")
    if date_from is not None:
        lines = lines.filter(pl.col("date") >= date_from)
    if date_to is not None:
        lines = lines.filter(pl.col("date") <= date_to)
    kopecks = (pl.col("amount") * 100).round(0).cast(pl.Int64)
    return (
        lines.group_by("client_key")
        # Ingest gives one display name per key; min() stays order-independent if it did not.
        .agg(pl.col("client").min(), (kopecks.sum() / 100).alias("revenue"))
        .select(pl.col(name).cast(dtype) for name, dtype in REVENUE_SCHEMA.items())
        .sort("client_key")
        .collect()
    )


def client_shares(
    revenue: pl.DataFrame, *, a: float = DEFAULT_A, b: float = DEFAULT_B
) -> pl.DataFrame:
    """Rank clients of a `client_revenue` frame and add share, cumulative_share, rank, abc, major.

    Order: revenue descending, ties by display name, then by client_key. Clients with revenue
    > 0 are ranked and shared among themselves; the others follow with those columns null.
    """
    _check_thresholds(a, b)
    ordered = revenue.select(
        pl.col(name).cast(dtype) for name, dtype in REVENUE_SCHEMA.items()
    ).sort("revenue", "client", "client_key", descending=[True, False, False], nulls_last=True)
    is_positive = (pl.col("revenue") > 0).fill_null(False)
    unranked = ordered.filter(~is_positive).with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in SHARES_SCHEMA.items()
        if name not in REVENUE_SCHEMA
    )
    ranked = _with_ranks(ordered.filter(is_positive), a=a, b=b)
    return pl.concat([ranked, unranked.select(ranked.columns)]).select(
        pl.col(name).cast(dtype) for name, dtype in SHARES_SCHEMA.items()
    )


def concentration(
    revenue: pl.DataFrame, *, a: float = DEFAULT_A, b: float = DEFAULT_B
) -> Concentration:
    """The concentration figures of a `client_revenue` frame (see `Concentration`)."""
    shares = client_shares(revenue, a=a, b=b)
    positive = shares.filter(pl.col("rank").is_not_null())
    abc = positive["abc"].to_list()
    abc_counts = {cls: abc.count(cls) for cls in ABC_CLASSES}
    revenue_total = math.fsum(shares["revenue"].drop_nulls().to_list())
    revenue_positive = math.fsum(positive["revenue"].to_list())
    if positive.is_empty():
        return Concentration(
            revenue_total=revenue_total,
            revenue_positive=revenue_positive,
            clients_total=shares.height,
            clients_positive=0,
            top1_share=None,
            top3_share=None,
            top5_share=None,
            top10_share=None,
            hhi=None,
            effective_clients=None,
            gini=None,
            level=None,
            mono_client=False,
            abc_counts=abc_counts,
        )
    share_list: list[float] = positive["share"].to_list()
    index = hhi(share_list)
    top1 = top_n_share(share_list, 1)
    return Concentration(
        revenue_total=revenue_total,
        revenue_positive=revenue_positive,
        clients_total=shares.height,
        clients_positive=positive.height,
        top1_share=top1,
        top3_share=top_n_share(share_list, 3),
        top5_share=top_n_share(share_list, 5),
        top10_share=top_n_share(share_list, 10),
        hhi=index,
        effective_clients=effective_clients(index),
        gini=gini(positive["revenue"].to_list()),
        level=hhi_level(index),
        mono_client=top1 > MONO_SHARE + EPSILON,
        abc_counts=abc_counts,
    )


def concentration_trend(
    sales: pl.DataFrame,
    *,
    months: int = 12,
    date_from: date | None = None,
    date_to: date | None = None,
) -> pl.DataFrame:
    """Concentration at every month-end over the rolling window of `months` calendar months.

    Month-ends run from the month of `date_from` (default: the first month with data) to the
    month of `date_to` (default: the last). `date_from` only chooses where the series starts:
    the first windows still look back before it. `date_to` is the "as of": no line after it
    counts, even within its month. A window's revenue per client nets its lines; clients
    above 0 form the share base. Windows without such clients get revenue 0, 0 clients and
    null figures. Columns as in TREND_SCHEMA.
    """
    if months < 1:
        raise ValueError(MONTHS_INVALID)
    _check_period(date_from, date_to)
    lines = sales.lazy().select("client_key", "date", "amount").filter(pl.col("date").is_not_null())
    if date_to is not None:
        lines = lines.filter(pl.col("date") <= date_to)
    bounds = lines.select(
        pl.col("date").min().alias("first"), pl.col("date").max().alias("last")
    ).collect()
    first: date | None = date_from if date_from is not None else bounds["first"][0]
    last: date | None = date_to if date_to is not None else bounds["last"][0]
    if first is None or last is None or _month_index(first) > _month_index(last):
        return pl.DataFrame(schema=TREND_SCHEMA)
    first_month, last_month = _month_index(first), _month_index(last)
    client_windows = _window_revenue(
        lines, months=months, first_month=first_month, last_month=last_month
    ).filter(pl.col("revenue") > 0)
    bases = _sum_by(client_windows, ["month"]).rename({"revenue": "base"})
    client_windows = client_windows.join(bases, on="month")
    client_windows = client_windows.select(
        "month", "base", share=_divide(client_windows["revenue"], client_windows["base"])
    )
    windows = client_windows.group_by("month").agg(
        pl.col("base").first().alias("revenue"),
        pl.len().cast(pl.Int64).alias("clients_positive"),
        pl.col("share").max().alias("top1_share"),
        ((100.0 * pl.col("share")) ** 2).sum().alias("hhi"),
    )
    calendar = pl.LazyFrame(
        {"month": pl.int_range(first_month, last_month + 1, dtype=pl.Int64, eager=True)}
    )
    hhi_column = pl.col("hhi")
    return (
        calendar.join(windows.lazy(), on="month", how="left")
        .with_columns(
            month_end=_month_end_expr(pl.col("month")),
            revenue=pl.col("revenue").fill_null(0.0),
            clients_positive=pl.col("clients_positive").fill_null(0),
            effective_clients=pl.when(hhi_column > 0).then(HHI_MAX / hhi_column),
            level=_level_expr(hhi_column),
        )
        .sort("month")
        .select(pl.col(name).cast(dtype) for name, dtype in TREND_SCHEMA.items())
        .collect()
    )


def client_share_trend(
    sales: pl.DataFrame,
    client_key: str,
    *,
    months: int = 12,
    date_from: date | None = None,
    date_to: date | None = None,
) -> pl.DataFrame:
    """One client's share of revenue at every month-end, over rolling windows of `months`.

    The windows, `date_from` and `date_to` work as in `concentration_trend`, which gives the
    company's side of the same windows (its `revenue` is this function's `base`). In each window
    the client's share is its net revenue over the revenue of the clients above 0, as
    `client_shares` computes it; a window where the client nets to 0 or less (or has no lines)
    gives revenue ≤ 0 and a null share. A key without lines gives revenue 0 in every window.
    Columns as in CLIENT_TREND_SCHEMA.
    """
    if months < 1:
        raise ValueError(MONTHS_INVALID)
    _check_period(date_from, date_to)
    lines = sales.lazy().select("client_key", "date", "amount").filter(pl.col("date").is_not_null())
    if date_to is not None:
        lines = lines.filter(pl.col("date") <= date_to)
    bounds = lines.select(
        pl.col("date").min().alias("first"),
        pl.col("date").max().alias("last"),
        # The client's number in `_window_revenue`: the dense rank of its key among all keys.
        pl.col("client_key").filter(pl.col("client_key") <= client_key).n_unique().alias("id"),
        (pl.col("client_key") == client_key).any().alias("present"),
    ).collect()
    first: date | None = date_from if date_from is not None else bounds["first"][0]
    last: date | None = date_to if date_to is not None else bounds["last"][0]
    if first is None or last is None or _month_index(first) > _month_index(last):
        return pl.DataFrame(schema=CLIENT_TREND_SCHEMA)
    first_month, last_month = _month_index(first), _month_index(last)

    client_windows = _window_revenue(
        lines, months=months, first_month=first_month, last_month=last_month
    )
    bases = _sum_by(client_windows.filter(pl.col("revenue") > 0), ["month"]).rename(
        {"revenue": "base"}
    )
    own = (
        client_windows.filter(pl.col("client") == bounds["id"][0])
        if bounds["present"][0]
        else client_windows.clear()
    ).select("month", "revenue")
    calendar = pl.DataFrame(
        {"month": pl.int_range(first_month, last_month + 1, dtype=pl.Int64, eager=True)}
    )
    windows = (
        calendar.join(own, on="month", how="left")
        .join(bases, on="month", how="left")
        .with_columns(pl.col("revenue").fill_null(0.0), pl.col("base").fill_null(0.0))
        .sort("month")
    )
    shares = _divide(windows["revenue"], windows["base"])
    return windows.with_columns(
        month_end=_month_end_expr(pl.col("month")),
        share=pl.when(pl.col("revenue") > 0).then(shares),
    ).select(pl.col(name).cast(dtype) for name, dtype in CLIENT_TREND_SCHEMA.items())


# --- Helpers --------------------------------------------------------------------------------


def _window_revenue(
    lines: pl.LazyFrame, *, months: int, first_month: int, last_month: int
) -> pl.DataFrame:
    """Net revenue per (month, client) over the `months` months ending with each month.

    `lines` has client_key, date (not null) and amount. `month` is a `_month_index` from
    first_month to last_month (only months where the client has lines in the window); `client`
    is the dense rank of client_key, 1-based in key order. Sorted by month, client.
    """
    # A client's month revenue counts towards the `months` month-ends from its own month on:
    # exploding each client-month into those month-ends gives every window in one group_by.
    client_months = _sum_by(
        _canonical(
            lines.select(
                # A number per client: sorting integers is faster than sorting strings.
                pl.col("client_key").rank("dense").alias("client"),
                _month_index_expr(pl.col("date")).alias("month"),
                pl.col("amount").alias("revenue"),
            )
        ),
        ["client", "month"],
    )
    return _sum_by(
        client_months.with_columns(month=pl.int_ranges("month", pl.col("month") + months))
        .explode("month")
        .filter(pl.col("month").is_between(first_month, last_month)),
        ["month", "client"],
    )


def _with_ranks(ranked: pl.DataFrame, *, a: float, b: float) -> pl.DataFrame:
    """Share, cumulative share, rank, ABC and major for positive revenues in rank order.

    The one place the ABC rule is written: `client_shares` and `abc_classes` both use it.
    """
    revenue = ranked["revenue"]
    share = _divide(revenue, pl.repeat(math.fsum(revenue.to_list()), ranked.height, eager=True))
    cumulative_share = share.cum_sum()
    before = cumulative_share.shift(1, fill_value=0.0)
    return ranked.with_columns(
        share=share,
        cumulative_share=cumulative_share,
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        abc=pl.when(before < a - EPSILON)
        .then(pl.lit("A"))
        .when(before < b - EPSILON)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C")),
        major=share >= MAJOR_SHARE - EPSILON,
    )


def _canonical(frame: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """The frame, materialized and sorted by all its columns.

    Float sums depend on the order of their terms. Polars sums the groups of a materialized
    frame reproducibly, but not rows streaming in from a parallel step of the same query
    (explode, window expressions), and its optimizer drops a sort before a sum as useless.
    So the sales lines are made canonical first, and every later sum runs over a materialized
    frame whose order follows from them: permuting the lines changes nothing, to the last bit.
    """
    collected = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    return collected.sort(collected.columns, nulls_last=True)


def _sum_by(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Σ revenue per keys, sorted by keys.

    `frame` is materialized and its row order follows from the data alone (see `_canonical`);
    so does the result's, and it can feed the next sum.
    """
    return frame.group_by(keys).agg(pl.col("revenue").sum()).sort(keys)


def _divide(numerator: pl.Series, denominator: pl.Series) -> pl.Series:
    """numerator / denominator, element by element, as IEEE division.

    Inside expressions Polars divides by a broadcast scalar through its reciprocal, so 70 / 100
    comes out as 0.7000000000000001; dividing two materialized Series of equal length does not.
    """
    return numerator / denominator


def _level_expr(hhi: pl.Expr) -> pl.Expr:
    """`hhi_level` as an expression; null HHI gives a null level."""
    return (
        pl.when(hhi < HHI_MODERATE_FROM - _HHI_EPSILON)
        .then(pl.lit(LEVEL_UNCONCENTRATED))
        .when(hhi <= HHI_HIGH_ABOVE + _HHI_EPSILON)
        .then(pl.lit(LEVEL_MODERATE))
        .when(hhi > HHI_HIGH_ABOVE + _HHI_EPSILON)
        .then(pl.lit(LEVEL_HIGH))
    )


def _month_index(day: date) -> int:
    """Months since year 0: consecutive calendar months get consecutive numbers."""
    return day.year * 12 + day.month - 1


def _month_index_expr(day: pl.Expr) -> pl.Expr:
    return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1


def _month_end_expr(month: pl.Expr) -> pl.Expr:
    return pl.date(month // 12, month % 12 + 1, 1).dt.month_end()


def _check_thresholds(a: float, b: float) -> None:
    if not 0 < a <= b <= 1:
        raise ValueError(THRESHOLDS_INVALID)


def _check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError(PERIOD_REVERSED)

"""What losing a client costs, and how much new business would make us less dependent
(DESIGN §4 "Loss-of-client stress test", "Diversification plan").

Entry points:

- `new_client_capacity(sales, as_of=)`: the typical revenue of a new client and how many new
  clients a month we win (`NewClients`);
- `loss_stress_test(sales, as_of=, company_margin=, basis=)`: for every client with LTM
  revenue, what its loss takes away (revenue, gross profit), what concentration is left,
  how many typical new clients and months replace it, and, given a cash `basis`, what it does
  to the cash forecast (`StressTest`);
- `diversification_plan(sales, as_of=, target_top1_share=, target_hhi=)`: the extra revenue
  from other clients that brings the top-1 share and the HHI to their targets, in typical new
  clients and months (`DiversificationPlan`).

The arithmetic is plain functions usable on their own: `extra_revenue_for_top1`,
`extra_revenue_for_hhi`, `hhi_with_new_clients`, `clients_needed`.

`sales` are lines or per-client-month aggregates (client_key, client, date, amount, optional
cost), as elsewhere. LTM means the last 12 full months at `as_of` (abc_xyz.stability_periods).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from keyclients.core.analytics.abc_xyz import client_stability, stability_periods
from keyclients.core.analytics.cashflow import CashBasis, cash_forecast, loss_impacts
from keyclients.core.analytics.concentration import HHI_MAX, hhi
from keyclients.core.analytics.kaism import kaism_metrics

DEFAULT_TARGET_TOP1 = 0.20
DEFAULT_TARGET_HHI = 1_500.0
NEW_CLIENT_MONTHS = 24  # "new" clients: first sale in the last 24 full months
ACQUISITION_MONTHS = 12  # the acquisition rate: new clients of the last 12 full months / 12
TYPICAL_NEW = "new"  # typical revenue from clients won in the last 24 months
TYPICAL_ACTIVE = "active"  # ... from all active clients, when none was won
MARGIN_CLIENT = "client"  # the client's own margin from its cost data
MARGIN_COMPANY = "company"  # the company margin setting
# Client counts are revenue ratios: 3 clients on paper may come out as 3.0000000000000004.
COUNT_EPSILON = 1e-9

TARGET_TOP1_INVALID = "the target top-1 share must be above 0 and at most 1"
TARGET_HHI_INVALID = "the target HHI must be above 0 and at most 10,000"
MARGIN_INVALID = "the company margin must be a finite number below 1"
TYPICAL_INVALID = "the typical new-client revenue must be positive"

STRESS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "lost_revenue": pl.Float64(),  # its LTM revenue
    "share": pl.Float64(),  # of the positive clients' LTM revenue, before the loss
    "margin": pl.Float64(),  # gross margin used for the lost profit; null: none known
    "margin_source": pl.String(),  # client | company | null
    "lost_gross_profit": pl.Float64(),  # lost_revenue × margin
    "top1_share_after": pl.Float64(),  # null when no positive client is left
    "hhi_after": pl.Float64(),
    "clients_needed": pl.Int64(),  # typical new clients that replace its revenue
    "months_to_replace": pl.Float64(),  # clients_needed / acquisition rate; null at rate 0
    # The cash forecast when it leaves on as_of + 1 (null without a cash basis):
    "first_gap_date": pl.Date(),
    "min_balance": pl.Float64(),
    "min_balance_date": pl.Date(),
    "days_below_reserve": pl.Int64(),
}


@dataclass(frozen=True)
class NewClients:
    """How fast we win clients, and how big a typical new one is."""

    typical_revenue: float | None  # median LTM revenue (see `typical_basis`); None: no client
    typical_basis: str | None  # new (first sale in the last 24 months) | active | None
    typical_of: int  # the number of clients the median is taken over
    won_last_12_months: int  # clients whose first sale was in the last 12 full months
    acquisition_rate: float  # won_last_12_months / 12, new clients per month


@dataclass(frozen=True)
class StressTest:
    as_of: date
    clients: pl.DataFrame  # STRESS_SCHEMA, by lost revenue (largest first), then name
    new_clients: NewClients
    revenue: float  # LTM revenue of the positive clients (the share base)
    top1_share: float | None  # before any loss
    hhi: float | None
    base_first_gap_date: date | None  # the base cash forecast, when a basis was given
    base_min_balance: float | None


@dataclass(frozen=True)
class DiversificationTarget:
    """One target: where we are, what extra revenue from other clients reaches it, and what
    that is in typical new clients and in months at the current acquisition rate."""

    target: float
    current: float | None  # None: no client has LTM revenue
    extra_revenue: float | None  # 0 when the target is met; None when it cannot be computed
    new_clients: int | None  # typical new clients bringing the extra revenue
    months: float | None  # new_clients / acquisition rate; None at rate 0


@dataclass(frozen=True)
class DiversificationPlan:
    as_of: date
    revenue: float  # LTM revenue of the positive clients
    top_client_key: str | None
    top_client: str | None
    new_clients: NewClients
    top1: DiversificationTarget  # target top-1 share
    hhi: DiversificationTarget  # target HHI


# --- Plain arithmetic ------------------------------------------------------------------------


def clients_needed(revenue: float, typical_revenue: float | None) -> int | None:
    """The number of typical new clients whose revenue adds up to `revenue` (rounded up);
    None when there is no typical revenue to count in."""
    if typical_revenue is None or not typical_revenue > 0:
        return None
    if revenue <= 0:
        return 0
    return math.ceil(revenue / typical_revenue - COUNT_EPSILON)


def extra_revenue_for_top1(revenues: Sequence[float], target: float) -> float:
    """Extra revenue from other clients that brings the top-1 share down to `target`:
    max(0, R_1 / T − ΣR) over the positive revenues (DESIGN §4)."""
    _check_top1_target(target)
    positive = [r for r in revenues if r > 0]
    if not positive:
        return 0.0
    return max(0.0, max(positive) / target - math.fsum(positive))


def hhi_with_new_clients(
    revenues: Sequence[float], extra_revenue: float, typical_revenue: float
) -> float:
    """The HHI after `extra_revenue` comes from new clients of `typical_revenue` each (a last,
    smaller one taking the rest): the count of new clients may be fractional, and the formula
    is Σ(100·s)² over the old clients and extra / typical clients of the typical size,
    = 10,000 · (ΣR² + X·t) / (ΣR + X)², which is exact whenever X / t is whole."""
    positive = [r for r in revenues if r > 0]
    total = math.fsum(positive) + extra_revenue
    if total <= 0:
        return 0.0
    squares = math.fsum(r * r for r in positive) + extra_revenue * typical_revenue
    return HHI_MAX * squares / (total * total)


def extra_revenue_for_hhi(
    revenues: Sequence[float], target: float, typical_revenue: float
) -> float:
    """The least extra revenue X ≥ 0, brought by new clients of `typical_revenue` each, with
    `hhi_with_new_clients(revenues, X, typical) ≤ target`.

    In shares of today's revenue S (x = X/S, τ = t/S, h = ΣR²/S²) the condition is the
    quadratic T·(1 + x)² − 10,000·(h + τ·x) ≥ 0. Its leading coefficient is positive and its
    value at x = 0 is T − HHI; so when today's HHI is above the target it has exactly one
    positive root, and every x beyond it meets the target (the HHI of many new clients tends
    to 0). The root is taken in the form that does not lose digits to cancellation.
    """
    _check_hhi_target(target)
    if not typical_revenue > 0:
        raise ValueError(TYPICAL_INVALID)
    positive = [r for r in revenues if r > 0]
    if not positive:
        return 0.0
    total = math.fsum(positive)
    h = math.fsum((r / total) ** 2 for r in positive)
    tau = typical_revenue / total
    a = target
    b = 2.0 * target - HHI_MAX * tau
    c = target - HHI_MAX * h
    if c >= 0:
        return 0.0
    root = math.sqrt(b * b - 4.0 * a * c)
    x = (-b + root) / (2.0 * a) if b < 0 else (2.0 * c) / (-b - root)
    return x * total


# --- Frames ----------------------------------------------------------------------------------


def new_client_capacity(sales: pl.DataFrame, *, as_of: date) -> NewClients:
    """Typical new-client revenue = median LTM revenue of the clients whose first sale (first
    line with a positive amount) was in the last 24 full months and who have LTM revenue; when
    there are none, of all active clients (LTM revenue > 0). Acquisition rate = clients whose
    first sale was in the last 12 full months / 12."""
    stability = client_stability(sales, as_of=as_of)
    return _capacity(stability, _first_sales(sales, as_of), as_of)


def loss_stress_test(
    sales: pl.DataFrame,
    *,
    as_of: date,
    company_margin: float | None = None,
    basis: CashBasis | None = None,
) -> StressTest:
    """Losing each client with LTM revenue, one at a time (see STRESS_SCHEMA).

    Lost gross profit uses the client's own LTM margin when every LTM line of it has a cost
    (kaism_metrics), else `company_margin` (None: unknown). With a cash `basis` (cashflow.
    cash_basis at the same `as_of`), the cash impact is the forecast with the client lost from
    `as_of` + 1: its future sales stop, its open documents are still collected.
    """
    if company_margin is not None and not (math.isfinite(company_margin) and company_margin < 1):
        raise ValueError(MARGIN_INVALID)
    stability = client_stability(sales, as_of=as_of)
    capacity = _capacity(stability, _first_sales(sales, as_of), as_of)
    margins = kaism_metrics(sales, as_of=as_of, stability=stability).select("client_key", "margin")
    positive = stability.filter(pl.col("ltm_revenue") > 0).select(
        "client_key", "client", "ltm_revenue"
    )
    revenues: list[float] = positive.get_column("ltm_revenue").to_list()
    total = math.fsum(revenues)
    squares = math.fsum(r * r for r in revenues)
    ranked = sorted(revenues, reverse=True)
    shares = [r / total for r in revenues]
    after_top1: list[float | None] = []
    after_hhi: list[float | None] = []
    for revenue in revenues:
        rest = total - revenue
        if len(revenues) < 2 or not rest > 0:
            after_top1.append(None)
            after_hhi.append(None)
            continue
        largest_other = ranked[1] if revenue == ranked[0] else ranked[0]
        after_top1.append(largest_other / rest)
        after_hhi.append(max(0.0, HHI_MAX * (squares - revenue * revenue) / (rest * rest)))
    needed = [clients_needed(r, capacity.typical_revenue) for r in revenues]
    rate = capacity.acquisition_rate
    frame = (
        positive.rename({"ltm_revenue": "lost_revenue"})
        .with_columns(
            pl.Series("share", shares, dtype=pl.Float64),
            pl.Series("top1_share_after", after_top1, dtype=pl.Float64),
            pl.Series("hhi_after", after_hhi, dtype=pl.Float64),
            pl.Series("clients_needed", needed, dtype=pl.Int64),
            pl.Series(
                "months_to_replace",
                [n / rate if n is not None and rate > 0 else None for n in needed],
                dtype=pl.Float64,
            ),
        )
        .join(margins, on="client_key", how="left")
        .with_columns(
            pl.when(pl.col("margin").is_not_null())
            .then(pl.lit(MARGIN_CLIENT))
            .when(pl.lit(company_margin is not None))
            .then(pl.lit(MARGIN_COMPANY))
            .alias("margin_source"),
            pl.coalesce("margin", pl.lit(company_margin, pl.Float64)).alias("margin"),
        )
        .with_columns((pl.col("lost_revenue") * pl.col("margin")).alias("lost_gross_profit"))
    )
    base_gap: date | None = None
    base_min: float | None = None
    if basis is not None:
        base = cash_forecast(basis)
        base_gap, base_min = base.first_gap_date, base.min_balance
        known = set(basis.clients.get_column("client_key").to_list())
        keys = frame.get_column("client_key").to_list()
        impacts = loss_impacts(basis, [key for key in keys if key in known]).drop(
            "client", "lost_receipts"
        )
        # A client with LTM revenue but nothing in the cash basis changes nothing there.
        unchanged = pl.DataFrame(
            {
                "client_key": [key for key in keys if key not in known],
                "first_gap_date": base.first_gap_date,
                "min_balance": base.min_balance,
                "min_balance_date": base.min_balance_date,
                "days_below_reserve": base.days_below_reserve,
            },
            schema=impacts.schema,
        )
        frame = frame.join(pl.concat([impacts, unchanged]), on="client_key", how="left")
    else:
        frame = frame.with_columns(
            pl.lit(None, STRESS_SCHEMA[name]).alias(name)
            for name in ("first_gap_date", "min_balance", "min_balance_date", "days_below_reserve")
        )
    frame = frame.sort(
        "lost_revenue", "client", "client_key", descending=[True, False, False]
    ).select(pl.col(name).cast(dtype) for name, dtype in STRESS_SCHEMA.items())
    return StressTest(
        as_of=as_of,
        clients=frame,
        new_clients=capacity,
        revenue=total,
        top1_share=ranked[0] / total if revenues else None,
        hhi=hhi(shares) if revenues else None,
        base_first_gap_date=base_gap,
        base_min_balance=base_min,
    )


def diversification_plan(
    sales: pl.DataFrame,
    *,
    as_of: date,
    target_top1_share: float = DEFAULT_TARGET_TOP1,
    target_hhi: float = DEFAULT_TARGET_HHI,
) -> DiversificationPlan:
    """The extra LTM revenue from other clients that meets each target (DESIGN §4).

    Top-1: max(0, R_1 / T − ΣR). HHI: the least extra revenue X such that, brought by new
    clients of the typical new-client size t, 10,000·(ΣR² + X·t) / (ΣR + X)² ≤ the target
    (`extra_revenue_for_hhi`). Each in typical new clients (rounded up) and in months at the
    current acquisition rate (None when it is 0, or when there is no typical revenue).
    """
    _check_top1_target(target_top1_share)
    _check_hhi_target(target_hhi)
    stability = client_stability(sales, as_of=as_of)
    capacity = _capacity(stability, _first_sales(sales, as_of), as_of)
    positive = stability.filter(pl.col("ltm_revenue") > 0)  # in rank order
    revenues: list[float] = positive.get_column("ltm_revenue").to_list()
    total = math.fsum(revenues)
    typical = capacity.typical_revenue
    if not revenues:
        empty = DiversificationTarget(target_top1_share, None, None, None, None)
        return DiversificationPlan(
            as_of=as_of,
            revenue=0.0,
            top_client_key=None,
            top_client=None,
            new_clients=capacity,
            top1=empty,
            hhi=DiversificationTarget(target_hhi, None, None, None, None),
        )
    extra_top1 = extra_revenue_for_top1(revenues, target_top1_share)
    extra_hhi = (
        extra_revenue_for_hhi(revenues, target_hhi, typical)
        if typical is not None
        else (0.0 if hhi(r / total for r in revenues) <= target_hhi else None)
    )
    return DiversificationPlan(
        as_of=as_of,
        revenue=total,
        top_client_key=positive.get_column("client_key")[0],
        top_client=positive.get_column("client")[0],
        new_clients=capacity,
        top1=_target(target_top1_share, revenues[0] / total, extra_top1, capacity),
        hhi=_target(target_hhi, hhi(r / total for r in revenues), extra_hhi, capacity),
    )


# --- Helpers ---------------------------------------------------------------------------------


def _target(
    target: float, current: float, extra: float | None, capacity: NewClients
) -> DiversificationTarget:
    needed = None if extra is None else clients_needed(extra, capacity.typical_revenue)
    months = None
    if needed is not None:
        months = (
            0.0
            if needed == 0
            else (needed / capacity.acquisition_rate if capacity.acquisition_rate > 0 else None)
        )
    return DiversificationTarget(target, current, extra, needed, months)


def _first_sales(sales: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """client_key, first_sale: the first dated line with a positive amount, up to as_of."""
    return (
        sales.select(
            pl.col("client_key").cast(pl.String),
            pl.col("date").cast(pl.Date),
            pl.col("amount").cast(pl.Float64),
        )
        .filter(pl.col("date").is_not_null() & (pl.col("date") <= as_of) & (pl.col("amount") > 0))
        .group_by("client_key")
        .agg(pl.col("date").min().alias("first_sale"))
    )


def _capacity(stability: pl.DataFrame, first_sales: pl.DataFrame, as_of: date) -> NewClients:
    periods = stability_periods(as_of)
    clients = stability.select("client_key", "ltm_revenue").join(
        first_sales, on="client_key", how="left"
    )
    active = clients.filter(pl.col("ltm_revenue") > 0)
    new = active.filter(pl.col("first_sale").is_between(periods.prev_ltm_from, periods.ltm_to))
    basis, pool = (TYPICAL_NEW, new) if new.height else (TYPICAL_ACTIVE, active)
    median = pool.get_column("ltm_revenue").median()
    won = clients.filter(pl.col("first_sale").is_between(periods.ltm_from, periods.ltm_to)).height
    return NewClients(
        typical_revenue=None if median is None else float(median),  # type: ignore[arg-type]
        typical_basis=basis if pool.height else None,
        typical_of=pool.height,
        won_last_12_months=won,
        acquisition_rate=won / ACQUISITION_MONTHS,
    )


def _check_top1_target(target: float) -> None:
    if not 0 < target <= 1:
        raise ValueError(TARGET_TOP1_INVALID)


def _check_hhi_target(target: float) -> None:
    if not 0 < target <= HHI_MAX:
        raise ValueError(TARGET_HHI_INVALID)

"""Monte-Carlo speed: `simulate_cash` with 10,000 paths × 180 days × 5,000 documents.

Run: `make bench` (or `.venv/bin/python bench/cashflow.py [paths] [documents] [days]`). Two
baselines are measured in the same run, so the ratios mean something on any machine:

- one deterministic calendar (`cash_forecast`) of the same data: what a single path costs
  when it is laid out the plain way;
- the same simulation written as a loop over paths (each path: draw its delays, bincount its
  receipts, cumulative sum, minimum), timed on 100 paths and extrapolated to all of them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import polars as pl

from keyclients.core.analytics.cashflow import (
    BASE,
    CashBasis,
    _draw_setup,
    _scenario_receipts,
    cash_basis,
    cash_forecast,
    simulate_cash,
)
from keyclients.core.analytics.receivables import DOCUMENTS_SCHEMA

AS_OF = date(2025, 12, 31)
SEED = 7
LOOP_PATHS = 100
OPENING = 5e6
EQUIPMENT = 102e6  # a one-off payment early on, when it depends on who has paid yet


def basis(documents: int, days: int, clients: int = 300, seed: int = SEED) -> CashBasis:
    """`documents` open documents of `clients` clients, due around as_of, each client with a
    history of 0–40 paid documents (late by its habit plus noise); a plan of monthly payroll
    and rent, weekly suppliers and a large one-off payment on day 10; future sales off."""
    rng = np.random.default_rng(seed)
    client = rng.integers(0, clients, documents)
    paid_per_client = rng.integers(0, 40, clients)
    paid_client = np.repeat(np.arange(clients), paid_per_client)
    habit = rng.integers(0, 30, clients)
    late = np.maximum(0, habit[paid_client] + rng.integers(-10, 30, len(paid_client)))
    start = np.datetime64(AS_OF)
    issued = rng.integers(-40, 0, documents)
    paid_issued = rng.integers(-700, -120, len(paid_client))
    terms = np.array([0, 14, 30, 45])[client % 4]
    open_part = pl.DataFrame(
        {
            "client_key": np.char.add("inn:", client.astype(str)),
            "client": np.char.add("Client ", client.astype(str)),
            "document": np.char.add("O-", np.arange(documents).astype(str)),
            "date": start + issued.astype("timedelta64[D]"),
            "due_date": start + (issued + terms).astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(11, 1, documents), 2),
            "paid_date": None,
            "days_late": None,
        }
    ).with_columns(pl.col("amount").alias("outstanding"))
    paid_part = pl.DataFrame(
        {
            "client_key": np.char.add("inn:", paid_client.astype(str)),
            "client": np.char.add("Client ", paid_client.astype(str)),
            "document": np.char.add("P-", np.arange(len(paid_client)).astype(str)),
            "date": start + paid_issued.astype("timedelta64[D]"),
            "due_date": start + paid_issued.astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(11, 1, len(paid_client)), 2),
            "paid_date": start + (paid_issued + late).astype("timedelta64[D]"),
            "days_late": late,
            "outstanding": 0.0,
        }
    )
    documents_frame = pl.concat(
        [
            part.select(
                pl.col(name).cast(dtype)
                if name in part.columns
                else pl.lit(None, dtype).alias(name)
                for name, dtype in DOCUMENTS_SCHEMA.items()
            )
            for part in (open_part, paid_part)
        ]
    )
    first = AS_OF + timedelta(days=1)
    plan = pl.DataFrame(
        {
            "date": [first + timedelta(days=4), first, first, first + timedelta(days=9)],
            "amount": [-20e6, -10e6, -5e6, -EQUIPMENT],
            "category": ["Payroll", "Rent", "Suppliers", "Equipment"],
            "repeat": ["monthly", "monthly", "weekly", "none"],
            "until": [None, None, None, None],
        }
    )
    return cash_basis(
        documents_frame,
        None,
        plan,
        as_of=AS_OF,
        opening_balance=OPENING,
        horizon=days,
        future_sales=False,
    )


def looped_minimums(base: CashBasis, paths: int, seed: int) -> np.ndarray:
    """The plain way: one path at a time."""
    receipts = _scenario_receipts(base, BASE)
    draws = _draw_setup(base, receipts)
    horizon = base.horizon_days
    forecast = cash_forecast(base)
    planned = forecast.planned
    fixed = np.full(horizon, round(base.opening_balance * 100), dtype=np.int64)
    for day, amount in planned.select("date", "amount").iter_rows():
        fixed[(day - base.first_day).days :] += round(amount * 100)
    rng = np.random.default_rng(seed)
    minimums = np.empty(paths, dtype=np.int64)
    for path in range(paths):
        pick = draws.pool_start + (rng.random(len(draws.cents)) * draws.pool_size).astype(np.int64)
        day = np.maximum(draws.due_index + draws.pool[pick], 0) + draws.shift
        inside = day < horizon
        inflow = np.bincount(day[inside], weights=draws.cents[inside], minlength=horizon)
        minimums[path] = int((fixed + np.cumsum(inflow)).min())
    return minimums


def drawn_documents(base: CashBasis) -> int:
    """Documents whose receipt day depends on the draw (the others are added once)."""
    draws = _draw_setup(base, _scenario_receipts(base, BASE))
    spans = zip(draws.pool_start, draws.pool_size, strict=True)
    bounds = np.array(
        [(draws.pool[s : s + n].min(), draws.pool[s : s + n].max()) for s, n in spans]
    )
    horizon = base.horizon_days

    def day(delay: np.ndarray) -> np.ndarray:
        return np.clip(np.maximum(draws.due_index + delay, 0) + draws.shift, 0, horizon)

    return int(np.count_nonzero(day(bounds[:, 0]) != day(bounds[:, 1])))


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    paths = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    documents = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 180
    start = time.perf_counter()
    data = basis(documents, days)
    print(
        f"cashflow bench: {paths:,} paths × {days} days × {data.receipts.height:,} documents "
        f"({data.clients.height} clients, {drawn_documents(data):,} of the documents drawn "
        f"on every path; setup {time.perf_counter() - start:.2f} s)"
    )
    simulation = simulate_cash(data, paths=paths, seed=SEED)
    print(
        f"  probability of a gap {simulation.probability_gap:.3f}, minimum balance p5 "
        f"{simulation.min_balance_p5:,.0f}, p50 {simulation.min_balance_p50:,.0f}"
    )
    monte_carlo = best_of(3, lambda: simulate_cash(data, paths=paths, seed=SEED))
    calendar = best_of(3, lambda: cash_forecast(data))
    loop = best_of(1, lambda: looped_minimums(data, LOOP_PATHS, SEED)) * paths / LOOP_PATHS
    print(f"  Monte Carlo, vectorized          {monte_carlo:8.3f} s")
    print(
        f"  one deterministic calendar       {calendar:8.3f} s   "
        f"(the simulation costs {monte_carlo / calendar:,.1f} calendars for {paths:,} paths)"
    )
    print(
        f"  loop over paths (100, ×{paths // LOOP_PATHS}) {loop:8.3f} s   "
        f"(vectorized is {loop / monte_carlo:,.1f}× faster)"
    )


if __name__ == "__main__":
    main()

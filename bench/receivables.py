"""Settlement speed: `settle` on 100,000 documents against a bare Polars group-by of the same data.

Run: `make bench` (or `.venv/bin/python bench/receivables.py [documents]`). The baseline is
measured in the same run, so the ratio means something on any machine: it is the price of the
sequential first-in-first-out pass over what one vectorized aggregation of the same rows costs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import polars as pl

from keyclients.core.analytics.receivables import settle
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, SALES_SCHEMA

AS_OF = date(2025, 12, 31)
START = date(2024, 1, 1)


def ledger(documents: int, clients: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Documents over two years, 5% credit notes; 90% of invoices paid, 30% of those in two
    parts, late by a client's habit plus noise; 60% of payments name their invoice."""
    rng = np.random.default_rng(seed)
    client = rng.integers(0, clients, documents)
    day = rng.integers(0, (AS_OF - START).days + 1, documents)
    amount = np.round(rng.lognormal(10, 1, documents), 2)
    amount[rng.random(documents) < 0.05] *= -0.3
    terms = np.array([0, 14, 30, 45])[client % 4]
    lateness = (client % 7) * 5 + rng.integers(-10, 30, documents)
    start = np.datetime64(START)
    sales = pl.DataFrame(
        {
            "row": np.arange(2, documents + 2),
            "client_key": np.char.add("inn:", client.astype(str)),
            "client": np.char.add("Client ", client.astype(str)),
            "inn": None,
            "date": start + day.astype("timedelta64[D]"),
            "document": np.char.add("0000-", np.char.zfill(np.arange(documents).astype(str), 6)),
            "amount": amount,
            "cost": None,
            "product": None,
            "manager": None,
            "due_date": start + (day + terms).astype("timedelta64[D]"),
            "paid_date": None,
        }
    ).cast(pl.Schema(SALES_SCHEMA))

    invoices = (
        sales.with_columns(pl.Series("lateness", lateness))
        .filter(pl.col("amount") > 0)
        .sample(fraction=0.9, seed=seed)
    )
    n = invoices.height
    payment = invoices.select(
        "client_key",
        "client",
        "inn",
        "amount",
        pl.max_horizontal("date", pl.col("due_date") + pl.duration(days="lateness")).alias("date"),
        pl.when(pl.Series(rng.random(n) < 0.6))
        .then(pl.lit("Оплата по счету № ") + pl.col("document"))
        .otherwise(pl.lit("Оплата по договору"))
        .alias("purpose"),
        pl.when(pl.Series(rng.random(n) < 0.3))
        .then((pl.col("amount") / 2).round(2))
        .otherwise(0.0)
        .alias("first_part"),
    )
    rest = payment.with_columns(pl.col("amount") - pl.col("first_part"))
    first = payment.filter(pl.col("first_part") > 0).with_columns(
        pl.col("first_part").alias("amount"), pl.col("date") - timedelta(days=5)
    )
    payments = (
        pl.concat([rest, first])
        .with_row_index("row", offset=2)
        .with_columns(
            pl.col("row").cast(pl.Int64),
            pl.lit(None, pl.String()).alias("document"),
            pl.lit("file").alias("source"),
        )
        .select(list(PAYMENTS_SCHEMA))
        .cast(pl.Schema(PAYMENTS_SCHEMA))
    )
    return sales, payments


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def baseline(sales: pl.DataFrame, payments: pl.DataFrame) -> None:
    """What the data costs to touch at all: documents from lines, payments per client, joined."""
    documents = sales.group_by("client_key", "document").agg(
        pl.col("date").min(), pl.col("due_date").min(), pl.col("amount").sum()
    )
    paid = payments.group_by("client_key").agg(pl.col("amount").sum().alias("paid"))
    documents.group_by("client_key").agg(pl.col("amount").sum()).join(paid, on="client_key")


def main() -> None:
    documents = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sales, payments = ledger(documents, clients=max(1, documents // 50))
    print(
        f"{sales.height:,} documents of {sales.get_column('client_key').n_unique():,} clients, "
        f"{payments.height:,} payments"
    )
    result = settle(sales, payments, as_of=AS_OF)  # warm-up, and a sanity check
    totals = result.totals
    assert round(totals.invoiced - totals.paid, 2) == round(totals.outstanding - totals.advance, 2)
    group_by = best_of(5, lambda: baseline(sales, payments))
    settlement = best_of(3, lambda: settle(sales, payments, as_of=AS_OF))
    print(f"bare Polars group-by (baseline): {group_by * 1000:8.1f} ms")
    print(f"settle (FIFO, purpose rule):     {settlement * 1000:8.1f} ms")
    print(f"ratio settle / baseline:         {settlement / group_by:8.1f}x")
    print(
        f"open documents {totals.documents_open:,}, outstanding {totals.outstanding:,.2f}, "
        f"DSO {totals.dso or 0:.1f} days, average days late {totals.avg_days_late or 0:.1f}"
    )


if __name__ == "__main__":
    main()

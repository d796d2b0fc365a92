"""Receivables and DSO at each month-end, from one settlement (DESIGN §4 "Receivables").

Settling at a date uses only the documents and payments up to that date, and what a payment
settled then never changes later (first in, first out goes forward in time). So one settlement at
the last date holds every earlier one: a document's outstanding amount at an earlier date is its
amount less the allocations made up to that date. One pass gives all month-ends instead of one
settlement per month-end.

Exact when each document's lines share one date (as invoices do); a document whose lines have
several dates counts in full from its first line's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from .receivables import DSO_DAYS_INVALID, Settlement, dso

TREND_AFTER_AS_OF = "month-ends after the settlement's as_of ({as_of}) cannot be known from it"

TREND_SCHEMA: dict[str, pl.DataType] = {
    "month_end": pl.Date(),
    "outstanding": pl.Float64(),  # open amounts of positive documents at the month-end
    "overdue": pl.Float64(),  # ... of them past their due date
    "revenue": pl.Float64(),  # net revenue of the dso_days days ending at the month-end
    "dso": pl.Float64(),  # null: no positive revenue in the window
}


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from the month of `first` up to `last` (inclusive)."""
    ends: list[date] = []
    year, month = first.year, first.month
    while True:
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if end > last:
            return ends
        ends.append(end)
        year, month = year + month // 12, month % 12 + 1


def receivables_trend(
    sales: pl.DataFrame,
    settlement: Settlement,
    *,
    dates: Sequence[date],
    dso_days: int,
) -> pl.DataFrame:
    """Outstanding, overdue, the DSO window's revenue and DSO at each of `dates` (each on or
    before `settlement.as_of`), as `settle(sales, payments, as_of=day, dso_days=dso_days)`
    would give them (TREND_SCHEMA, in the order given).

    `sales` are the lines the settlement was made from (SALES_SCHEMA; date and amount used).
    """
    if dso_days < 1:
        raise ValueError(DSO_DAYS_INVALID)
    if any(day > settlement.as_of for day in dates):
        raise ValueError(TREND_AFTER_AS_OF.format(as_of=settlement.as_of))
    days = pl.DataFrame({"month_end": list(dates)}, schema={"month_end": pl.Date()})
    cents = (pl.col("amount") * 100).round().cast(pl.Int64)
    # Each allocation is dated on or after its document, so at a month-end the open amount of
    # the documents issued by then is their sum less the allocations made by then. Summed per
    # (date, due date) first, the month-ends meet a few thousand rows, not every document.
    documents = settlement.documents.filter(pl.col("amount") > 0).select(
        "document_id", "date", "due_date", cents.alias("cents")
    )
    issued = documents.group_by("date", "due_date").agg(pl.col("cents").sum())
    allocated = (
        settlement.allocations.select("document_id", "date", cents.alias("cents"))
        .join(documents.select("document_id", "due_date"), on="document_id")
        .group_by("date", "due_date")
        .agg(-pl.col("cents").sum())
    )
    by_month_end = (
        days.join(pl.concat([issued, allocated]), how="cross")
        .filter(pl.col("date") <= pl.col("month_end"))
        .group_by("month_end")
        .agg(
            pl.col("cents").sum().alias("outstanding"),
            pl.col("cents").filter(pl.col("due_date") < pl.col("month_end")).sum().alias("overdue"),
        )
    )
    daily = (
        sales.filter(pl.col("date").is_not_null()).group_by("date").agg(cents.sum().alias("cents"))
    )
    revenue = (
        days.join(daily, how="cross")
        .filter(
            (pl.col("date") <= pl.col("month_end"))
            & (pl.col("date") > pl.col("month_end") - pl.duration(days=dso_days))
        )
        .group_by("month_end")
        .agg(pl.col("cents").sum().alias("revenue"))
    )
    rows = (
        days.join(by_month_end, on="month_end", how="left", maintain_order="left")
        .join(revenue, on="month_end", how="left", maintain_order="left")
        .with_columns(pl.col("outstanding", "overdue", "revenue").fill_null(0))
    )
    records = [
        {
            "month_end": day,
            "outstanding": outstanding / 100,
            "overdue": overdue / 100,
            "revenue": revenue_cents / 100,
            "dso": dso(outstanding / 100, revenue_cents / 100, dso_days),
        }
        for day, outstanding, overdue, revenue_cents in rows.select(
            "month_end", "outstanding", "overdue", "revenue"
        ).iter_rows()
    ]
    return pl.DataFrame(records, schema=TREND_SCHEMA, orient="row")

"""The sales analysis in the shape every interface shows (DESIGN §6 `keyclients analyze`).

Pure: a sales frame and its import report in, a JSON-ready dict out. The CLI prints it, the web
app and the API will serve it; none of them computes a figure of its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from .analytics.concentration import (
    DEFAULT_A,
    DEFAULT_B,
    client_revenue,
    client_shares,
    concentration,
)
from .ingest.report import ImportReport

REJECTED_IN_SUMMARY = 100
# The columns the concentration analysis reads; a bad due date must not cost it a row.
ANALYZE_ROLES = ("client", "inn", "date", "document", "amount")
MONEY_DIGITS = 2
SHARE_DIGITS = 6


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, MONEY_DIGITS) + 0.0


def _ratio(value: float | None, digits: int = SHARE_DIGITS) -> float | None:
    return None if value is None else round(value, digits) + 0.0


def analyze_sales(
    sales: pl.DataFrame,
    report: ImportReport,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    abc_a: float = DEFAULT_A,
    abc_b: float = DEFAULT_B,
) -> dict[str, Any]:
    """Concentration of one sales file over a period (default: all its data).

    Rows outside the period are counted as skipped, so read = used + skipped + rejected.
    """
    bounds = sales.select(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
    first_day: date | None = bounds.item(0, "first")
    last_day: date | None = bounds.item(0, "last")
    period_from = date_from or first_day
    period_to = date_to or last_day
    if date_from is not None or date_to is not None:
        in_period = pl.lit(True)
        if date_from is not None:
            in_period = in_period & (pl.col("date") >= date_from)
        if date_to is not None:
            in_period = in_period & (pl.col("date") <= date_to)
        used = sales.filter(in_period.fill_null(False))
    else:
        used = sales
    outside = sales.height - used.height
    revenue = client_revenue(used)
    shares = client_shares(revenue, a=abc_a, b=abc_b)
    figures = concentration(revenue, a=abc_a, b=abc_b)
    # `+ 0.0` turns a rounded -0.0 into 0.0, as `_money` does for the totals.
    clients = shares.select(
        "client",
        pl.col("client_key").alias("key"),
        pl.col("revenue").round(MONEY_DIGITS) + 0.0,
        pl.col("share").round(SHARE_DIGITS) + 0.0,
        pl.col("cumulative_share").round(SHARE_DIGITS) + 0.0,
        "rank",
        "abc",
        "major",
    ).to_dicts()
    return {
        "period": {
            "from": period_from.isoformat() if period_from else None,
            "to": period_to.isoformat() if period_to else None,
        },
        "rows": {
            "read": report.rows_read,
            "used": used.height,
            "skipped": report.rows_skipped + outside,
            "rejected": report.rows_rejected,
        },
        "rejected": [
            {"row": r.row, "column": r.column, "value": r.value, "reason": r.reason}
            for r in report.rejected[:REJECTED_IN_SUMMARY]
        ],
        "revenue_total": _money(figures.revenue_total),
        "revenue_positive": _money(figures.revenue_positive),
        "clients_total": figures.clients_total,
        "clients_positive": figures.clients_positive,
        "concentration": {
            "top1_share": _ratio(figures.top1_share),
            "top3_share": _ratio(figures.top3_share),
            "top5_share": _ratio(figures.top5_share),
            "top10_share": _ratio(figures.top10_share),
            "hhi": _ratio(figures.hhi, 2),
            "effective_clients": _ratio(figures.effective_clients, 3),
            "gini": _ratio(figures.gini),
            "level": figures.level,
            "mono_client": figures.mono_client,
        },
        "abc": dict(figures.abc_counts),
        "clients": clients,
    }

"""Receivables in the shape every interface shows (DESIGN §6 `keyclients receivables`).

Pure: a `Settlement` in, a JSON-ready dict out, with exactly the documented keys. The CLI prints
it; the web app and the API will serve it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .analytics.receivables import BUCKETS, Settlement

MONEY_DIGITS = 2
DAYS_DIGITS = 2  # average days late, DSO
SHARE_DIGITS = 6


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, MONEY_DIGITS) + 0.0


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits) + 0.0


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def receivables_summary(settlement: Settlement) -> dict[str, Any]:
    """`{"as_of", "totals", "clients", "documents"}` as DESIGN §6 lists them: amounts are
    numbers (roubles, two decimals), shares fractions, dates ISO, unknowns null."""
    totals = settlement.totals
    clients = [
        {
            "client": row["client"],
            "key": row["client_key"],
            "invoiced": _money(row["invoiced"]),
            "paid": _money(row["paid"]),
            "outstanding": _money(row["outstanding"]),
            "overdue": _money(row["overdue"]),
            "advance": _money(row["advance"]),
            "buckets": {bucket: _money(row[bucket]) for bucket in BUCKETS},
            "avg_days_late": _round(row["avg_days_late"], DAYS_DIGITS),
            "share_paid_late": _round(row["share_paid_late"], SHARE_DIGITS),
            "max_days_late": row["max_days_late"],
        }
        for row in settlement.clients.iter_rows(named=True)
    ]
    documents = [
        {
            "client": row["client"],
            "document": row["document"],
            "date": _day(row["date"]),
            "due_date": _day(row["due_date"]),
            "amount": _money(row["amount"]),
            "paid_date": _day(row["paid_date"]),
            "days_late": row["days_late"],
            "days_past_due": row["days_past_due"],
            "bucket": row["bucket"],
            "outstanding": _money(row["outstanding"]),
        }
        for row in settlement.documents.iter_rows(named=True)
    ]
    return {
        "as_of": settlement.as_of.isoformat(),
        "totals": {
            "invoiced": _money(totals.invoiced),
            "paid": _money(totals.paid),
            "outstanding": _money(totals.outstanding),
            "overdue": _money(totals.overdue),
            "advance": _money(totals.advance),
            "buckets": {bucket: _money(totals.buckets[bucket]) for bucket in BUCKETS},
            "dso": _round(totals.dso, DAYS_DIGITS),
            "avg_days_late": _round(totals.avg_days_late, DAYS_DIGITS),
            "share_paid_late": _round(totals.share_paid_late, SHARE_DIGITS),
        },
        "clients": clients,
        "documents": documents,
    }

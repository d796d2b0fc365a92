"""The demo company's money: client payments, the payment plan and the opening balance.

Payments settle the net amount of an invoice, the convention of the sample files: the sales
register's amount is net of VAT, and receivables reconcile payments against it.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from keyclients.core.demo.clients import SPELLING_WEIGHTS, ClientBook
from keyclients.core.demo.dates import (
    BoolArray,
    FloatArray,
    IntArray,
    Months,
    add_months,
    day_number,
    first_31st_after,
    next_business_day,
    next_on_day,
    previous_business_day,
)
from keyclients.core.demo.sales import VAT_RATE, Sales, document_label

_ADVANCE_SHARE = 0.2  # of invoices of clients with 0 days' terms, paid before the invoice date
_TWO_PART_SHARE = 0.08  # of invoices paid in two payments
_STUCK_SHARE = 0.03  # of invoices due in the last 150 days that are never paid
_WALKED_AWAY_SHARE = 0.5  # of dormant clients, who left their last invoices unpaid
_OPENING_BALANCE_MONTHS = 0.15  # cash at the end, in months of revenue

PLAN_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "amount": pl.Float64(),  # + in, − out
    "category": pl.String(),
    "repeat": pl.String(),  # none, weekly, monthly, quarterly
    "until": pl.Date(),  # inclusive; null: no end
}


def payments_frame(
    rng: np.random.Generator, book: ClientBook, sales: Sales, months: Months
) -> pl.DataFrame:
    """Payments for the invoices: around each client's typical delay, some in two parts, a few
    in advance, some never made; the ones after `months.end` are not made yet."""
    invoice = np.flatnonzero(~sales.doc_is_return)
    client = sales.doc_client[invoice]
    issued = sales.doc_day[invoice]
    amount = sales.doc_amount()[invoice]
    terms = book.terms[client]
    count = len(invoice)
    end_day = day_number(months.end)

    typical = book.typical_delay[client]
    delay = np.rint(rng.normal(typical, 2 + 0.35 * typical)).astype(np.int64)
    paid = next_business_day(issued + terms + np.maximum(delay, -terms))

    ahead = rng.integers(1, 6, size=count)
    advance = (
        (terms == 0)
        & (rng.random(count) < _ADVANCE_SHARE)
        & (issued - ahead >= day_number(months.start))
    )
    paid = np.where(advance, previous_business_day(issued - ahead), paid)

    unpaid = (issued + terms >= end_day - 150) & (rng.random(count) < _STUCK_SHARE) & (client != 0)
    walked_away = (book.profile == "dormant") & (rng.random(book.count) < _WALKED_AWAY_SHARE)
    last_sale = np.full(book.count, np.iinfo(np.int64).min)
    np.maximum.at(last_sale, client, issued)
    unpaid |= walked_away[client] & (issued >= last_sale[client] - 20)

    split = ~advance & (rng.random(count) < _TWO_PART_SHARE)
    fraction = np.where(rng.random(count) < 0.5, 0.5, rng.uniform(0.3, 0.7, size=count))
    first_part = np.where(split, np.round(amount * fraction, 2), 0.0)
    first_day = next_business_day(np.maximum(issued, paid - rng.integers(7, 26, size=count)))
    first_day = np.minimum(first_day, paid)
    last_part = _net_off_returns(
        sales, client, issued, paid, advance | unpaid, np.round(amount - first_part, 2)
    )

    keep_first = split & ~unpaid & (first_day <= end_day)
    keep_last = ~unpaid & (paid <= end_day) & (last_part > 0)
    rows = np.concatenate([invoice[keep_first], invoice[keep_last]])
    days = np.concatenate([first_day[keep_first], paid[keep_last]])
    amounts = np.concatenate([first_part[keep_first], last_part[keep_last]])
    in_advance = np.concatenate([np.zeros(int(keep_first.sum()), bool), advance[keep_last]])
    part = np.concatenate([np.zeros(int(keep_first.sum())), np.ones(int(keep_last.sum()))])
    order = np.lexsort((part, sales.doc_number[rows], days))
    rows, days, amounts, in_advance = rows[order], days[order], amounts[order], in_advance[order]

    payer = sales.doc_client[rows]
    spelling = rng.choice(len(SPELLING_WEIGHTS), size=len(rows), p=SPELLING_WEIGHTS)
    document = document_label(sales.doc_number[rows])
    vat = f"{round(VAT_RATE * 100)}%"
    return pl.DataFrame(
        {
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "payer": pl.Series(book.spellings[payer, spelling].tolist(), dtype=pl.String),
            "payer_inn": pl.Series(book.inn[payer].tolist(), dtype=pl.String),
            "amount": pl.Series(amounts, dtype=pl.Float64),
            "purpose": pl.Series(
                [f"Оплата по счету № {doc}, в т.ч. НДС {vat}" for doc in document],
                dtype=pl.String,
            ),
            "document": pl.Series(document.tolist(), dtype=pl.String),
            "client_key": pl.Series([f"inn:{inn}" for inn in book.inn[payer]], dtype=pl.String),
            "advance": pl.Series(in_advance, dtype=pl.Boolean),
        }
    )


def _net_off_returns(
    sales: Sales,
    client: IntArray,
    issued: IntArray,
    paid: IntArray,
    excluded: BoolArray,
    last_part: FloatArray,
) -> FloatArray:
    """A client pays its next invoice less what it returned (a return is a credit note)."""
    last_part = last_part.copy()
    doc_amount = sales.doc_amount()
    for doc in np.flatnonzero(sales.doc_is_return):
        credit = -float(doc_amount[doc])
        returned_on = sales.doc_day[doc]
        candidates = np.flatnonzero(
            (client == sales.doc_client[doc])
            & (issued >= returned_on)
            & (paid >= returned_on)
            & ~excluded
            & (last_part > credit)
        )
        if len(candidates):
            target = candidates[np.argmin(issued[candidates])]
            last_part[target] = round(float(last_part[target]) - credit, 2)
    return last_part


def _rounded(value: float, step: int) -> float:
    return float(max(step, round(value / step) * step))


def plan_and_opening_balance(end: date, monthly_revenue: float) -> tuple[pl.DataFrame, float]:
    """Planned payments for the year after `end`, sized to the company, and its cash at `end`.

    Outflows take about 93% of a month's revenue (taxes included) and the opening balance is
    about two weeks of outflows, so the base forecast stays above zero while the key client
    paying a month late opens a cash gap — the story the demo tells.
    """
    purchase = end + timedelta(days=47)
    while purchase.weekday() >= 5:
        purchase += timedelta(days=1)
    sublease_until = add_months(date(end.year, end.month, 1), 7) - timedelta(days=1)
    quarter_starts = (1, 4, 7, 10)
    rows: list[tuple[date, float, str, str, date | None]] = [
        (next_on_day(end, 5), -0.12, "Зарплата", "monthly", None),
        (next_on_day(end, 20), -0.12, "Зарплата", "monthly", None),
        (next_on_day(end, 1), -0.04, "Аренда", "monthly", None),
        (next_on_day(end, 10), -0.52, "Оплата перевозчикам", "monthly", None),
        (next_on_day(end, 15), -0.05, "Лизинг автомобилей", "monthly", None),
        (next_on_day(end, 28, quarter_starts), -0.24, "Налоги", "quarterly", None),
        (first_31st_after(end), -0.005, "Связь и ПО", "monthly", None),
        (purchase, -0.35, "Закупка оборудования", "none", None),
        (next_on_day(end, 12), 0.006, "Субаренда", "monthly", sublease_until),
    ]
    step = 10_000 if monthly_revenue >= 1_000_000 else 1_000
    plan = pl.DataFrame(
        {
            "date": [row[0] for row in rows],
            "amount": [
                float(np.sign(row[1])) * _rounded(abs(row[1]) * monthly_revenue, step)
                for row in rows
            ],
            "category": [row[2] for row in rows],
            "repeat": [row[3] for row in rows],
            "until": [row[4] for row in rows],
        },
        schema=PLAN_SCHEMA,
    )
    return plan, _rounded(_OPENING_BALANCE_MONTHS * monthly_revenue, step)

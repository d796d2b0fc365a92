"""A made-up Russian B2B company with the shape real ones have, generated from one seed.

The story the numbers tell: one federal client brings about 40% of the last twelve months'
revenue; the other clients follow a heavy tail (lognormal sizes); revenue peaks in December and
dips in summer; some clients grow, some decline, new ones keep arriving, a few went quiet months
ago (dormant) and some left long ago (lost). Clients pay around their own typical delay, some in
two parts, a few in advance; invoices near the end are still open. About 1.5% of lines are
returns, about 5% of documents have no INN, and names are spelled inconsistently, as in real
exports.

Everything is drawn from one `numpy.random.Generator` in a fixed order, so the same arguments
give the same company.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from keyclients.core.demo.cash import payments_frame, plan_and_opening_balance
from keyclients.core.demo.clients import ClientBook
from keyclients.core.demo.dates import Months, add_months, day_number
from keyclients.core.demo.sales import VAT_RATE, Sales, document_label

ERR_YEARS = "years must be at least 2: dormant clients need a previous twelve months"
ERR_CLIENTS = "clients must be at least 20"


@dataclass(frozen=True)
class DemoCompany:
    """A generated company: the frames a business would export, plus the generator's truth.

    - `clients`: client_key ("inn:<INN>"), name, legal_form, inn, payment_terms_days,
      typical_delay_days, manager, industry, region, first_sale, last_sale, status (active: a
      sale in the last 3 months; dormant: the last sale 3–12 months ago; lost: earlier), profile
      (the generator's story: key, steady, growing, declining, new, dormant, lost).
    - `sales`: one row per document line, in date and document order: date, document, client
      (display name), client_as_written (the spelling in the files), inn (null on ~5% of
      documents), client_key, amount (net of VAT; < 0 for returns), amount_with_vat, cost,
      product ("Возврат товаров от покупателя" for returns), manager, due_date.
    - `payments`: date, payer (as written), payer_inn, amount, purpose, document (the invoice
      it pays), client_key, advance (paid before the invoice date on purpose).
    - `plan`: date, amount (+ in, − out), category, repeat, until — from the day after `end`.
    - `opening_balance`: cash at the end of `end`.
    """

    name: str
    seed: int
    start: date
    end: date
    clients: pl.DataFrame
    sales: pl.DataFrame
    payments: pl.DataFrame
    plan: pl.DataFrame
    opening_balance: float


def generate_company(
    *,
    seed: int = 42,
    end: date = date(2025, 12, 31),
    years: int = 3,
    clients: int = 300,
    name: str = "ООО «Демо-Логистик»",
) -> DemoCompany:
    """Generate `years` of history ending on `end` for a company with `clients` clients."""
    if years < 2:
        raise ValueError(ERR_YEARS)
    if clients < 20:
        raise ValueError(ERR_CLIENTS)
    rng = np.random.default_rng(seed)
    months = Months.ending(end, years)
    book = ClientBook.draw(rng, clients, months)
    sales = Sales.draw(rng, book, months)
    payments = payments_frame(rng, book, sales, months)
    plan, opening_balance = plan_and_opening_balance(end, sales.ltm_revenue(end) / 12)
    return DemoCompany(
        name=name,
        seed=seed,
        start=months.start,
        end=end,
        clients=_clients_frame(book, sales, end),
        sales=_sales_frame(book, sales),
        payments=payments,
        plan=plan,
        opening_balance=opening_balance,
    )


def _sales_frame(book: ClientBook, sales: Sales) -> pl.DataFrame:
    doc = sales.line_doc
    client = sales.doc_client[doc]
    day = sales.doc_day[doc]
    inn = [
        value if has_inn else None
        for value, has_inn in zip(book.inn[client], sales.doc_has_inn[doc], strict=True)
    ]
    frame = pl.DataFrame(
        {
            "date": pl.Series(day, dtype=pl.Int32).cast(pl.Date),
            "document": pl.Series(document_label(sales.doc_number[doc]).tolist(), dtype=pl.String),
            "client": pl.Series([book.name[i] for i in client], dtype=pl.String),
            "client_as_written": pl.Series(
                book.spellings[client, sales.doc_spelling[doc]].tolist(), dtype=pl.String
            ),
            "inn": pl.Series(inn, dtype=pl.String),
            "client_key": pl.Series(
                [f"inn:{value}" for value in book.inn[client]], dtype=pl.String
            ),
            "amount": pl.Series(sales.line_amount, dtype=pl.Float64),
            "amount_with_vat": pl.Series(
                np.round(sales.line_amount * (1 + VAT_RATE), 2), dtype=pl.Float64
            ),
            "cost": pl.Series(sales.line_cost, dtype=pl.Float64),
            "product": pl.Series(sales.line_product.tolist(), dtype=pl.String),
            "manager": pl.Series(book.manager[client].tolist(), dtype=pl.String),
            "due_date": pl.Series(day + book.terms[client], dtype=pl.Int32).cast(pl.Date),
            "line": pl.Series(np.arange(len(doc)), dtype=pl.Int64),
        }
    )
    return frame.sort(["date", "document", "line"]).drop("line")


def _clients_frame(book: ClientBook, sales: Sales, end: date) -> pl.DataFrame:
    sold = ~sales.doc_is_return
    first = np.full(book.count, np.iinfo(np.int64).max)
    last = np.full(book.count, np.iinfo(np.int64).min)
    np.minimum.at(first, sales.doc_client[sold], sales.doc_day[sold])
    np.maximum.at(last, sales.doc_client[sold], sales.doc_day[sold])
    status = np.where(
        last > day_number(add_months(end, -3)),
        "active",
        np.where(last > day_number(add_months(end, -12)), "dormant", "lost"),
    )
    return pl.DataFrame(
        {
            "client_key": pl.Series([f"inn:{value}" for value in book.inn], dtype=pl.String),
            "name": pl.Series(book.name, dtype=pl.String),
            "legal_form": pl.Series(book.legal_form, dtype=pl.String),
            "inn": pl.Series(book.inn.tolist(), dtype=pl.String),
            "payment_terms_days": pl.Series(book.terms, dtype=pl.Int64),
            "typical_delay_days": pl.Series(book.typical_delay, dtype=pl.Int64),
            "manager": pl.Series(book.manager.tolist(), dtype=pl.String),
            "industry": pl.Series(book.industry, dtype=pl.String),
            "region": pl.Series(book.region, dtype=pl.String),
            "first_sale": pl.Series(first, dtype=pl.Int32).cast(pl.Date),
            "last_sale": pl.Series(last, dtype=pl.Int32).cast(pl.Date),
            "status": pl.Series(status.tolist(), dtype=pl.String),
            "profile": pl.Series(book.profile.tolist(), dtype=pl.String),
        }
    )

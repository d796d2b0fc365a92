"""Companies with sales for the dashboard tests, and the same sales as the core's frame.

`add_sales` writes a few hand-made lines; `add_demo_sales` writes the core's deterministic demo
company (a few dozen clients, a key client near 40%). Both return the sales as a line-level
Polars frame, so a test computes the expected figures with the core straight from the lines —
not from the monthly SQL aggregates the app uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import polars as pl
from django.core.cache import cache

from keyclients.core.demo import generate_company
from keyclients.web.accounts.models import Company, User
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale
from keyclients.web.ledger.services import client_key

from .base import CompanyTestCase

Line = tuple[str, date, str | float]  # client name, date, amount

_batches = 0


def _batch(company: Company) -> ImportBatch:
    global _batches
    _batches += 1
    return ImportBatch.objects.create(
        company=company,
        kind="sales",
        file_name="sales.csv",
        sha256=f"{_batches:064x}",
        status=ImportStatus.DONE,
    )


def _frame(
    keys: Sequence[str], names: Sequence[str], dates: Sequence[date], amounts: Sequence[float]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_key": list(keys),
            "client": list(names),
            "date": list(dates),
            "amount": list(amounts),
        },
        schema={
            "client_key": pl.String,
            "client": pl.String,
            "date": pl.Date,
            "amount": pl.Float64,
        },
    )


def add_sales(
    company: Company, lines: Sequence[Line], *, managers: dict[str, User] | None = None
) -> pl.DataFrame:
    """Clients (by name) and their sales lines, in one import batch."""
    batch = _batch(company)
    clients: dict[str, Client] = {}
    for name, _day, _amount in lines:
        if name not in clients:
            key = client_key(name=name, inn="")
            clients[name], _ = Client.objects.get_or_create(
                company=company,
                key=key,
                defaults={"name": name, "manager": (managers or {}).get(name)},
            )
    Sale.objects.bulk_create(
        Sale(
            company=company,
            client=clients[name],
            batch=batch,
            row=row,
            date=day,
            amount=Decimal(str(amount)),
        )
        for row, (name, day, amount) in enumerate(lines, start=1)
    )
    return _frame(
        [clients[name].key for name, _, _ in lines],
        [name for name, _, _ in lines],
        [day for _, day, _ in lines],
        [float(amount) for _, _, amount in lines],
    )


def add_demo_sales(
    company: Company, *, clients: int = 30, years: int = 2, end: date = date(2025, 12, 31)
) -> pl.DataFrame:
    """The core's demo company (clients, INNs, industries, regions, sales lines) in the ledger."""
    demo = generate_company(seed=7, clients=clients, years=years, end=end)
    batch = _batch(company)
    created = Client.objects.bulk_create(
        Client(
            company=company,
            key=row["client_key"],
            name=row["name"],
            inn=row["inn"],
            industry=row["industry"],
            regions=row["region"],
            status=row["status"],
        )
        for row in demo.clients.iter_rows(named=True)
    )
    ids = {client.key: client.pk for client in created}
    names = dict(demo.clients.select("client_key", "name").iter_rows())
    sales = demo.sales.select("client_key", "date", "document", "amount")
    Sale.objects.bulk_create(
        (
            Sale(
                company=company,
                client_id=ids[key],
                batch=batch,
                row=row,
                document=document,
                date=day,
                amount=Decimal(f"{amount:.2f}"),
            )
            for row, (key, day, document, amount) in enumerate(sales.iter_rows(), start=1)
        ),
        batch_size=2_000,
    )
    return _frame(
        sales["client_key"].to_list(),
        [names[key] for key in sales["client_key"]],
        sales["date"].to_list(),
        [round(amount, 2) for amount in sales["amount"]],
    )


class InsightsTestCase(CompanyTestCase):
    """The permission base with an empty cache per test: ids repeat between tests, and so
    could a data version, so a figure cached by one test must not leak into the next."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

"""A company with sales, payments, a plan and an opening balance for the report tests.

Payments, the plan and the forecast settings live in models of other branches; the reports
read them through `keyclients.web.reports.providers`, which these helpers patch with the core
demo generator's frames (the data those models will hold).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from unittest import mock

import polars as pl

from keyclients.core.demo import DemoCompany, generate_company
from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale
from keyclients.web.reports import providers

END = date(2025, 12, 31)


@dataclass(frozen=True)
class DemoLedger:
    demo: DemoCompany
    lines: pl.DataFrame  # SALES_SCHEMA-like line frame: what the core computes the truth from
    payments: pl.DataFrame  # PAYMENTS_SCHEMA
    plan: pl.DataFrame  # PLAN_SCHEMA


def add_ledger(
    company: Company, *, clients: int = 30, years: int = 3, end: date = END, seed: int = 7
) -> DemoLedger:
    """The demo company's clients and sales lines (with documents and due dates)."""
    demo = generate_company(seed=seed, clients=clients, years=years, end=end)
    batch = ImportBatch.objects.create(
        company=company,
        kind="sales",
        file_name="sales.csv",
        sha256=f"{company.pk:064x}",
        status=ImportStatus.DONE,
    )
    created = Client.objects.bulk_create(
        Client(
            company=company,
            key=row["client_key"],
            name=row["name"],
            inn=row["inn"],
            status=row["status"],
        )
        for row in demo.clients.iter_rows(named=True)
    )
    ids = {client.key: client.pk for client in created}
    names = dict(demo.clients.select("client_key", "name").iter_rows())
    sales = demo.sales.with_row_index("row", offset=1)
    Sale.objects.bulk_create(
        (
            Sale(
                company=company,
                client_id=ids[row["client_key"]],
                batch=batch,
                row=row["row"],
                document=row["document"],
                date=row["date"],
                due_date=row["due_date"],
                amount=Decimal(f"{row['amount']:.2f}"),
            )
            for row in sales.iter_rows(named=True)
        ),
        batch_size=2_000,
    )
    lines = sales.select(
        pl.col("row").cast(pl.Int64),
        "client_key",
        pl.col("client_key").replace_strict(names).alias("client"),
        pl.col("inn"),
        "date",
        "document",
        pl.col("amount").round(2),
        pl.lit(None, pl.Float64).alias("cost"),
        pl.lit(None, pl.String).alias("product"),
        pl.lit(None, pl.String).alias("manager"),
        "due_date",
        pl.lit(None, pl.Date).alias("paid_date"),
    )
    payments = demo.payments.with_row_index("row", offset=1).select(
        pl.col("row").cast(pl.Int64),
        "client_key",
        pl.col("payer").alias("client"),
        pl.col("payer_inn").alias("inn"),
        "date",
        "amount",
        "document",
        "purpose",
        pl.lit("file").alias("source"),
    )
    plan = demo.plan.with_row_index("row", offset=1).select(
        pl.col("row").cast(pl.Int64), "date", "amount", "category", "repeat", "until"
    )
    return DemoLedger(demo=demo, lines=lines, payments=payments, plan=plan)


def forecast_settings(ledger: DemoLedger) -> providers.ForecastSettings:
    return providers.ForecastSettings(
        opening_balance=ledger.demo.opening_balance, balance_date=ledger.demo.end
    )


@contextmanager
def ledger_providers(ledger: DemoLedger) -> Iterator[providers.ForecastSettings]:
    """The providers answer with the ledger's payments, plan and opening balance."""
    settings = forecast_settings(ledger)
    with (
        mock.patch.object(providers, "payments_frame", lambda *, company: ledger.payments),
        mock.patch.object(providers, "plan_frame", lambda *, company: ledger.plan),
        mock.patch.object(providers, "forecast_settings", lambda *, company: settings),
    ):
        yield settings

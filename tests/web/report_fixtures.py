"""A company with sales, payments, a plan and an opening balance for the report tests.

`add_ledger` stores the core demo generator's clients and sales lines; `add_cash` its payments
(ledger.Payment), its payment plan (forecast.PlannedPayment) and its opening balance
(forecast.ForecastSettings): what the receivables and forecast pages read, and so the reports.
The frames kept beside them are the truth the tests compute the expected figures from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from keyclients.core.demo import DemoCompany, generate_company
from keyclients.web.accounts.models import Company
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Payment, Sale

END = date(2025, 12, 31)


@dataclass(frozen=True)
class DemoLedger:
    company: Company
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
    return DemoLedger(company=company, demo=demo, lines=lines, payments=payments, plan=plan)


def add_cash(ledger: DemoLedger) -> ForecastSettings:
    """Store the ledger's payments (matched to their clients), plan and opening balance."""
    company = ledger.company
    batch = ImportBatch.objects.create(
        company=company,
        kind="payments",
        file_name="payments.csv",
        sha256=f"{company.pk + 1_000_000:064x}",
        status=ImportStatus.DONE,
    )
    ids = dict(Client.objects.filter(company=company).values_list("key", "pk"))
    Payment.objects.bulk_create(
        (
            Payment(
                company=company,
                client_id=ids[row["client_key"]],
                batch=batch,
                row=row["row"],
                payer_name=row["client"],
                payer_inn=row["inn"] or "",
                payer_key=row["client_key"],
                date=row["date"],
                amount=Decimal(f"{row['amount']:.2f}"),
                document=row["document"] or "",
                purpose=row["purpose"] or "",
                source="file",
            )
            for row in ledger.payments.iter_rows(named=True)
        ),
        batch_size=2_000,
    )
    PlannedPayment.objects.bulk_create(
        PlannedPayment(
            company=company,
            date=row["date"],
            amount=Decimal(f"{row['amount']:.2f}"),
            category=row["category"] or "",
            repeat=row["repeat"] or "none",
            until=row["until"],
        )
        for row in ledger.plan.iter_rows(named=True)
    )
    return ForecastSettings.objects.create(
        company=company,
        opening_balance=Decimal(f"{ledger.demo.opening_balance:.2f}"),
        balance_date=ledger.demo.end,
    )

"""A company with documents, due and paid dates, costs, a payment plan and an opening balance,
for the forecast and risk tests — and the same data as the core's line-level frames, so a test
computes the expected figures with the core straight from the lines, not from the SQL
aggregates the app uses.

The sales are the core's deterministic demo company; each document's paid date comes from
settling the demo's own payments, and is written on its lines as a sales file with a
paid-date column would have it (client payments are not in the ledger yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from keyclients.core.analytics.cashflow import CashBasis, cash_basis
from keyclients.core.analytics.receivables import settle
from keyclients.core.demo import generate_company
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, PLAN_SCHEMA, SALES_SCHEMA
from keyclients.web.accounts.models import Company, User
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale

END = date(2025, 12, 31)

_batches = 0


@dataclass(frozen=True)
class CashCompany:
    company: Company
    lines: pl.DataFrame  # SALES_SCHEMA, with paid dates and costs, as stored
    plan: pl.DataFrame  # PLAN_SCHEMA, `row` = the PlannedPayment id
    opening_balance: float
    as_of: date
    ids: dict[str, int]  # client_key -> Client id

    def basis(self, *, horizon: int = 90, reserve: float = 0.0) -> CashBasis:
        """The core's cash basis from the lines, as `keyclients cashflow` builds it."""
        documents = settle(self.lines, None, as_of=self.as_of).documents
        return cash_basis(
            documents,
            self.lines,
            self.plan,
            as_of=self.as_of,
            opening_balance=self.opening_balance,
            horizon=horizon,
            reserve=reserve,
        )


def _paid_dates(sales: pl.DataFrame, payments: pl.DataFrame) -> pl.DataFrame:
    """client_key, document, paid_date: the demo's payments settled against its sales."""
    lines = sales.with_row_index("row", offset=1).select(
        pl.col("row").cast(pl.Int64),
        "client_key",
        "client",
        "inn",
        "date",
        "document",
        "amount",
        "cost",
        "product",
        "manager",
        "due_date",
        pl.lit(None, pl.Date).alias("paid_date"),
    )
    paid = payments.with_row_index("row", offset=1).select(
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
    paid = paid.select(pl.col(n).cast(t) for n, t in PAYMENTS_SCHEMA.items())
    documents = settle(lines, paid, as_of=sales["date"].max()).documents  # type: ignore[arg-type]
    return documents.select("client_key", "document", "paid_date")


def add_cash_company(
    company: Company,
    *,
    user: User | None = None,
    clients: int = 30,
    years: int = 2,
    end: date = END,
    seed: int = 7,
    with_plan: bool = True,
    with_balance: bool = True,
) -> CashCompany:
    """The demo company's clients, sales lines (with due dates, paid dates and costs), its
    payment plan and its opening balance on `end`, in the ledger and the forecast tables."""
    global _batches
    _batches += 1
    demo = generate_company(seed=seed, clients=clients, years=years, end=end)
    batch = ImportBatch.objects.create(
        company=company,
        kind="sales",
        file_name="sales.csv",
        sha256=f"{_batches:064x}",
        status=ImportStatus.DONE,
    )
    created = Client.objects.bulk_create(
        Client(company=company, key=row["client_key"], name=row["name"], inn=row["inn"])
        for row in demo.clients.iter_rows(named=True)
    )
    ids = {client.key: client.pk for client in created}
    names = dict(demo.clients.select("client_key", "name").iter_rows())
    sales = demo.sales.join(
        _paid_dates(demo.sales, demo.payments), on=["client_key", "document"], how="left"
    )
    # The last month's invoices stay open (as_of is the last day): no paid date after it.
    sales = sales.with_columns(
        pl.when(pl.col("paid_date") <= end).then(pl.col("paid_date")).alias("paid_date"),
        pl.col("amount").round(2),
        pl.col("cost").round(2),
    )
    stored = Sale.objects.bulk_create(
        (
            Sale(
                company=company,
                client_id=ids[row["client_key"]],
                batch=batch,
                row=number,
                document=row["document"],
                date=row["date"],
                amount=Decimal(f"{row['amount']:.2f}"),
                cost=Decimal(f"{row['cost']:.2f}"),
                due_date=row["due_date"],
                paid_date=row["paid_date"],
            )
            for number, row in enumerate(sales.iter_rows(named=True), start=1)
        ),
        batch_size=2_000,
    )
    lines = pl.DataFrame(
        {
            "row": [sale.pk for sale in stored],
            "client_key": sales["client_key"],
            "client": [names[key] for key in sales["client_key"]],
            "inn": [None] * sales.height,
            "date": sales["date"],
            "document": sales["document"],
            "amount": sales["amount"],
            "cost": sales["cost"],
            "product": [None] * sales.height,
            "manager": [None] * sales.height,
            "due_date": sales["due_date"],
            "paid_date": sales["paid_date"],
        }
    ).select(pl.col(n).cast(t) for n, t in SALES_SCHEMA.items())
    payments = []
    if with_plan:
        payments = PlannedPayment.objects.bulk_create(
            PlannedPayment(
                company=company,
                date=row["date"],
                amount=Decimal(f"{row['amount']:.2f}"),
                category=row["category"],
                repeat=row["repeat"],
                until=row["until"],
                created_by=user,
            )
            for row in demo.plan.iter_rows(named=True)
        )
    plan = pl.DataFrame(
        [(p.pk, p.date, float(p.amount), p.category, p.repeat, p.until) for p in payments],
        schema=PLAN_SCHEMA,
        orient="row",
    )
    if with_balance:
        ForecastSettings.objects.create(
            company=company,
            opening_balance=Decimal(f"{demo.opening_balance:.2f}"),
            balance_date=end,
        )
    return CashCompany(
        company=company,
        lines=lines,
        plan=plan,
        opening_balance=demo.opening_balance,
        as_of=end,
        ids=ids,
    )

"""Reads behind the receivables page and the client card's payment discipline.

The web app computes no metric of its own: SQL selects the company's sales lines and payments
(only the columns the core needs), the core builds the documents and settles them
(`keyclients.core.analytics.receivables.settle`), gives the month-end trend
(`receivables_trend`) and the expected credit loss, and the pages show what it returns.

- Sales lines of a trial balance (one revenue line per client and period) are not documents, so
  they stay out of the settlement; the trial balance's own balances are shown beside it.
- Payments read from several files (a payments export and a bank statement of the same months)
  count once (`distinct_payments`); a payer that matches no client is unmatched, listed for the
  user to assign.
- Everything is cached per company under the dashboards' data version (`selectors`), so an
  import, an undo, an assignment or a client edit shows at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db import connection

from keyclients.core.analytics.receivables import (
    BUCKETS,
    DEFAULT_DSO_DAYS,
    DEFAULT_LOSS_RATES,
    ReceivablesTotals,
    Settlement,
    expected_credit_loss,
    settle,
)
from keyclients.core.analytics.receivables_trend import month_ends, receivables_trend
from keyclients.core.ingest.payments import distinct_payments
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, SALES_SCHEMA
from keyclients.web.accounts.models import Company
from keyclients.web.insights import selectors
from keyclients.web.insights.periods import add_months, month_start
from keyclients.web.insights.selectors import CompanySales
from keyclients.web.ledger.models import (
    ImportBatch,
    ImportKind,
    Payment,
    ReceivableBalance,
    Sale,
)

SETTINGS_KEY = "receivables"
TREND_MONTHS = 12
UNMATCHED_PREFIX = "payer:"  # the key of an unmatched payer in the settlement's frames

# --- Settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivablesSettings:
    """Company.settings["receivables"]: loss rates by aging bucket (fractions), the DSO window
    and the default payment terms; defaults where missing or nonsensical."""

    loss_rates: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LOSS_RATES))
    dso_days: int = DEFAULT_DSO_DAYS
    default_terms: int = 0

    @property
    def cache_key(self) -> str:
        rates = ",".join(f"{self.loss_rates[b]:.6f}" for b in BUCKETS)
        return f"{rates}:{self.dso_days}:{self.default_terms}"


def receivables_settings(*, company: Company) -> ReceivablesSettings:
    raw = company.settings.get(SETTINGS_KEY) if isinstance(company.settings, dict) else None
    values = raw if isinstance(raw, dict) else {}
    rates_raw = values.get("loss_rates")
    rates = dict(DEFAULT_LOSS_RATES)
    if isinstance(rates_raw, dict):
        for bucket in BUCKETS:
            value = rates_raw.get(bucket)
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
                rates[bucket] = float(value)

    def whole(name: str, default: int, minimum: int) -> int:
        value = values.get(name, default)
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        return int(value) if ok else default

    return ReceivablesSettings(
        loss_rates=rates,
        dso_days=whole("dso_days", DEFAULT_DSO_DAYS, 1),
        default_terms=whole("default_terms", 0, 0),
    )


# --- The SQL bridge -------------------------------------------------------------------------

# A date as ISO text on both databases (SQLite's driver would turn a bare DATE into a date).
_DAY = {"sqlite": "({} || '')", "postgresql": "to_char({}, 'YYYY-MM-DD')"}


def _day(column: str) -> str:
    return _DAY[connection.vendor].format(column)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _document_lines(company: Company) -> pl.DataFrame:
    """The company's sales lines as documents are made of: client, number, dates, amount.
    Trial-balance revenue lines are left out: a period's turnover is not a document."""
    sql = (
        f"SELECT s.id, s.client_id, s.document, {_day('s.date')},"
        f" CAST(s.amount AS DOUBLE PRECISION), {_day('s.due_date')}, {_day('s.paid_date')}"
        f" FROM {_table(Sale)} s WHERE s.company_id = %s AND s.batch_id NOT IN"
        f" (SELECT b.id FROM {_table(ImportBatch)} b WHERE b.company_id = %s AND b.kind = %s)"
    )
    rows = _fetch(sql, [company.pk, company.pk, ImportKind.TRIAL_BALANCE.value])
    raw = pl.DataFrame(
        rows,
        schema={
            "row": pl.Int64(),
            "client_id": pl.Int64(),
            "document": pl.String(),
            "date": pl.String(),
            "amount": pl.Float64(),
            "due_date": pl.String(),
            "paid_date": pl.String(),
        },
        orient="row",
    )
    return raw.with_columns(
        pl.col("document").replace("", None),
        *(pl.col(c).str.to_date("%Y-%m-%d") for c in ("date", "due_date", "paid_date")),
    )


def _payments(company: Company) -> pl.DataFrame:
    sql = (
        f"SELECT p.id, p.batch_id, p.client_id, p.payer_key, p.payer_name, {_day('p.date')},"
        f" CAST(p.amount AS DOUBLE PRECISION), p.document, p.purpose, p.source"
        f" FROM {_table(Payment)} p WHERE p.company_id = %s"
    )
    raw = pl.DataFrame(
        _fetch(sql, [company.pk]),
        schema={
            "row": pl.Int64(),
            "batch_id": pl.Int64(),
            "client_id": pl.Int64(),
            "payer_key": pl.String(),
            "payer_name": pl.String(),
            "date": pl.String(),
            "amount": pl.Float64(),
            "document": pl.String(),
            "purpose": pl.String(),
            "source": pl.String(),
        },
        orient="row",
    )
    return raw.with_columns(
        pl.col("date").str.to_date("%Y-%m-%d"),
        pl.col("document", "purpose").replace("", None),
    )


@dataclass(frozen=True)
class ReceivablesInput:
    """The core's frames of a company: sales lines (SALES_SCHEMA) and payments
    (PAYMENTS_SCHEMA, each counted once), client keys being the clients' stored keys; the
    payments of unmatched payers are keyed `payer:<payer key>`, so they never meet a client."""

    sales: pl.DataFrame
    payments: pl.DataFrame
    duplicates: int  # payments left out as already read from an earlier file
    terms: dict[str, int]
    last_date: date | None  # the last sale or payment


def receivables_input(*, sales: CompanySales) -> ReceivablesInput:
    return selectors.cached_value(sales.key("receivables-input"), lambda: _input(sales))


def _input(sales: CompanySales) -> ReceivablesInput:
    company = sales.company
    clients = selectors.client_frame_cached(sales=sales).select(
        "client_id", "client_key", "client", "inn"
    )
    lines = _document_lines(company).join(clients, on="client_id", how="inner")
    sales_frame = lines.with_columns(
        pl.lit(None, pl.String()).alias("inn"),
        pl.lit(None, pl.Float64()).alias("cost"),
        pl.lit(None, pl.String()).alias("product"),
        pl.lit(None, pl.String()).alias("manager"),
    ).select(pl.col(n).cast(t) for n, t in SALES_SCHEMA.items())

    stored = distinct_payments(
        _payments(company).rename({"payer_key": "client_key"}), source="batch_id"
    )
    kept = stored.filter(~pl.col("duplicate")).rename({"client_key": "payer_key"})
    payments_frame = (
        kept.join(clients, on="client_id", how="left")
        .with_columns(
            pl.coalesce("client_key", pl.lit(UNMATCHED_PREFIX) + pl.col("payer_key")).alias(
                "client_key"
            ),
            pl.coalesce("client", "payer_name").alias("client"),
        )
        .select(pl.col(n).cast(t) for n, t in PAYMENTS_SCHEMA.items())
    )
    terms = dict(
        _payment_terms(company)
        .join(clients, on="client_id")
        .select("client_key", "terms")
        .iter_rows()
    )
    dates = [
        d
        for d in (sales_frame.get_column("date").max(), payments_frame.get_column("date").max())
        if d is not None
    ]
    return ReceivablesInput(
        sales=sales_frame,
        payments=payments_frame,
        duplicates=stored.filter(pl.col("duplicate")).height,
        terms=terms,
        last_date=max(dates) if dates else None,
    )


def _payment_terms(company: Company) -> pl.DataFrame:
    from keyclients.web.ledger.models import Client

    rows = (
        Client.objects.filter(company=company, payment_terms_days__isnull=False)
        .order_by()
        .values_list("id", "payment_terms_days")
    )
    return pl.DataFrame(
        list(rows), schema={"client_id": pl.Int64(), "terms": pl.Int64()}, orient="row"
    )


@dataclass(frozen=True)
class ReceivablesSpan:
    """What the page needs to know before it settles anything: the last sale or payment (the
    default day) and whether there are document lines at all. Small, so reading it costs
    nothing on a warm page; the input frames stay out of the request."""

    last_date: date | None
    has_lines: bool
    # Payments, or paid dates on the sales: something says what was paid. Without it every
    # invoice would look unpaid (the reports and the API then say so instead).
    payment_data: bool


def receivables_span(*, sales: CompanySales) -> ReceivablesSpan:
    def build() -> ReceivablesSpan:
        inputs = receivables_input(sales=sales)
        paid_dates = inputs.sales.get_column("paid_date").null_count() < inputs.sales.height
        return ReceivablesSpan(
            last_date=inputs.last_date,
            has_lines=inputs.sales.height > 0,
            payment_data=inputs.payments.height > 0 or paid_dates,
        )

    # "-2": the entry's shape changed; a file cache entry of the old shape is never read.
    return selectors.cached_value(sales.key("receivables-span-2"), build)


def default_as_of(*, span: ReceivablesSpan, today: date) -> date:
    """The last day the data covers (last sale or payment), or today when that is later."""
    return min(span.last_date, today) if span.last_date else today


# --- The page -------------------------------------------------------------------------------

# Rows of the overdue list kept with the page (its first pages, OVERDUE_PER_PAGE rows each):
# at a million sales lines the whole list is ~380,000 documents, which a warm page must not
# read from the cache on every request. Later pages come from the cached settlement.
OVERDUE_HEAD = 150


@dataclass(frozen=True)
class ReceivablesData:
    """What the receivables page shows at `as_of`, all of it from the core's settlement. Read
    from the cache on every request, so it holds the per-client table and the head of the
    overdue list, not the settlement's documents (`receivables_settlement` has them)."""

    as_of: date
    settings: ReceivablesSettings
    totals: ReceivablesTotals
    warnings: tuple[str, ...]  # the settlement's
    clients: pl.DataFrame  # the core's clients with client_id (null: an unmatched payer)
    trend: tuple[dict[str, Any], ...]  # month_end (ISO), dso, outstanding, overdue, revenue
    unmatched: tuple[dict[str, Any], ...]  # per payer: key, name, payments, amount, dates
    duplicates: int
    has_documents: bool
    overdue_count: int  # open documents past their due date
    overdue_head: pl.DataFrame  # the first OVERDUE_HEAD of them, as `overdue_documents`

    def ecl_rows(self) -> list[dict[str, Any]]:
        """The provision matrix: each bucket's open amount, rate and loss (the core's)."""
        totals = self.totals
        return [
            {
                "bucket": bucket,
                "amount": totals.buckets[bucket],
                "rate": totals.loss_rates[bucket],
                "loss": expected_credit_loss({bucket: totals.buckets[bucket]}, totals.loss_rates),
            }
            for bucket in BUCKETS
        ]


def _key(sales: CompanySales, name: str, as_of: date, settings: ReceivablesSettings) -> str:
    return sales.key(name, as_of.isoformat(), settings.cache_key)


def receivables_settlement(
    *, sales: CompanySales, as_of: date, settings: ReceivablesSettings
) -> Settlement:
    """The core's settlement of every document of the company at `as_of` (large: for the
    client card and the overdue list's later pages)."""
    key = _key(sales, "receivables-settlement", as_of, settings)
    return selectors.cached_value(key, lambda: _settle(sales, as_of, settings))


def _settle(sales: CompanySales, as_of: date, settings: ReceivablesSettings) -> Settlement:
    inputs = receivables_input(sales=sales)
    ids = selectors.client_frame_cached(sales=sales).select("client_key", "client_id")
    return settle(
        inputs.sales,
        inputs.payments,
        as_of=as_of,
        terms=inputs.terms,
        default_terms=settings.default_terms,
        dso_days=settings.dso_days,
        loss_rates=settings.loss_rates,
        # Every client of the company is a client, with sales or not: its payments count.
        known_clients=ids.get_column("client_key"),
    )


def receivables(
    *, sales: CompanySales, as_of: date, settings: ReceivablesSettings
) -> ReceivablesData:
    # A new name for a new shape: an entry cached by an older version is never read as this.
    key = _key(sales, "receivables-page", as_of, settings)
    return selectors.cached_value(key, lambda: _receivables(sales, as_of, settings))


def _receivables(
    sales: CompanySales, as_of: date, settings: ReceivablesSettings
) -> ReceivablesData:
    inputs = receivables_input(sales=sales)
    ids = selectors.client_frame_cached(sales=sales).select("client_key", "client_id")
    settlement = receivables_settlement(sales=sales, as_of=as_of, settings=settings)
    # Kept in the page's default order, so the page as it opens sorts nothing.
    clients = _sorted(
        settlement.clients.join(ids, on="client_key", how="left", maintain_order="left"),
        DEFAULT_CLIENT_SORT,
    )
    first = inputs.sales.get_column("date").min()
    dates = [
        d
        for d in month_ends(add_months(month_start(as_of), 1 - TREND_MONTHS), as_of)
        if first is not None and d >= month_start(first)  # type: ignore[operator]
    ]
    if dates and dates[-1] != as_of:
        dates.append(as_of)
    trend = receivables_trend(inputs.sales, settlement, dates=dates, dso_days=settings.dso_days)
    overdue = _overdue(settlement, clients)
    return ReceivablesData(
        as_of=as_of,
        settings=settings,
        totals=settlement.totals,
        warnings=tuple(settlement.warnings),
        clients=clients,
        trend=tuple(
            {**row, "month_end": row["month_end"].isoformat()}
            for row in trend.iter_rows(named=True)
        ),
        unmatched=_unmatched(settlement.unmatched),
        duplicates=inputs.duplicates,
        has_documents=settlement.documents.height > 0,
        overdue_count=overdue.height,
        overdue_head=overdue.head(OVERDUE_HEAD),
    )


def _unmatched(unmatched: pl.DataFrame) -> tuple[dict[str, Any], ...]:
    """The unmatched payments by payer, the largest sum first (for the assignment list)."""
    by_payer = (
        unmatched.group_by("client_key")
        .agg(
            pl.col("client").first().alias("name"),
            pl.len().alias("payments"),
            pl.col("amount").sum().round(2).alias("amount"),
            pl.col("date").min().alias("first_date"),
            pl.col("date").max().alias("last_date"),
        )
        .with_columns(pl.col("client_key").str.strip_prefix(UNMATCHED_PREFIX).alias("payer_key"))
        .sort("amount", "name", descending=[True, False])
    )
    return tuple(
        {**row, "inn": row["payer_key"][4:] if row["payer_key"].startswith("inn:") else ""}
        for row in by_payer.iter_rows(named=True)
    )


# ?sort= of the clients table: a column of the core's clients frame, "-" first = descending.
CLIENT_SORTS = {
    "client": "client",
    "outstanding": "outstanding",
    "overdue": "overdue",
    **{bucket: bucket for bucket in BUCKETS},
    "advance": "advance",
    "avg_days_late": "avg_days_late",
    "share_paid_late": "share_paid_late",
    "max_days_late": "max_days_late",
    "ecl": "expected_credit_loss",
}
DEFAULT_CLIENT_SORT = "-outstanding"


def sorted_clients(data: ReceivablesData, sort: str) -> pl.DataFrame:
    """The clients table in the order asked (`data.clients` is in the default one already)."""
    return data.clients if sort == DEFAULT_CLIENT_SORT else _sorted(data.clients, sort)


def _sorted(clients: pl.DataFrame, sort: str) -> pl.DataFrame:
    descending = sort.startswith("-")
    column = CLIENT_SORTS.get(sort.lstrip("-"), "outstanding")
    # client_key last: a total order, so any earlier order of the rows gives the same result.
    return clients.sort(
        [column, "client", "client_key"],
        descending=[descending, False, False],
        nulls_last=True,
        maintain_order=True,
    )


def _overdue(settlement: Settlement, clients: pl.DataFrame) -> pl.DataFrame:
    """Open documents past their due date, the longest overdue first."""
    ids = clients.select("client_key", "client_id")
    return (
        settlement.documents.filter(pl.col("days_past_due") > 0)
        .join(ids, on="client_key", how="left")
        # Stable: the head kept with the page and the whole list cut the same order.
        .sort(["days_past_due", "outstanding"], descending=[True, True], maintain_order=True)
    )


def overdue_documents(
    *, sales: CompanySales, data: ReceivablesData, start: int, stop: int
) -> pl.DataFrame:
    """Rows `start:stop` of the overdue list: from the page's head when they are in it, else
    from the whole list (cached on its own, built from the cached settlement)."""
    if stop <= data.overdue_head.height or data.overdue_head.height == data.overdue_count:
        return data.overdue_head[start:stop]

    def build() -> pl.DataFrame:
        settlement = receivables_settlement(sales=sales, as_of=data.as_of, settings=data.settings)
        return _overdue(settlement, data.clients)

    whole = selectors.cached_value(
        _key(sales, "receivables-overdue", data.as_of, data.settings), build
    )
    return whole[start:stop]


# --- Trial balance snapshot -----------------------------------------------------------------


@dataclass(frozen=True)
class BalanceSnapshot:
    """The latest trial balance for account 62: each client's balances at its period's end."""

    period_start: date
    period_end: date
    receivables: float  # Σ closing debit
    advances: float  # Σ closing credit
    revenue: float
    clients: tuple[dict[str, Any], ...]  # the largest receivables first


def balance_snapshot(*, sales: CompanySales) -> BalanceSnapshot | None:
    # In a tuple: "no trial balance" is worth caching too, and the cache cannot hold None.
    (snapshot,) = selectors.cached_value(
        sales.key("balance-snapshot"), lambda: (_snapshot(sales.company),)
    )
    return snapshot


def _snapshot(company: Company) -> BalanceSnapshot | None:
    balances = ReceivableBalance.objects.filter(company=company)
    latest = (
        balances.order_by("-period_end", "-batch_id").values_list("batch_id", flat=True).first()
    )
    if latest is None:
        return None
    rows = list(
        balances.filter(batch_id=latest)
        .select_related("client")
        .order_by("-closing_debit", "client__name")
        .values(
            "client_id",
            "client__name",
            "period_start",
            "period_end",
            "closing_debit",
            "closing_credit",
            "revenue",
        )
    )
    return BalanceSnapshot(
        period_start=rows[0]["period_start"],
        period_end=rows[0]["period_end"],
        receivables=float(sum(r["closing_debit"] for r in rows)),
        advances=float(sum(r["closing_credit"] for r in rows)),
        revenue=float(sum(r["revenue"] for r in rows)),
        clients=tuple(
            {
                "client_id": r["client_id"],
                "name": r["client__name"],
                "closing_debit": float(r["closing_debit"]),
                "closing_credit": float(r["closing_credit"]),
                "revenue": float(r["revenue"]),
            }
            for r in rows
        ),
    )


# --- Client card ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientDiscipline:
    """One client's payment discipline at `as_of`, from the company's settlement."""

    as_of: date
    figures: dict[str, Any] | None  # the core's clients row; None: no documents
    open_documents: tuple[dict[str, Any], ...]  # oldest due first
    history: tuple[dict[str, Any], ...]  # paid documents: paid_date, days_late, amount


def client_discipline(
    *, sales: CompanySales, data: ReceivablesData, client_key: str
) -> ClientDiscipline:
    rows = data.clients.filter(pl.col("client_key") == client_key)
    settlement = receivables_settlement(sales=sales, as_of=data.as_of, settings=data.settings)
    documents = settlement.documents.filter(pl.col("client_key") == client_key)
    open_documents = documents.filter(pl.col("outstanding") > 0).sort("due_date", "date")
    paid = documents.filter(pl.col("days_late").is_not_null()).sort("paid_date")
    return ClientDiscipline(
        as_of=data.as_of,
        figures=rows.row(0, named=True) if rows.height else None,
        open_documents=tuple(open_documents.iter_rows(named=True)),
        history=tuple(
            {
                "paid_date": row["paid_date"].isoformat(),
                "days_late": row["days_late"],
                "amount": row["amount"],
                "document": row["document"] or "",
            }
            for row in paid.iter_rows(named=True)
        ),
    )

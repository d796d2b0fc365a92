"""SQL bridges that feed KAISM and the early-warning signals, one small frame each.

Two of the sources these pages need are built by other apps in parallel and do not exist on
this branch yet: payments (`ledger.Payment`) and the client dossier (`clients.Contact`,
`clients.Interaction`). Their providers below return an *empty frame of the right shape* for
now — the pages then show what the sales alone tell (no payment discipline, no relationship
depth, no contact signals) — and are the single place the merge wires to the real tables:

- `payments_frame(company=)`          -> ledger.Payment rows (PAYMENTS_SCHEMA columns)
- `dossier_facts_frame(company=)`     -> per client: decision maker known, champion known,
                                         active contacts (from clients.Contact)
- `last_interactions_frame(company=)` -> per client: the date of its last interaction
                                         (from clients.Interaction)

Every frame is keyed by `client_id` (the ledger's primary key); the selectors map it to the
core's `client_key`.
"""

from __future__ import annotations

import polars as pl
from django.db import connection

from keyclients.core.ingest.schema import PAYMENTS_SCHEMA
from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Sale

SALES_DAY_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "date": pl.Date(),
    "amount": pl.Float64(),  # net revenue of the client on the day
    "cost": pl.Float64(),  # null when any line of the day lacks a cost
    "paid_dates": pl.Int64(),  # lines of the day with a paid date (they settle themselves)
}
# One row per sales document, the lines of one client and number summed (lines without a
# number are documents of their own), in the core's SALES_SCHEMA names.
SALES_DOCUMENT_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "row": pl.Int64(),  # the id of the document's first line: unique across imports
    "document": pl.String(),
    "date": pl.Date(),  # the earliest line date
    "amount": pl.Float64(),
    "due_date": pl.Date(),  # the earliest given due date
    "paid_date": pl.Date(),  # the latest paid date when every line has one, else null
}
PAYMENT_FRAME_SCHEMA: dict[str, pl.DataType] = {"client_id": pl.Int64(), **PAYMENTS_SCHEMA}
DOSSIER_FACTS_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "decision_maker_known": pl.Boolean(),
    "champion_known": pl.Boolean(),
    "active_contacts": pl.Int64(),
}
LAST_INTERACTION_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "last_interaction": pl.Date(),
}

# substr(): a bare DATE column would come back from SQLite as a date object, not text.
_DAY_SQL = {"sqlite": "substr({}, 1, 10)", "postgresql": "to_char({}, 'YYYY-MM-DD')"}
# As in selectors.client_month_revenue: SQLite reads the sales table straight through rather
# than walking the (company, client, date) index with a random read per line.
_COMPANY_SQL = {"sqlite": "+company_id = %s", "postgresql": "company_id = %s"}


def _dates(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(column).str.to_date("%Y-%m-%d") for column in columns)


def sales_day_frame(*, company: Company) -> pl.DataFrame:
    """Net revenue and cost per client and day, in one GROUP BY (SALES_DAY_SCHEMA).

    Days, not months: the silence signal counts days between sales and tenure starts on the
    day of the first sale. A day's cost is null unless every line of it has one, as the core's
    margin needs (a partial cost would overstate the margin).
    """
    vendor = connection.vendor
    day = _DAY_SQL[vendor].format("date")
    sql = (
        f"SELECT client_id, {day}, CAST(SUM(amount) AS DOUBLE PRECISION),"
        f" CASE WHEN COUNT(cost) = COUNT(*) THEN CAST(SUM(cost) AS DOUBLE PRECISION) END,"
        f" COUNT(paid_date)"
        f" FROM {connection.ops.quote_name(Sale._meta.db_table)}"
        f" WHERE {_COMPANY_SQL[vendor]} GROUP BY client_id, date"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk])
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema={
            "client_id": pl.Int64,
            "date": pl.String,
            "amount": pl.Float64,
            "cost": pl.Float64,
            "paid_dates": pl.Int64,
        },
        orient="row",
    )
    return _dates(raw, "date").sort("client_id", "date")


def sales_documents_frame(*, company: Company) -> pl.DataFrame:
    """The company's sales documents (SALES_DOCUMENT_SCHEMA) for the receivables' settlement.

    One GROUP BY in SQL gives what `receivables.settle` would make of the lines itself: the
    same grouping (client and number; a line without a number alone), earliest date and due
    date, the sum, and the paid date only when every line of the document has one.
    """
    vendor = connection.vendor
    day = _DAY_SQL[vendor]
    own_line = "CASE WHEN document = '' THEN id ELSE 0 END"
    sql = (
        f"SELECT client_id, MIN(id), document, {day.format('MIN(date)')},"
        f" CAST(SUM(amount) AS DOUBLE PRECISION), {day.format('MIN(due_date)')},"
        f" CASE WHEN COUNT(paid_date) = COUNT(*) THEN {day.format('MAX(paid_date)')} END"
        f" FROM {connection.ops.quote_name(Sale._meta.db_table)}"
        f" WHERE company_id = %s GROUP BY client_id, document, {own_line}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk])
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema={
            "client_id": pl.Int64,
            "row": pl.Int64,
            "document": pl.String,
            "date": pl.String,
            "amount": pl.Float64,
            "due_date": pl.String,
            "paid_date": pl.String,
        },
        orient="row",
    )
    return _dates(raw, "date", "due_date", "paid_date").with_columns(
        pl.when(pl.col("document") != "").then(pl.col("document")).alias("document")
    )


def payments_frame(*, company: Company) -> pl.DataFrame:
    """The company's client payments (`ledger.Payment`, each counted once — the frame the
    receivables page settles with): one row per payment with `client_id` and the
    PAYMENTS_SCHEMA columns. Payers matched to no client are left out."""
    from keyclients.web.insights import receivables, selectors

    sales = selectors.company_sales(company=company)
    payments = receivables.receivables_input(sales=sales).payments
    clients = selectors.company_clients(sales=sales).select("client_id", "client_key")
    return payments.join(clients, on="client_key", how="inner").select(
        pl.col(name).cast(dtype) for name, dtype in PAYMENT_FRAME_SCHEMA.items()
    )


def dossier_facts_frame(*, company: Company) -> pl.DataFrame:
    """Per client: whether a decision maker and a champion are recorded, and the number of
    active contacts, from the dossier (`clients.Contact`); a client missing from the frame
    has no dossier (its relationship depth is unknown)."""
    from keyclients.web.clients.selectors import contacts_frame

    return _by_client_id(company, contacts_frame(company=company), DOSSIER_FACTS_SCHEMA)


def last_interactions_frame(*, company: Company) -> pl.DataFrame:
    """Per client, the date of its last interaction (`clients.Interaction`)."""
    from keyclients.web.clients.selectors import last_interactions

    return _by_client_id(company, last_interactions(company=company), LAST_INTERACTION_SCHEMA)


def _by_client_id(
    company: Company, frame: pl.DataFrame, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """A dossier frame keyed by `client_key`, re-keyed by the ledger's `client_id`."""
    from keyclients.web.ledger.models import Client

    ids = pl.DataFrame(
        list(Client.objects.filter(company=company).values_list("pk", "key")),
        schema={"client_id": pl.Int64(), "client_key": pl.String()},
        orient="row",
    )
    return frame.join(ids, on="client_key", how="inner").select(
        pl.col(name).cast(dtype) for name, dtype in schema.items()
    )

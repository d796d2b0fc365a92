"""Writing parsed frames (sales, payments, outflows, trial-balance lines) into the database fast
enough for a million lines.

No ORM object per line: the frame is turned into plain tuples by Polars and inserted in chunks
with `cursor.executemany`, inside the caller's transaction. Clients are matched by key through
a dict, and the missing ones are created with one `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import polars as pl
from django.db import connection, models

from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import (
    Client,
    ImportBatch,
    Outflow,
    Payment,
    Sale,
)

# Big enough that the per-call overhead vanishes, small enough to report progress often.
CHUNK_ROWS = 50_000
SQLITE_CACHE_KIB = 256 * 1024
SQLITE_DEFAULT_CACHE_KIB = 2000

# The columns of a sales line, in the order the INSERT names them.
SALE_COLUMNS = (
    "company_id",
    "client_id",
    "batch_id",
    "row",
    "document",
    "date",
    "amount",
    "cost",
    "product",
    "manager",
    "due_date",
    "paid_date",
)


PAYMENT_COLUMNS = (
    "company_id",
    "client_id",
    "batch_id",
    "row",
    "payer_name",
    "payer_inn",
    "payer_key",
    "date",
    "amount",
    "document",
    "purpose",
    "source",
)
OUTFLOW_COLUMNS = (
    "company_id",
    "batch_id",
    "row",
    "date",
    "payee",
    "payee_inn",
    "amount",
    "document",
    "purpose",
    "source",
)
BALANCE_AMOUNTS = (
    "opening_debit",
    "opening_credit",
    "debit_turnover",
    "credit_turnover",
    "closing_debit",
    "closing_credit",
    "revenue",
)
BALANCE_COLUMNS = (
    "company_id",
    "client_id",
    "batch_id",
    "row",
    "period_start",
    "period_end",
    *BALANCE_AMOUNTS,
)


def _max_length(model: type[models.Model], field: str) -> int:
    length = model._meta.get_field(field).max_length
    assert length is not None
    return length


@dataclass(frozen=True)
class SalesWritten:
    sales: int
    clients_created: int


def client_ids(
    *, company: Company, batch: ImportBatch, frame: pl.DataFrame
) -> tuple[dict[str, int], int]:
    """Every client key of the frame -> its Client id; missing clients are created (name, INN)."""
    existing: dict[str, int] = dict(Client.objects.filter(company=company).values_list("key", "id"))
    name_length = _max_length(Client, "name")
    wanted = (
        frame.group_by("client_key", maintain_order=True)
        .agg(pl.col("client").first(), pl.col("inn").drop_nulls().first())
        .filter(~pl.col("client_key").is_in(list(existing)))
    )
    created = Client.objects.bulk_create(
        [
            Client(
                company=company,
                key=key,
                name=(name or key).strip()[:name_length],
                inn=inn or "",
                import_batch=batch,
            )
            for key, name, inn in wanted.iter_rows()
        ],
        batch_size=1000,
    )
    if any(client.pk is None for client in created):  # a database without RETURNING
        keys = [client.key for client in created]
        existing.update(
            Client.objects.filter(company=company, key__in=keys).values_list("key", "id")
        )
    else:
        existing.update((client.key, client.pk) for client in created)
    return existing, len(created)


def _text(column: str, model: type[models.Model], field: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.slice(0, _max_length(model, field)).alias(field)


def _day(column: str) -> pl.Expr:
    return pl.col(column).dt.to_string("%Y-%m-%d")


def sale_rows(
    frame: pl.DataFrame, *, company_id: int, batch_id: int, ids: dict[str, int]
) -> pl.DataFrame:
    """The frame in SALE_COLUMNS order, as the database takes it: text cut to the column sizes,
    empty text instead of null, amounts rounded to kopecks, dates as ISO text.

    File order is kept: exports come in date order, so two of the three sales indexes
    (batch + row, date) fill their pages one after another."""
    return frame.select(
        pl.lit(company_id, pl.Int64).alias("company_id"),
        pl.col("client_key").replace_strict(ids, return_dtype=pl.Int64).alias("client_id"),
        pl.lit(batch_id, pl.Int64).alias("batch_id"),
        pl.col("row"),
        _text("document", Sale, "document"),
        _day("date").alias("date"),
        pl.col("amount").round(2),
        pl.col("cost").round(2),
        _text("product", Sale, "product"),
        _text("manager", Sale, "manager"),
        _day("due_date").alias("due_date"),
        _day("paid_date").alias("paid_date"),
    )


def payment_rows(frame: pl.DataFrame, *, company_id: int, batch_id: int) -> pl.DataFrame:
    """Payment lines (`readers.Upload.lines` of a payments kind) in PAYMENT_COLUMNS order."""
    return frame.select(
        pl.lit(company_id, pl.Int64).alias("company_id"),
        pl.col("client_id").cast(pl.Int64),
        pl.lit(batch_id, pl.Int64).alias("batch_id"),
        pl.col("row"),
        _text("client_raw", Payment, "payer_name"),
        _text("inn_raw", Payment, "payer_inn"),
        _text("payer_key", Payment, "payer_key"),
        _day("date").alias("date"),
        pl.col("amount").round(2),
        _text("document", Payment, "document"),
        pl.col("purpose").fill_null(""),
        pl.col("source"),
    )


def outflow_rows(frame: pl.DataFrame, *, company_id: int, batch_id: int) -> pl.DataFrame:
    """OUTFLOWS_SCHEMA in OUTFLOW_COLUMNS order."""
    return frame.select(
        pl.lit(company_id, pl.Int64).alias("company_id"),
        pl.lit(batch_id, pl.Int64).alias("batch_id"),
        pl.col("row"),
        _day("date").alias("date"),
        _text("payee", Outflow, "payee"),
        _text("payee_inn", Outflow, "payee_inn"),
        pl.col("amount").round(2),
        _text("document", Outflow, "document"),
        pl.col("purpose").fill_null(""),
        pl.col("source"),
    )


def balance_rows(
    frame: pl.DataFrame,
    *,
    company_id: int,
    batch_id: int,
    ids: dict[str, int],
    period: tuple[object, object],
) -> pl.DataFrame:
    """TRIAL_BALANCE_SCHEMA in BALANCE_COLUMNS order."""
    return frame.select(
        pl.lit(company_id, pl.Int64).alias("company_id"),
        pl.col("client_key").replace_strict(ids, return_dtype=pl.Int64).alias("client_id"),
        pl.lit(batch_id, pl.Int64).alias("batch_id"),
        pl.col("row"),
        pl.lit(str(period[0])).alias("period_start"),
        pl.lit(str(period[1])).alias("period_end"),
        *(pl.col(name).round(2) for name in BALANCE_AMOUNTS),
    )


def insert_sql(model: type[models.Model] = Sale, columns: tuple[str, ...] = SALE_COLUMNS) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    values = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({values})"


def copy_sql(model: type[models.Model], columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    # Unquoted empty cells are NULL (dates, amounts); text columns that may not be NULL read
    # them as empty text.
    text = [
        quote(c)
        for c in columns
        if (field := model._meta.get_field(c)).get_internal_type() in ("CharField", "TextField")
        and not field.null
    ]
    force = f", FORCE_NOT_NULL ({', '.join(text)})" if text else ""
    return f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN (FORMAT csv{force})"


def _chunks(rows: pl.DataFrame | Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Rows to insert in chunks of at most CHUNK_ROWS; a stream of frames (the batches of a
    large file) is made into rows one frame at a time."""
    for frame in [rows] if isinstance(rows, pl.DataFrame) else rows:
        yield from frame.iter_slices(CHUNK_ROWS)


def _copy_rows(
    rows: pl.DataFrame | Iterable[pl.DataFrame],
    *,
    model: type[models.Model],
    columns: tuple[str, ...],
    on_chunk: Callable[[int], None] | None,
) -> int:
    """PostgreSQL: COPY, one statement per chunk, the chunk written as CSV by Polars. About
    5 times faster than executemany, which sends a statement per line (bench/volume.py)."""
    sql = copy_sql(model, columns)
    written = 0
    with connection.cursor() as cursor:
        # Foreign keys checked line by line as they come, not queued to the commit: a million
        # deferred checks cost the server memory and took longer (bench/volume.py).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for chunk in _chunks(rows):
            payload = chunk.write_csv(include_header=False, null_value="").encode("utf-8")
            with cursor.cursor.copy(sql) as copy:
                copy.write(payload)
            written += chunk.height
            if on_chunk is not None:
                on_chunk(written)
        # Back to Django's default for its keys (after an error the transaction is rolled back).
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return written


def insert_sales(
    rows: pl.DataFrame | Iterable[pl.DataFrame], *, on_chunk: Callable[[int], None] | None = None
) -> int:
    """Insert `sale_rows(...)` (a frame, or frames one after another) in chunks;
    `on_chunk(rows written so far)` after each one.

    Runs in the caller's transaction: the caller decides that all of it or none is kept.
    """
    return insert_rows(rows, model=Sale, columns=SALE_COLUMNS, on_chunk=on_chunk)


def insert_rows(
    rows: pl.DataFrame | Iterable[pl.DataFrame],
    *,
    model: type[models.Model],
    columns: tuple[str, ...],
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Insert rows (already in `columns` order) into `model`'s table, as `insert_sales` does."""
    if connection.vendor == "postgresql":
        return _copy_rows(rows, model=model, columns=columns, on_chunk=on_chunk)
    sql = insert_sql(model, columns)
    written = 0
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if sqlite:
            # The (company, client, date) index takes its inserts at random places; a page
            # cache larger than SQLite's 8 MB default keeps them in memory for this
            # connection: about a third off a 1M-line insert (bench/import_sqlite.py).
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            for chunk in _chunks(rows):
                cursor.executemany(sql, chunk.rows())
                written += chunk.height
                if on_chunk is not None:
                    on_chunk(written)
        finally:
            if sqlite:  # the connection serves pages again afterwards: back to the default
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_DEFAULT_CACHE_KIB}")
    return written

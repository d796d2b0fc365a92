"""Reading client payments: a CSV/XLSX payments file or a 1C bank statement (auto-detected).

Payers are keyed like the sales' clients (DESIGN §3 "Client identity"). Keyed together with a
sales file (`read_sales_and_payments`, or `match_payment_clients` on frames already read), a
payer without an INN finds the sales client whose name carries one, so one client has one
`client_key` in both frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .bank import BankStatement, is_bank_statement, read_statement
from .clients import invalid_inn_warnings, resolve_clients
from .lines import drop_problem_rows, parse_date_column, problem, read_lines
from .parse import DateOrder, parse_amounts
from .report import (
    REASON_NO_CLIENT,
    REASON_NO_DATE,
    REASON_NOT_A_DATE,
    REASON_NOT_A_NUMBER,
    ImportReport,
)
from .sales import SalesFile, finish_sales, sales_lines
from .schema import OUTFLOWS_SCHEMA, PAYMENTS_SCHEMA, SALES_SCHEMA
from .table import read_bytes

PAYMENT_ROLES = ("client", "inn", "date", "document", "amount", "purpose")
PAYMENT_REQUIRED = ("client", "amount", "date")

NO_PAYMENTS_HEADER = (
    "no header row with a payer column, an amount column and a date column in the first "
    "{rows} rows (missing: {missing}); columns seen: {seen}"
)
NEGATIVE_PAYMENTS = (
    "{count} row(s) with a negative amount are money paid out, not client payments; "
    "they are kept with the outflows"
)
MAPPING_IGNORED = "a bank statement has fixed fields: the column mapping is not used"
ZERO_PAYMENTS = "rows with a zero amount"


@dataclass(frozen=True)
class PaymentsFile:
    frame: pl.DataFrame  # PAYMENTS_SCHEMA: client payments (amount > 0), in file order
    report: ImportReport
    outflows: pl.DataFrame  # OUTFLOWS_SCHEMA: money paid out (bank: outgoing documents)
    statement: BankStatement | None = None  # balances and totals, for a bank statement


@dataclass(frozen=True)
class PaymentLines:
    """Parsed payments before client identity: `client_raw`, `inn_raw` instead of the keys."""

    frame: pl.DataFrame
    report: ImportReport
    outflows: pl.DataFrame
    statement: BankStatement | None


def read_payments(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
) -> PaymentsFile:
    """Read a payments file (CSV/XLSX: date, payer, payer INN, amount, purpose) or a
    `1CClientBankExchange` statement, told apart by the statement's first line.

    Raises IngestError (one line) when the file cannot be read at all; rows (or statement
    blocks) that cannot be parsed are left out and listed in the report."""
    lines = payment_lines(source, name=name, mapping=mapping, sheet=sheet, date_order=date_order)
    (frame,), warnings = resolve_clients([lines.frame])
    lines.report.warnings.extend(warnings)
    return finish_payments(frame, lines)


def read_sales_and_payments(
    sales: Path | bytes,
    payments: Path | bytes,
    *,
    sales_name: str | None = None,
    payments_name: str | None = None,
    sales_mapping: Mapping[str, str] | None = None,
    payments_mapping: Mapping[str, str] | None = None,
    sales_sheet: str | None = None,
    payments_sheet: str | None = None,
    date_order: DateOrder | None = None,
) -> tuple[SalesFile, PaymentsFile]:
    """Read a sales file and a payments file as one analysis: client identity is resolved over
    both, so the same client has the same `client_key` in each frame."""
    sales_frame, sales_report = sales_lines(
        sales, name=sales_name, mapping=sales_mapping, sheet=sales_sheet, date_order=date_order
    )
    lines = payment_lines(
        payments,
        name=payments_name,
        mapping=payments_mapping,
        sheet=payments_sheet,
        date_order=date_order,
    )
    return key_jointly(sales_frame, sales_report, lines)


def key_jointly(
    sales_frame: pl.DataFrame, sales_report: ImportReport, lines: PaymentLines
) -> tuple[SalesFile, PaymentsFile]:
    """Resolve client identity over the lines of a sales file (`sales_lines`) and a payments
    file (`payment_lines`) read apart, e.g. to tell the user which of the two failed."""
    (sales_keyed, payments_keyed), _ = resolve_clients([sales_frame, lines.frame])
    sales_report.warnings.extend(invalid_inn_warnings(sales_frame))
    lines.report.warnings.extend(invalid_inn_warnings(lines.frame))
    return finish_sales(sales_keyed, sales_report), finish_payments(payments_keyed, lines)


def match_payment_clients(
    sales: pl.DataFrame, payments: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Key the clients of a SALES_SCHEMA frame and a PAYMENTS_SCHEMA frame read separately as
    if they had been read together; returns both frames re-keyed (and display names shared).

    A row keyed by a name-lent INN keeps that INN, so nothing already matched comes apart.
    """

    def unkeyed(frame: pl.DataFrame) -> pl.DataFrame:
        key_inn = (
            pl.when(pl.col("client_key").str.starts_with("inn:"))
            .then(pl.col("client_key").str.slice(4))
            .otherwise(pl.col("inn"))
        )
        return frame.with_columns(
            pl.col("client").alias("client_raw"), key_inn.alias("inn_raw")
        ).drop("client_key", "client", "inn")

    (sales_keyed, payments_keyed), _ = resolve_clients([unkeyed(sales), unkeyed(payments)])
    return (
        sales_keyed.select(list(SALES_SCHEMA)).cast(pl.Schema(SALES_SCHEMA)),
        payments_keyed.select(list(PAYMENTS_SCHEMA)).cast(pl.Schema(PAYMENTS_SCHEMA)),
    )


def payment_lines(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
) -> PaymentLines:
    file_name = name or (source.name if isinstance(source, Path) else "upload")
    data = read_bytes(source)
    if is_bank_statement(data):
        statement = read_statement(data, file_name=file_name)
        if any(mapping.values() if mapping else ()):
            statement.report.warnings.append(MAPPING_IGNORED)
        return PaymentLines(
            statement.payments,
            statement.report,
            statement.outflows.cast(pl.Schema(OUTFLOWS_SCHEMA)),
            statement.statement,
        )
    frame, report = read_lines(
        data,
        file_name=file_name,
        kind="payments",
        roles=PAYMENT_ROLES,
        required=PAYMENT_REQUIRED,
        mapping=mapping,
        sheet=sheet,
        no_header=NO_PAYMENTS_HEADER,
    )
    parsed, problems = _parse_rows(frame, report, date_order)
    parsed = drop_problem_rows(parsed, problems, report)
    zero = parsed.filter(pl.col("amount") == 0)
    report.skip(ZERO_PAYMENTS, zero.height)
    outflows = parsed.filter(pl.col("amount") < 0).select(
        "row",
        "date",
        pl.col("client_raw").alias("payee"),
        pl.col("inn_raw").alias("payee_inn"),
        -pl.col("amount"),
        "document",
        "purpose",
        "source",
    )
    if outflows.height:
        report.warnings.append(NEGATIVE_PAYMENTS.format(count=outflows.height))
    payments = parsed.filter(pl.col("amount") > 0)
    report.rows_used = payments.height + outflows.height
    return PaymentLines(payments, report, outflows.cast(pl.Schema(OUTFLOWS_SCHEMA)), None)


def finish_payments(resolved: pl.DataFrame, lines: PaymentLines) -> PaymentsFile:
    """The PaymentsFile of payment lines whose payers `resolve_clients` has keyed."""
    frame = resolved.select(list(PAYMENTS_SCHEMA)).cast(pl.Schema(PAYMENTS_SCHEMA)).sort("row")
    return PaymentsFile(frame, lines.report, lines.outflows.sort("row"), lines.statement)


def _parse_rows(
    frame: pl.DataFrame, report: ImportReport, date_order: DateOrder | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    header = report.mapping
    amount = parse_amounts(frame.get_column("amount"))
    day = parse_date_column(frame, "date", report, date_order)
    raw_amount, raw_day = frame.get_column("amount"), frame.get_column("date")
    problems = pl.concat(
        [
            problem(
                frame,
                frame.get_column("client").is_null(),
                header["client"],
                "client",
                REASON_NO_CLIENT,
            ),
            problem(
                frame,
                raw_amount.is_not_null() & amount.is_null(),
                header["amount"],
                "amount",
                REASON_NOT_A_NUMBER,
            ),
            problem(frame, raw_day.is_null(), header["date"], "date", REASON_NO_DATE),
            problem(
                frame,
                raw_day.is_not_null() & day.is_null(),
                header["date"],
                "date",
                REASON_NOT_A_DATE,
            ),
        ]
    )
    parsed = frame.select(
        "row",
        pl.col("client").alias("client_raw"),
        pl.col("inn").alias("inn_raw"),
        day.alias("date"),
        amount.alias("amount"),
        "document",
        "purpose",
        pl.lit("file").alias("source"),
    )
    return parsed, problems


def distinct_payments(frame: pl.DataFrame, *, source: str = "source") -> pl.DataFrame:
    """Payments read from several files, each counted once: a payment that an earlier file
    (a smaller `source`) already holds — same payer key, date and amount to the kopeck — is a
    duplicate. Within one file every row counts (a payer may pay the same sum twice a day), so
    matching is one to one: the n-th such payment of a file is a duplicate only when an earlier
    file has an n-th too, and the payer's count is the largest count of any one file.

    A payments export and a bank statement of the same months, or two statements that overlap,
    then add up to the payments made. Returns `frame` with a boolean `duplicate` column."""
    cents = (pl.col("amount") * 100).round().cast(pl.Int64)
    group = ["client_key", "date", "_cents"]
    return (
        frame.with_columns(cents.alias("_cents"))
        .with_columns(
            pl.int_range(pl.len()).over([*group, source], order_by="row").alias("_occurrence")
        )
        .with_columns(
            (pl.col(source) > pl.col(source).min().over([*group, "_occurrence"])).alias("duplicate")
        )
        .drop("_cents", "_occurrence")
    )

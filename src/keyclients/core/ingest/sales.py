"""Reading a sales file (1C reports, CRM exports, Excel) into the SALES_SCHEMA frame + report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .clients import resolve_clients
from .headers import REQUIRED_ROLES
from .lines import drop_problem_rows, parse_date_column, problem, read_lines
from .parse import DateOrder, parse_amounts, parse_dates, split_1c_documents
from .report import (
    REASON_NO_CLIENT,
    REASON_NO_DATE,
    REASON_NOT_A_DATE,
    REASON_NOT_A_NUMBER,
    ImportReport,
)
from .schema import SALES_SCHEMA

ROLES = (
    "client",
    "inn",
    "date",
    "document",
    "amount",
    "due_date",
    "paid_date",
    "cost",
    "product",
    "manager",
)


@dataclass(frozen=True)
class SalesFile:
    frame: pl.DataFrame  # SALES_SCHEMA, one row per used line, in file order
    report: ImportReport


def read_sales(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    roles: Sequence[str] = ROLES,
) -> SalesFile:
    """Read one sales file. Raises IngestError (one-line message) when it cannot be read at all;
    rows that cannot be parsed are left out and listed in the report with row, column, value and
    reason. `mapping` overrides the detected columns: role -> header as written in the file.

    `roles` limits the columns read to those a caller uses (client and amount always): the
    concentration analysis needs no due dates, and a bad due date must not cost it a row.
    The others come back null."""
    lines, report = sales_lines(
        source, name=name, mapping=mapping, sheet=sheet, date_order=date_order, roles=roles
    )
    (sales,), warnings = resolve_clients([lines])
    report.warnings.extend(warnings)
    return finish_sales(sales, report)


def sales_lines(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    roles: Sequence[str] = ROLES,
) -> tuple[pl.DataFrame, ImportReport]:
    """The parsed lines of a sales file before client identity is resolved: they carry
    `client_raw` and `inn_raw`, so `resolve_clients` can join them with other files' lines."""
    file_name = name or (source.name if isinstance(source, Path) else "upload")
    wanted = tuple(role for role in ROLES if role in roles or role in REQUIRED_ROLES)
    frame, report = read_lines(
        source,
        file_name=file_name,
        kind="sales",
        roles=wanted,
        required=REQUIRED_ROLES,
        mapping=mapping,
        sheet=sheet,
    )
    frame = frame.with_columns(
        pl.lit(None, pl.String()).alias(role) for role in ROLES if role not in wanted
    )
    sales, problems = _parse_rows(frame, report, date_order, wanted)
    return drop_problem_rows(sales, problems, report), report


def finish_sales(resolved: pl.DataFrame, report: ImportReport) -> SalesFile:
    """The SalesFile of lines whose clients `resolve_clients` has keyed."""
    report.rows_used = resolved.height
    return SalesFile(
        resolved.select(list(SALES_SCHEMA)).cast(pl.Schema(SALES_SCHEMA)).sort("row"), report
    )


def _parse_rows(
    frame: pl.DataFrame, report: ImportReport, date_order: DateOrder | None, wanted: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    header = {role: column for role, column in report.mapping.items() if role in wanted}
    problems: list[pl.DataFrame] = []

    def bad(raw: pl.Series, parsed: pl.Series) -> pl.Series:
        return raw.is_not_null() & parsed.is_null()

    client = frame.get_column("client")
    problems.append(problem(frame, client.is_null(), header["client"], "client", REASON_NO_CLIENT))

    amount = parse_amounts(frame.get_column("amount"))
    problems.append(
        problem(
            frame,
            bad(frame.get_column("amount"), amount),
            header["amount"],
            "amount",
            REASON_NOT_A_NUMBER,
        )
    )
    cost = parse_amounts(frame.get_column("cost"))
    if "cost" in header:
        problems.append(
            problem(
                frame,
                bad(frame.get_column("cost"), cost),
                header["cost"],
                "cost",
                REASON_NOT_A_NUMBER,
            )
        )

    document = frame.get_column("document")
    doc_dates: pl.Series | None = None
    if "document" in header and bool(document.str.contains(r"\sот\s").any()):
        document, doc_date_text = split_1c_documents(document)
        doc_dates = parse_dates(doc_date_text)

    date_columns = [role for role in ("date", "due_date", "paid_date") if role in header]
    parsed_dates: dict[str, pl.Series] = {}
    for role in date_columns:
        raw = frame.get_column(role)
        parsed = parse_date_column(frame, role, report, date_order)
        parsed_dates[role] = parsed
        problems.append(problem(frame, bad(raw, parsed), header[role], role, REASON_NOT_A_DATE))

    if "date" in parsed_dates:
        date = parsed_dates["date"]
        problems.append(
            problem(
                frame, frame.get_column("date").is_null(), header["date"], "date", REASON_NO_DATE
            )
        )
    elif doc_dates is not None:
        date = doc_dates
        report.mapping["date"] = header["document"]
        report.warnings.append(f"dates taken from the document column {header['document']!r}")
        problems.append(
            problem(
                frame, date.is_null(), header["document"], "document", "no date in the document"
            )
        )
    else:
        date = pl.Series("date", [None] * frame.height, dtype=pl.Date())
        report.warnings.append(
            "the file has no dates: all rows are analysed as one period, without trends"
        )

    null_dates = pl.Series([None] * frame.height, dtype=pl.Date())
    sales = frame.select("row", "product", "manager").with_columns(
        frame.get_column("client").alias("client_raw"),
        frame.get_column("inn").alias("inn_raw"),
        date.alias("date"),
        document.alias("document"),
        amount.alias("amount"),
        cost.alias("cost"),
        parsed_dates.get("due_date", null_dates).alias("due_date"),
        parsed_dates.get("paid_date", null_dates).alias("paid_date"),
    )
    return sales, pl.concat(problems)

"""Reading a sales file (1C reports, CRM exports, Excel) into the SALES_SCHEMA frame + report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .clients import resolve_clients
from .headers import detect_header, missing_roles, normalize_header
from .parse import DateOrder, parse_amounts, parse_dates, slash_date_order, split_1c_documents
from .report import (
    NO_HEADER,
    NO_SUCH_COLUMN,
    REASON_NO_CLIENT,
    REASON_NO_DATE,
    REASON_NOT_A_DATE,
    REASON_NOT_A_NUMBER,
    REJECTED_CAP,
    ImportReport,
    IngestError,
    RejectedRow,
)
from .schema import SALES_SCHEMA
from .table import RawTable, file_format, open_csv, open_workbook, read_bytes

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
_TOTAL_WORDS = {"итого", "всего", "итоговсего", "total", "grandtotal", "subtotal", "totals"}
_TOTAL_PREFIX = r"(?i)^\s*(итого|всего|total)\s*:"


@dataclass(frozen=True)
class SalesFile:
    frame: pl.DataFrame  # SALES_SCHEMA, one row per used line, in file order
    report: ImportReport


def open_table(
    source: Path | bytes, *, sheet: str | None, overrides: Mapping[str, str]
) -> RawTable:
    data = read_bytes(source)
    fmt = file_format(data)
    if fmt == "csv":
        return open_csv(data)
    return open_workbook(data, fmt, sheet, lambda rows: detect_header(rows, overrides) is not None)


def read_sales(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
) -> SalesFile:
    """Read one sales file. Raises IngestError (one-line message) when it cannot be read at all;
    rows that cannot be parsed are left out and listed in the report with row, column, value and
    reason. `mapping` overrides the detected columns: role -> header as written in the file;
    an empty header ("") says the file has no column for that role (nothing is detected)."""
    overrides = {role: column for role, column in (mapping or {}).items() if column}
    excluded = {role: "" for role, column in (mapping or {}).items() if not column}
    file_name = name or (source.name if isinstance(source, Path) else "upload")
    table = open_table(source, sheet=sheet, overrides={**excluded, **overrides})
    report = ImportReport(
        file=file_name,
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
    )
    layout = detect_header(table.top_rows, {**excluded, **overrides})
    if layout is None:
        missing, seen = missing_roles(table.top_rows, {**excluded, **overrides})
        for role, column in overrides.items():
            if not any(
                normalize_header(str(c or "")) == normalize_header(column)
                for row in table.top_rows
                for c in row
            ):
                raise IngestError(
                    NO_SUCH_COLUMN.format(column=column, role=role, seen=", ".join(seen) or "none")
                )
        raise IngestError(
            NO_HEADER.format(
                rows=len(table.top_rows),
                missing=", ".join(missing) or "client and amount in one row",
                seen=", ".join(repr(s) for s in seen[:20]) or "none",
            )
        )
    for role, column in overrides.items():
        if role not in layout.mapping:
            raise IngestError(
                NO_SUCH_COLUMN.format(
                    column=column, role=role, seen=", ".join(n for n in layout.names if n)
                )
            )
    report.header_row = layout.index + 1
    report.columns = [n for n in layout.names if n]
    report.mapping = {role: layout.names[j] for role, j in layout.mapping.items()}
    report.warnings.extend(layout.warnings)

    first = layout.index + layout.rows
    raw = table.read_below(first, len(layout.names))
    frame = _select_roles(raw, layout.mapping, first_row=first + 1)
    frame = _drop_trailing_blank(frame, raw)
    report.rows_read = frame.height
    frame = _skip_rows(frame, raw.select(pl.all().is_null()).head(frame.height), report)
    sales, problems = _parse_rows(frame, report, date_order)
    _record_problems(problems, report)
    if problems.height:
        bad_rows = problems.get_column("row").unique()
        sales = sales.filter(~pl.col("row").is_in(bad_rows.implode()))
    report.rows_rejected = problems.get_column("row").n_unique() if problems.height else 0

    (sales,), warnings = resolve_clients([sales])
    report.warnings.extend(warnings)
    report.rows_used = sales.height
    return SalesFile(
        sales.select(list(SALES_SCHEMA)).cast(pl.Schema(SALES_SCHEMA)).sort("row"), report
    )


def _select_roles(raw: pl.DataFrame, mapping: Mapping[str, int], *, first_row: int) -> pl.DataFrame:
    columns = [
        (pl.col(f"c{mapping[role]}") if role in mapping else pl.lit(None, pl.String())).alias(role)
        for role in ROLES
    ]
    return raw.select(
        pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64).alias("row"),
        *columns,
    )


def _drop_trailing_blank(frame: pl.DataFrame, raw: pl.DataFrame) -> pl.DataFrame:
    """Blank lines at the very end of a file are not rows anyone would count."""
    if raw.width == 0 or raw.height == 0:
        return frame
    filled = raw.select(pl.any_horizontal(pl.all().is_not_null()).alias("f")).to_series()
    last = filled.arg_true()
    return frame.head(int(last[-1]) + 1 if len(last) else 0)


def _skip_rows(frame: pl.DataFrame, nulls: pl.DataFrame, report: ImportReport) -> pl.DataFrame:
    """Blank rows, total rows and group headers without an amount are skipped, and counted."""
    blank = (
        nulls.select(pl.all_horizontal(pl.all()).alias("b")).to_series() if nulls.width else None
    )
    frame = frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in ROLES)
    if blank is not None:
        frame = frame.with_columns(blank.alias("_blank"))
    else:
        frame = frame.with_columns(pl.lit(False).alias("_blank"))
    client_letters = pl.col("client").str.to_lowercase().str.replace_all(r"[^0-9a-zа-яё]", "")
    is_total = client_letters.is_in(list(_TOTAL_WORDS)) | pl.col("client").str.contains(
        _TOTAL_PREFIX
    )
    frame = frame.with_columns(
        pl.when(pl.col("_blank"))
        .then(pl.lit("blank rows"))
        .when(is_total.fill_null(False))
        .then(pl.lit("total rows"))
        .when(pl.col("amount").is_null())
        .then(pl.lit("rows without an amount (group headers, notes)"))
        .otherwise(None)
        .alias("_skip")
    )
    counts = frame.filter(pl.col("_skip").is_not_null()).group_by("_skip").len()
    for reason, count in sorted(counts.iter_rows()):
        report.skip(reason, count)
    return frame.filter(pl.col("_skip").is_null()).drop("_skip", "_blank")


def _problem(
    frame: pl.DataFrame, mask: pl.Series, column: str, value: str, reason: str
) -> pl.DataFrame:
    return frame.filter(mask).select(
        pl.col("row"),
        pl.lit(column).alias("column"),
        pl.col(value).alias("value"),
        pl.lit(reason).alias("reason"),
    )


def _parse_rows(
    frame: pl.DataFrame, report: ImportReport, date_order: DateOrder | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    header = report.mapping
    problems: list[pl.DataFrame] = []

    def bad(raw: pl.Series, parsed: pl.Series) -> pl.Series:
        return raw.is_not_null() & parsed.is_null()

    client = frame.get_column("client")
    problems.append(_problem(frame, client.is_null(), header["client"], "client", REASON_NO_CLIENT))

    amount = parse_amounts(frame.get_column("amount"))
    problems.append(
        _problem(
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
            _problem(
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
        order: DateOrder = date_order or "dmy"
        if date_order is None and bool(raw.str.contains(r"^\s*\d{1,2}/\d{1,2}/\d{2,4}").any()):
            order, ambiguous = slash_date_order(raw)
            if ambiguous:
                report.warnings.append(
                    f"dates in {header[role]!r} could be day/month or month/day; "
                    "read as day/month (pass a date order to change it)"
                )
        parsed = parse_dates(raw, slash_order=order)
        parsed_dates[role] = parsed
        problems.append(_problem(frame, bad(raw, parsed), header[role], role, REASON_NOT_A_DATE))

    if "date" in parsed_dates:
        date = parsed_dates["date"]
        problems.append(
            _problem(
                frame, frame.get_column("date").is_null(), header["date"], "date", REASON_NO_DATE
            )
        )
    elif doc_dates is not None:
        date = doc_dates
        report.mapping["date"] = header["document"]
        report.warnings.append(f"dates taken from the document column {header['document']!r}")
        problems.append(
            _problem(
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
    all_problems = pl.concat(problems).sort("row", "column")
    return sales, all_problems


def _record_problems(problems: pl.DataFrame, report: ImportReport) -> None:
    report.rejected_problems = problems.height
    for row, column, value, reason in problems.head(REJECTED_CAP).iter_rows():
        report.rejected.append(RejectedRow(row=row, column=column, value=value, reason=reason))

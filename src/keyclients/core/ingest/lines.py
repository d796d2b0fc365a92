"""What every table file goes through before its cells are parsed, whatever it holds.

Open the CSV or workbook, find the header row, pick the columns of the wanted roles, drop blank
lines at the end, and skip blank rows, total rows and group headers (counted in the report).
Sales and payment files differ only in their roles and in what is required of a header.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .headers import detect_header, missing_roles, normalize_header
from .parse import DateOrder, parse_dates, slash_date_order
from .report import (
    EMPTY_FILE,
    NO_HEADER,
    NO_SUCH_COLUMN,
    REJECTED_CAP,
    ImportReport,
    IngestError,
    RejectedRow,
)
from .table import (
    RawTable,
    blank_file,
    file_format,
    open_csv,
    open_csv_file,
    open_workbook,
    read_bytes,
    read_head,
)

_TOTAL_WORDS = {"итого", "всего", "итоговсего", "total", "grandtotal", "subtotal", "totals"}
_TOTAL_PREFIX = r"(?i)^\s*(итого|всего|total)\s*:"
SKIP_BLANK = "blank rows"


def open_table(
    source: Path | bytes,
    *,
    sheet: str | None,
    overrides: Mapping[str, str],
    required: Sequence[str] = ("client", "amount"),
) -> RawTable:
    if isinstance(source, Path):
        head = read_head(source)
        if file_format(head, whole=False) == "csv":
            if not head.isspace() or not blank_file(source):
                return open_csv_file(source)
            raise IngestError(EMPTY_FILE)
    data = read_bytes(source)
    fmt = file_format(data)
    if fmt == "csv":
        return open_csv(data)
    return open_workbook(
        data,
        fmt,
        sheet,
        lambda rows: detect_header(rows, overrides, required=required) is not None,
    )


@dataclass(frozen=True)
class LineSource:
    """An opened table file whose header is found: its report so far and its data rows."""

    table: RawTable
    report: ImportReport
    mapping: Mapping[str, int]  # role -> column index
    roles: Sequence[str]
    first: int  # index of the first data row
    width: int

    def batches(self, batch_rows: int | None) -> Iterator[pl.DataFrame]:
        """The data rows, `batch_rows` at a time (None: all at once), as `read_lines` selects
        them (`row` and one column per role) plus `_blank` (the whole source row is empty);
        blank rows at the end are not cut here."""
        offset = self.first + 1
        for raw in self.table.read_batches(self.first, self.width, batch_rows):
            frame = _select_roles(raw, self.mapping, self.roles, first_row=offset)
            offset += raw.height
            yield frame.with_columns((~_filled(raw)).alias("_blank"))


def open_lines(
    source: Path | bytes,
    *,
    file_name: str,
    kind: str,
    roles: Sequence[str],
    required: Sequence[str],
    mapping: Mapping[str, str] | None,
    sheet: str | None,
    no_header: str = NO_HEADER,
) -> LineSource:
    """Open a table file and find its header (see `read_lines`); no data row is read yet."""
    overrides = {role: column for role, column in (mapping or {}).items() if column}
    excluded = {role: "" for role, column in (mapping or {}).items() if not column}
    claimed = {**excluded, **overrides}
    table = open_table(source, sheet=sheet, overrides=claimed, required=required)
    report = ImportReport(
        file=file_name,
        kind=kind,
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
    )
    layout = detect_header(table.top_rows, claimed, required=required)
    if layout is None:
        missing, seen = missing_roles(table.top_rows, claimed, required=required)
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
            no_header.format(
                rows=len(table.top_rows),
                missing=", ".join(missing) or " and ".join(required) + " in one row",
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
    return LineSource(table, report, dict(layout.mapping), tuple(roles), first, len(layout.names))


def read_lines(
    source: Path | bytes,
    *,
    file_name: str,
    kind: str,
    roles: Sequence[str],
    required: Sequence[str],
    mapping: Mapping[str, str] | None,
    sheet: str | None,
    no_header: str = NO_HEADER,
) -> tuple[pl.DataFrame, ImportReport]:
    """The data rows of a table file: `row` (1-based, as a spreadsheet shows it) and one String
    column per role (trimmed, empty = null; null for roles the file has no column for), with the
    report filled in up to the rows read and skipped. Raises IngestError (one line) when the file
    cannot be read or has no header naming the required roles. An empty header ("") in
    `mapping` says the file has no column for that role (nothing is detected for it)."""
    lines = open_lines(
        source,
        file_name=file_name,
        kind=kind,
        roles=roles,
        required=required,
        mapping=mapping,
        sheet=sheet,
        no_header=no_header,
    )
    table, report, first = lines.table, lines.report, lines.first
    raw = table.read_below(first, lines.width)
    report.encoding = table.encoding  # a CSV's guess from its head is confirmed by now
    filled = _filled(raw)
    # Blank lines at the very end of a file are not rows anyone would count.
    last = filled.arg_true()
    height = int(last[-1]) + 1 if len(last) else 0
    frame = _select_roles(raw.head(height), lines.mapping, roles, first_row=first + 1)
    report.rows_read = frame.height
    frame = _skip_rows(frame.with_columns((~filled.head(height)).alias("_blank")), roles, report)
    return frame, report


def _filled(raw: pl.DataFrame) -> pl.Series:
    """Per row: some cell of the source row is not empty."""
    if not raw.width:
        return pl.Series("f", [False] * raw.height)
    return raw.select(pl.any_horizontal(pl.all().is_not_null()).alias("f")).to_series()


def _select_roles(
    raw: pl.DataFrame, mapping: Mapping[str, int], roles: Sequence[str], *, first_row: int
) -> pl.DataFrame:
    columns = [
        (pl.col(f"c{mapping[role]}") if role in mapping else pl.lit(None, pl.String())).alias(role)
        for role in roles
    ]
    return raw.select(
        pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64).alias("row"),
        *columns,
    )


def _is_total(names: pl.Series) -> pl.Series:
    letters = names.str.to_lowercase().str.replace_all(r"[^0-9a-zа-яё]", "")
    return (letters.is_in(list(_TOTAL_WORDS)) | names.str.contains(_TOTAL_PREFIX)).fill_null(False)


def _skip_rows(frame: pl.DataFrame, roles: Sequence[str], report: ImportReport) -> pl.DataFrame:
    kept, counts = skip_rows(frame, roles)
    for reason, count in sorted(counts.items()):
        report.skip(reason, count)
    return kept


def skip_rows(frame: pl.DataFrame, roles: Sequence[str]) -> tuple[pl.DataFrame, dict[str, int]]:
    """Blank rows, total rows and group headers without an amount are skipped, and counted:
    (the other rows, reason -> count). Row by row, so batches of a file skip what it would.

    `frame` carries `_blank` (the whole source row is empty). Totals are found among the
    distinct client names, not row by row.
    """
    # Two passes on purpose: a `when` over the stripped text would strip every cell twice.
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in roles).with_columns(
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in roles
    )
    names = frame.get_column("client").drop_nulls().unique()
    totals = names.filter(_is_total(names))
    frame = frame.with_columns(
        pl.when(pl.col("_blank"))
        .then(pl.lit(SKIP_BLANK))
        .when(pl.col("client").is_in(totals.implode()).fill_null(False))
        .then(pl.lit("total rows"))
        .when(pl.col("amount").is_null())
        .then(pl.lit("rows without an amount (group headers, notes)"))
        .otherwise(None)
        .alias("_skip")
    )
    counts = frame.filter(pl.col("_skip").is_not_null()).group_by("_skip").len()
    return frame.filter(pl.col("_skip").is_null()).drop("_skip", "_blank"), dict(counts.iter_rows())


def parse_date_column(
    frame: pl.DataFrame, role: str, report: ImportReport, date_order: DateOrder | None
) -> pl.Series:
    """The dates of one role's column; slash dates in the order the column itself shows."""
    raw = frame.get_column(role)
    order: DateOrder = date_order or "dmy"
    if date_order is None and bool(raw.str.contains(r"^\s*\d{1,2}/\d{1,2}/\d{2,4}").any()):
        order, ambiguous = slash_date_order(raw)
        if ambiguous:
            report.warnings.append(
                f"dates in {report.mapping[role]!r} could be day/month or month/day; "
                "read as day/month (pass a date order to change it)"
            )
    return parse_dates(raw, slash_order=order)


def problem(
    frame: pl.DataFrame, mask: pl.Series, column: str, value: str, reason: str
) -> pl.DataFrame:
    """The rows of `frame` where `mask` holds, as (row, column, value, reason) problems."""
    return frame.filter(mask).select(
        pl.col("row"),
        pl.lit(column).alias("column"),
        pl.col(value).alias("value"),
        pl.lit(reason).alias("reason"),
    )


def drop_problem_rows(
    frame: pl.DataFrame, problems: pl.DataFrame, report: ImportReport
) -> pl.DataFrame:
    """Record the problems in the report (capped) and leave out every row that has one."""
    problems = problems.sort("row", "column")
    report.rejected_problems += problems.height
    room = max(0, REJECTED_CAP - len(report.rejected))
    for row, column, value, reason in problems.head(room).iter_rows():
        report.rejected.append(RejectedRow(row=row, column=column, value=value, reason=reason))
    if not problems.height:
        return frame
    bad_rows = problems.get_column("row").unique()
    report.rows_rejected += bad_rows.len()
    return frame.filter(~pl.col("row").is_in(bad_rows.implode()))

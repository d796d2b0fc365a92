"""Reading a sales file (1C reports, CRM exports, Excel) into the SALES_SCHEMA frame + report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .clients import resolve_clients
from .headers import REQUIRED_ROLES
from .lines import drop_problem_rows, problem, read_lines
from .parse import (
    AmountRule,
    AmountScan,
    DateOrder,
    DateRule,
    DateScan,
    amount_scan,
    date_scan,
    parse_amounts,
    parse_dates,
    split_1c_documents,
)
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
    wanted = wanted_roles(roles)
    frame, report = read_lines(
        source,
        file_name=file_name(source, name),
        kind="sales",
        roles=wanted,
        required=REQUIRED_ROLES,
        mapping=mapping,
        sheet=sheet,
    )
    frame = with_all_roles(frame, wanted)
    header = role_headers(report, wanted)
    rules = sales_scan(frame, header, date_order).rules(date_order)
    note_rules(report, rules, header)
    sales, problems = parse_sales(frame, rules, header)
    return drop_problem_rows(sales, problems, report), report


def file_name(source: Path | bytes, name: str | None) -> str:
    return name or (source.name if isinstance(source, Path) else "upload")


def wanted_roles(roles: Sequence[str]) -> tuple[str, ...]:
    return tuple(role for role in ROLES if role in roles or role in REQUIRED_ROLES)


def with_all_roles(frame: pl.DataFrame, wanted: Sequence[str]) -> pl.DataFrame:
    """The roles not read come back null."""
    return frame.with_columns(
        pl.lit(None, pl.String()).alias(role) for role in ROLES if role not in wanted
    )


def role_headers(report: ImportReport, wanted: Sequence[str]) -> dict[str, str]:
    """role -> header of the roles read that the file has a column for."""
    return {role: column for role, column in report.mapping.items() if role in wanted}


def finish_sales(resolved: pl.DataFrame, report: ImportReport) -> SalesFile:
    """The SalesFile of lines whose clients `resolve_clients` has keyed."""
    report.rows_used = resolved.height
    return SalesFile(sales_frame(resolved), report)


def sales_frame(resolved: pl.DataFrame) -> pl.DataFrame:
    """Keyed lines as SALES_SCHEMA, in file order."""
    return resolved.select(list(SALES_SCHEMA)).cast(pl.Schema(SALES_SCHEMA)).sort("row")


_DATE_ROLES = ("date", "due_date", "paid_date")
_DOC_1C_HINT = r"\sот\s"


@dataclass(frozen=True)
class SalesRules:
    """The column-level decisions of one sales file, taken over all its rows: how its amounts
    and dates are read, whether its document cells are 1C strings (number + date)."""

    amount: AmountRule
    cost: AmountRule
    dates: dict[str, DateRule]  # per date role the file has
    ambiguous: tuple[str, ...]  # date roles whose slash dates could be read either way
    documents_1c: bool
    document_dates: DateRule


@dataclass(frozen=True)
class SalesScan:
    """What SalesRules need, gathered from a file's rows part by part: the merged scans of a
    file's batches give the rules its whole frame gives."""

    amount: AmountScan = field(default_factory=AmountScan)
    cost: AmountScan = field(default_factory=AmountScan)
    dates: dict[str, DateScan] = field(default_factory=dict)
    documents_1c: bool = False
    document_dates: DateScan = field(default_factory=DateScan)

    def merge(self, other: SalesScan) -> SalesScan:
        return SalesScan(
            self.amount.merge(other.amount),
            self.cost.merge(other.cost),
            {
                role: self.dates.get(role, DateScan()).merge(other.dates.get(role, DateScan()))
                for role in dict.fromkeys([*self.dates, *other.dates])
            },
            self.documents_1c or other.documents_1c,
            self.document_dates.merge(other.document_dates),
        )

    def rules(self, date_order: DateOrder | None) -> SalesRules:
        dates: dict[str, DateRule] = {}
        ambiguous: list[str] = []
        for role, scan in self.dates.items():
            dates[role], unclear = scan.rule(date_order)
            if unclear:
                ambiguous.append(role)
        return SalesRules(
            self.amount.rule(),
            self.cost.rule(),
            dates,
            tuple(ambiguous),
            self.documents_1c,
            self.document_dates.rule("dmy")[0],
        )


def sales_scan(
    frame: pl.DataFrame, header: Mapping[str, str], date_order: DateOrder | None
) -> SalesScan:
    """The scan of read lines (`read_lines`, after skipping) of a file or a batch of it."""
    document = frame.get_column("document")
    documents_1c = "document" in header and bool(document.str.contains(_DOC_1C_HINT).any())
    document_dates = DateScan()
    if documents_1c and "date" not in header:
        document_dates = date_scan(split_1c_documents(document)[1])
    return SalesScan(
        amount_scan(frame.get_column("amount")),
        amount_scan(frame.get_column("cost")) if "cost" in header else AmountScan(),
        {
            role: date_scan(frame.get_column(role), date_order)
            for role in _DATE_ROLES
            if role in header
        },
        documents_1c,
        document_dates,
    )


def note_rules(report: ImportReport, rules: SalesRules, header: Mapping[str, str]) -> None:
    """What the rules tell the user (warnings), once per file."""
    for role in rules.ambiguous:
        report.warnings.append(
            f"dates in {report.mapping[role]!r} could be day/month or month/day; "
            "read as day/month (pass a date order to change it)"
        )
    if "date" in header:
        return
    if rules.documents_1c:
        report.mapping["date"] = header["document"]
        report.warnings.append(f"dates taken from the document column {header['document']!r}")
    else:
        report.warnings.append(
            "the file has no dates: all rows are analysed as one period, without trends"
        )


def parse_sales(
    frame: pl.DataFrame, rules: SalesRules, header: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse read lines with the file's rules: (lines with `client_raw` and `inn_raw`,
    problems as (row, column, value, reason))."""
    problems: list[pl.DataFrame] = []

    def bad(raw: pl.Series, parsed: pl.Series) -> pl.Series:
        return raw.is_not_null() & parsed.is_null()

    client = frame.get_column("client")
    problems.append(problem(frame, client.is_null(), header["client"], "client", REASON_NO_CLIENT))

    amount = parse_amounts(frame.get_column("amount"), rules.amount)
    problems.append(
        problem(
            frame,
            bad(frame.get_column("amount"), amount),
            header["amount"],
            "amount",
            REASON_NOT_A_NUMBER,
        )
    )
    cost = parse_amounts(frame.get_column("cost"), rules.cost)
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
    if rules.documents_1c:
        document, doc_date_text = split_1c_documents(document)
        doc_dates = parse_dates(doc_date_text, rule=rules.document_dates)

    parsed_dates: dict[str, pl.Series] = {}
    for role, rule in rules.dates.items():
        raw = frame.get_column(role)
        parsed = parse_dates(raw, rule=rule)
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
        problems.append(
            problem(
                frame, date.is_null(), header["document"], "document", "no date in the document"
            )
        )
    else:
        date = pl.Series("date", [None] * frame.height, dtype=pl.Date())

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

"""Reading an upload with the core, by kind: a sales file, a payments file, a 1C bank statement
or a 1C trial balance for account 62.

The kind the user picks is a default: a bank statement (its first line says
`1CClientBankExchange`) and a trial balance (its title says «Оборотно-сальдовая ведомость по счету
62») are recognized by their content whatever was picked. Payers are matched to the company's
clients here, so the preview shows who pays and who is not a client yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from keyclients.core.ingest import IngestError
from keyclients.core.ingest.bank import BankStatement, is_bank_statement
from keyclients.core.ingest.clients import invalid_inn_warnings
from keyclients.core.ingest.payments import PAYMENT_ROLES, payment_lines
from keyclients.core.ingest.report import ImportReport
from keyclients.core.ingest.sales import ROLES as SALES_ROLES
from keyclients.core.ingest.sales_stream import SalesStream, read_sales_stream
from keyclients.core.ingest.table import read_bytes
from keyclients.core.ingest.trial_balance import is_trial_balance_62, read_trial_balance_62
from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import ImportKind
from keyclients.web.ledger.payments import payer_matches

PREVIEW_ROWS = 20
HEAD_BYTES = 512
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # XLSX (zip), XLS (OLE)

# The roles of the column mapping, per kind; a bank statement and a trial balance have fixed
# fields (no mapping to choose).
KIND_ROLES: dict[str, tuple[str, ...]] = {
    ImportKind.SALES: SALES_ROLES,
    ImportKind.PAYMENTS: PAYMENT_ROLES,
    ImportKind.BANK: (),
    ImportKind.TRIAL_BALANCE: (),
}
REQUIRED_ROLES: dict[str, tuple[str, ...]] = {
    ImportKind.SALES: ("client", "amount"),
    ImportKind.PAYMENTS: ("client", "amount", "date"),
    ImportKind.BANK: (),
    ImportKind.TRIAL_BALANCE: (),
}
# What the upload form offers; a bank statement is recognized by its content.
CHOOSABLE_KINDS = (ImportKind.SALES, ImportKind.PAYMENTS, ImportKind.TRIAL_BALANCE)


class UnreadableUpload(Exception):
    """The core could not read the file at all; the message is the core's one line."""


@dataclass(frozen=True)
class Upload:
    """An upload as the core read it: what would be stored, and the core's report."""

    kind: str
    report: ImportReport
    # sales: the first PREVIEW_ROWS lines (SALES_SCHEMA; all of them are in `sales`);
    # payments: the payment lines with the payer's key and client_id;
    # trial balance: TRIAL_BALANCE_SCHEMA.
    lines: pl.DataFrame
    outflows: pl.DataFrame | None = None
    statement: BankStatement | None = None
    period: tuple[date, date] | None = None
    title: str | None = None
    client_names: Mapping[int, str] | None = None  # matched clients' names, for the preview
    # A sales file is read in batches, never whole in memory (docs/performance.md).
    sales: SalesStream | None = None

    def close(self) -> None:
        """Remove the temporary files of a sales file's batches."""
        if self.sales is not None:
            self.sales.close()


def detect_kind(path: Path, requested: str) -> str:
    """The kind of the file at `path`: a bank statement or a trial balance by its content,
    else what the user picked."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    if is_bank_statement(head):
        return ImportKind.BANK
    # Only a workbook can be a trial balance: a text file is not read twice for it.
    if head.startswith(WORKBOOK_MAGIC) and is_trial_balance_62(read_bytes(path)):
        return ImportKind.TRIAL_BALANCE
    if requested == ImportKind.BANK:  # picked, but not one: read it as a payments file
        return ImportKind.PAYMENTS
    return requested


def read_upload(
    path: Path,
    *,
    kind: str,
    file_name: str,
    mapping: Mapping[str, str],
    company: Company,
    preview: bool = False,
) -> Upload:
    """Read the stored upload as `kind`; UnreadableUpload when the core cannot read it.
    `preview`: only the report and the first lines are wanted (a sales file's other lines
    are not kept)."""
    try:
        if kind == ImportKind.SALES:
            sales = read_sales_stream(
                path, name=file_name, mapping=dict(mapping), head_only=preview
            )
            return Upload(kind, sales.report, sales.head(PREVIEW_ROWS), sales=sales)
        if kind in (ImportKind.PAYMENTS, ImportKind.BANK):
            return read_payments_upload(
                path, kind=kind, file_name=file_name, mapping=mapping, company=company
            )
        if kind == ImportKind.TRIAL_BALANCE:
            tb = read_trial_balance_62(path, name=file_name)
            period = (
                (tb.period_start, tb.period_end)
                if tb.period_start is not None and tb.period_end is not None
                else None
            )
            return Upload(kind, tb.report, tb.frame, period=period, title=tb.title)
    except IngestError as error:
        raise UnreadableUpload(str(error)) from error
    raise ValueError(f"unknown import kind {kind!r}")


def read_payments_upload(
    source: Path | bytes,
    *,
    kind: str,
    file_name: str,
    mapping: Mapping[str, str],
    company: Company,
) -> Upload:
    """A payments file or bank statement as the core reads it, its payers matched to the
    company's clients (the API's payments push reads its rows here too). Raises the core's
    IngestError when it cannot be read at all."""
    lines = payment_lines(
        source, name=file_name, mapping=dict(mapping) if kind == ImportKind.PAYMENTS else None
    )
    lines.report.warnings.extend(invalid_inn_warnings(lines.frame))
    matched, names = payer_matches(company=company, lines=lines.frame)
    report = lines.report
    report.kind = kind
    return Upload(
        kind,
        report,
        matched.sort("row"),
        outflows=lines.outflows.sort("row"),
        statement=lines.statement,
        client_names=names,
    )


def _json(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    return value


def preview_report(upload: Upload) -> dict[str, Any]:
    """The core's report with what the preview page shows: the first rows as they would be
    stored, and per kind the figures worth checking before the import."""
    report = upload.report.to_dict()
    report["kind"] = upload.kind
    head = upload.lines.head(PREVIEW_ROWS)
    if upload.kind == ImportKind.SALES:
        report["preview"] = [
            {key: _json(value) for key, value in row.items()} for row in head.iter_rows(named=True)
        ]
        if upload.sales is not None:
            report["has_dates"] = upload.sales.has_dates
        else:
            dates = upload.lines.get_column("date")
            report["has_dates"] = upload.lines.height == 0 or bool(dates.is_not_null().any())
    elif upload.kind in (ImportKind.PAYMENTS, ImportKind.BANK):
        names = upload.client_names or {}
        report["preview"] = [
            {
                "row": row["row"],
                "date": _json(row["date"]),
                "payer": row["client_raw"],
                "inn": row["inn_raw"],
                "amount": row["amount"],
                "document": row["document"],
                "purpose": row["purpose"],
                "client": names.get(row["client_id"]) if row["client_id"] is not None else None,
            }
            for row in head.iter_rows(named=True)
        ]
        matched = upload.lines.filter(pl.col("client_id").is_not_null())
        unmatched = upload.lines.filter(pl.col("client_id").is_null())
        report["payments"] = {
            "matched": matched.height,
            "unmatched": unmatched.height,
            "unmatched_payers": unmatched.get_column("payer_key").n_unique(),
            "amount": round(float(upload.lines.get_column("amount").sum()), 2),
            "outflows": 0 if upload.outflows is None else upload.outflows.height,
        }
        if upload.statement is not None:
            report["statement"] = [
                {key: _json(value) for key, value in vars(balance).items()}
                for balance in upload.statement.balances
            ]
        report["has_dates"] = True
    else:
        report["preview"] = [
            {key: _json(value) for key, value in row.items()} for row in head.iter_rows(named=True)
        ]
        period = upload.period
        report["period"] = [period[0].isoformat(), period[1].isoformat()] if period else None
        report["title"] = upload.title
        report["balances"] = {
            name: round(float(upload.lines.get_column(name).sum()), 2)
            for name in ("revenue", "closing_debit", "closing_credit")
        }
        report["has_dates"] = period is not None
    return report

"""Client payments pushed through the API as JSON rows: the file import's reader and writer.

The rows become a payments CSV that `ledger.readers.read_payments_upload` reads exactly as it
reads an uploaded payments file (the core's `payment_lines`: Russian numbers, dates, INN checks;
then `payer_matches`: payers matched to the company's clients, unmatched ones kept without a
client), and `ledger.writers.write` stores them as it stores a payments file (bulk insert, COPY
on PostgreSQL). What the API asks beyond a file, and why:

- every row needs a document (payment order) number: a payment already in the ledger with the
  same payer, document number and date is left as it is, so the same push twice changes
  nothing; a payment repeated inside one push is an error (two payments or a row sent twice?);
- the amount must be above zero: a file's negative amounts are money paid out (outflows), but
  this endpoint takes client payments only, so a negative amount is refused rather than turned
  into an outflow the pushing program did not ask for (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction

from keyclients.core.ingest import IngestError
from keyclients.core.ingest.parse import parse_amounts
from keyclients.web.accounts.models import Company, Membership
from keyclients.web.api import push
from keyclients.web.api.models import ApiToken
from keyclients.web.ledger import readers, writers
from keyclients.web.ledger.models import ImportKind, Payment
from keyclients.web.ledger.payments import payments_already_imported

# The pushed fields, and the payments reader's role each one is (`payer` is the reader's
# `client`): the CSV header is the field names, so the reader's errors name the pushed field.
FIELDS = ("date", "payer", "inn", "amount", "document", "purpose")
ROLE_OF = {"date": "date", "payer": "client", "inn": "inn", "amount": "amount"}
ROLE_OF |= {"document": "document", "purpose": "purpose"}
TEXT_LIMITS = {
    "payer": Payment._meta.get_field("payer_name").max_length,
    "inn": Payment._meta.get_field("payer_inn").max_length,
    "document": Payment._meta.get_field("document").max_length,
}
FINGERPRINT_COLUMNS = (
    "payer_key",
    "client_raw",
    "inn_raw",
    "date",
    "amount",
    "document",
    "purpose",
)
REASON_NEGATIVE = (
    "the amount is negative: this is money paid out, not a client payment; "
    "push client payments only (a bank statement import stores money paid out)"
)
REASON_ZERO = "the amount is zero: a payment needs an amount above zero"
REASON_NO_AMOUNT = "the amount is empty"
REASON_TOTAL = push.REASON_SKIPPED.format(reasons="total rows")
REASON_REPEATED = (
    "the same payment (payer, document number and date) is already in this push, row {index}"
)


@dataclass(frozen=True)
class PaymentsPushResult:
    rows_received: int
    rows_imported: int
    payments_known: int  # already in the ledger (same payer, document, date): not written again
    matched: int  # written payments whose payer is one of the company's clients
    unmatched: int  # written payments of payers that are no client (yet)
    batch_id: int | None  # None when every payment was already there
    warnings: list[str] = field(default_factory=list)


def _skipped_errors(rows: Sequence[Mapping[str, Any]], skipped: list[int]) -> list[push.RowError]:
    """Why the reader skipped a row: no amount, a zero amount, or else a total row."""
    errors = []
    for index in skipped:
        cell = push.cell(rows[index].get("amount"))
        if not cell.strip():
            errors.append(push.RowError(index, "amount", None, REASON_NO_AMOUNT))
        elif parse_amounts(pl.Series([cell])).item() == 0:
            errors.append(push.RowError(index, "amount", cell, REASON_ZERO))
        else:
            payer = push.cell(rows[index].get("payer")) or None
            errors.append(push.RowError(index, "payer", payer, REASON_TOTAL))
    return errors


def _repeated_errors(lines: pl.DataFrame) -> list[push.RowError]:
    """A payment (payer key, document, date) a second time in one push."""
    repeated = (
        lines.with_columns(pl.col("row").min().over("payer_key", "document", "date").alias("first"))
        .filter(pl.col("row") != pl.col("first"))
        .select("row", "document", "first")
    )
    return [
        push.RowError(row - 2, "document", document, REASON_REPEATED.format(index=earliest - 2))
        for row, document, earliest in repeated.iter_rows()
    ]


def _read(rows: Sequence[Mapping[str, Any]], company: Company) -> readers.Upload:
    """The rows through the payments file import's reader; every bad row is an error."""
    mapping = {role: name for name, role in ROLE_OF.items()}
    try:
        upload = readers.read_payments_upload(
            push.rows_csv(rows, FIELDS),
            kind=ImportKind.PAYMENTS,
            file_name="api.csv",
            mapping=mapping,
            company=company,
        )
    except IngestError as error:
        raise push.PushRejected(str(push.PUSH_UNREADABLE) % {"reason": error}) from error
    lines, outflows = upload.lines, upload.outflows
    assert outflows is not None  # a payments file always has its (maybe empty) outflows
    used = [*lines.get_column("row").to_list(), *outflows.get_column("row").to_list()]
    found = push.reader_errors(upload.report, rows=len(rows), used=used)
    found.add(_skipped_errors(rows, found.skipped))
    found.add(
        push.RowError(index, "amount", push.cell(rows[index].get("amount")), REASON_NEGATIVE)
        for index in (row - 2 for row in outflows.get_column("row").to_list())
    )
    found.add(push.range_errors(lines, amounts={"amount": "amount"}, dates={"date": "date"}))
    found.add(push.text_errors(rows, document="document", limits=TEXT_LIMITS))
    if not found.errors:  # a document number on every row: repeats can be told
        found.add(_repeated_errors(lines))
    if found.errors:
        raise push.rejected(found.errors, found.count)
    return upload


def _known(*, company: Company, lines: pl.DataFrame) -> pl.Series:
    """Which lines the ledger already holds: a payment with the same document number and date,
    and the same payer — by its key, or (the company's clients having changed since, which
    may change a payer's key) by the name and INN as they were pushed."""
    numbers = lines.get_column("document").unique().to_list()
    stored = push.known_in_chunks(
        Payment.objects.filter(company=company),
        numbers,
        "payer_key",
        "payer_name",
        "payer_inn",
        "document",
        "date",
    )
    by_key = {(key, number, day) for key, _name, _inn, number, day in stored}
    by_payer = {(name, inn, number, day) for _key, name, inn, number, day in stored}
    return pl.Series(
        [
            (key, number, day) in by_key or (name, inn or "", number, day) in by_payer
            for key, name, inn, number, day in lines.select(
                "payer_key", "client_raw", "inn_raw", "document", "date"
            ).iter_rows()
        ],
        dtype=pl.Boolean,
    )


def payments_push(
    *,
    membership: Membership,
    token: ApiToken | None,
    rows: Sequence[Mapping[str, Any]],
    ip: str | None = None,
) -> PaymentsPushResult:
    """Import pushed client payments: all or nothing, payments already imported left out."""
    push.check_rows(rows, FIELDS)
    company = membership.company
    upload = _read(rows, company)
    with transaction.atomic():
        # One push of a company at a time: the check for known payments and the insert must
        # not interleave with another push of the same rows (as for sales).
        Company.objects.select_for_update().filter(pk=company.pk).first()
        known = _known(company=company, lines=upload.lines)
        fresh = upload.lines.filter(~known)
        payments_known = upload.lines.height - fresh.height
        warnings = list(upload.report.warnings)
        if fresh.is_empty():
            return PaymentsPushResult(len(rows), 0, payments_known, 0, 0, None, warnings)
        written_upload = readers.Upload(
            ImportKind.PAYMENTS,
            upload.report,
            fresh,
            outflows=upload.outflows,
            client_names=upload.client_names,
        )
        report = readers.preview_report(written_upload)
        report["payments"]["duplicates"] = payments_already_imported(
            company=company, lines=fresh, exclude_batch=None
        )
        batch = push.batch_start(
            membership=membership,
            token=token,
            kind=ImportKind.PAYMENTS,
            sha256=push.fingerprint(fresh.select("row", *FINGERPRINT_COLUMNS)),
            rows_received=len(rows),
            rows_written=fresh.height,
            report={**report, "payments_known": payments_known},
        )
        written = writers.write(batch, written_upload, progress=lambda _written: None)
        push.batch_finish(
            batch=batch,
            membership=membership,
            token=token,
            rows_imported=written.rows,
            known=payments_known,
            ip=ip,
            details={**written.details, "payments_known": payments_known},
        )
    unmatched = int(fresh.get_column("client_id").null_count())
    return PaymentsPushResult(
        len(rows),
        written.rows,
        payments_known,
        fresh.height - unmatched,
        unmatched,
        batch.pk,
        warnings,
    )

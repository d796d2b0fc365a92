"""What every push of rows through the API shares, whatever the rows are (sales, payments).

A push is read by the same reader as an uploaded file: the JSON rows become a CSV in memory
(`rows_csv`) that the core's reader parses with the import's rules (numbers, dates, INN, client
identity), so a row the file import would reject is rejected here with the same reason. The API
asks a little more than a file: text a file could not hold, rows the reader would skip, amounts
and dates the database cannot store are errors too (a program that pushes a row means it).
All or nothing: one bad row and nothing is written (`PushRejected`). A push that writes is an
ImportBatch ("API: <token name>") recorded with its token (`ApiPush`) and audited like a file
import, so it is listed on /imports/ and can be undone there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.report import ImportReport
from keyclients.web.accounts.models import Membership
from keyclients.web.accounts.services import audit_record
from keyclients.web.api.models import ApiPush, ApiToken
from keyclients.web.ledger.models import ImportBatch, ImportKind, ImportStatus
from keyclients.web.ledger.writers import IMPORTED

MAX_PUSH_ROWS = 50_000
ERRORS_SHOWN = 100
DOCUMENT_CHUNK = 500  # document numbers per IN (...) query

PUSH_EMPTY = _("No rows to import.")
PUSH_TOO_LARGE = _("At most %(max)s rows in one push; send the rest in another.")
PUSH_REJECTED = _("%(count)s row(s) cannot be imported, so nothing was written.")
PUSH_UNREADABLE = _("The rows cannot be read: %(reason)s")
REASON_NO_DOCUMENT = "the document number is empty: the API needs it to recognise a repeated push"
REASON_SKIPPED = "the row was skipped as a total or group row ({reasons})"
REASON_TOO_LONG = "the text is longer than {max} characters"
REASON_BAD_TEXT = "the text holds a NUL character or broken Unicode"
REASON_TOO_LARGE = "the amount is too large (at most 15 digits before the point)"
MAX_AMOUNT = 10.0**15  # amounts are NUMERIC(18, 2)
FIRST_DAY = date(1900, 1, 1)  # dates outside these years are typos, and month arithmetic
LAST_DAY = date(2100, 12, 31)  # near year 9999 would overflow
REASON_DATE_RANGE = "the date is outside the years 1900–2100"
API_FILE_NAME = "API: %(token)s"


@dataclass(frozen=True)
class RowError:
    index: int  # 0-based position in the pushed rows
    field: str
    value: str | None
    reason: str


class PushRejected(Exception):
    """Nothing was written; `errors` say which rows and why (the first ERRORS_SHOWN)."""

    def __init__(self, message: str, errors: Sequence[RowError] = (), count: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)
        self.count = count or len(self.errors)


def rejected(errors: list[RowError], count: int | None = None) -> PushRejected:
    """The refusal of a push whose rows have `errors` (`count`: all of them, also unlisted)."""
    errors = sorted(errors, key=lambda error: (error.index, error.field))
    return PushRejected(
        str(PUSH_REJECTED) % {"count": len({e.index for e in errors})},
        errors[:ERRORS_SHOWN],
        len(errors) if count is None else count,
    )


# --- Rows -> the reader ----------------------------------------------------------------------


def cell(value: Any) -> str:
    """A pushed value as the text of a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float | Decimal):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return str(value)


def rows_csv(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> bytes:
    """The pushed rows as a CSV whose header is the field names (UTF-8, `;`-separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in fields])
    return buffer.getvalue().encode("utf-8")


def check_rows(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> None:
    """Refuse a push with no rows, too many, or text no file can hold (NUL, lone surrogates):
    such rows cannot even become a CSV."""
    if not rows:
        raise PushRejected(str(PUSH_EMPTY))
    if len(rows) > MAX_PUSH_ROWS:
        raise PushRejected(str(PUSH_TOO_LARGE) % {"max": MAX_PUSH_ROWS})
    errors = []
    for index, row in enumerate(rows):
        for name in fields:
            value = row.get(name)
            if not isinstance(value, str):
                continue
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors.append(RowError(index, name, None, REASON_BAD_TEXT))
                continue
            if "\x00" in value:
                errors.append(
                    RowError(index, name, value.replace("\x00", "")[:50], REASON_BAD_TEXT)
                )
    if errors:
        raise rejected(errors)


def text_errors(
    rows: Sequence[Mapping[str, Any]], *, document: str, limits: Mapping[str, int | None]
) -> list[RowError]:
    """What the API asks beyond the file import: a document number (what tells a repeated
    push), and text that fits its column (`limits`: field -> max_length)."""
    errors = []
    for index, row in enumerate(rows):
        number = row.get(document)
        if number is None or not str(number).strip():
            errors.append(RowError(index, document, None, REASON_NO_DOCUMENT))
        for name, limit in limits.items():
            value = row.get(name)
            if limit and value is not None and len(str(value)) > limit:
                errors.append(
                    RowError(index, name, str(value)[:50], REASON_TOO_LONG.format(max=limit))
                )
    return errors


@dataclass
class ReaderErrors:
    """The rows the reader rejected, and those it used none of (skipped: totals, group rows,
    zero amounts...); `count` is every rejection, also those past the report's cap."""

    errors: list[RowError]
    count: int
    skipped: list[int]  # 0-based indexes

    def add(self, errors: Iterable[RowError]) -> None:
        added = list(errors)
        self.errors += added
        self.count += len(added)


def reader_errors(report: ImportReport, *, rows: int, used: Iterable[int]) -> ReaderErrors:
    """`report`'s rejected rows as errors, and the rows neither `used` (the reader's 1-based
    `row` numbers, header = 1) nor rejected — when every rejection is listed."""
    errors = [
        RowError(problem.row - 2, problem.column, problem.value, problem.reason)
        for problem in report.rejected
    ]
    found = {problem.row for problem in report.rejected} | set(used)
    every_rejection_listed = len(report.rejected) >= report.rows_rejected
    skipped = (
        [n - 2 for n in range(2, rows + 2) if n not in found] if every_rejection_listed else []
    )
    return ReaderErrors(errors, report.rows_rejected, skipped)


def skipped_reason(report: ImportReport) -> str:
    return REASON_SKIPPED.format(reasons=", ".join(sorted(report.skipped_reasons)) or "—")


def range_errors(
    frame: pl.DataFrame, *, amounts: Mapping[str, str], dates: Mapping[str, str]
) -> list[RowError]:
    """Amounts the database cannot store and dates outside 1900–2100 in the reader's frame
    (`amounts`, `dates`: the frame's column -> the pushed field)."""
    errors = []
    for column, name in amounts.items():
        too_large = frame.filter(pl.col(column).abs() >= MAX_AMOUNT)
        for row_number, value in too_large.select("row", column).iter_rows():
            errors.append(RowError(row_number - 2, name, repr(value), REASON_TOO_LARGE))
    for column, name in dates.items():
        outside = frame.filter(~pl.col(column).is_between(FIRST_DAY, LAST_DAY))
        for row_number, value in outside.select("row", column).iter_rows():
            errors.append(RowError(row_number - 2, name, value.isoformat(), REASON_DATE_RANGE))
    return errors


def known_in_chunks(
    queryset: models.QuerySet[Any], numbers: Sequence[str], *fields: str
) -> list[tuple[Any, ...]]:
    """`fields` of the rows of `queryset` whose document is one of `numbers`, a chunk of
    numbers per query."""
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(numbers), DOCUMENT_CHUNK):
        chunk = numbers[start : start + DOCUMENT_CHUNK]
        found.extend(queryset.filter(document__in=chunk).values_list(*fields).distinct())
    return found


def fingerprint(frame: pl.DataFrame) -> str:
    """The SHA-256 of the rows a push writes (their order aside): the batch's `sha256`."""
    canonical = frame.drop("row").sort(frame.drop("row").columns, nulls_last=True)
    text = json.dumps(canonical.rows(), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- The import batch of a push --------------------------------------------------------------


def batch_start(
    *,
    membership: Membership,
    token: ApiToken | None,
    kind: ImportKind,
    sha256: str,
    rows_received: int,
    rows_written: int,
    report: dict[str, Any],
) -> ImportBatch:
    """The running ImportBatch of a push, saved (its rows are written as its rows)."""
    batch = ImportBatch(
        company=membership.company,
        kind=kind,
        file_name=API_FILE_NAME % {"token": token.name if token else membership.user},
        sha256=sha256,
        rows_read=rows_received,
        rows_skipped=rows_received - rows_written,
        status=ImportStatus.RUNNING,
        created_by=membership.user,
        report={**report, "source": "api"},
    )
    batch.full_clean()
    batch.save()
    return batch


def batch_finish(
    *,
    batch: ImportBatch,
    membership: Membership,
    token: ApiToken | None,
    rows_imported: int,
    known: int,
    ip: str | None,
    details: Mapping[str, object],
) -> None:
    """Mark the push's batch done, remember the token that pushed it, and audit it as the
    file import of its kind is audited."""
    batch.status = ImportStatus.DONE
    batch.progress = 100
    batch.rows_imported = rows_imported
    batch.finished_at = timezone.now()
    batch.save()
    ApiPush.objects.create(
        company=batch.company,
        batch=batch,
        token=token,
        rows_received=batch.rows_read,
        documents_known=known,
    )
    audit_record(
        company=batch.company,
        user=membership.user,
        action=IMPORTED[ImportKind(batch.kind)],
        obj=batch,
        ip=ip,
        details={**details, "source": "api", "token": token.name if token else None},
    )

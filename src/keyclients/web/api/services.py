"""Writes of the API: tokens (made, revoked) and sales pushed as JSON rows.

A push goes through the same reader as an uploaded file: the rows become a CSV in memory that
`keyclients.core.ingest.read_sales` parses with the import's rules (numbers, dates, INN,
client identity), so a row the file import would reject is rejected here with the same reason.
All or nothing: one bad row and nothing is written. A document (client + number) already in
the ledger is not written again, so pushing the same rows twice changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import IngestError, read_sales
from keyclients.core.ingest.sales import ROLES
from keyclients.web.accounts.models import AuditAction, Company, Membership
from keyclients.web.accounts.services import audit_record
from keyclients.web.api.models import ApiPush, ApiToken
from keyclients.web.ledger import bulk
from keyclients.web.ledger.models import ImportBatch, ImportKind, ImportStatus, Sale

TOKEN_PREFIX = "kc"
TOKEN_BYTES = 32
SHOWN_PREFIX = 12  # characters after "kc_<company>_" shown in the token list
LAST_USED_EVERY = timedelta(minutes=1)  # at most one write per token and minute
MAX_PUSH_ROWS = 50_000
ERRORS_SHOWN = 100
DOCUMENT_CHUNK = 500  # document numbers per IN (...) query

TOKEN_NAME_EMPTY = _("Give the token a name, e.g. the program that will use it.")
TOKEN_REVOKED = _("This token is already revoked.")
PUSH_EMPTY = _("No rows to import.")
PUSH_TOO_LARGE = _("At most %(max)s rows in one push; send the rest in another.")
PUSH_REJECTED = _("%(count)s row(s) cannot be imported, so nothing was written.")
PUSH_UNREADABLE = _("The rows cannot be read: %(reason)s")
REASON_NO_DOCUMENT = "the document number is empty: the API needs it to recognise a repeated push"
REASON_SKIPPED = "the row was skipped as a total or group row ({reasons})"
REASON_TOO_LONG = "the text is longer than {max} characters"
REASON_BAD_TEXT = "the text holds a NUL character or broken Unicode"
REASON_TOO_LARGE = "the amount is too large (at most 15 digits before the point)"
MAX_AMOUNT = 10.0**15  # Sale.amount is NUMERIC(18, 2)
FIRST_DAY = date(1900, 1, 1)  # dates outside these years are typos, and month arithmetic
LAST_DAY = date(2100, 12, 31)  # near year 9999 would overflow
REASON_DATE_RANGE = "the date is outside the years 1900–2100"
API_FILE_NAME = "API: %(token)s"


# --- Tokens ---------------------------------------------------------------------------------


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_company_id(raw: str) -> int | None:
    """The company id written in a token (`kc_<company>_<secret>`); None when malformed."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[1])


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def token_create(
    *, membership: Membership, name: str, ip: str | None = None, secret: str | None = None
) -> NewToken:
    """A new token of the member; `secret` is for the demo's well-known token only."""
    name = name.strip()
    if not name:
        raise ValueError(str(TOKEN_NAME_EMPTY))
    secret = secret or secrets.token_urlsafe(TOKEN_BYTES)
    raw = f"{TOKEN_PREFIX}_{membership.company_id}_{secret}"
    start = f"{TOKEN_PREFIX}_{membership.company_id}_"
    token = ApiToken(
        company_id=membership.company_id,
        membership=membership,
        name=name[: ApiToken._meta.get_field("name").max_length or 100],
        prefix=raw[: len(start) + SHOWN_PREFIX][: ApiToken._meta.get_field("prefix").max_length],
        key_hash=token_hash(raw),
    )
    token.full_clean()
    token.save()
    audit_record(
        company=membership.company,
        user=membership.user,
        action=AuditAction.API_TOKEN_CREATED,
        obj=token,
        ip=ip,
        details={"name": token.name, "role": membership.role},
    )
    return NewToken(token=token, raw=raw)


@transaction.atomic
def token_revoke(*, token: ApiToken, ip: str | None = None) -> ApiToken:
    if token.revoked_at is not None:
        raise ValueError(str(TOKEN_REVOKED))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        company=token.membership.company,
        user=token.membership.user,
        action=AuditAction.API_TOKEN_REVOKED,
        obj=token,
        ip=ip,
        details={"name": token.name},
    )
    return token


def token_touch(*, token: ApiToken) -> None:
    """Remember when the token was last used (at most once a minute: reads stay reads)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Pushing sales --------------------------------------------------------------------------


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


@dataclass(frozen=True)
class PushResult:
    rows_received: int
    rows_imported: int
    documents_imported: int
    documents_known: int  # already in the ledger: not written again
    clients_created: int
    batch_id: int | None  # None when every document was already there
    warnings: list[str] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float | Decimal):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return str(value)


def rows_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The pushed rows as a CSV of the import's roles (header = role names), UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(ROLES)
    for row in rows:
        writer.writerow([_cell(row.get(role)) for role in ROLES])
    return buffer.getvalue().encode("utf-8")


def _text_errors(rows: Sequence[Mapping[str, Any]]) -> list[RowError]:
    """Text no file can hold (NUL, lone surrogates): the rows cannot even become a CSV."""
    errors = []
    for index, row in enumerate(rows):
        for role in ROLES:
            value = row.get(role)
            if not isinstance(value, str):
                continue
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors.append(RowError(index, role, None, REASON_BAD_TEXT))
                continue
            if "\x00" in value:
                errors.append(
                    RowError(index, role, value.replace("\x00", "")[:50], REASON_BAD_TEXT)
                )
    return errors


def _own_checks(rows: Sequence[Mapping[str, Any]]) -> list[RowError]:
    """What the API asks beyond the file import: a document number, text that fits."""
    errors = []
    limits = {
        "document": Sale._meta.get_field("document").max_length,
        "product": Sale._meta.get_field("product").max_length,
        "manager": Sale._meta.get_field("manager").max_length,
    }
    for index, row in enumerate(rows):
        document = row.get("document")
        if document is None or not str(document).strip():
            errors.append(RowError(index, "document", None, REASON_NO_DOCUMENT))
        for name, limit in limits.items():
            value = row.get(name)
            if limit and value is not None and len(str(value)) > limit:
                errors.append(
                    RowError(index, name, str(value)[:50], REASON_TOO_LONG.format(max=limit))
                )
    return errors


def _read(rows: Sequence[Mapping[str, Any]]) -> tuple[pl.DataFrame, list[RowError], int, Any]:
    """(frame, errors, problem count, report) of the rows through the core's sales reader."""
    try:
        sales = read_sales(rows_csv(rows), name="api.csv", mapping={role: role for role in ROLES})
    except IngestError as error:
        raise PushRejected(str(PUSH_UNREADABLE) % {"reason": error}) from error
    report = sales.report
    errors = [
        RowError(rejected.row - 2, rejected.column, rejected.value, rejected.reason)
        for rejected in report.rejected
    ]
    count = report.rows_rejected
    # Rows the reader skips (total rows, rows without an amount) are errors here: a program
    # that pushes a row means it.
    used = set(sales.frame.get_column("row").to_list())
    rejected = {rejected.row for rejected in report.rejected}
    reasons = ", ".join(sorted(report.skipped_reasons)) or "—"
    every_rejection_listed = len(report.rejected) >= report.rows_rejected
    for row_number in range(2, len(rows) + 2):
        if every_rejection_listed and row_number not in used and row_number not in rejected:
            errors.append(
                RowError(row_number - 2, "client", None, REASON_SKIPPED.format(reasons=reasons))
            )
            count += 1
    frame = sales.frame
    for role in ("amount", "cost"):
        too_large = frame.filter(pl.col(role).abs() >= MAX_AMOUNT)
        for row_number, value in too_large.select("row", role).iter_rows():
            errors.append(RowError(row_number - 2, role, repr(value), REASON_TOO_LARGE))
            count += 1
    for role in ("date", "due_date", "paid_date"):
        outside = frame.filter(~pl.col(role).is_between(FIRST_DAY, LAST_DAY))
        for row_number, value in outside.select("row", role).iter_rows():
            errors.append(RowError(row_number - 2, role, value.isoformat(), REASON_DATE_RANGE))
            count += 1
    return frame, errors, count, report


def _known_documents(*, company: Company, frame: pl.DataFrame) -> set[tuple[str, str]]:
    """(client_key, document) pairs of the frame that the ledger already holds."""
    numbers = frame.get_column("document").unique().to_list()
    known: set[tuple[str, str]] = set()
    for start in range(0, len(numbers), DOCUMENT_CHUNK):
        chunk = numbers[start : start + DOCUMENT_CHUNK]
        known.update(
            Sale.objects.filter(company=company, document__in=chunk)
            .values_list("client__key", "document")
            .distinct()
        )
    return known


def _fingerprint(frame: pl.DataFrame) -> str:
    canonical = frame.drop("row").sort(frame.drop("row").columns, nulls_last=True)
    text = json.dumps(canonical.rows(), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def sales_push(
    *,
    membership: Membership,
    token: ApiToken | None,
    rows: Sequence[Mapping[str, Any]],
    ip: str | None = None,
) -> PushResult:
    """Import pushed sales rows: all or nothing, documents already imported left out."""
    if not rows:
        raise PushRejected(str(PUSH_EMPTY))
    if len(rows) > MAX_PUSH_ROWS:
        raise PushRejected(str(PUSH_TOO_LARGE) % {"max": MAX_PUSH_ROWS})
    broken = _text_errors(rows)
    if broken:
        raise PushRejected(
            str(PUSH_REJECTED) % {"count": len({e.index for e in broken})},
            broken[:ERRORS_SHOWN],
            len(broken),
        )
    frame, errors, count, report = _read(rows)
    own = _own_checks(rows)
    errors += own
    count += len(own)
    if errors:
        errors.sort(key=lambda error: (error.index, error.field))
        raise PushRejected(
            str(PUSH_REJECTED) % {"count": len({e.index for e in errors})},
            errors[:ERRORS_SHOWN],
            count,
        )
    company = membership.company
    with transaction.atomic():
        # One push of a company at a time: the check for known documents and the insert
        # must not interleave with another push of the same rows (PostgreSQL; SQLite's
        # IMMEDIATE transactions already queue writers).
        Company.objects.select_for_update().filter(pk=company.pk).first()
        known = _known_documents(company=company, frame=frame)
        pairs = list(zip(frame["client_key"].to_list(), frame["document"].to_list(), strict=True))
        is_new = [pair not in known for pair in pairs]
        fresh = frame.filter(pl.Series(is_new, dtype=pl.Boolean))
        documents_known = len({pair for pair in pairs if pair in known})
        if fresh.is_empty():
            return PushResult(len(rows), 0, 0, documents_known, 0, None, list(report.warnings))
        batch = ImportBatch(
            company=company,
            kind=ImportKind.SALES,
            file_name=API_FILE_NAME % {"token": token.name if token else membership.user},
            sha256=_fingerprint(fresh),
            rows_read=len(rows),
            rows_skipped=len(rows) - fresh.height,
            status=ImportStatus.RUNNING,
            created_by=membership.user,
            report={**report.to_dict(), "source": "api", "documents_known": documents_known},
        )
        batch.full_clean()
        batch.save()
        ids, created = bulk.client_ids(company=company, batch=batch, frame=fresh)
        count = bulk.insert_sales(
            bulk.sale_rows(fresh, company_id=company.pk, batch_id=batch.pk, ids=ids)
        )
        batch.status = ImportStatus.DONE
        batch.progress = 100
        batch.rows_imported = count
        batch.finished_at = timezone.now()
        batch.save()
        ApiPush.objects.create(
            company=company,
            batch=batch,
            token=token,
            rows_received=len(rows),
            documents_known=documents_known,
        )
        audit_record(
            company=company,
            user=membership.user,
            action=AuditAction.SALES_IMPORTED,
            obj=batch,
            ip=ip,
            details={
                "source": "api",
                "token": token.name if token else None,
                "rows": count,
                "clients_created": created,
                "documents_known": documents_known,
            },
        )
    documents = fresh.select("client_key", "document").unique().height
    return PushResult(
        len(rows), count, documents, documents_known, created, batch.pk, list(report.warnings)
    )

"""Writes of the API: tokens (made, revoked) and sales pushed as JSON rows.

A push of sales goes through `keyclients.core.ingest.read_sales`, as an uploaded sales file
does (what every push shares is in `push`; payments are pushed by `payments`). A document
(client + number) already in the ledger is not written again, so pushing the same rows twice
changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import IngestError, read_sales
from keyclients.core.ingest.sales import ROLES
from keyclients.web.accounts.models import AuditAction, Company, Membership
from keyclients.web.accounts.services import audit_record
from keyclients.web.api import push
from keyclients.web.api.models import ApiToken
from keyclients.web.ledger import readers, writers
from keyclients.web.ledger.models import ImportKind, Sale

TOKEN_PREFIX = "kc"
TOKEN_BYTES = 32
SHOWN_PREFIX = 12  # characters after "kc_<company>_" shown in the token list
LAST_USED_EVERY = timedelta(minutes=1)  # at most one write per token and minute

TOKEN_NAME_EMPTY = _("Give the token a name, e.g. the program that will use it.")
TOKEN_REVOKED = _("This token is already revoked.")
TEXT_LIMITS = {
    name: Sale._meta.get_field(name).max_length for name in ("document", "product", "manager")
}


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
class PushResult:
    rows_received: int
    rows_imported: int
    documents_imported: int
    documents_known: int  # already in the ledger: not written again
    clients_created: int
    batch_id: int | None  # None when every document was already there
    warnings: list[str] = field(default_factory=list)


def _read(rows: Sequence[Mapping[str, Any]]) -> tuple[pl.DataFrame, push.ReaderErrors, Any]:
    """(frame, errors, report) of the rows through the core's sales reader."""
    try:
        sales = read_sales(
            push.rows_csv(rows, ROLES), name="api.csv", mapping={role: role for role in ROLES}
        )
    except IngestError as error:
        raise push.PushRejected(str(push.PUSH_UNREADABLE) % {"reason": error}) from error
    report = sales.report
    frame = sales.frame
    found = push.reader_errors(report, rows=len(rows), used=frame.get_column("row").to_list())
    reason = push.skipped_reason(report)
    found.add(push.RowError(index, "client", None, reason) for index in found.skipped)
    found.add(
        push.range_errors(
            frame,
            amounts={"amount": "amount", "cost": "cost"},
            dates={"date": "date", "due_date": "due_date", "paid_date": "paid_date"},
        )
    )
    return frame, found, report


def _known_documents(*, company: Company, frame: pl.DataFrame) -> set[tuple[str, str]]:
    """(client_key, document) pairs of the frame that the ledger already holds."""
    numbers = frame.get_column("document").unique().to_list()
    sales = Sale.objects.filter(company=company)
    return set(push.known_in_chunks(sales, numbers, "client__key", "document"))


def sales_push(
    *,
    membership: Membership,
    token: ApiToken | None,
    rows: Sequence[Mapping[str, Any]],
    ip: str | None = None,
) -> PushResult:
    """Import pushed sales rows: all or nothing, documents already imported left out."""
    push.check_rows(rows, ROLES)
    frame, found, report = _read(rows)
    found.add(push.text_errors(rows, document="document", limits=TEXT_LIMITS))
    if found.errors:
        raise push.rejected(found.errors, found.count)
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
        batch = push.batch_start(
            membership=membership,
            token=token,
            kind=ImportKind.SALES,
            sha256=push.fingerprint(fresh),
            rows_received=len(rows),
            rows_written=fresh.height,
            report={**report.to_dict(), "documents_known": documents_known},
        )
        # The sales file import's writer: new clients, the lines, and the payments of payers
        # that had no client so far given to the new clients.
        upload = readers.Upload(ImportKind.SALES, report, fresh)
        written = writers.write(batch, upload, progress=lambda _written: None)
        push.batch_finish(
            batch=batch,
            membership=membership,
            token=token,
            rows_imported=written.rows,
            known=documents_known,
            ip=ip,
            details={**written.details, "documents_known": documents_known},
        )
    documents = fresh.select("client_key", "document").unique().height
    return PushResult(
        len(rows),
        written.rows,
        documents,
        documents_known,
        written.clients_created,
        batch.pk,
        list(report.warnings),
    )

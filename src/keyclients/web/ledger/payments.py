"""Payers and clients: which client a payment belongs to, and the user's assignments.

A payer is matched to the company's clients by the core's identity rules (INN, else the
normalized name; a payer without an INN spelled like exactly one client with an INN goes to it:
`match_known_clients`). A payer the rules cannot place stays unmatched (`client` null) until the
user assigns it to a client, or creates a client from it; the assignment is remembered, so the
payer's later payments go to the same client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.clients import KNOWN_CLIENTS_SCHEMA, match_known_clients
from keyclients.core.ingest.payments import distinct_payments
from keyclients.web.accounts.models import AuditAction, Company, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.ledger.models import Client, PayerAssignment, Payment

NO_SUCH_PAYER = _("There are no unmatched payments of this payer.")
CLIENT_OF_ANOTHER_COMPANY = _("The client is not one of the company's.")


def known_clients(*, company: Company) -> pl.DataFrame:
    """The company's clients as the core's KNOWN_CLIENTS_SCHEMA (id, key, name, INN)."""
    rows = Client.objects.filter(company=company).order_by().values_list("id", "key", "name", "inn")
    return pl.DataFrame(list(rows), schema=KNOWN_CLIENTS_SCHEMA, orient="row")


def payer_matches(*, company: Company, lines: pl.DataFrame) -> tuple[pl.DataFrame, dict[int, str]]:
    """Payment lines (`row`, `client_raw`, `inn_raw`, ...) with the payer's key (`payer_key`),
    its valid INN (`inn`) and its client (`client_id`, null when none), and the names of the
    clients found. A payer assigned by hand goes to its client whatever the rules say."""
    known = known_clients(company=company)
    matched = match_known_clients(lines, known).rename({"client_key": "payer_key"})
    assigned = dict(
        PayerAssignment.objects.filter(company=company).values_list("payer_key", "client_id")
    )
    if assigned:
        by_hand = pl.col("payer_key").replace_strict(assigned, default=None, return_dtype=pl.Int64)
        matched = matched.with_columns(pl.coalesce(by_hand, pl.col("client_id")).alias("client_id"))
    ids = set(matched.get_column("client_id").drop_nulls().to_list())
    names = {pk: name for pk, name in known.select("client_id", "name").iter_rows() if pk in ids}
    return matched, names


def payments_relink(*, company: Company) -> int:
    """Give the unmatched payments whose payer now matches a client (a client imported or
    edited since) to it; returns how many payments were linked."""
    keys = list(
        Payment.objects.filter(company=company, client__isnull=True)
        .order_by()
        .values_list("payer_key", flat=True)
        .distinct()
    )
    if not keys:
        return 0
    # The key itself says what the payer is: an INN, or a normalized name.
    lines = pl.DataFrame(
        {
            "row": list(range(len(keys))),
            "stored_key": keys,
            "client_raw": [key.removeprefix("inn:").removeprefix("name:") for key in keys],
            "inn_raw": [key[4:] if key.startswith("inn:") else None for key in keys],
        },
        schema={
            "row": pl.Int64(),
            "stored_key": pl.String(),
            "client_raw": pl.String(),
            "inn_raw": pl.String(),
        },
    )
    matched, _names = payer_matches(company=company, lines=lines)
    linked = 0
    for stored_key, client_id in (
        matched.filter(pl.col("client_id").is_not_null())
        .select("stored_key", "client_id")
        .iter_rows()
    ):
        linked += Payment.objects.filter(
            company=company, client__isnull=True, payer_key=stored_key
        ).update(client_id=client_id)
    return linked


def payments_already_imported(
    *, company: Company, lines: pl.DataFrame, exclude_batch: int | None
) -> int:
    """How many of the new payment lines (`payer_key`, `date`, `amount`) the company's imports
    already hold — the same payer, date and amount — so the receivables count them once
    (`distinct_payments`, with the new file last)."""
    if not lines.height:
        return 0
    first, last = lines.get_column("date").min(), lines.get_column("date").max()
    stored = list(
        Payment.objects.filter(company=company, date__range=(first, last))
        .exclude(batch=exclude_batch)
        .values_list("batch_id", "row", "payer_key", "date", "amount")
    )
    new_source = max((batch for batch, *_ in stored), default=0) + 1
    schema = {
        "source": pl.Int64(),
        "row": pl.Int64(),
        "client_key": pl.String(),
        "date": pl.Date(),
        "amount": pl.Float64(),
    }
    earlier = pl.DataFrame(
        [(b, r, k, d, float(a)) for b, r, k, d, a in stored], schema=schema, orient="row"
    )
    new = lines.select(
        pl.lit(new_source, pl.Int64()).alias("source"),
        "row",
        pl.col("payer_key").alias("client_key"),
        "date",
        "amount",
    )
    marked = distinct_payments(pl.concat([earlier, new.cast(pl.Schema(schema))]))
    return marked.filter(pl.col("duplicate") & (pl.col("source") == new_source)).height


@dataclass(frozen=True)
class Assignment:
    client: Client
    payments: int  # payments of the payer now on the client


@transaction.atomic
def payer_assign(
    *,
    company: Company,
    user: User,
    payer_key: str,
    client: Client,
    ip: str | None = None,
) -> Assignment:
    """Assign a payer (by its key) to a client: all its payments, unmatched or not, go to the
    client, and so will its later ones. Audited."""
    if client.company_id != company.pk:
        raise ValidationError(CLIENT_OF_ANOTHER_COMPANY)
    payments = Payment.objects.filter(company=company, payer_key=payer_key)
    first = payments.order_by("date", "pk").values_list("payer_name", flat=True).first()
    if first is None:
        raise ValidationError(NO_SUCH_PAYER)
    PayerAssignment.objects.update_or_create(
        company=company,
        payer_key=payer_key,
        defaults={"client": client, "payer_name": first[:300], "created_by": user},
    )
    count = payments.update(client=client)
    # The client's `updated_at` is part of the dashboards' data version: they refresh at once.
    client.save(update_fields=["updated_at"])
    audit_record(
        company=company,
        user=user,
        action=AuditAction.PAYER_ASSIGNED,
        obj=client,
        ip=ip,
        details={"payer_key": payer_key, "payer": first, "client": client.name, "payments": count},
    )
    return Assignment(client=client, payments=count)


@transaction.atomic
def payer_assign_new_client(
    *,
    company: Company,
    user: User,
    payer_key: str,
    name: str,
    inn: str = "",
    ip: str | None = None,
) -> Assignment:
    """Create a client from an unmatched payer (its name and INN, as the user corrected them)
    and assign the payer to it."""
    from keyclients.web.ledger.services import client_create

    if not Payment.objects.filter(company=company, payer_key=payer_key).exists():
        raise ValidationError(NO_SUCH_PAYER)
    client = client_create(company=company, name=name, inn=inn)
    return payer_assign(company=company, user=user, payer_key=payer_key, client=client, ip=ip)


@transaction.atomic
def payers_assign(
    *,
    company: Company,
    user: User,
    payer_keys: Sequence[str],
    client: Client,
    ip: str | None = None,
) -> int:
    """`payer_assign` for several payers at once, all or none; returns the payments moved."""
    return sum(
        payer_assign(company=company, user=user, payer_key=key, client=client, ip=ip).payments
        for key in payer_keys
    )


@transaction.atomic
def payers_assign_new_clients(
    *,
    company: Company,
    user: User,
    payers: Sequence[tuple[str, str, str]],
    ip: str | None = None,
) -> int:
    """A client of its own for each payer (key, name, INN), all or none; returns how many."""
    for payer_key, name, inn in payers:
        payer_assign_new_client(
            company=company, user=user, payer_key=payer_key, name=name, inn=inn, ip=ip
        )
    return len(payers)

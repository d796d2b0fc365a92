"""Reads of clients, sales and imports; every one is scoped to a company."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext

from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Payment, Sale

REJECTED_PER_PAGE = 100
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class LedgerCounts:
    clients: int
    sales: int
    imports: int


def client_list(*, company: Company) -> QuerySet[Client]:
    return Client.objects.filter(company=company).order_by("name")


def import_batch_list(*, company: Company) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(company=company).order_by("-created_at")


def import_history(*, company: Company) -> QuerySet[ImportBatch]:
    """The company's imports, newest first, with who imported them; without the big report."""
    return (
        import_batch_list(company=company)
        .select_related("created_by")
        .defer("report", "mapping")
        .order_by("-created_at", "-pk")[:HISTORY_LIMIT]
    )


def import_in_progress(*, batch: ImportBatch) -> bool:
    return batch.status in (ImportStatus.PENDING, ImportStatus.RUNNING)


def import_rejected_page(*, batch: ImportBatch, page: str | int | None) -> Page[dict[str, Any]]:
    """One page of the rejected rows (row, column, value, reason) of an upload's report."""
    rejected: list[dict[str, Any]] = batch.report.get("rejected", [])
    return Paginator(rejected, REJECTED_PER_PAGE).get_page(page)


def import_error_text(batch: ImportBatch) -> str:
    """Why the import failed, in the reader's language ("" when it did not)."""
    error = batch.report.get("error") if batch.status == ImportStatus.FAILED else None
    if not error:
        return ""
    message = gettext(error["message"])
    return message % error["params"] if error.get("params") else message


def ledger_counts(*, company: Company) -> LedgerCounts:
    return LedgerCounts(
        clients=Client.objects.filter(company=company).count(),
        sales=Sale.objects.filter(company=company).count(),
        imports=ImportBatch.objects.filter(company=company).count(),
    )


def payer_keys(*, company: Company, keys: Iterable[str]) -> set[str]:
    """The payer keys among `keys` the company has payments from."""
    return set(
        Payment.objects.filter(company=company, payer_key__in=list(keys))
        .order_by()
        .values_list("payer_key", flat=True)
        .distinct()
    )

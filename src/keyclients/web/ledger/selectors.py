"""Reads of clients, sales and imports; every one is scoped to a company."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Client, ImportBatch, Sale


@dataclass(frozen=True)
class LedgerCounts:
    clients: int
    sales: int
    imports: int


def client_list(*, company: Company) -> QuerySet[Client]:
    return Client.objects.filter(company=company).order_by("name")


def import_batch_list(*, company: Company) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(company=company).order_by("-created_at")


def ledger_counts(*, company: Company) -> LedgerCounts:
    return LedgerCounts(
        clients=Client.objects.filter(company=company).count(),
        sales=Sale.objects.filter(company=company).count(),
        imports=ImportBatch.objects.filter(company=company).count(),
    )

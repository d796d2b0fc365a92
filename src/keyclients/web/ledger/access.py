"""Ledger objects are reached only through here: scoped to the current company, else 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from keyclients.web.accounts.access import CompanyRequest
from keyclients.web.ledger import selectors
from keyclients.web.ledger.models import Client, ImportBatch


def get_client(request: CompanyRequest, pk: int) -> Client:
    return get_object_or_404(selectors.client_list(company=request.membership.company), pk=pk)


def get_import_batch(request: CompanyRequest, pk: int) -> ImportBatch:
    return get_object_or_404(selectors.import_batch_list(company=request.membership.company), pk=pk)

"""Ledger objects are reached only through here: scoped to the current company, else 404.

Clients are also scoped to the member: a manager does not see the clients assigned to another
manager (a 404, as for another company's client); the clients assigned to nobody and their own
are open to them. Every other role sees every client of the company (docs/decisions.md).
"""

from __future__ import annotations

import polars as pl
from django.http import Http404
from django.shortcuts import get_object_or_404

from keyclients.web.accounts.access import CompanyRequest
from keyclients.web.accounts.models import Membership, Role
from keyclients.web.ledger import selectors
from keyclients.web.ledger.models import Client, ImportBatch


def client_visible(membership: Membership, manager_id: int | None) -> bool:
    """Whether the member may open a client assigned to `manager_id` (None: to nobody)."""
    if membership.role != Role.MANAGER:
        return True
    return manager_id is None or manager_id == membership.user_id


def visible_client_rows(membership: Membership, clients: pl.DataFrame) -> pl.DataFrame:
    """The rows of a client frame with a `manager_id` column that the member may open."""
    if membership.role != Role.MANAGER:
        return clients
    return clients.filter(
        pl.col("manager_id").is_null() | (pl.col("manager_id") == membership.user_id)
    )


def get_client(request: CompanyRequest, pk: int) -> Client:
    client = get_object_or_404(selectors.client_list(company=request.membership.company), pk=pk)
    if not client_visible(request.membership, client.manager_id):
        raise Http404
    return client


def get_import_batch(request: CompanyRequest, pk: int) -> ImportBatch:
    return get_object_or_404(selectors.import_batch_list(company=request.membership.company), pk=pk)

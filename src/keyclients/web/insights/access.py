"""Who may do what on the clients pages; clients are fetched through `ledger.access`.

Every member sees every client of the company (the list, the card). Owners and finance edit
all of them and assign managers; a manager edits only the clients assigned to them and does
not reassign them; a viewer edits nothing (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from keyclients.web.accounts.access import CompanyRequest
from keyclients.web.accounts.models import Membership, Role
from keyclients.web.ledger import access as ledger_access
from keyclients.web.ledger.models import Client

EDIT_ALL_ROLES = frozenset({Role.OWNER, Role.FINANCE})


@dataclass(frozen=True)
class ClientAccess:
    client: Client
    may_edit: bool
    may_assign: bool  # may change the assigned manager


def client_access(membership: Membership, client: Client) -> ClientAccess:
    if membership.role in EDIT_ALL_ROLES:
        return ClientAccess(client=client, may_edit=True, may_assign=True)
    own = membership.role == Role.MANAGER and client.manager_id == membership.user_id
    return ClientAccess(client=client, may_edit=own, may_assign=False)


def get_client(request: CompanyRequest, pk: int) -> ClientAccess:
    """A client of the current company (else 404) and what the user may do with it."""
    return client_access(request.membership, ledger_access.get_client(request, pk))


def get_client_for_edit(request: CompanyRequest, pk: int) -> ClientAccess:
    """As `get_client`, and a 403 when the user may not edit it."""
    access = get_client(request, pk)
    if not access.may_edit:
        raise PermissionDenied
    return access

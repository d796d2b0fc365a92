"""Who may read and change which part of a client's dossier.

The client itself comes through `ledger.access.get_client`: another company's client, or (for
a manager) a client assigned to another manager, is a 404 — for the card and every dossier tab.
Then:
- everyone who may open the client reads the non-sensitive dossier;
- owners and finance edit every dossier, a manager the dossiers of the clients assigned to them
  (others get a 403);
- the personal fields of contacts are seen and changed by owners and the client's assigned
  manager only (403 for the others), and every view is audited by the views;
- privilege tiers and hunters are set by owners and finance: they cost money and count in the
  team figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from keyclients.web.accounts.access import CompanyRequest
from keyclients.web.accounts.models import Membership, Role
from keyclients.web.clients.models import (
    AccountPlan,
    Contact,
    Interaction,
    Need,
    Objective,
    PrivilegeTier,
)
from keyclients.web.ledger import access as ledger_access
from keyclients.web.ledger.models import Client

EDIT_ALL_ROLES = frozenset({Role.OWNER, Role.FINANCE})
PRIVILEGE_ROLES = EDIT_ALL_ROLES


@dataclass(frozen=True)
class Dossier:
    """A client the member may open, and what they may do with its dossier."""

    client: Client
    may_edit: bool
    may_see_personal: bool
    may_set_privileges: bool  # the tier and the hunter

    @property
    def company_id(self) -> int:
        return self.client.company_id


def is_own_client(membership: Membership, client: Client) -> bool:
    return membership.role == Role.MANAGER and client.manager_id == membership.user_id


def may_see_personal(membership: Membership, client: Client) -> bool:
    return membership.role == Role.OWNER or is_own_client(membership, client)


def dossier_access(membership: Membership, client: Client) -> Dossier:
    privileged = membership.role in PRIVILEGE_ROLES
    return Dossier(
        client=client,
        may_edit=membership.role in EDIT_ALL_ROLES or is_own_client(membership, client),
        may_see_personal=may_see_personal(membership, client),
        may_set_privileges=privileged,
    )


def get_dossier(request: CompanyRequest, pk: int) -> Dossier:
    """The client's dossier for reading; 404 when the member may not open the client."""
    return dossier_access(request.membership, ledger_access.get_client(request, pk))


def get_dossier_for_edit(request: CompanyRequest, pk: int) -> Dossier:
    dossier = get_dossier(request, pk)
    if not dossier.may_edit:
        raise PermissionDenied
    return dossier


def get_dossier_personal(request: CompanyRequest, pk: int) -> Dossier:
    dossier = get_dossier(request, pk)
    if not dossier.may_see_personal:
        raise PermissionDenied
    return dossier


def get_dossier_privileges(request: CompanyRequest, pk: int) -> Dossier:
    dossier = get_dossier(request, pk)
    if not dossier.may_set_privileges:
        raise PermissionDenied
    return dossier


# Parts of a dossier: found only within their client (another client's part is a 404).


def get_contact(dossier: Dossier, contact_id: int) -> Contact:
    return get_object_or_404(
        Contact.objects.filter(company_id=dossier.company_id, client=dossier.client),
        pk=contact_id,
    )


def get_interaction(dossier: Dossier, interaction_id: int) -> Interaction:
    return get_object_or_404(
        Interaction.objects.filter(company_id=dossier.company_id, client=dossier.client),
        pk=interaction_id,
    )


def get_need(dossier: Dossier, need_id: int) -> Need:
    return get_object_or_404(
        Need.objects.filter(company_id=dossier.company_id, client=dossier.client), pk=need_id
    )


def get_plan(dossier: Dossier, plan_id: int) -> AccountPlan:
    return get_object_or_404(
        AccountPlan.objects.filter(company_id=dossier.company_id, client=dossier.client),
        pk=plan_id,
    )


def get_objective(dossier: Dossier, objective_id: int) -> Objective:
    return get_object_or_404(
        Objective.objects.filter(
            company_id=dossier.company_id, plan__client=dossier.client
        ).select_related("plan"),
        pk=objective_id,
    )


def get_tier(request: CompanyRequest, tier_id: int) -> PrivilegeTier:
    return get_object_or_404(
        PrivilegeTier.objects.filter(company=request.membership.company), pk=tier_id
    )

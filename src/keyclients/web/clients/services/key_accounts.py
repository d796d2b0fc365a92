"""Writes of key-account work: privilege tiers, new clients, hunters and farmers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import (
    AuditAction,
    Company,
    ManagerKind,
    Membership,
    Role,
    User,
)
from keyclients.web.accounts.services import audit_record
from keyclients.web.clients import history
from keyclients.web.clients.models import (
    ChangeAction,
    ClientProfile,
    PrivilegeTier,
    TierRule,
)
from keyclients.web.clients.services.base import (
    PERSON_NOT_MEMBER,
    changed,
    is_member,
    manager_kind,
    profile_for,
    save,
)
from keyclients.web.ledger.models import Client, ClientStatus
from keyclients.web.ledger.services import client_create

FARMER_NOT_FARMER = _("Hand the client to a manager who farms (a farmer, or a farmer and hunter).")
TIER_OTHER_COMPANY = _("The tier must be one of the company's.")
TIER_RULE_QUADRANT = _("Choose the quadrant for a quadrant rule.")
TIER_RULE_REVENUE = _("Give the revenue threshold (more than 0) for a revenue rule.")
HUNTER_MONTHS_INVALID = _("Give a number of months from 1 to 60.")

HUNTER_MONTHS_MAX = 60
SETTINGS_KEY = "dossier"  # Company.settings["dossier"]: {"hunter_months": 6}


# --- Privileges -----------------------------------------------------------------------------


@transaction.atomic
def client_tier_set(
    *, client: Client, by: User, tier: PrivilegeTier | None, since: date | None = None
) -> ClientProfile:
    if tier is not None and tier.company_id != client.company_id:
        raise ValidationError({"tier": TIER_OTHER_COMPANY})
    profile = profile_for(client)
    if tier is None:
        since = None
    elif since is None:
        since = profile.tier_since if profile.tier_id == tier.pk else timezone.localdate()
    changed(
        profile,
        {"tier": tier, "tier_since": since},
        client=client,
        by=by,
        object_type=history.OBJECT_PROFILE,
        label="",
    )
    return profile


@dataclass(frozen=True)
class TierFields:
    name: str
    benefits: str
    rule: str
    rule_quadrant: str
    rule_revenue_min: Decimal | None
    discount_percent: Decimal


def _tier_values(data: TierFields) -> dict[str, object]:
    if data.rule == TierRule.QUADRANT and not data.rule_quadrant:
        raise ValidationError({"rule_quadrant": TIER_RULE_QUADRANT})
    if data.rule == TierRule.REVENUE and not (data.rule_revenue_min and data.rule_revenue_min > 0):
        raise ValidationError({"rule_revenue_min": TIER_RULE_REVENUE})
    # Only the parameter of the chosen rule is kept.
    return {
        "name": data.name.strip(),
        "benefits": data.benefits.strip(),
        "rule": data.rule,
        "rule_quadrant": data.rule_quadrant if data.rule == TierRule.QUADRANT else "",
        "rule_revenue_min": data.rule_revenue_min if data.rule == TierRule.REVENUE else None,
        "discount_percent": data.discount_percent,
    }


def tier_create(*, company: Company, data: TierFields) -> PrivilegeTier:
    tier = PrivilegeTier(company=company, **_tier_values(data))
    save(tier)
    return tier


def tier_update(*, tier: PrivilegeTier, data: TierFields) -> PrivilegeTier:
    for name, value in _tier_values(data).items():
        setattr(tier, name, value)
    save(tier)
    return tier


# --- Clients, hunters and farmers -----------------------------------------------------------


@transaction.atomic
def client_create_by(
    *, membership: Membership, name: str, inn: str, ip: str | None = None
) -> Client:
    """A new client (a prospect until its first sale). A manager who creates it becomes its
    manager, and its hunter when they hunt."""
    is_manager = membership.role == Role.MANAGER
    client = client_create(
        company=membership.company,
        name=name,
        inn=inn,
        status=ClientStatus.PROSPECT,
        manager=membership.user if is_manager else None,
    )
    profile = ClientProfile(company_id=client.company_id, client=client)
    if is_manager and membership.manager_kind in (ManagerKind.HUNTER, ManagerKind.BOTH):
        profile.hunter = membership.user
    save(profile)
    history.event_record(
        client=client,
        user=membership.user,
        object_type=history.OBJECT_CLIENT,
        obj=client,
        label=client.name,
        action=ChangeAction.CREATED,
    )
    audit_record(
        company=membership.company,
        user=membership.user,
        action=AuditAction.CLIENT_CREATED,
        obj=client,
        ip=ip,
        details={"name": client.name, "hunter": profile.hunter_id},
    )
    return client


def client_assign(*, client: Client, by: User, manager: User | None) -> Client:
    """Assign the client's manager, with the change in its history."""
    if manager is not None and not is_member(client.company_id, manager):
        raise ValidationError({"manager": PERSON_NOT_MEMBER})
    changed(
        client,
        {"manager": manager},
        client=client,
        by=by,
        object_type=history.OBJECT_CLIENT,
        label="",
    )
    return client


@transaction.atomic
def client_handoff(*, client: Client, by: User, farmer: User, ip: str | None = None) -> Client:
    """Hand a hunter's client over to a farmer: the farmer becomes its manager; the hunter who
    brought it stays on its profile (and in the team figures)."""
    if manager_kind(client.company_id, farmer) not in (ManagerKind.FARMER, ManagerKind.BOTH):
        raise ValidationError({"farmer": FARMER_NOT_FARMER})
    previous = client.manager.get_username() if client.manager is not None else ""
    client_assign(client=client, by=by, manager=farmer)
    audit_record(
        company=client.company,
        user=by,
        action=AuditAction.CLIENT_HANDED_OFF,
        obj=client,
        ip=ip,
        details={"name": client.name, "from": previous, "to": farmer.get_username()},
    )
    return client


def hunter_months_set(*, company: Company, months: int) -> Company:
    if not 1 <= months <= HUNTER_MONTHS_MAX:
        raise ValidationError({"months": HUNTER_MONTHS_INVALID})
    settings = dict(company.settings) if isinstance(company.settings, dict) else {}
    section = settings.get(SETTINGS_KEY)
    settings[SETTINGS_KEY] = {
        **(section if isinstance(section, dict) else {}),
        "hunter_months": months,
    }
    company.settings = settings
    save(company)
    return company

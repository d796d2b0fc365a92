"""Reads of the API app: a token by its text, a member's tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from keyclients.web.accounts.models import Membership
from keyclients.web.api.models import ApiToken
from keyclients.web.api.services import token_company_id, token_hash


def token_for_key(*, raw: str) -> ApiToken | None:
    """The active token with this text, its membership, user and company; None otherwise
    (unknown, revoked, or its user deactivated)."""
    company_id = token_company_id(raw)
    if company_id is None:
        return None
    return (
        ApiToken.objects.filter(
            company_id=company_id,
            key_hash=token_hash(raw),
            revoked_at__isnull=True,
            membership__user__is_active=True,
        )
        .select_related("membership__company", "membership__user")
        .first()
    )


def token_list(*, membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens in this company, newest first (revoked ones too)."""
    return ApiToken.objects.filter(
        company_id=membership.company_id, membership=membership
    ).order_by("-created_at", "-pk")

from __future__ import annotations

from functools import partial

from django.http import HttpRequest

from keyclients.web.accounts import access
from keyclients.web.accounts.models import Membership


def _current_membership(request: HttpRequest) -> Membership | None:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is not None:
        return membership
    try:
        return access.get_membership(request)
    except access.NoCompany:
        return None


def company(request: HttpRequest) -> dict[str, object]:
    """The current membership and the user's companies for the top bar.

    Callables, so that templates load them only where drawn; both are cached per request.
    """
    if not request.user.is_authenticated:
        return {}
    return {
        "current_membership": partial(_current_membership, request),
        "user_memberships": partial(access.user_memberships, request),
    }

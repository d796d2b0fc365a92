"""Who may see and do what, for every view of every app: the current company and the role.

The current company lives in the session. A user without a membership in it falls back to
their first company; a user with no company at all is sent to create one. An object of another
company is a 404 (its existence is not revealed); a role that may not act gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from keyclients.web.accounts import selectors
from keyclients.web.accounts.models import Membership, Role

if TYPE_CHECKING:
    from keyclients.web.accounts.models import User

SESSION_KEY = "keyclients_company_id"

P = ParamSpec("P")


class CompanyRequest(HttpRequest):
    """A request that went through `company_view`: logged in, with a current membership."""

    user: User
    membership: Membership


class NoCompany(Http404):
    """The logged-in user belongs to no company yet."""


def user_memberships(request: HttpRequest) -> list[Membership]:
    """All the user's memberships, loaded once per request (the switcher uses them too)."""
    cached: list[Membership] | None = getattr(request, "_keyclients_memberships", None)
    if cached is None:
        cached = selectors.membership_list_for_user(user=cast("User", request.user))
        request._keyclients_memberships = cached  # type: ignore[attr-defined]
    return cached


def get_membership(request: HttpRequest) -> Membership:
    """The membership in the current company; NoCompany (a 404) when the user has none."""
    memberships = user_memberships(request)
    if not memberships:
        raise NoCompany
    current_id = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if m.company_id == current_id), memberships[0])
    if membership.company_id != current_id:
        request.session[SESSION_KEY] = membership.company_id
    return membership


def switch_company(request: HttpRequest, company_id: int) -> Membership:
    """Make `company_id` current; a company the user is not a member of is a 404."""
    membership = next((m for m in user_memberships(request) if m.company_id == company_id), None)
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.company_id
    return membership


def require_role(request: HttpRequest, *roles: Role) -> Membership:
    """The current membership, or PermissionDenied (403) when its role is not one of `roles`."""
    membership = get_membership(request)
    if roles and membership.role not in roles:
        raise PermissionDenied
    return membership


def get_member(request: CompanyRequest, membership_id: int) -> Membership:
    """A membership of the current company; one of another company is a 404."""
    try:
        return (
            selectors.member_list(company=request.membership.company)
            .select_related("company")
            .get(pk=membership_id)
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a configured proxy (not yet).
    return request.META.get("REMOTE_ADDR") or None


def company_view(
    *, roles: Iterable[Role] = ()
) -> Callable[
    [Callable[Concatenate[CompanyRequest, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, P], HttpResponse],
]:
    """Login required, the current membership in `request.membership`, the role checked.

    With no `roles`, every member of the company may use the view.
    """
    allowed = tuple(roles)

    def decorator(
        view: Callable[Concatenate[CompanyRequest, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            try:
                membership = require_role(request, *allowed)
            except NoCompany:
                return redirect("accounts:company_create")
            company_request = cast(CompanyRequest, request)
            company_request.membership = membership
            return view(company_request, *args, **kwargs)

        return wrapped

    return decorator

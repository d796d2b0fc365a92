"""Who may do what on the forecast and risk pages.

Every member sees the forecast, the risk page and runs what-ifs (nothing is saved). Owners and
finance edit the plan, the opening balance, the reserve and the risk targets (docs/decisions.md).
A planned payment of another company is a 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from keyclients.web.accounts.access import CompanyRequest
from keyclients.web.accounts.models import Membership, Role
from keyclients.web.forecast import selectors
from keyclients.web.forecast.models import PlannedPayment

EDITORS = (Role.OWNER, Role.FINANCE)


def may_edit(membership: Membership) -> bool:
    return membership.role in EDITORS


def get_planned_payment(request: CompanyRequest, pk: int) -> PlannedPayment:
    return get_object_or_404(
        selectors.planned_payment_list(company=request.membership.company), pk=pk
    )

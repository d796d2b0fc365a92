from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from keyclients.web.accounts.access import CompanyRequest, company_view
from keyclients.web.ledger import selectors as ledger_selectors


@company_view()
def overview(request: CompanyRequest) -> HttpResponse:
    counts = ledger_selectors.ledger_counts(company=request.membership.company)
    return render(request, "insights/overview.html", {"counts": counts})

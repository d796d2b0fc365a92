"""The pages around the dossier: a manager's home (`/my/`), the team (`/team/`), privilege tiers
(`/privileges/`), the audit log (`/audit/`) and a new client (`/clients/new/`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.accounts.models import AuditEvent, Role
from keyclients.web.clients import access, forms, services, team
from keyclients.web.clients.models import Contact
from keyclients.web.ledger import access as ledger_access

AUDIT_PER_PAGE = 50
TEAM_ROLES = (Role.OWNER, Role.FINANCE)


@require_GET
@company_view()
def my_clients(request: CompanyRequest) -> HttpResponse:
    """The clients assigned to the member: signals, next steps, birthdays (audited)."""
    home = team.my_home(membership=request.membership, user=request.user)
    if home.birthdays:
        services.personal_viewed(
            contacts=list(
                Contact.objects.filter(
                    company=request.membership.company,
                    pk__in=[b.contact_id for b in home.birthdays],
                ).select_related("company")
            ),
            by=request.user,
            ip=client_ip(request),
            fields=["birthday"],
            where="my",
        )
    return render(request, "clients/my.html", {"home": home, "today": timezone.localdate()})


@require_GET
@company_view(roles=TEAM_ROLES)
def team_page(request: CompanyRequest) -> HttpResponse:
    overview = team.team_overview(company=request.membership.company)
    context = {
        "overview": overview,
        "months_form": forms.HunterMonthsForm(initial={"months": overview.months}),
        "handoff_form": forms.HandoffForm(company_id=request.membership.company_id),
    }
    return render(request, "clients/team.html", context)


@require_POST
@company_view(roles=TEAM_ROLES)
def team_handoff(request: CompanyRequest, pk: int) -> HttpResponse:
    client = ledger_access.get_client(request, pk)
    form = forms.HandoffForm(request.POST, company_id=request.membership.company_id)
    if form.is_valid():
        try:
            services.client_handoff(
                client=client,
                by=request.user,
                farmer=form.cleaned_data["farmer"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(client)s was handed over to %(farmer)s.")
                % {"client": client.name, "farmer": form.cleaned_data["farmer"].get_username()},
            )
    else:
        messages.error(request, _("Choose a farmer to hand the client over to."))
    return redirect("clients:team")


@require_POST
@company_view(roles=[Role.OWNER])
def team_settings(request: CompanyRequest) -> HttpResponse:
    form = forms.HunterMonthsForm(request.POST)
    if form.is_valid():
        services.hunter_months_set(
            company=request.membership.company, months=form.cleaned_data["months"]
        )
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Give a number of months from 1 to 60."))
    return redirect("clients:team")


@require_GET
@company_view(roles=[Role.OWNER])
def audit_log(request: CompanyRequest) -> HttpResponse:
    company = request.membership.company
    form = forms.AuditFilterForm(request.GET or None, company_id=company.pk)
    events = AuditEvent.objects.filter(company=company).select_related("user")
    if form.is_valid():
        data = form.cleaned_data
        if data["user"] is not None:
            events = events.filter(user_id=data["user"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    page = Paginator(events.order_by("-created_at", "-pk"), AUDIT_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "clients/audit.html", context)


@require_GET
@company_view()
def privileges_page(request: CompanyRequest) -> HttpResponse:
    rows, period = team.tier_overview(company=request.membership.company)
    context = {
        "rows": rows,
        "period": period,
        "may_edit": request.membership.role in access.PRIVILEGE_ROLES,
    }
    return render(request, "clients/privileges.html", context)


def _tier_form(request: CompanyRequest, form: Any, title: str, status: int = 200) -> HttpResponse:
    return render(request, "clients/tier_form.html", {"form": form, "title": title}, status=status)


@require_http_methods(["GET", "POST"])
@company_view(roles=TEAM_ROLES)
def tier_new(request: CompanyRequest) -> HttpResponse:
    form = forms.TierForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tier_create(company=request.membership.company, data=form.data_object())
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            return redirect("clients:privileges")
    status = 400 if request.method == "POST" else 200
    return _tier_form(request, form, _("New privilege tier"), status)


@require_http_methods(["GET", "POST"])
@company_view(roles=TEAM_ROLES)
def tier_edit(request: CompanyRequest, tier_id: int) -> HttpResponse:
    tier = access.get_tier(request, tier_id)
    form = forms.TierForm(
        request.POST if request.method == "POST" else None,
        initial=forms.model_initial(tier, forms.TIER_FIELDS),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tier_update(tier=tier, data=form.data_object())
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            return redirect("clients:privileges")
    status = 400 if request.method == "POST" else 200
    return _tier_form(request, form, tier.name, status)


@require_POST
@company_view(roles=TEAM_ROLES)
def tier_member_add(request: CompanyRequest, tier_id: int) -> HttpResponse:
    tier = access.get_tier(request, tier_id)
    form = forms.TierMemberForm(request.POST, company_id=request.membership.company_id)
    if not form.is_valid():
        messages.error(request, _("Choose a client of the company."))
        return redirect("clients:privileges")
    client = form.cleaned_data["client"]
    services.client_tier_set(client=client, by=request.user, tier=tier)
    messages.success(
        request, _("%(client)s joined %(tier)s.") % {"client": client.name, "tier": tier.name}
    )
    return redirect("clients:privileges")


@require_http_methods(["GET", "POST"])
@company_view(roles=[Role.OWNER, Role.FINANCE, Role.MANAGER])
def client_new(request: CompanyRequest) -> HttpResponse:
    form = forms.NewClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create_by(
                membership=request.membership,
                name=form.cleaned_data["name"],
                inn=form.cleaned_data["inn"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            return redirect("insights:client_detail", pk=client.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "clients/client_new.html", {"form": form}, status=status)

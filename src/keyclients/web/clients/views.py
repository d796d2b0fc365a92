"""The dossier tabs of the client card: access helper -> selector/service -> render.

Each tab is a URL of its own (`/clients/<id>/dossier/<tab>/`). Asked by HTMX (from the card),
it answers with the tab's panel and the tab bar out of band; opened directly (no JavaScript),
it is a page of its own. Forms post to their own URL and redirect to their tab after saving;
a refused form comes back with status 422, which the card's script swaps in like a 200.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.clients import access, forms, selectors, services
from keyclients.web.clients.access import Dossier
from keyclients.web.clients.models import BuyingRole
from keyclients.web.clients.stakeholders import Person, stakeholder_map

TABS = (
    ("general", _("General")),
    ("financial", _("Financial")),
    ("contacts", _("Contacts")),
    ("interactions", _("Interactions")),
    ("needs", _("Needs")),
    ("plan", _("Plan")),
    ("privileges", _("Privileges")),
    ("history", _("History")),
)
INVALID = 422  # a refused form; the card's script swaps it in (htmx skips 4xx by default)


def _htmx(request: CompanyRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _render(
    request: CompanyRequest,
    dossier: Dossier,
    tab: str,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    fragment: bool = False,
) -> HttpResponse:
    """A tab's panel for HTMX (with the tab bar out of band, or alone as a `fragment`), or the
    same panel as a page of its own."""
    context = {
        "dossier": dossier,
        "client": dossier.client,
        "tab": tab,
        "tabs": TABS,
        "panel": template,
        **context,
    }
    if _htmx(request):
        page = template if fragment else "clients/_panel.html"
    else:
        page = "clients/dossier_page.html"
    return render(request, page, context, status=status)


def _tab_url(dossier: Dossier, tab: str) -> str:
    return reverse("clients:tab", args=[dossier.client.pk, tab])


# --- Tabs -----------------------------------------------------------------------------------


def _general(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    return {"profile": selectors.profile_get(client=dossier.client)}


def _financial(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    return {
        "profile": selectors.profile_get(client=dossier.client),
        "receivables": selectors.client_receivables(client=dossier.client),
    }


def _contacts(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    contacts = selectors.contact_list(client=dossier.client)
    people = [
        Person(
            pk=c.pk,
            name=c.full_name,
            position=c.position,
            attitude=c.attitude,
            influence=c.influence,
            decision_maker=c.buying_role == BuyingRole.DECISION_MAKER,
            reports_to=c.reports_to_id,
        )
        for c in contacts
        if c.active
    ]
    return {
        "contacts": contacts,
        "warnings": selectors.contact_warnings(client=dossier.client, contacts=contacts),
        "map": stakeholder_map(people) if people else None,
    }


def _interactions(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    return {"interactions": selectors.interaction_list(client=dossier.client)}


def _needs(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    return {"needs": selectors.need_list(client=dossier.client)}


def _plan(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    return {"plans": selectors.plan_list(client=dossier.client)}


def _privileges(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    profile = selectors.profile_get(client=dossier.client)
    return {"privileges": selectors.client_privileges(client=dossier.client, profile=profile)}


def _history(request: CompanyRequest, dossier: Dossier) -> dict[str, Any]:
    page, rows = selectors.change_page(client=dossier.client, page=request.GET.get("page"))
    return {"page": page, "changes": rows}


TAB_CONTEXT: dict[str, Callable[[CompanyRequest, Dossier], dict[str, Any]]] = {
    "general": _general,
    "financial": _financial,
    "contacts": _contacts,
    "interactions": _interactions,
    "needs": _needs,
    "plan": _plan,
    "privileges": _privileges,
    "history": _history,
}


@require_GET
@company_view()
def tab(request: CompanyRequest, pk: int, name: str) -> HttpResponse:
    dossier = access.get_dossier(request, pk)
    build = TAB_CONTEXT.get(name)
    if build is None:
        raise Http404
    return _render(request, dossier, name, f"clients/tab_{name}.html", build(request, dossier))


# --- Editing --------------------------------------------------------------------------------


def _edit(
    request: CompanyRequest,
    dossier: Dossier,
    *,
    tab: str,
    form: Any,
    title: str,
    save: Callable[[Any], object],
    danger: str | None = None,
) -> HttpResponse:
    """Show the form; on a valid post save it through `save` and go back to the tab."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            return redirect(_tab_url(dossier, tab))
    context = {"form": form, "title": title, "action": request.path, "danger": danger}
    status = INVALID if request.method == "POST" else 200
    return _render(request, dossier, tab, "clients/_form.html", context, status=status)


def _posted(request: CompanyRequest) -> Any:
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
@company_view()
def general_edit(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    client = dossier.client
    form = forms.GeneralForm(
        _posted(request),
        initial=forms.general_initial(client, selectors.profile_get(client=client)),
        client=client,
        may_set_hunter=dossier.may_set_privileges,
    )
    return _edit(
        request,
        dossier,
        tab="general",
        form=form,
        title=str(_("General")),
        save=lambda f: services.client_general_update(
            client=client,
            by=request.user,
            data=f.data_object(),
            hunter=f.cleaned_data.get("hunter"),
            set_hunter=dossier.may_set_privileges,
        ),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def financial_edit(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    client = dossier.client
    form = forms.FinancialForm(
        _posted(request),
        initial=forms.financial_initial(client, selectors.profile_get(client=client)),
    )
    return _edit(
        request,
        dossier,
        tab="financial",
        form=form,
        title=str(_("Financial")),
        save=lambda f: services.client_financial_update(
            client=client, by=request.user, data=f.data_object()
        ),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def contact_new(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    form = forms.ContactForm(_posted(request), client=dossier.client, contact=None)
    return _edit(
        request,
        dossier,
        tab="contacts",
        form=form,
        title=str(_("New contact")),
        save=lambda f: services.contact_create(
            client=dossier.client, by=request.user, data=f.data_object()
        ),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def contact_edit(request: CompanyRequest, pk: int, contact_id: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    contact = access.get_contact(dossier, contact_id)
    form = forms.ContactForm(
        _posted(request),
        initial=forms.contact_initial(contact),
        client=dossier.client,
        contact=contact,
    )
    return _edit(
        request,
        dossier,
        tab="contacts",
        form=form,
        title=contact.full_name,
        save=lambda f: services.contact_update(
            contact=contact, by=request.user, data=f.data_object()
        ),
    )


# --- Personal data --------------------------------------------------------------------------


@require_GET
@company_view()
def personal(request: CompanyRequest, pk: int, contact_id: int) -> HttpResponse:
    """The contact's personal fields and their history: each showing is one audit event."""
    dossier = access.get_dossier_personal(request, pk)
    contact = access.get_contact(dossier, contact_id)
    data = selectors.personal_get(contact=contact)
    changes = selectors.personal_history(contact=contact)
    services.personal_viewed(contacts=[contact], by=request.user, ip=client_ip(request))
    context = {"contact": contact, "personal": data, "personal_changes": changes}
    return _render(request, dossier, "contacts", "clients/_personal.html", context, fragment=True)


@require_http_methods(["GET", "POST"])
@company_view()
def personal_edit(request: CompanyRequest, pk: int, contact_id: int) -> HttpResponse:
    dossier = access.get_dossier_personal(request, pk)
    contact = access.get_contact(dossier, contact_id)
    initial: dict[str, Any] = {}
    if request.method == "GET":
        # The form shows the stored values: a view of personal data like any other.
        initial = forms.personal_initial(selectors.personal_get(contact=contact))
        services.personal_viewed(
            contacts=[contact], by=request.user, ip=client_ip(request), where="edit"
        )
    form = forms.PersonalForm(_posted(request), initial=initial)
    return _edit(
        request,
        dossier,
        tab="contacts",
        form=form,
        title=str(_("Personal data of %(name)s") % {"name": contact.full_name}),
        save=lambda f: services.personal_update(
            contact=contact, by=request.user, ip=client_ip(request), data=f.data_object()
        ),
    )


@require_POST
@company_view()
def personal_erase(request: CompanyRequest, pk: int, contact_id: int) -> HttpResponse:
    dossier = access.get_dossier_personal(request, pk)
    contact = access.get_contact(dossier, contact_id)
    services.personal_erase(contact=contact, by=request.user, ip=client_ip(request))
    return redirect(_tab_url(dossier, "contacts"))


# --- Interactions ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_view()
def interaction_new(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    form = forms.InteractionForm(
        _posted(request),
        initial={"our_people": [request.user.pk]},
        client=dossier.client,
        interaction=None,
    )
    return _edit(
        request,
        dossier,
        tab="interactions",
        form=form,
        title=str(_("Log an interaction")),
        save=lambda f: services.interaction_create(
            client=dossier.client, by=request.user, data=f.data_object()
        ),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def interaction_edit(request: CompanyRequest, pk: int, interaction_id: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    interaction = access.get_interaction(dossier, interaction_id)
    form = forms.InteractionForm(
        _posted(request),
        initial=forms.interaction_initial(interaction),
        client=dossier.client,
        interaction=interaction,
    )
    return _edit(
        request,
        dossier,
        tab="interactions",
        form=form,
        title=str(_("Interaction")),
        save=lambda f: services.interaction_update(
            interaction=interaction, by=request.user, data=f.data_object()
        ),
    )


@require_POST
@company_view()
def interaction_done(request: CompanyRequest, pk: int, interaction_id: int) -> HttpResponse:
    """Mark the next step done; back to where it was marked (the tab or `/my/`)."""
    dossier = access.get_dossier_for_edit(request, pk)
    interaction = access.get_interaction(dossier, interaction_id)
    services.interaction_next_step_done(interaction=interaction, by=request.user)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect(_tab_url(dossier, "interactions"))


# --- Needs and plans ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_view()
def need_new(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    return _edit(
        request,
        dossier,
        tab="needs",
        form=forms.NeedForm(_posted(request)),
        title=str(_("New need")),
        save=lambda f: services.need_create(
            client=dossier.client, by=request.user, data=f.data_object()
        ),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def need_edit(request: CompanyRequest, pk: int, need_id: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    need = access.get_need(dossier, need_id)
    return _edit(
        request,
        dossier,
        tab="needs",
        form=forms.NeedForm(_posted(request), initial=forms.model_initial(need, forms.NEED_FIELDS)),
        title=need.need,
        save=lambda f: services.need_update(need=need, by=request.user, data=f.data_object()),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def plan_new(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    return _edit(
        request,
        dossier,
        tab="plan",
        form=forms.PlanForm(_posted(request)),
        title=str(_("New account plan")),
        save=lambda f: services.plan_create(
            client=dossier.client, by=request.user, data=f.data_object()
        ),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def plan_edit(request: CompanyRequest, pk: int, plan_id: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    plan = access.get_plan(dossier, plan_id)
    return _edit(
        request,
        dossier,
        tab="plan",
        form=forms.PlanForm(_posted(request), initial=forms.model_initial(plan, forms.PLAN_FIELDS)),
        title=str(_("Account plan")),
        save=lambda f: services.plan_update(plan=plan, by=request.user, data=f.data_object()),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def objective_new(request: CompanyRequest, pk: int, plan_id: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    plan = access.get_plan(dossier, plan_id)
    return _edit(
        request,
        dossier,
        tab="plan",
        form=forms.ObjectiveForm(_posted(request), company_id=dossier.company_id),
        title=str(_("New objective")),
        save=lambda f: services.objective_create(plan=plan, by=request.user, data=f.data_object()),
    )


@require_http_methods(["GET", "POST"])
@company_view()
def objective_edit(request: CompanyRequest, pk: int, objective_id: int) -> HttpResponse:
    dossier = access.get_dossier_for_edit(request, pk)
    objective = access.get_objective(dossier, objective_id)
    return _edit(
        request,
        dossier,
        tab="plan",
        form=forms.ObjectiveForm(
            _posted(request),
            initial=forms.model_initial(objective, forms.OBJECTIVE_FIELDS),
            company_id=dossier.company_id,
        ),
        title=objective.title,
        save=lambda f: services.objective_update(
            objective=objective, by=request.user, data=f.data_object()
        ),
    )


# --- Privileges -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_view()
def privileges_edit(request: CompanyRequest, pk: int) -> HttpResponse:
    dossier = access.get_dossier_privileges(request, pk)
    profile = selectors.profile_get(client=dossier.client)
    form = forms.ClientTierForm(
        _posted(request),
        initial={
            "tier": profile.tier_id if profile else None,
            "since": profile.tier_since if profile else None,
        },
        company_id=dossier.company_id,
    )
    return _edit(
        request,
        dossier,
        tab="privileges",
        form=form,
        title=str(_("Privilege tier")),
        save=lambda f: services.client_tier_set(
            client=dossier.client,
            by=request.user,
            tier=f.cleaned_data["tier"],
            since=f.cleaned_data["since"],
        ),
    )

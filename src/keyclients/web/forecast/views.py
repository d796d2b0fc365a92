"""The cash forecast page with its what-ifs, the plan editor and plan files, the risk page, and
the two cards other pages load (overview, client card). Access -> selector/service -> render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from keyclients.core.analytics.cashflow import BASE, Delay, Loss, Scenario
from keyclients.core.words import headline, hhi_plan_words, scenario_words, top1_plan_words
from keyclients.web.accounts.access import CompanyRequest, company_view
from keyclients.web.forecast import access, charts, selectors, services
from keyclients.web.forecast.forms import (
    CashSettingsForm,
    PlannedPaymentForm,
    PlanUploadForm,
    RiskTargetsForm,
    ScenarioChoice,
    ScenarioForm,
)
from keyclients.web.forecast.selectors import ForecastData
from keyclients.web.insights.charts import embed_options
from keyclients.web.ledger import access as ledger_access

PLAN_PER_PAGE = 25
PREVIEW_SESSION_KEY = "forecast_plan_preview"


def _language() -> str:
    return (get_language() or "ru").split("-")[0]


# --- The forecast and its what-ifs -----------------------------------------------------------


def _scenario(data: ForecastData, choice: ScenarioChoice) -> tuple[Scenario, list[int]]:
    """The core's scenario for the chosen client ids; ids outside the cash basis are left
    out (returned second), as they change nothing in it."""
    ids = [pk for pk, _days in choice.delays] + [pk for pk, _from, _off in choice.losses]
    if not ids:
        return BASE, []
    keys = selectors.client_keys_by_id(data=data, ids=ids)
    assert data.basis is not None
    known = set(data.basis.clients.get_column("client_key").to_list())
    usable = {pk: key for pk, key in keys.items() if key in known}
    scenario = Scenario(
        delays=tuple(Delay(usable[pk], days) for pk, days in choice.delays if pk in usable),
        losses=tuple(
            Loss(usable[pk], from_date, write_off)
            for pk, from_date, write_off in choice.losses
            if pk in usable
        ),
    )
    return scenario, [pk for pk in ids if pk not in usable]


def _result_context(request: CompanyRequest, data: ForecastData) -> dict[str, Any]:
    """What the result area shows: the base forecast, the what-if's when one is asked, both
    headlines, the charts and the probability of a gap. The base comes from the cached
    `forecast_view`; the cash basis is read only for a what-if."""
    language = _language()
    view = selectors.forecast_view(data=data)
    # The lists show the view's first clients; a query naming a client is checked against
    # all of the basis's.
    if view is not None and ScenarioForm.names_a_client(request.GET):
        clients = selectors.scenario_clients(data=data)
    else:
        clients = list(view.clients) if view is not None else []
    form = ScenarioForm(request.GET or None, clients=[(pk, name) for pk, name, _ in clients])
    context: dict[str, Any] = {"scenario_form": form, "view": view}
    if view is None:
        return context
    base = view.base
    scenario_forecast = None
    scenario_simulation = None
    scenario, left_out = _scenario(data, form.choice())
    if not scenario.is_base:
        try:
            scenario_forecast = selectors.forecast_for(data=data, scenario=scenario)
            scenario_simulation = selectors.simulation_for(data=data, scenario=scenario)
        except ValueError as refused:  # the core's own check; the form prevents most
            context["scenario_error"] = str(refused)
    keys = [d.client_key for d in scenario.delays] + [loss.client_key for loss in scenario.losses]
    names = selectors.client_names(data=data, keys=keys)
    context.update(
        {
            "base": base,
            "base_headline": headline(base, language),
            "base_simulation": view.simulation,
            "scenario": scenario_forecast,
            "scenario_headline": headline(scenario_forecast, language) if scenario_forecast else "",
            "scenario_simulation": scenario_simulation,
            "scenario_words": scenario_words(
                scenario, names, view.first_day, language, long_dates=True
            ),
            "left_out": left_out,
            "charts": charts.forecast_charts(base, scenario_forecast, language=language),
        }
    )
    return context


def _forecast_page(
    request: CompanyRequest,
    *,
    settings_form: CashSettingsForm | None = None,
    payment_form: PlannedPaymentForm | None = None,
    upload_form: PlanUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = request.membership.company
    data = selectors.forecast_data(company=company)
    settings = data.settings
    page = Paginator(list(data.plan), PLAN_PER_PAGE).get_page(request.GET.get("page"))
    context = _result_context(request, data)
    context.update(
        {
            "data": data,
            "settings": settings,
            "may_edit": access.may_edit(request.membership),
            "plan_page": page,
            "settings_form": settings_form
            or CashSettingsForm(
                initial={
                    "opening_balance": settings.opening_balance,
                    "balance_date": settings.balance_date,
                    "reserve": settings.reserve,
                    "horizon_days": settings.horizon_days,
                }
            ),
            "payment_form": payment_form or PlannedPaymentForm(),
            "upload_form": upload_form or PlanUploadForm(),
            "chart_options": embed_options(_language()),
        }
    )
    return render(request, "forecast/forecast.html", context, status=status)


@require_GET
@company_view()
def forecast(request: CompanyRequest) -> HttpResponse:
    return _forecast_page(request)


@require_GET
@company_view()
def forecast_scenario(request: CompanyRequest) -> HttpResponse:
    """The result area alone, for the what-if form (HTMX): nothing is saved, and the address
    bar gets the full page's address of the same what-if, so it can be shared or reloaded.
    Opened without HTMX (a new tab), it sends the browser to that full page."""
    query = request.GET.urlencode()
    page = reverse("forecast:forecast") + (f"?{query}" if query else "")
    if request.headers.get("HX-Request") != "true":
        return redirect(page)
    data = selectors.forecast_data(company=request.membership.company)
    context = _result_context(request, data)
    response = render(request, "forecast/_result.html", context)
    response["HX-Push-Url"] = page
    return response


@require_POST
@company_view(roles=access.EDITORS)
def cash_settings(request: CompanyRequest) -> HttpResponse:
    form = CashSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.cash_settings_update(
                company=request.membership.company, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The opening balance and the reserve were saved."))
            return redirect("forecast:forecast")
    return _forecast_page(request, settings_form=form, status=400)


# --- The plan --------------------------------------------------------------------------------


@require_POST
@company_view(roles=access.EDITORS)
def plan_add(request: CompanyRequest) -> HttpResponse:
    form = PlannedPaymentForm(request.POST)
    if form.is_valid():
        try:
            services.planned_payment_create(
                company=request.membership.company, user=request.user, **form.values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The planned payment was added."))
            return redirect(reverse("forecast:forecast") + "#plan")
    return _forecast_page(request, payment_form=form, status=400)


@require_http_methods(["GET", "POST"])
@company_view(roles=access.EDITORS)
def plan_edit(request: CompanyRequest, pk: int) -> HttpResponse:
    payment = access.get_planned_payment(request, pk)
    if request.method == "POST":
        form = PlannedPaymentForm(request.POST)
        if form.is_valid():
            try:
                services.planned_payment_update(payment=payment, user=request.user, **form.values())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The planned payment was saved."))
                return redirect(reverse("forecast:forecast") + "#plan")
        payment.refresh_from_db()
        status = 400
    else:
        form = PlannedPaymentForm(
            initial={
                "date": payment.date,
                "amount": payment.amount,
                "category": payment.category,
                "repeat": payment.repeat,
                "until": payment.until,
                "note": payment.note,
            }
        )
        status = 200
    context = {"payment": payment, "form": form}
    return render(request, "forecast/plan_edit.html", context, status=status)


@require_POST
@company_view(roles=access.EDITORS)
def plan_delete(request: CompanyRequest, pk: int) -> HttpResponse:
    payment = access.get_planned_payment(request, pk)
    services.planned_payment_delete(payment=payment, user=request.user)
    messages.success(request, _("The planned payment was removed."))
    return redirect(reverse("forecast:forecast") + "#plan")


@require_POST
@company_view(roles=access.EDITORS)
def plan_upload(request: CompanyRequest) -> HttpResponse:
    form = PlanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _forecast_page(request, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        preview = services.plan_preview(content=upload.read(), file_name=upload.name or "")
    except services.PlanRefused as refused:
        form.add_error("file", str(refused))
        return _forecast_page(request, upload_form=form, status=400)
    request.session[PREVIEW_SESSION_KEY] = {
        "company_id": request.membership.company_id,
        "replace": form.cleaned_data["replace"],
        "preview": preview.to_dict(),
    }
    return redirect("forecast:plan_import")


def _stored_preview(request: CompanyRequest) -> tuple[services.PlanPreview, bool] | None:
    """The plan file this user previewed for the current company, and its replace choice."""
    stored = request.session.get(PREVIEW_SESSION_KEY)
    if not stored or stored.get("company_id") != request.membership.company_id:
        return None
    return services.PlanPreview.from_dict(stored["preview"]), bool(stored["replace"])


@require_GET
@company_view(roles=access.EDITORS)
def plan_import(request: CompanyRequest) -> HttpResponse:
    stored = _stored_preview(request)
    if stored is None:
        messages.info(request, _("Upload a plan file to preview it."))
        return redirect(reverse("forecast:forecast") + "#plan")
    preview, replace = stored
    rejected = Paginator(preview.rejected, 100).get_page(request.GET.get("page"))
    context = {
        "preview": preview,
        "replace": replace,
        "rejected_page": rejected,
        "rejected_rows": len({r["row"] for r in preview.rejected}),
        "existing": len(selectors.planned_payment_list(company=request.membership.company)),
    }
    return render(request, "forecast/plan_import.html", context)


@require_POST
@company_view(roles=access.EDITORS)
def plan_import_confirm(request: CompanyRequest) -> HttpResponse:
    stored = _stored_preview(request)
    if stored is None:
        messages.info(request, _("Upload a plan file to preview it."))
        return redirect(reverse("forecast:forecast") + "#plan")
    preview, replace = stored
    try:
        created = services.plan_import(
            company=request.membership.company, user=request.user, preview=preview, replace=replace
        )
    except services.PlanRefused as refused:
        messages.error(request, str(refused))
        return redirect("forecast:plan_import")
    del request.session[PREVIEW_SESSION_KEY]
    messages.success(
        request, _("%(count)s planned payment(s) were imported.") % {"count": len(created)}
    )
    return redirect(reverse("forecast:forecast") + "#plan")


@require_POST
@company_view(roles=access.EDITORS)
def plan_import_cancel(request: CompanyRequest) -> HttpResponse:
    request.session.pop(PREVIEW_SESSION_KEY, None)
    return redirect(reverse("forecast:forecast") + "#plan")


# --- Risk ------------------------------------------------------------------------------------


def _risk_page(
    request: CompanyRequest, *, targets_form: RiskTargetsForm | None = None, status: int = 200
) -> HttpResponse:
    data = selectors.forecast_data(company=request.membership.company)
    risk = selectors.risk_data(data=data)
    settings = data.settings
    language = _language()
    context: dict[str, Any] = {
        "data": data,
        "risk": risk,
        "settings": settings,
        "may_edit": access.may_edit(request.membership),
        "targets_form": targets_form
        or RiskTargetsForm(
            initial={
                "target_top1_percent": format((settings.target_top1_share * 100).normalize(), "f"),
                "target_hhi": settings.target_hhi,
                "gross_margin_percent": settings.gross_margin_percent,
            }
        ),
    }
    if risk is not None:
        context.update(
            {
                "top1_words": top1_plan_words(risk.plan, language),
                "hhi_words": hhi_plan_words(risk.plan, language),
                "key_rows": risk.key_clients.to_dicts(),
                "periods": selectors.risk_periods(as_of=risk.as_of),
            }
        )
    return render(request, "forecast/risk.html", context, status=status)


@require_GET
@company_view()
def risk(request: CompanyRequest) -> HttpResponse:
    return _risk_page(request)


@require_POST
@company_view(roles=access.EDITORS)
def risk_targets(request: CompanyRequest) -> HttpResponse:
    form = RiskTargetsForm(request.POST)
    if form.is_valid():
        try:
            services.risk_targets_update(
                company=request.membership.company,
                user=request.user,
                target_top1_share=form.target_top1_share(),
                target_hhi=form.cleaned_data["target_hhi"],
                gross_margin_percent=form.cleaned_data["gross_margin_percent"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The targets were saved."))
            return redirect("forecast:risk")
    return _risk_page(request, targets_form=form, status=400)


# --- Cards on other pages --------------------------------------------------------------------


@require_GET
@company_view()
def overview_card(request: CompanyRequest) -> HttpResponse:
    """The cash-gap card of the overview dashboard (loaded after the page)."""
    data = selectors.forecast_data(company=request.membership.company)
    context: dict[str, Any] = {"data": data}
    view = selectors.forecast_view(data=data)
    if view is not None:
        context.update({"base": view.base, "base_headline": headline(view.base, _language())})
    return render(request, "forecast/_overview_card_body.html", context)


@require_GET
@company_view()
def client_card(request: CompanyRequest, pk: int) -> HttpResponse:
    """ "What if we lose this client" on the client card (loaded after the page): its row of
    the stress test and the forecast with it gone from the day after the balance date."""
    client = ledger_access.get_client(request, pk)
    data = selectors.forecast_data(company=request.membership.company)
    risk = selectors.risk_data(data=data)
    row = None
    if risk is not None:
        rows = risk.stress.clients.filter(risk.stress.clients["client_key"] == client.key)
        row = rows.row(0, named=True) if rows.height else None
    context: dict[str, Any] = {"client": client, "data": data, "risk": risk, "row": row}
    if data.basis is not None:
        known = client.key in set(data.basis.clients.get_column("client_key").to_list())
        context["in_forecast"] = known
        if known:
            lost = selectors.forecast_for(data=data, scenario=Scenario(losses=(Loss(client.key),)))
            context.update({"lost": lost, "lost_headline": headline(lost, _language())})
    return render(request, "forecast/_client_card_body.html", context)

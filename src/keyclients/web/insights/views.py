"""Overview dashboard, clients list (and its XLSX), client card, receivables.
Access -> selector -> render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from keyclients.core.analytics.receivables import PAYMENTS_IGNORED
from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.accounts.models import Role
from keyclients.web.clients import services as dossier_services
from keyclients.web.insights import access, charts, exports, kaism_views, selectors, services
from keyclients.web.insights import receivables as receivables_selectors
from keyclients.web.insights.forms import (
    AsOfForm,
    ClientFilterForm,
    ClientForm,
    LossRatesForm,
    PayerAssignForm,
    PeriodForm,
)
from keyclients.web.insights.periods import Period, ltm_period
from keyclients.web.ledger import access as ledger_access
from keyclients.web.ledger import payments as ledger_payments
from keyclients.web.ledger import selectors as ledger_selectors
from keyclients.web.ledger.models import Client, ClientStatus

CLIENTS_PER_PAGE = 50
RECEIVABLES_PER_PAGE = 25
OVERDUE_PER_PAGE = 15
PAYERS_PER_PAGE = 20
# Owners and finance set the loss rates and assign payers; every member sees receivables.
RECEIVABLES_EDITORS = (Role.OWNER, Role.FINANCE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _language() -> str:
    return (get_language() or "ru").split("-")[0]


def _period(request: CompanyRequest, sales: selectors.CompanySales) -> tuple[PeriodForm, Period]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, months=sales.months, today=today)
    # Without sales every period is empty; the months up to today stand in for LTM.
    period = form.resolved() or ltm_period([today], today=today)
    assert period is not None
    return form, period


@require_GET
@company_view()
def overview(request: CompanyRequest) -> HttpResponse:
    company = request.membership.company
    sales = selectors.company_sales(company=company)
    if sales.is_empty:
        counts = ledger_selectors.ledger_counts(company=company)
        return render(request, "insights/overview_empty.html", {"counts": counts})
    form, period = _period(request, sales)
    data = selectors.overview(
        sales=sales, period=period, settings=selectors.concentration_settings(company=company)
    )
    context = {
        "form": form,
        "data": data,
        "figures": data.figures,
        "charts": charts.overview_charts(data, language=_language()),
        "chart_options": charts.embed_options(_language()),
        **kaism_views.overview_context(request, sales),
    }
    return render(request, "insights/overview.html", context)


def _client_rows(request: CompanyRequest) -> dict[str, Any]:
    """The clients list as the request asks for it: period, filters, sort (not paginated)."""
    company = request.membership.company
    sales = selectors.company_sales(company=company)
    period_form, period = _period(request, sales)
    managers = selectors.manager_choices(company=company, assignable=False)
    filter_form = ClientFilterForm(request.GET, managers=managers)
    filters = filter_form.filters()
    kaism = kaism_views.list_context(request, sales)
    rows = selectors.client_list(
        sales=sales,
        period=period,
        settings=selectors.concentration_settings(company=company),
        filters=filters,
        annotations=kaism.pop("annotations"),
    )
    rows = ledger_access.visible_client_rows(request.membership, rows)  # no other's clients
    return {
        "sales": sales,
        "form": period_form,
        "period": period,
        "filter_form": filter_form,
        "filters": filters,
        "rows": rows,
        **kaism,
    }


# The sortable columns in table order: ?sort= key, header, first click sorts descending.
SORTABLE_COLUMNS = [
    ("rank", _lazy("Rank"), False, True),
    ("name", _lazy("Client"), False, False),
    ("revenue", _lazy("Revenue"), True, True),
    ("share", _lazy("Share"), True, True),
    ("growth", _lazy("Growth"), True, True),
    ("first_sale", _lazy("First sale"), False, False),
    ("last_sale", _lazy("Last sale"), True, False),
]


def _sort_columns(
    current: str, sortable: list[tuple[str, Any, bool, bool]] | None = None
) -> list[dict[str, Any]]:
    """Header links: a click on the sorted column reverses it, on another sorts by it."""
    descending, key = current.startswith("-"), current.lstrip("-")
    columns = []
    for name, label, descending_first, is_number in sortable or SORTABLE_COLUMNS:
        if name == key:
            state = "descending" if descending else "ascending"
            next_sort = name if descending else f"-{name}"
        else:
            state, next_sort = "", f"-{name}" if descending_first else name
        columns.append(
            {"key": name, "label": label, "next": next_sort, "state": state, "number": is_number}
        )
    return columns


@require_GET
@company_view()
def client_list(request: CompanyRequest) -> HttpResponse:
    context = _client_rows(request)
    rows = context.pop("rows")
    # Paginate the row numbers; the page's rows are then one slice of the frame.
    page = Paginator(range(rows.height), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    numbers = page.object_list
    statuses = dict(ClientStatus.choices)
    context["page"] = page
    context["clients"] = [
        {
            **row,
            **kaism_views.list_row_words(row),
            "status_label": statuses.get(row["status"], row["status"]),
        }
        for row in rows[numbers.start : numbers.stop].to_dicts()
    ]
    context["sort_columns"] = _sort_columns(context["filters"].sort)
    return render(request, "insights/client_list.html", context)


@require_GET
@company_view()
def client_export(request: CompanyRequest) -> HttpResponse:
    context = _client_rows(request)
    period: Period = context["period"]
    content = exports.client_list_xlsx(
        context["rows"], period=period, currency=request.membership.company.currency
    )
    services.client_list_export_record(
        company=request.membership.company,
        user=request.user,
        ip=client_ip(request),
        rows=context["rows"].height,
        date_from=period.date_from.isoformat(),
        date_to=period.date_to.isoformat(),
        query=request.GET.urlencode(),
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"clients-{period.date_from:%Y-%m}-{period.date_to:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _save_client(request: CompanyRequest, form: ClientForm, client: Client) -> bool:
    """Save a valid form through the service; its refusals become form errors."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        with dossier_services.client_changes_recorded(client=client, by=request.user):
            services.client_update(
                client=client,
                name=data["name"],
                inn=data["inn"],
                industry=data["industry"],
                size=data["size"],
                regions=data["regions"],
                status=data["status"],
                manager_id=data["manager"],
            )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("The client was saved."))
    return True


@require_http_methods(["GET", "POST"])
@company_view()
def client_detail(request: CompanyRequest, pk: int) -> HttpResponse:
    posted = request.method == "POST"
    client_access = (access.get_client_for_edit if posted else access.get_client)(request, pk)
    client = client_access.client
    company = request.membership.company
    form = ClientForm.for_client(
        client,
        request.POST if posted else None,
        managers=selectors.manager_choices(company=company) if client_access.may_edit else [],
        may_assign=client_access.may_assign,
    )
    if posted and _save_client(request, form, client):
        return HttpResponseRedirect(request.get_full_path())
    sales = selectors.company_sales(company=company)
    period_form, period = _period(request, sales)
    figures = selectors.client_figures(
        sales=sales,
        client=client,
        period=period,
        settings=selectors.concentration_settings(company=company),
    )
    discipline = _client_discipline(request, sales, client)
    client_charts = charts.client_charts(figures, language=_language())
    if discipline is not None:
        client_charts["days_late"] = charts.days_late_chart(
            discipline.history, language=_language()
        )
    context = {
        "client": client,
        "discipline": discipline,
        "access": client_access,
        "client_form": form,
        "form": period_form,
        "period": period,
        "figures": figures,
        "manager_name": None
        if client_access.may_edit
        else selectors.client_manager_name(client=client),
        "charts": client_charts,
        "chart_options": charts.embed_options(_language()),
        **kaism_views.card_context(request, client_access, sales),
    }
    return render(request, "insights/client_detail.html", context, status=400 if posted else 200)


def _client_discipline(
    request: CompanyRequest, sales: selectors.CompanySales, client: Client
) -> receivables_selectors.ClientDiscipline | None:
    """The client's payment discipline at the receivables page's default date (None: the
    company has no documents to settle)."""
    company = request.membership.company
    span = receivables_selectors.receivables_span(sales=sales)
    if not span.has_lines:
        return None
    data = receivables_selectors.receivables(
        sales=sales,
        as_of=receivables_selectors.default_as_of(span=span, today=timezone.localdate()),
        settings=receivables_selectors.receivables_settings(company=company),
    )
    return receivables_selectors.client_discipline(sales=sales, data=data, client_key=client.key)


# --- Receivables ----------------------------------------------------------------------------

# gettext_lazy by its name: makemessages does not know the `_lazy` alias.
RECEIVABLES_COLUMNS = [
    ("client", gettext_lazy("Client"), False, False),
    ("outstanding", gettext_lazy("Outstanding"), True, True),
    ("overdue", gettext_lazy("Overdue"), True, True),
    *((bucket, label, True, True) for bucket, label in charts.BUCKET_LABELS.items()),
    ("avg_days_late", gettext_lazy("Avg days late"), True, True),
    ("share_paid_late", gettext_lazy("Paid late"), True, True),
    ("max_days_late", gettext_lazy("Worst, days"), True, True),
    ("ecl", gettext_lazy("Expected loss"), True, True),
]


def _receivables_data(
    request: CompanyRequest,
) -> tuple[selectors.CompanySales, AsOfForm, receivables_selectors.ReceivablesData]:
    company = request.membership.company
    sales = selectors.company_sales(company=company)
    form = AsOfForm(request.GET or None)
    as_of = form.day() or receivables_selectors.default_as_of(
        span=receivables_selectors.receivables_span(sales=sales), today=timezone.localdate()
    )
    data = receivables_selectors.receivables(
        sales=sales,
        as_of=as_of,
        settings=receivables_selectors.receivables_settings(company=company),
    )
    return sales, form, data


def _notes(data: receivables_selectors.ReceivablesData) -> list[str]:
    """The settlement's notes in the reader's language."""
    notes = []
    if any(w.startswith(PAYMENTS_IGNORED.split("{")[0]) for w in data.warnings):
        notes.append(
            _(
                "The sales carry paid dates, which settle their documents: the payments are "
                "not used, or the same money would count twice."
            )
        )
    if data.duplicates:
        notes.append(
            ngettext(
                "%(count)s payment appears in more than one imported file (same payer, date "
                "and amount) and is counted once.",
                "%(count)s payments appear in more than one imported file (same payer, date "
                "and amount) and are counted once.",
                data.duplicates,
            )
            % {"count": data.duplicates}
        )
    return notes


@require_GET
@company_view()
def receivables(request: CompanyRequest) -> HttpResponse:
    sales, form, data = _receivables_data(request)
    company = request.membership.company
    may_edit = request.membership.role in RECEIVABLES_EDITORS
    sort = request.GET.get("sort") or receivables_selectors.DEFAULT_CLIENT_SORT
    if sort.lstrip("-") not in receivables_selectors.CLIENT_SORTS:
        sort = receivables_selectors.DEFAULT_CLIENT_SORT
    rows = receivables_selectors.sorted_clients(data, sort)
    page = Paginator(range(rows.height), RECEIVABLES_PER_PAGE).get_page(request.GET.get("page"))
    overdue_page = Paginator(range(data.overdue_count), OVERDUE_PER_PAGE).get_page(
        request.GET.get("opage")
    )
    overdue = receivables_selectors.overdue_documents(
        sales=sales,
        data=data,
        start=overdue_page.object_list.start,
        stop=overdue_page.object_list.stop,
    )
    payers_page = Paginator(data.unmatched, PAYERS_PER_PAGE).get_page(request.GET.get("ppage"))
    settings = data.settings
    context = {
        "form": form,
        "data": data,
        "totals": data.totals,
        "may_edit": may_edit,
        "sort_columns": _sort_columns(sort, RECEIVABLES_COLUMNS),
        "page": page,
        "clients": rows[page.object_list.start : page.object_list.stop].to_dicts(),
        "overdue_page": overdue_page,
        "overdue": overdue.to_dicts(),
        "payers_page": payers_page,
        "bucket_labels": charts.BUCKET_LABELS,
        "ecl_rows": [
            {**row, "label": charts.BUCKET_LABELS[row["bucket"]]} for row in data.ecl_rows()
        ],
        "rates_form": LossRatesForm(rates=dict(settings.loss_rates), labels=charts.BUCKET_LABELS)
        if may_edit
        else None,
        "payer_form": _payer_form(sales, data) if may_edit and data.unmatched else None,
        "snapshot": receivables_selectors.balance_snapshot(sales=sales),
        "notes": _notes(data),
        "charts": charts.receivables_charts(data.totals.buckets, data.trend, language=_language())
        if data.has_documents
        else {},
        "chart_options": charts.embed_options(_language()),
        "currency": company.currency,
    }
    return render(request, "insights/receivables.html", context)


def _payer_form(
    sales: selectors.CompanySales,
    data: receivables_selectors.ReceivablesData,
    post: Any = None,
) -> PayerAssignForm:
    clients = selectors.client_frame_cached(sales=sales).sort("client")
    return PayerAssignForm(
        post,
        payers=[(payer["payer_key"], payer["name"]) for payer in data.unmatched],
        clients=list(clients.select("client_id", "client").iter_rows()),
        initial={"as_of": data.as_of.isoformat()},
    )


def _back_to_receivables(as_of: str) -> HttpResponseRedirect:
    url = reverse("insights:receivables")
    return HttpResponseRedirect(f"{url}?as_of={as_of}" if as_of else url)


@require_POST
@company_view(roles=RECEIVABLES_EDITORS)
def receivables_rates(request: CompanyRequest) -> HttpResponse:
    form = LossRatesForm(
        request.POST,
        rates=dict(
            receivables_selectors.receivables_settings(
                company=request.membership.company
            ).loss_rates
        ),
        labels=charts.BUCKET_LABELS,
    )
    if form.is_valid():
        services.loss_rates_update(
            company=request.membership.company,
            user=request.user,
            rates=form.rates(),
            ip=client_ip(request),
        )
        messages.success(request, _("The loss rates were saved."))
    else:
        errors = {str(e) for errors in form.errors.values() for e in errors}
        messages.error(request, " ".join(sorted(errors)))
    return _back_to_receivables(request.POST.get("as_of", ""))


@require_POST
@company_view(roles=RECEIVABLES_EDITORS)
def payer_assign(request: CompanyRequest) -> HttpResponse:
    """Assign the ticked unmatched payers to a client, or make each a client of its own."""
    sales, _form, data = _receivables_data(request)
    posted = set(request.POST.getlist("payers"))
    company = request.membership.company
    if posted - ledger_selectors.payer_keys(company=company, keys=posted):
        raise Http404  # a payer the company has no payment from
    client_id = request.POST.get("client", "")
    client = ledger_access.get_client(request, int(client_id)) if client_id.isdigit() else None
    form = _payer_form(sales, data, request.POST)
    if not form.is_valid():
        errors = {str(e) for errors in form.errors.values() for e in errors}
        messages.error(request, " ".join(sorted(errors)))
        return _back_to_receivables(request.POST.get("as_of", ""))
    user, ip = request.user, client_ip(request)
    keys = form.cleaned_data["payers"]
    try:
        if form.cleaned_data["action"] == PayerAssignForm.ASSIGN:
            assert client is not None  # the form requires it
            ledger_payments.payers_assign(
                company=company, user=user, payer_keys=keys, client=client, ip=ip
            )
        else:
            by_key = {payer["payer_key"]: payer for payer in data.unmatched}
            ledger_payments.payers_assign_new_clients(
                company=company,
                user=user,
                payers=[(key, by_key[key]["name"], by_key[key]["inn"]) for key in keys],
                ip=ip,
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s payer was assigned; its payments now count for its client.",
                "%(count)s payers were assigned; their payments now count for their clients.",
                len(keys),
            )
            % {"count": len(keys)},
        )
    return _back_to_receivables(request.POST.get("as_of", ""))

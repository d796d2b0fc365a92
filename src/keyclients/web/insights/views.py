"""Overview dashboard, clients list (and its XLSX), client card. Access -> selector -> render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.insights import access, charts, exports, selectors, services
from keyclients.web.insights.forms import ClientFilterForm, ClientForm, PeriodForm
from keyclients.web.insights.periods import Period, ltm_period
from keyclients.web.ledger import selectors as ledger_selectors
from keyclients.web.ledger.models import Client, ClientStatus

CLIENTS_PER_PAGE = 50
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
    rows = selectors.client_list(
        sales=sales,
        period=period,
        settings=selectors.concentration_settings(company=company),
        filters=filters,
    )
    return {
        "sales": sales,
        "form": period_form,
        "period": period,
        "filter_form": filter_form,
        "filters": filters,
        "rows": rows,
    }


# The sortable columns in table order: ?sort= key, header, first click sorts descending.
SORTABLE_COLUMNS = [
    ("rank", _lazy("Rank"), False, True),
    ("name", _lazy("Client"), False, False),
    ("revenue", _lazy("Revenue"), True, True),
    ("share", _lazy("Share"), True, True),
    ("first_sale", _lazy("First sale"), False, False),
    ("last_sale", _lazy("Last sale"), True, False),
]


def _sort_columns(current: str) -> list[dict[str, Any]]:
    """Header links: a click on the sorted column reverses it, on another sorts by it."""
    descending, key = current.startswith("-"), current.lstrip("-")
    columns = []
    for name, label, descending_first, is_number in SORTABLE_COLUMNS:
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
        {**row, "status_label": statuses.get(row["status"], row["status"])}
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
    context = {
        "client": client,
        "access": client_access,
        "client_form": form,
        "form": period_form,
        "period": period,
        "figures": figures,
        "manager_name": None
        if client_access.may_edit
        else selectors.client_manager_name(client=client),
        "charts": charts.client_charts(figures, language=_language()),
        "chart_options": charts.embed_options(_language()),
    }
    return render(request, "insights/client_detail.html", context, status=400 if posted else 200)

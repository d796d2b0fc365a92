"""Report downloads for owners and finance: access -> report data -> XLSX or PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.accounts.models import Role
from keyclients.web.insights import selectors as insights
from keyclients.web.insights.forms import PeriodForm
from keyclients.web.reports import pdf, selectors, services, xlsx
from keyclients.web.reports.selectors import ReportData

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
REPORT_ROLES = (Role.OWNER, Role.FINANCE)
NO_SALES = _("There are no sales yet: import a sales file first.")


def _language() -> str:
    return (get_language() or "ru").split("-")[0]


def _report(request: CompanyRequest) -> ReportData | None:
    """The report for the period the overview shows (its ?period= parameters, LTM by default)."""
    company = request.membership.company
    sales = insights.company_sales(company=company)
    if sales.is_empty:
        return None
    form = PeriodForm(request.GET or None, months=sales.months, today=timezone.localdate())
    return selectors.report_data(company=company, period=form.resolved())


def report_file_name(data: ReportData, extension: str) -> str:
    period = data.period
    return f"keyclients-report-{period.date_from:%Y-%m}-{period.date_to:%Y-%m}.{extension}"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _record(request: CompanyRequest, data: ReportData, report_format: str) -> None:
    services.report_download_record(
        company=request.membership.company,
        user=request.user,
        ip=client_ip(request),
        data=data,
        report_format=report_format,
    )


def _no_sales(request: CompanyRequest) -> HttpResponse:
    messages.info(request, NO_SALES)
    return HttpResponseRedirect(reverse("insights:overview"))


@require_GET
@company_view(roles=REPORT_ROLES)
def report_xlsx(request: CompanyRequest) -> HttpResponse:
    data = _report(request)
    if data is None:
        return _no_sales(request)
    content = xlsx.report_xlsx(data, language=_language())
    _record(request, data, "xlsx")
    return _download(content, XLSX, report_file_name(data, "xlsx"))


@require_GET
@company_view(roles=REPORT_ROLES)
def report_pdf(request: CompanyRequest) -> HttpResponse:
    data = _report(request)
    if data is None:
        return _no_sales(request)
    content = pdf.report_pdf(data, language=_language())
    _record(request, data, "pdf")
    return _download(content, PDF, report_file_name(data, "pdf"))

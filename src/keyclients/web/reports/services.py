"""Making report files: one company's XLSX or PDF, and the monthly run over every company."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keyclients.web.accounts.models import AuditAction, Company, Membership, Role, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.reports import pdf, xlsx
from keyclients.web.reports.selectors import ReportData, report_data

FORMATS = ("xlsx", "pdf")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

COMPANY_NOT_FOUND = gettext_lazy("No company %(ref)s.")
COMPANY_AMBIGUOUS = gettext_lazy("Several companies are called %(ref)s; give its id: %(ids)s.")
FORMAT_UNKNOWN = gettext_lazy("Unknown report format %(format)s: xlsx or pdf.")
COMPANY_HAS_NO_SALES = gettext_lazy("%(company)s has no sales yet, so there is nothing to report.")


class ReportError(Exception):
    """A report that cannot be made; the message says why."""


def company_lookup(*, ref: str) -> Company:
    """A company by id (digits) or by name (exact, case-insensitive in any alphabet: SQLite's
    own case-insensitive match knows only ASCII, so names are compared here)."""
    ref = ref.strip()
    if ref.isdigit():
        found = Company.objects.filter(pk=int(ref)).first()
        if found is not None:
            return found
    wanted = ref.casefold()
    companies = [c for c in Company.objects.order_by("pk") if c.name.casefold() == wanted]
    if not companies:
        raise ReportError(str(COMPANY_NOT_FOUND) % {"ref": repr(ref)})
    if len(companies) > 1:
        ids = ", ".join(str(company.pk) for company in companies)
        raise ReportError(str(COMPANY_AMBIGUOUS) % {"ref": repr(ref), "ids": ids})
    return companies[0]


def report_render(*, data: ReportData, report_format: str, language: str) -> bytes:
    if report_format == "xlsx":
        return xlsx.report_xlsx(data, language=language)
    if report_format == "pdf":
        return pdf.report_pdf(data, language=language)
    raise ReportError(str(FORMAT_UNKNOWN) % {"format": repr(report_format)})


def report_download_record(
    *, company: Company, user: User, ip: str | None, data: ReportData, report_format: str
) -> None:
    """A downloaded report leaves an audit event: who took the company's figures, and when."""
    audit_record(
        company=company,
        user=user,
        action=AuditAction.REPORT_DOWNLOADED,
        ip=ip,
        details={
            "format": report_format,
            "from": data.period.date_from.isoformat(),
            "to": data.period.date_to.isoformat(),
        },
    )


def report_write(*, company: Company, report_format: str, out: Path, language: str) -> Path:
    """`keyclients report`: the company's report (LTM) into `out`."""
    if report_format not in FORMATS:
        raise ReportError(str(FORMAT_UNKNOWN) % {"format": repr(report_format)})
    data = report_data(company=company)
    if data is None:
        raise ReportError(str(COMPANY_HAS_NO_SALES) % {"company": company.name})
    content = report_render(data=data, report_format=report_format, language=language)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out


def file_stem(data: ReportData) -> str:
    period = data.period
    return f"keyclients-report-{period.date_from:%Y-%m}-{period.date_to:%Y-%m}"


def company_folder(company: Company) -> str:
    """`12-ooo-demo-logistik`-like: the id keeps it unique, the name keeps it readable."""
    slug = re.sub(r"[^\w]+", "-", company.name.lower(), flags=re.UNICODE).strip("-_")
    return f"{company.pk}-{slug[:60]}" if slug else str(company.pk)


def mail_configured() -> bool:
    """SMTP with a host, or any other backend (console, locmem, file) set on purpose."""
    return settings.EMAIL_BACKEND != SMTP_BACKEND or bool(settings.EMAIL_HOST)


def owner_emails(*, company: Company) -> list[str]:
    emails = (
        Membership.objects.filter(company=company, role=Role.OWNER)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


@dataclass(frozen=True)
class MonthlyReport:
    company: Company
    files: tuple[Path, ...]
    emailed_to: tuple[str, ...]
    skipped: bool  # no sales: nothing written


def monthly_reports(*, out_dir: Path, email: bool, language: str) -> Iterator[MonthlyReport]:
    """Every company's XLSX and PDF (LTM) into `out_dir/<id>-<name>/`, and, with `email`, the
    two files to the company's owners. Companies without sales are skipped."""
    for company in Company.objects.order_by("pk"):
        data = report_data(company=company)
        if data is None:
            yield MonthlyReport(company, (), (), skipped=True)
            continue
        folder = out_dir / company_folder(company)
        folder.mkdir(parents=True, exist_ok=True)
        stem = file_stem(data)
        files = []
        attachments = []
        for report_format, content_type in (("xlsx", XLSX_TYPE), ("pdf", PDF_TYPE)):
            content = report_render(data=data, report_format=report_format, language=language)
            path = folder / f"{stem}.{report_format}"
            path.write_bytes(content)
            files.append(path)
            attachments.append((path.name, content, content_type))
        recipients = owner_emails(company=company) if email else []
        if recipients:
            _send(data, recipients, attachments, language=language)
        yield MonthlyReport(company, tuple(files), tuple(recipients), skipped=False)


def _send(
    data: ReportData,
    recipients: list[str],
    attachments: list[tuple[str, bytes, str]],
    *,
    language: str,
) -> None:
    with translation.override(language):
        period = data.period
        subject = _("Key clients report: %(company)s, %(date_from)s – %(date_to)s") % {
            "company": data.company.name,
            "date_from": f"{period.date_from:%m.%Y}",
            "date_to": f"{period.date_to:%m.%Y}",
        }
        body = _(
            "The monthly key clients report of %(company)s is attached: the one-page PDF "
            "for the owner and the XLSX workbook for the finance director."
        ) % {"company": data.company.name}
    message = EmailMessage(subject=subject, body=body, to=recipients)
    for name, content, content_type in attachments:
        message.attach(name, content, content_type)
    message.send()

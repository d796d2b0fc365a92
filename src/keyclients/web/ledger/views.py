"""The import page: upload (sales, payments, a bank statement, a trial balance), preview with the
column mapping, confirm, progress, history, undo.

Views stay thin: access helper -> service or selector -> render or redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.accounts.models import Role
from keyclients.web.ledger import access as ledger_access
from keyclients.web.ledger import readers, selectors, services
from keyclients.web.ledger.forms import KIND_HELP, MappingForm, UploadForm
from keyclients.web.ledger.models import ImportBatch, ImportKind, ImportStatus

# Owners and finance import and undo; managers and viewers see the history (docs/decisions.md).
IMPORTERS = (Role.OWNER, Role.FINANCE)
WAITING = (ImportStatus.PREVIEW, ImportStatus.FAILED)


def _can_import(request: CompanyRequest) -> bool:
    return request.membership.role in IMPORTERS


def _imports_page(
    request: CompanyRequest,
    form: UploadForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "batches": selectors.import_history(company=request.membership.company),
        "can_import": _can_import(request),
        "form": form or UploadForm(),
        "kind_help": KIND_HELP,
        "upload_error": error,
    }
    return render(request, "ledger/imports.html", context, status=status)


@company_view()
def imports(request: CompanyRequest) -> HttpResponse:
    return _imports_page(request)


@require_POST
@company_view(roles=IMPORTERS)
def import_upload(request: CompanyRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _imports_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        batch = services.import_upload(
            company=request.membership.company,
            user=request.user,
            file=upload,
            file_name=upload.name or "",
            kind=form.cleaned_data["kind"],
        )
    except services.AlreadyImported as duplicate:
        messages.info(request, str(duplicate))
        return redirect("ledger:imports")
    except services.ImportRefused as refused:
        return _imports_page(request, form, error=str(refused), status=400)
    return redirect("ledger:import_detail", pk=batch.pk)


def _mapping_form(batch: ImportBatch, data: object = None) -> MappingForm:
    return MappingForm(
        data,  # type: ignore[arg-type]
        columns=batch.report.get("columns", []),
        mapping=services.detected_mapping(batch),
        roles=readers.KIND_ROLES[batch.kind],
        required=readers.REQUIRED_ROLES[batch.kind],
        initial={"accept_partial": batch.accept_partial},
    )


def _mapping_error(batch: ImportBatch) -> str:
    if batch.kind == ImportKind.PAYMENTS:
        return _("Choose a column for the payer, the amount and the date.")
    return _("Choose a column for the client and for the amount.")


@company_view(roles=IMPORTERS)
def import_detail(request: CompanyRequest, pk: int) -> HttpResponse:
    batch = ledger_access.get_import_batch(request, pk)
    context = {
        "batch": batch,
        "report": batch.report,
        "waiting": batch.status in WAITING,
        "in_progress": selectors.import_in_progress(batch=batch),
        "form": _mapping_form(batch),
        "rejected": selectors.import_rejected_page(batch=batch, page=request.GET.get("page")),
        "error": selectors.import_error_text(batch),
    }
    return render(request, "ledger/import_detail.html", context)


@require_POST
@company_view(roles=IMPORTERS)
def import_preview(request: CompanyRequest, pk: int) -> HttpResponse:
    batch = ledger_access.get_import_batch(request, pk)
    form = _mapping_form(batch, request.POST)
    if not form.is_valid():
        messages.error(request, _mapping_error(batch))
        return redirect("ledger:import_detail", pk=batch.pk)
    try:
        services.import_preview(batch=batch, mapping=form.mapping())
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
    return redirect("ledger:import_detail", pk=batch.pk)


@require_POST
@company_view(roles=IMPORTERS)
def import_confirm(request: CompanyRequest, pk: int) -> HttpResponse:
    batch = ledger_access.get_import_batch(request, pk)
    form = _mapping_form(batch, request.POST)
    if not form.is_valid():
        messages.error(request, _mapping_error(batch))
        return redirect("ledger:import_detail", pk=batch.pk)
    try:
        services.import_confirm(
            company=request.membership.company,
            user=request.user,
            upload=batch,
            mapping=form.mapping(),
            accept_partial=form.cleaned_data["accept_partial"],
            ip=client_ip(request),
        )
    except services.AlreadyImported as duplicate:
        messages.info(request, str(duplicate))
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
    return redirect("ledger:import_detail", pk=batch.pk)


@require_POST
@company_view(roles=IMPORTERS)
def import_discard(request: CompanyRequest, pk: int) -> HttpResponse:
    batch = ledger_access.get_import_batch(request, pk)
    try:
        services.import_discard(batch=batch)
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
        return redirect("ledger:import_detail", pk=batch.pk)
    messages.success(request, _("The upload was discarded."))
    return redirect("ledger:imports")


@company_view(roles=IMPORTERS)
def import_progress(request: CompanyRequest, pk: int) -> HttpResponse:
    """The progress bar alone: the page polls it every second while the import runs."""
    batch = ledger_access.get_import_batch(request, pk)
    context = {
        "batch": batch,
        "in_progress": selectors.import_in_progress(batch=batch),
        "error": selectors.import_error_text(batch),
    }
    return render(request, "ledger/_progress.html", context)


@company_view(roles=IMPORTERS)
def import_undo(request: CompanyRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST undoes the import."""
    batch = ledger_access.get_import_batch(request, pk)
    if request.method != "POST":
        return render(request, "ledger/import_undo.html", {"batch": batch})
    try:
        result = services.import_undo(batch=batch, user=request.user, ip=client_ip(request))
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
        return redirect("ledger:imports")
    values = {"file": batch.file_name, "rows": result.rows, "clients": result.clients}
    if batch.kind in (ImportKind.PAYMENTS, ImportKind.BANK):
        text = _("The import of %(file)s was undone: %(rows)s payments removed.")
    elif batch.kind == ImportKind.TRIAL_BALANCE:
        text = _(
            "The import of %(file)s was undone: the balances of %(rows)s clients and their "
            "revenue removed, and %(clients)s clients."
        )
    else:
        text = _(
            "The import of %(file)s was undone: %(rows)s sales lines and %(clients)s clients "
            "removed."
        )
    messages.success(request, text % values)
    return redirect("ledger:imports")

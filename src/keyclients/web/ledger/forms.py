"""Forms of the import page: the upload with its kind, and the column mapping with the
confirmation."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.sales import ROLES
from keyclients.web.ledger.models import ImportKind
from keyclients.web.ledger.readers import CHOOSABLE_KINDS

ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx", ".xls")
BAD_EXTENSION = _("Upload a CSV, XLSX or XLS file, or a 1C bank statement (TXT).")
NO_COLUMN = "—"
REQUIRED_ROLES = ("client", "amount")
KIND_HELP = {
    ImportKind.SALES: _("Sales register, 1C «Анализ продаж», a CRM export."),
    ImportKind.PAYMENTS: _(
        "Client payments: a CSV/XLSX export (date, payer, INN, amount, purpose) or a 1C bank "
        "statement (1CClientBankExchange, recognized by itself)."
    ),
    ImportKind.TRIAL_BALANCE: _(
        "1C «Оборотно-сальдовая ведомость по счету 62» (XLSX), where there are no documents: "
        "revenue and balances per client for the period."
    ),
}

ROLE_LABELS = {
    "client": _("Client"),
    "inn": _("INN"),
    "date": _("Date"),
    "document": _("Document"),
    "amount": _("Amount"),
    "due_date": _("Due date"),
    "paid_date": _("Paid date"),
    "cost": _("Cost"),
    "product": _("Product"),
    "manager": _("Manager"),
    "purpose": _("Purpose"),
}
# A payments file names the client "payer".
PAYMENT_ROLE_LABELS = {**ROLE_LABELS, "client": _("Payer"), "inn": _("Payer INN")}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(kind.value, kind.label) for kind in CHOOSABLE_KINDS],
        initial=ImportKind.SALES.value,
        required=False,  # a form without it (a script) uploads sales, as before kinds existed
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1251), XLSX or XLS: a 1C report, a CRM export; a 1C bank "
            "statement; a 1C trial balance for account 62."
        ),
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or ImportKind.SALES.value

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in ALLOWED_EXTENSIONS:
            raise ValidationError(BAD_EXTENSION, code="extension")
        return upload


class MappingForm(forms.Form):
    """One select per role: the file's columns, plus "—" (no such column) for optional roles.

    A bank statement and a trial balance have fixed fields: no roles, only the confirmation."""

    accept_partial = forms.BooleanField(label=_("Import the valid rows"), required=False)

    def __init__(
        self,
        *args: Any,
        columns: list[str],
        mapping: dict[str, str],
        roles: tuple[str, ...] = ROLES,
        required: tuple[str, ...] = REQUIRED_ROLES,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.roles = roles
        labels = ROLE_LABELS if roles == ROLES else PAYMENT_ROLE_LABELS
        options = [(column, column) for column in columns]
        for role in roles:
            is_required = role in required
            field = forms.ChoiceField(
                label=labels[role],
                choices=options if is_required else [("", NO_COLUMN), *options],
                required=is_required,
                initial=mapping.get(role, ""),
            )
            self.fields[f"role_{role}"] = field
        self.order_fields([f"role_{role}" for role in roles])

    def role_fields(self) -> list[forms.BoundField]:
        return [self[f"role_{role}"] for role in self.roles]

    def mapping(self) -> dict[str, str]:
        """role -> column ("" = none), for every role: what the user saw is what is read."""
        return {role: self.cleaned_data.get(f"role_{role}") or "" for role in self.roles}

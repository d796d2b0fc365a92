"""Forms of the import page: the upload, and the column mapping with the confirmation."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.sales import ROLES

ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx", ".xls")
BAD_EXTENSION = _("Upload a CSV, XLSX or XLS file.")
NO_COLUMN = "—"
REQUIRED_ROLES = ("client", "amount")

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
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Sales file"),
        help_text=_("CSV (UTF-8 or Windows-1251), XLSX or XLS: a 1C report, a CRM export."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in ALLOWED_EXTENSIONS:
            raise ValidationError(BAD_EXTENSION, code="extension")
        return upload


class MappingForm(forms.Form):
    """One select per role: the file's columns, plus "—" (no such column) for optional roles."""

    accept_partial = forms.BooleanField(label=_("Import the valid rows"), required=False)

    def __init__(self, *args: Any, columns: list[str], mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        options = [(column, column) for column in columns]
        for role in ROLES:
            required = role in REQUIRED_ROLES
            field = forms.ChoiceField(
                label=ROLE_LABELS[role],
                choices=options if required else [("", NO_COLUMN), *options],
                required=required,
                initial=mapping.get(role, ""),
            )
            self.fields[f"role_{role}"] = field
        self.order_fields([f"role_{role}" for role in ROLES])

    def role_fields(self) -> list[forms.BoundField]:
        return [self[f"role_{role}"] for role in ROLES]

    def mapping(self) -> dict[str, str]:
        """role -> column ("" = none), for every role: what the user saw is what is read."""
        return {role: self.cleaned_data.get(f"role_{role}") or "" for role in ROLES}

"""Names of the core's import reasons in the reader's language (the core speaks English)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import report

register = template.Library()

REASONS = {
    report.REASON_NOT_A_NUMBER: _("not a number"),
    report.REASON_NOT_A_DATE: _("not a valid date"),
    report.REASON_NO_CLIENT: _("the client is empty"),
    report.REASON_NO_DATE: _("the date is empty"),
    "no date in the document": _("no date in the document"),
    "blank rows": _("blank rows"),
    "total rows": _("total rows"),
    "rows without an amount (group headers, notes)": _(
        "rows without an amount (group headers, notes)"
    ),
}


@register.filter
def import_reason(reason: str) -> str:
    """`{{ rejected.reason|import_reason }}`: a known reason translated, others as they are."""
    return str(REASONS.get(reason, reason))

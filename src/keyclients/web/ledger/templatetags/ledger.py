"""Names of the core's import reasons in the reader's language (the core speaks English)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import bank, report, trial_balance

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
    "rows with a zero amount": _("rows with a zero amount"),
    bank.TRANSFERS: _("transfers between the company's own accounts"),
    bank.BANK_NO_CLIENT: _("the payer has neither a name nor an INN"),
    bank.BANK_NO_PAYEE: _("the payee has neither a name nor an INN"),
    bank.BANK_NO_AMOUNT: _("the document has no amount"),
    bank.BANK_NOT_POSITIVE: _("the amount is not positive"),
    bank.BANK_NO_DATE: _("the document has no date"),
    bank.BANK_NO_END: _("the document has no КонецДокумента (the block is cut short)"),
    bank.BANK_DIRECTION: _("neither account of the document is the company's"),
    trial_balance.SKIP_ACCOUNT: _("account and subaccount rows"),
    trial_balance.SKIP_CONTRACT: _("contract rows (counted in their client's row)"),
    trial_balance.SKIP_NO_AMOUNT: _("rows without amounts (headers, notes)"),
}


@register.filter
def import_reason(reason: str) -> str:
    """`{{ rejected.reason|import_reason }}`: a known reason translated, others as they are."""
    return str(REASONS.get(reason, reason))


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    """`{{ help|get_item:kind }}`: a dict's value by a key held in a variable."""
    return mapping.get(key, "") if mapping else ""

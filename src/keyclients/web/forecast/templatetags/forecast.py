"""The plan reader's words in the reader's language, and small helpers: `{% load forecast %}`.

`{{ reason|plan_reason }}` — a reason or note of the core's plan reader (English) translated;
`{{ "2026-01-05"|iso_date }}` — an ISO date kept as text (the session) back to a date;
`{{ "monthly"|repeat_label }}` — the repeat in words.
"""

from __future__ import annotations

import re
from datetime import date

from django import template
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import plan
from keyclients.web.forecast.models import Repeat
from keyclients.web.ledger.templatetags.ledger import REASONS as IMPORT_REASONS

register = template.Library()

PLAN_REASONS = {
    plan.REASON_NOT_A_REPEAT: _("not a repeat (none, weekly, monthly or quarterly)"),
    plan.REASON_UNTIL_BEFORE_DATE: _("the repeat ends before its first date"),
    plan.ZERO_PLAN_ROWS: _("rows with a zero amount"),
    plan.TOTAL_PLAN_ROWS: _("total rows"),
}
# "{count} row(s) have an end date but no repeat; the end date is not used"
_UNTIL_WITHOUT_REPEAT = re.compile(
    "^" + re.escape(plan.UNTIL_WITHOUT_REPEAT).replace(re.escape("{count}"), r"(\d+)") + "$"
)
UNTIL_WITHOUT_REPEAT = _(
    "%(count)s row(s) have an end date but no repeat; the end date is not used"
)


@register.filter
def plan_reason(reason: str) -> str:
    known = PLAN_REASONS.get(reason) or IMPORT_REASONS.get(reason)
    if known is not None:
        return str(known)
    match = _UNTIL_WITHOUT_REPEAT.match(reason)
    if match:
        return gettext(str(UNTIL_WITHOUT_REPEAT)) % {"count": match.group(1)}
    return reason


@register.filter
def iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@register.filter
def repeat_label(value: str) -> str:
    try:
        return str(Repeat(value).label)
    except ValueError:
        return value

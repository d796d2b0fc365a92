"""Words of the dossier pages: `{% load dossier %}`.

`{{ signal|signal_text }}` — the core's signal in the reader's language;
`{% dossier_tabs as tabs %}` — the tab bar's tabs (the card's include has no view of its own);
`{{ quadrant|quadrant_label }}`; `{{ details|audit_details }}` — an audit event's details.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics.signals import (
    SIGNAL_NO_DECISION_MAKER,
    SIGNAL_NO_TOUCH,
    SIGNAL_OVERDUE,
    SIGNAL_PAYING_LATER,
    SIGNAL_REVENUE_DROP,
    SIGNAL_SILENCE,
    SIGNAL_SINGLE_THREADED,
)
from keyclients.web.clients.models import Quadrant

register = template.Library()

SIGNAL_TEXTS = {
    SIGNAL_REVENUE_DROP: _("Revenue is falling"),
    SIGNAL_SILENCE: _("No sales for longer than usual"),
    SIGNAL_PAYING_LATER: _("Pays later than before"),
    SIGNAL_OVERDUE: _("Overdue for more than 30 days"),
    SIGNAL_NO_TOUCH: _("No contact for longer than the quadrant allows"),
    SIGNAL_NO_DECISION_MAKER: _("No decision maker is known"),
    SIGNAL_SINGLE_THREADED: _("The relationship hangs on one person"),
}
AUDIT_DETAIL_LABELS = {
    "names": _("contacts"),
    "fields": _("fields"),
    "name": _("name"),
    "username": _("user"),
    "role": _("role"),
    "from": _("from"),
    "to": _("to"),
    "where": _("where"),
}
AUDIT_DETAIL_HIDDEN = {"client", "contacts", "hunter"}
FIELD_LABELS = {
    "birthday": _("birthday"),
    "family": _("family"),
    "interests": _("interests"),
    "notes": _("personal notes"),
}
PLACES = {"contact": _("contact card"), "edit": _("edit form"), "my": _("My clients")}


@register.filter
def signal_text(signal: str) -> str:
    return str(SIGNAL_TEXTS.get(signal, signal))


@register.filter
def quadrant_label(quadrant: str | None) -> str:
    if not quadrant:
        return "—"
    try:
        return str(Quadrant(quadrant).label)
    except ValueError:
        return quadrant


@register.simple_tag
def dossier_tabs() -> Any:
    from keyclients.web.clients.views import TABS

    return TABS


@register.filter
def audit_details(details: object) -> str:
    """Readable `key: value` pairs of an audit event's details (ids left out)."""
    if not isinstance(details, dict):
        return ""
    parts = []
    for key, value in details.items():
        if key in AUDIT_DETAIL_HIDDEN or value in (None, "", []):
            continue
        if key == "fields" and isinstance(value, list):
            value = [FIELD_LABELS.get(str(item), item) for item in value]
        if key == "where":
            value = PLACES.get(str(value), value)
        shown = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        parts.append(f"{AUDIT_DETAIL_LABELS.get(key, key)}: {shown}")
    return "; ".join(parts)

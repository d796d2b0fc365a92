"""The core's keys (English identifiers) in the reader's words, translated by key here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics.kaism import (
    QUADRANT_KEY,
    QUADRANT_KEY_DEVELOPMENT,
    QUADRANT_MAINTENANCE,
    QUADRANT_OPPORTUNISTIC,
)
from keyclients.core.analytics.key_clients import (
    REASON_DEVELOPMENT,
    REASON_KAISM,
    REASON_MANUAL,
    REASON_REPUTATION,
    REASON_REVENUE,
)
from keyclients.core.analytics.signals import (
    SIGNAL_NO_DECISION_MAKER,
    SIGNAL_NO_TOUCH,
    SIGNAL_OVERDUE,
    SIGNAL_PAYING_LATER,
    SIGNAL_REVENUE_DROP,
    SIGNAL_SILENCE,
    SIGNAL_SINGLE_THREADED,
)
from keyclients.web.insights.templatetags.insights import HHI_LEVELS

KEY_REASONS = {
    REASON_REVENUE: _("class A by revenue"),
    REASON_REPUTATION: _("reputation"),
    REASON_DEVELOPMENT: _("development"),
    REASON_KAISM: _("KAISM key quadrant"),
    REASON_MANUAL: _("marked by hand"),
}
QUADRANTS = {
    QUADRANT_KEY: _("Key (strategic)"),
    QUADRANT_KEY_DEVELOPMENT: _("Key development (star)"),
    QUADRANT_MAINTENANCE: _("Maintenance (status)"),
    QUADRANT_OPPORTUNISTIC: _("Opportunistic (streamline)"),
}
SIGNALS = {
    SIGNAL_REVENUE_DROP: _("revenue drop"),
    SIGNAL_SILENCE: _("no purchases for too long"),
    SIGNAL_PAYING_LATER: _("paying later"),
    SIGNAL_OVERDUE: _("overdue more than 30 days"),
    SIGNAL_NO_TOUCH: _("no contact for too long"),
    SIGNAL_NO_DECISION_MAKER: _("no decision maker known"),
    SIGNAL_SINGLE_THREADED: _("a single contact"),
}
BUCKETS = {
    "not_due": _("Not due"),
    "1_30": _("1–30 days"),
    "31_60": _("31–60 days"),
    "61_90": _("61–90 days"),
    "over_90": _("Over 90 days"),
}


def hhi_level(level: str | None) -> str:
    return str(HHI_LEVELS.get(level or "", ""))


def joined(keys: list[str] | None, labels: dict[str, object]) -> str:
    """Keys in the reader's words, comma-separated; unknown keys as they are."""
    return ", ".join(str(labels.get(key, key)) for key in keys or [])

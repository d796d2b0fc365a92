"""The core's keys in the user's language: quadrants, criteria, key reasons, signals.

The core speaks English identifiers (`key_development`, `revenue_drop`, `reputation`); the
pages translate them here, by key, so a core string is never shown untranslated.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keyclients.core.analytics import kaism, key_clients, signals
from keyclients.web.formatting import format_money
from keyclients.web.insights.templatetags.insights import number, percent

# --- Quadrants ------------------------------------------------------------------------------

QUADRANT_NAMES: dict[str, Promise] = {
    kaism.QUADRANT_KEY: gettext_lazy("Key"),
    kaism.QUADRANT_KEY_DEVELOPMENT: gettext_lazy("Key development"),
    kaism.QUADRANT_MAINTENANCE: gettext_lazy("Maintenance"),
    kaism.QUADRANT_OPPORTUNISTIC: gettext_lazy("Opportunistic"),
}
CRANFIELD_NAMES: dict[str, Promise] = {
    kaism.QUADRANT_KEY: gettext_lazy("strategic"),
    kaism.QUADRANT_KEY_DEVELOPMENT: gettext_lazy("star"),
    kaism.QUADRANT_MAINTENANCE: gettext_lazy("status"),
    kaism.QUADRANT_OPPORTUNISTIC: gettext_lazy("streamline"),
}
STRATEGIES: dict[str, Promise] = {
    kaism.QUADRANT_KEY: gettext_lazy("Invest"),
    kaism.QUADRANT_KEY_DEVELOPMENT: gettext_lazy("Invest selectively"),
    kaism.QUADRANT_MAINTENANCE: gettext_lazy("Maintain at lower cost to serve"),
    kaism.QUADRANT_OPPORTUNISTIC: gettext_lazy("Manage for cash"),
}
NAMES_CLASSIC = "classic"
NAMES_CRANFIELD = "cranfield"


def quadrant_label(key: str | None, *, names: str = NAMES_CLASSIC) -> str:
    """`Key`, or with the Cranfield names `Key (strategic)`; "" without a quadrant."""
    if key is None or key not in QUADRANT_NAMES:
        return ""
    name = str(QUADRANT_NAMES[key])
    if names == NAMES_CRANFIELD:
        return f"{name} ({CRANFIELD_NAMES[key]})"
    return name


# --- Criteria -------------------------------------------------------------------------------

CRITERION_NAMES: dict[str, Promise] = {
    "revenue": gettext_lazy("Revenue"),
    "growth": gettext_lazy("Growth"),
    "margin": gettext_lazy("Gross margin"),
    "payment_discipline": gettext_lazy("Payment discipline"),
    "reputation": gettext_lazy("Reputation"),
    "development": gettext_lazy("Development"),
    "share_of_wallet": gettext_lazy("Share of wallet"),
    "tenure": gettext_lazy("Tenure"),
    "relationship_depth": gettext_lazy("Relationship depth"),
    "criticality": gettext_lazy("Criticality of our product"),
    "satisfaction": gettext_lazy("Client satisfaction"),
}
# What 0, 5 and 10 mean for the built-in criteria scored by hand.
CRITERION_SCALES: dict[str, tuple[Promise, Promise, Promise]] = {
    "reputation": (
        gettext_lazy("An unknown name, nothing to show others"),
        gettext_lazy("Known in its region or industry"),
        gettext_lazy("An industry leader whose name raises our standing"),
    ),
    "development": (
        gettext_lazy("Asks nothing new of us"),
        gettext_lazy("Sometimes pushes us to improve"),
        gettext_lazy("Its standards push us forward: new products, processes, certificates"),
    ),
    "share_of_wallet": (
        gettext_lazy("We get none of its spend in our category"),
        gettext_lazy("About 30 percent of its spend"),
        gettext_lazy("60 percent of its spend or more"),
    ),
    "criticality": (
        gettext_lazy("Easily replaced: a commodity for the client"),
        gettext_lazy("Replacing us would cost the client some effort"),
        gettext_lazy("Critical to its business, hard to replace"),
    ),
    "satisfaction": (
        gettext_lazy("Unhappy, complains, looks elsewhere"),
        gettext_lazy("Satisfied, no strong feelings"),
        gettext_lazy("Delighted, recommends us"),
    ),
}
SOURCE_NAMES: dict[str, Promise] = {
    kaism.SOURCE_REVENUE_RANK: gettext_lazy("Revenue, percent rank (automatic)"),
    kaism.SOURCE_GROWTH: gettext_lazy("Growth of revenue (automatic)"),
    kaism.SOURCE_MARGIN_RANK: gettext_lazy("Gross margin, percent rank (automatic)"),
    kaism.SOURCE_PAYMENT_DISCIPLINE: gettext_lazy("Payment discipline, days late (automatic)"),
    kaism.SOURCE_TENURE: gettext_lazy("Tenure, years since the first sale (automatic)"),
    kaism.SOURCE_RELATIONSHIP_DEPTH: gettext_lazy(
        "Relationship depth, dossier contacts (automatic)"
    ),
    kaism.SOURCE_SHARE_OF_WALLET: gettext_lazy("Share of wallet in % (by hand)"),
    kaism.SOURCE_MANUAL: gettext_lazy("Score 0–10 (by hand)"),
}
# How an automatic criterion turns its metric into 0–10 (DESIGN §4 "KAISM").
SOURCE_RULES: dict[str, Promise] = {
    kaism.SOURCE_REVENUE_RANK: gettext_lazy(
        "Percent rank of the last 12 months' revenue among clients with revenue: lowest 0, "
        "highest 10."
    ),
    kaism.SOURCE_GROWTH: gettext_lazy(
        "Down 50 percent or more → 0, no growth → 5, up 100 percent or more → 10."
    ),
    kaism.SOURCE_MARGIN_RANK: gettext_lazy(
        "Percent rank of the gross margin among clients with revenue (needs cost data)."
    ),
    kaism.SOURCE_PAYMENT_DISCIPLINE: gettext_lazy(
        "Average days late: 0 → 10, 60 or more → 0 (needs payments)."
    ),
    kaism.SOURCE_TENURE: gettext_lazy("Years since the first sale: 0 → 0, 5 or more → 10."),
    kaism.SOURCE_RELATIONSHIP_DEPTH: gettext_lazy(
        "Decision maker known +4, champion +3, each further active contact +1 (needs the dossier)."
    ),
    kaism.SOURCE_SHARE_OF_WALLET: gettext_lazy("Entered as a percent: 0% → 0, 60% or more → 10."),
    kaism.SOURCE_MANUAL: gettext_lazy("Entered by hand, 0–10."),
}
AXIS_NAMES: dict[str, Promise] = {
    kaism.VERTICAL: gettext_lazy("Client's importance to us"),
    kaism.HORIZONTAL: gettext_lazy("Our importance to the client"),
}


# --- Key clients ----------------------------------------------------------------------------

KEY_REASONS: dict[str, Promise] = {
    key_clients.REASON_REVENUE: gettext_lazy("class A by revenue"),
    key_clients.REASON_REPUTATION: gettext_lazy("reputation 8 or more"),
    key_clients.REASON_DEVELOPMENT: gettext_lazy("development 8 or more"),
    key_clients.REASON_KAISM: gettext_lazy("KAISM key quadrant"),
    key_clients.REASON_MANUAL: gettext_lazy("marked key by hand"),
}


# Short forms for the clients list, where the full reason is the tag's title.
KEY_REASONS_SHORT: dict[str, Promise] = {
    key_clients.REASON_REVENUE: gettext_lazy("class A"),
    key_clients.REASON_REPUTATION: gettext_lazy("reputation"),
    key_clients.REASON_DEVELOPMENT: gettext_lazy("development"),
    key_clients.REASON_KAISM: gettext_lazy("KAISM"),
    key_clients.REASON_MANUAL: gettext_lazy("by hand"),
}


def key_reason_label(reason: str) -> str:
    return str(KEY_REASONS.get(reason, reason))


def key_reason_short(reason: str) -> str:
    return str(KEY_REASONS_SHORT.get(reason, reason))


# --- Signals --------------------------------------------------------------------------------

SIGNAL_NAMES: dict[str, Promise] = {
    signals.SIGNAL_REVENUE_DROP: gettext_lazy("Revenue drop"),
    signals.SIGNAL_SILENCE: gettext_lazy("Gone quiet"),
    signals.SIGNAL_PAYING_LATER: gettext_lazy("Paying later"),
    signals.SIGNAL_OVERDUE: gettext_lazy("Overdue debt"),
    signals.SIGNAL_NO_TOUCH: gettext_lazy("No contact"),
    signals.SIGNAL_NO_DECISION_MAKER: gettext_lazy("No decision maker"),
    signals.SIGNAL_SINGLE_THREADED: gettext_lazy("Single contact"),
}
SEVERITY_NAMES: dict[str, Promise] = {
    signals.SEVERITY_DANGER: gettext_lazy("danger"),
    signals.SEVERITY_WARNING: gettext_lazy("warning"),
}


def signal_label(signal: str) -> str:
    return str(SIGNAL_NAMES.get(signal, signal))


def _number(value: float | None, decimals: int = 0) -> str:
    return number(value, decimals)


def _percent(value: float | None) -> str:
    return percent(value, 0)


def signal_evidence(signal: str, evidence: Mapping[str, float | None], *, currency: str) -> str:
    """The numbers behind a fired signal, as one sentence in the page's language."""
    value = evidence.get

    def money(name: str) -> str:
        return format_money(value(name) or 0.0, currency=currency)

    if signal == signals.SIGNAL_REVENUE_DROP:
        return _(
            "Revenue of the last 3 months %(recent)s is %(ratio)s of the same months a year "
            "before (%(before)s)."
        ) % {
            "recent": money("revenue_last_3_months"),
            "ratio": _percent(value("ratio")),
            "before": money("revenue_year_before"),
        }
    if signal == signals.SIGNAL_SILENCE:
        return _("No sale for %(days)s days; it usually buys every %(median)s days.") % {
            "days": _number(value("days_since_last_sale")),
            "median": _number(value("median_interval_days"), 1),
        }
    if signal == signals.SIGNAL_PAYING_LATER:
        return _(
            "Pays %(increase)s days later: %(last)s days late on average over the last 90 days, "
            "%(prior)s over the 90 days before."
        ) % {
            "increase": _number(value("increase_days"), 1),
            "last": _number(value("avg_days_late_last_90_days"), 1),
            "prior": _number(value("avg_days_late_prior_90_days"), 1),
        }
    if signal == signals.SIGNAL_OVERDUE:
        return _(
            "%(amount)s more than 30 days past due in %(documents)s document(s); the oldest "
            "%(days)s days."
        ) % {
            "amount": money("overdue_amount"),
            "documents": _number(value("documents")),
            "days": _number(value("max_days_past_due")),
        }
    if signal == signals.SIGNAL_NO_TOUCH:
        if value("days_since_last_interaction") is None:
            return _("No interaction on record; its quadrant asks for one every %(days)s days.") % {
                "days": _number(value("contact_days"))
            }
        return _(
            "No interaction for %(since)s days; its quadrant asks for one every %(days)s days."
        ) % {
            "since": _number(value("days_since_last_interaction")),
            "days": _number(value("contact_days")),
        }
    if signal == signals.SIGNAL_NO_DECISION_MAKER:
        return _("No decision maker recorded (%(contacts)s active contacts).") % {
            "contacts": _number(value("active_contacts"))
        }
    if signal == signals.SIGNAL_SINGLE_THREADED:
        return _("Only one active contact: the relationship hangs on one person.")
    return ""

"""Numbers of the dashboards in the page's language: `{% load insights %}`.

`{{ share|percent }}` — 0.4234 → `42,3 %` in Russian, `42.3%` in English;
`{{ hhi|number }}` — 2600 → `2 600` / `2,600`; `{{ x|number:1 }}` with one decimal;
`{{ figures.level|hhi_level }}` — the core's level in words.
"""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics.concentration import (
    LEVEL_HIGH,
    LEVEL_MODERATE,
    LEVEL_UNCONCENTRATED,
)

register = template.Library()

NBSP = "\u00a0"
HHI_LEVELS = {
    LEVEL_UNCONCENTRATED: _("unconcentrated"),
    LEVEL_MODERATE: _("moderately concentrated"),
    LEVEL_HIGH: _("highly concentrated"),
}


@register.filter
def number(value: object, decimals: int = 0) -> str:
    if value is None or value == "":
        return "—"
    try:
        rounded = round(float(value), int(decimals))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return formats.number_format(rounded, int(decimals), use_l10n=True, force_grouping=True)


@register.filter
def percent(value: object, decimals: int = 1) -> str:
    """A fraction as a percentage; "—" when there is none (no share base)."""
    if value is None or value == "":
        return "—"
    try:
        share = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    text = number(share * 100, decimals)
    # Russian puts a (no-break) space before the sign, English does not.
    return f"{text}{NBSP}%" if (get_language() or "ru").startswith("ru") else f"{text}%"


@register.filter
def hhi_level(level: str | None) -> str:
    return str(HHI_LEVELS.get(level or "", ""))


@register.filter
def bucket_label(bucket: str | None) -> str:
    """An aging bucket (`1_30`) in words (`1–30 days`)."""
    from keyclients.web.insights.charts import BUCKET_LABELS

    return str(BUCKET_LABELS.get(bucket or "", ""))

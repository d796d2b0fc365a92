"""Vega-Lite specs of the dashboards, built with Altair and drawn by the locally served bundle.

A chart's shape (marks, axes, titles in the current language) does not depend on the data, so
it is built once per language and kept; each page only adds its numbers as a named dataset.
Formats are d3 formats, turned Russian or English by the locale the page hands to vega-embed,
so axes and tooltips read `1 234 567` or `1,234,567` like the rest of the page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keyclients.core.analytics.concentration import HHI_HIGH_ABOVE, HHI_MODERATE_FROM
from keyclients.core.analytics.receivables import BUCKETS
from keyclients.web.insights.selectors import ClientFigures, OverviewData

Spec = dict[str, Any]

VEGA_BUNDLE_PATH = (
    Path(__file__).resolve().parents[1] / "static" / "vendor" / "vega" / "vega-bundle.js"
)
# The bundle's Vega-Lite must read the specs Altair writes: "v6.4.1" -> "v6.4".
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.split(".")[:2])

ACCENT = "#1f5fbf"
MUTED = "#667085"
AMBER = "#b54708"
RED = "#b42318"
HEIGHT = 260
SMALL_HEIGHT = 200
LABEL_LIMIT = 220  # pixels of a client name on an axis before it is cut with an ellipsis

GREEN = "#12b76a"
_LOCALES = {"ru": "ru-RU", "en": "en-US"}
# Aging buckets in words and colours, from "not due" (green) to "over 90 days" (red).
BUCKET_LABELS = {
    "not_due": gettext_lazy("not due"),
    "1_30": gettext_lazy("1–30 days"),
    "31_60": gettext_lazy("31–60 days"),
    "61_90": gettext_lazy("61–90 days"),
    "over_90": gettext_lazy("over 90 days"),
}
BUCKET_COLORS = dict(zip(BUCKETS, [GREEN, "#fdb022", "#f79009", "#e04f16", RED], strict=True))


def vega_bundle_source() -> str:
    return str(vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION))


def vega_versions() -> str:
    return (
        f"vega {vl_convert.get_vega_version()}, vega-lite {alt.SCHEMA_VERSION.lstrip('v')}, "
        f"vega-embed {vl_convert.get_vega_embed_version()}"
    )


@cache
def embed_options(language: str) -> dict[str, Any]:
    """vega-embed options: SVG, no action menu, numbers and dates in the page's language."""
    locale = _LOCALES.get(language, _LOCALES["en"])
    return {
        "actions": False,
        # Vega's expression interpreter instead of `new Function`: no 'unsafe-eval' in the
        # Content-Security-Policy (keyclients.web.security.middleware).
        "ast": True,
        "renderer": "svg",
        "formatLocale": vl_convert.get_format_locale(locale),
        "timeFormatLocale": vl_convert.get_time_format_locale(locale),
    }


def with_data(template: Spec, **datasets: Any) -> Spec:
    return {**template, "datasets": {name: list(values) for name, values in datasets.items()}}


def finish(chart: alt.TopLevelMixin, height: int = HEIGHT) -> Spec:
    spec: Spec = chart.properties(width="container", height=height).to_dict()
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec["config"] = {
        **spec.get("config", {}),
        "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        "axis": {"labelColor": MUTED, "titleColor": MUTED, "gridColor": "#eef0f3"},
        "view": {"stroke": None},
    }
    return spec


def _month_axis() -> alt.X:
    return alt.X("month_end:T", timeUnit="utcyearmonth", title=None, axis=alt.Axis(format="%b %Y"))


# --- Overview -------------------------------------------------------------------------------


@cache
def _pareto_template(language: str) -> Spec:
    with translation.override(language):
        rank_title, share_title = _("Clients by revenue rank"), _("Cumulative share of revenue")
        curve = (
            alt.Chart(alt.NamedData("pareto"))
            .mark_area(line={"color": ACCENT}, color=ACCENT, opacity=0.12)
            .encode(
                x=alt.X("rank:Q", title=rank_title, scale=alt.Scale(domainMin=1, nice=False)),
                y=alt.Y(
                    "cumulative_share:Q",
                    title=share_title,
                    axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(domain=[0, 1]),
                ),
                tooltip=[
                    alt.Tooltip("rank:Q", title=_("Rank")),
                    alt.Tooltip("client:N", title=_("Client")),
                    alt.Tooltip("cumulative_share:Q", title=share_title, format=".1%"),
                ],
            )
        )
        lines = alt.Chart(
            alt.Data(values=[{"level": 0.8, "label": "80%"}, {"level": 0.95, "label": "95%"}])
        )
        rules = lines.mark_rule(color=RED, strokeDash=[4, 4]).encode(y="level:Q")
        labels = lines.mark_text(align="left", dx=4, dy=-6, color=RED).encode(
            y="level:Q", x=alt.value(0), text="label:N"
        )
        return finish(alt.layer(curve, rules, labels))


@cache
def _top_clients_template(language: str) -> Spec:
    with translation.override(language):
        bars = (
            alt.Chart(alt.NamedData("top_clients"))
            .mark_bar(color=ACCENT)
            .encode(
                # The rows come in rank order; sorting by a field would make the text layer's
                # domain disagree with the bars' (a Vega-Lite warning on every page).
                y=alt.Y("name:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
                x=alt.X("share:Q", title=_("Share of revenue"), axis=alt.Axis(format=".0%")),
                tooltip=[
                    alt.Tooltip("rank:Q", title=_("Rank")),
                    alt.Tooltip("name:N", title=_("Client")),
                    alt.Tooltip("revenue:Q", title=_("Revenue"), format=",.0f"),
                    alt.Tooltip("share:Q", title=_("Share of revenue"), format=".1%"),
                ],
            )
        )
        labels = bars.mark_text(align="left", dx=3, color=MUTED).encode(
            text=alt.Text("share:Q", format=".1%")
        )
        return finish(alt.layer(bars, labels))


@cache
def _top1_trend_template(language: str) -> Spec:
    with translation.override(language):
        title = _("Top-1 share")
        line = (
            alt.Chart(alt.NamedData("trend"))
            .mark_line(point=True, color=ACCENT)
            .encode(
                x=_month_axis(),
                y=alt.Y("top1_share:Q", title=title, axis=alt.Axis(format=".0%")),
                tooltip=[
                    alt.Tooltip("month_end:T", timeUnit="utcyearmonth", title=_("Month")),
                    alt.Tooltip("top1_share:Q", title=title, format=".1%"),
                ],
            )
        )
        thresholds = alt.Chart(alt.NamedData("thresholds"))
        rules = thresholds.mark_rule(strokeDash=[4, 4]).encode(
            y="level:Q", color=alt.Color("color:N", scale=None)
        )
        return finish(alt.layer(line, rules), SMALL_HEIGHT)


@cache
def _hhi_trend_template(language: str) -> Spec:
    with translation.override(language):
        title = _("HHI")
        line = (
            alt.Chart(alt.NamedData("trend"))
            .mark_line(point=True, color=ACCENT)
            .encode(
                x=_month_axis(),
                y=alt.Y("hhi:Q", title=title, axis=alt.Axis(format=",.0f")),
                tooltip=[
                    alt.Tooltip("month_end:T", timeUnit="utcyearmonth", title=_("Month")),
                    alt.Tooltip("hhi:Q", title=title, format=",.0f"),
                    alt.Tooltip(
                        "effective_clients:Q", title=_("Effective number of clients"), format=".1f"
                    ),
                ],
            )
        )
        bands = alt.Chart(
            alt.Data(
                values=[
                    {"level": HHI_MODERATE_FROM, "color": AMBER},
                    {"level": HHI_HIGH_ABOVE, "color": RED},
                ]
            )
        )
        rules = bands.mark_rule(strokeDash=[4, 4]).encode(
            y="level:Q", color=alt.Color("color:N", scale=None)
        )
        return finish(alt.layer(line, rules), SMALL_HEIGHT)


def overview_charts(data: OverviewData, *, language: str) -> dict[str, Spec]:
    """The overview's specs: Pareto curve, top-10 clients, top-1 share and HHI by month."""
    thresholds = [
        {"level": data.settings.top1_amber, "color": AMBER},
        {"level": data.settings.top1_red, "color": RED},
    ]
    top_clients = [
        {"rank": c.rank, "name": c.name, "revenue": c.revenue, "share": c.share}
        for c in data.top_clients
    ]
    return {
        "pareto": with_data(_pareto_template(language), pareto=data.pareto),
        "top_clients": with_data(_top_clients_template(language), top_clients=top_clients),
        "top1_trend": with_data(
            _top1_trend_template(language), trend=data.trend, thresholds=thresholds
        ),
        "hhi_trend": with_data(_hhi_trend_template(language), trend=data.trend),
    }


# --- Client card ----------------------------------------------------------------------------


@cache
def _client_revenue_template(language: str) -> Spec:
    with translation.override(language):
        title = _("Revenue")
        bars = (
            alt.Chart(alt.NamedData("monthly"))
            .mark_bar(color=ACCENT)
            .encode(
                # Ordinal: one band per month, labelled by the month, not by its edges.
                x=alt.X(
                    "month:O",
                    timeUnit="utcyearmonth",
                    title=None,
                    axis=alt.Axis(format="%b %Y", labelAngle=0, labelOverlap=True),
                ),
                y=alt.Y("revenue:Q", title=title, axis=alt.Axis(format=",.0f")),
                tooltip=[
                    alt.Tooltip("month:T", timeUnit="utcyearmonth", title=_("Month")),
                    alt.Tooltip("revenue:Q", title=title, format=",.0f"),
                ],
            )
        )
        return finish(bars, SMALL_HEIGHT)


@cache
def _client_share_template(language: str) -> Spec:
    with translation.override(language):
        title = _("Share of revenue")
        line = (
            alt.Chart(alt.NamedData("share_trend"))
            .mark_line(point=True, color=ACCENT)
            .encode(
                x=_month_axis(),
                y=alt.Y("share:Q", title=title, axis=alt.Axis(format=".0%")),
                tooltip=[
                    alt.Tooltip("month_end:T", timeUnit="utcyearmonth", title=_("Month")),
                    alt.Tooltip("share:Q", title=title, format=".1%"),
                    alt.Tooltip("revenue:Q", title=_("Revenue"), format=",.0f"),
                    alt.Tooltip("base:Q", title=_("Company revenue"), format=",.0f"),
                ],
            )
        )
        return finish(line, SMALL_HEIGHT)


def client_charts(figures: ClientFigures, *, language: str) -> dict[str, Spec]:
    return {
        "revenue": with_data(_client_revenue_template(language), monthly=figures.monthly),
        "share": with_data(_client_share_template(language), share_trend=figures.share_trend),
    }


# --- Receivables ----------------------------------------------------------------------------


@cache
def _aging_template(language: str) -> Spec:
    with translation.override(language):
        title = _("Open amount")
        labels = [str(BUCKET_LABELS[b]) for b in BUCKETS]
        bars = (
            alt.Chart(alt.NamedData("aging"))
            .mark_bar()
            .encode(
                x=alt.X(
                    "label:N", sort=labels, title=_("Days past due"), axis=alt.Axis(labelAngle=0)
                ),
                y=alt.Y("amount:Q", title=title, axis=alt.Axis(format=",.0f")),
                color=alt.Color("color:N", scale=None, legend=None),
                tooltip=[
                    alt.Tooltip("label:N", title=_("Days past due")),
                    alt.Tooltip("amount:Q", title=title, format=",.0f"),
                    alt.Tooltip("share:Q", title=_("Share"), format=".1%"),
                ],
            )
        )
        return finish(bars, SMALL_HEIGHT)


@cache
def _dso_template(language: str) -> Spec:
    with translation.override(language):
        title = _("DSO, days")
        line = (
            alt.Chart(alt.NamedData("trend"))
            .mark_line(point=True, color=ACCENT)
            .encode(
                x=alt.X(
                    "month_end:T",
                    title=None,
                    scale=alt.Scale(type="utc"),
                    axis=alt.Axis(format="%b %Y"),
                ),
                y=alt.Y("dso:Q", title=title, axis=alt.Axis(format=",.0f")),
                tooltip=[
                    alt.Tooltip("month_end:T", title=_("Date"), timeUnit="utcyearmonthdate"),
                    alt.Tooltip("dso:Q", title=title, format=",.1f"),
                    alt.Tooltip("outstanding:Q", title=_("Outstanding"), format=",.0f"),
                    alt.Tooltip("overdue:Q", title=_("Overdue"), format=",.0f"),
                    alt.Tooltip("revenue:Q", title=_("Revenue of the DSO window"), format=",.0f"),
                ],
            )
        )
        return finish(line, SMALL_HEIGHT)


@cache
def _days_late_template(language: str) -> Spec:
    with translation.override(language):
        title = _("Days late")
        points = (
            alt.Chart(alt.NamedData("history"))
            .mark_circle(opacity=0.75)
            .encode(
                x=alt.X(
                    "paid_date:T",
                    title=_("Paid on"),
                    scale=alt.Scale(type="utc"),
                    axis=alt.Axis(format="%b %Y"),
                ),
                y=alt.Y("days_late:Q", title=title),
                color=alt.condition(alt.datum.days_late > 0, alt.value(RED), alt.value(GREEN)),
                size=alt.Size("amount:Q", legend=None, scale=alt.Scale(range=[20, 300])),
                tooltip=[
                    alt.Tooltip("document:N", title=_("Document")),
                    alt.Tooltip("paid_date:T", title=_("Paid on"), timeUnit="utcyearmonthdate"),
                    alt.Tooltip("days_late:Q", title=title),
                    alt.Tooltip("amount:Q", title=_("Amount"), format=",.0f"),
                ],
            )
        )
        return finish(points, SMALL_HEIGHT)


def receivables_charts(
    buckets: dict[str, float], trend: tuple[dict[str, Any], ...], *, language: str
) -> dict[str, Spec]:
    """The receivables page's specs: aging by bucket, DSO at each month-end."""
    total = sum(buckets.values())
    with translation.override(language):
        aging = [
            {
                "bucket": bucket,
                "label": str(BUCKET_LABELS[bucket]),
                "amount": buckets[bucket],
                "share": buckets[bucket] / total if total else None,
                "color": BUCKET_COLORS[bucket],
            }
            for bucket in BUCKETS
        ]
    return {
        "aging": with_data(_aging_template(language), aging=aging),
        "dso": with_data(_dso_template(language), trend=[r for r in trend if r["dso"] is not None]),
    }


def days_late_chart(history: tuple[dict[str, Any], ...], *, language: str) -> Spec:
    """The client card's history: each paid document, when it was paid and how late."""
    return with_data(_days_late_template(language), history=history)

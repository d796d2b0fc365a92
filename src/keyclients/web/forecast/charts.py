"""Vega-Lite specs of the cash forecast, built with Altair, drawn by the locally served bundle.

As in insights.charts, a chart's shape (marks, axes, titles in the page's language) does not
depend on the numbers, so it is built once per language (and per "with a scenario or not") and
kept; each request only adds its rows as named datasets. The specs hold no JavaScript and no
external data, so vl-convert renders the same specs to SVG/PNG for reports.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from keyclients.core.analytics.cashflow import CashForecast
from keyclients.web.forecast.selectors import chart_days

Spec = dict[str, Any]

ACCENT = "#1f5fbf"
MUTED = "#98a2b3"
AMBER = "#b54708"
RED = "#b42318"
GREEN = "#067647"
HEIGHT = 280
FLOWS_HEIGHT = 170
DAY_AXIS = alt.Axis(format="%d %b", labelOverlap=True, grid=False)


def _finish(chart: alt.TopLevelMixin, height: int) -> Spec:
    spec: Spec = chart.properties(width="container", height=height).to_dict()
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec["config"] = {
        **spec.get("config", {}),
        "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        "axis": {"labelColor": "#667085", "titleColor": "#667085", "gridColor": "#eef0f3"},
        "legend": {"orient": "top", "title": None, "labelColor": "#667085"},
        "view": {"stroke": None},
    }
    return spec


def _day(field: str = "date") -> alt.X:
    return alt.X(f"{field}:T", timeUnit="utcyearmonthdate", title=None, axis=DAY_AXIS)


def series_labels() -> tuple[str, str]:
    return _("Base"), _("What if")


@cache
def _balance_template(language: str, with_scenario: bool, with_gaps: bool) -> Spec:
    with translation.override(language):
        base, what_if = series_labels()
        balance_title = _("Balance at the end of the day")
        domain = [base, what_if] if with_scenario else [base]
        colors = [MUTED, ACCENT] if with_scenario else [ACCENT]
        gaps = (
            alt.Chart(alt.NamedData("gaps"))
            .mark_rect(color=RED, opacity=0.14)
            .encode(
                x=_day(),
                x2=alt.X2("next:T"),
                tooltip=[alt.Tooltip("date:T", title=_("Below the reserve"), format="%d %b %Y")],
            )
        )
        area = (
            alt.Chart(alt.NamedData("watched"))
            .mark_area(color=ACCENT, opacity=0.08)
            .encode(x=_day(), y=alt.Y("balance:Q"))
        )
        lines = (
            alt.Chart(alt.NamedData("balance"))
            .mark_line(strokeWidth=2, interpolate="step-after")
            .encode(
                x=_day(),
                y=alt.Y("balance:Q", title=balance_title, axis=alt.Axis(format=",.0f")),
                color=alt.Color(
                    "series:N",
                    scale=alt.Scale(domain=domain, range=colors),
                    legend=alt.Legend() if with_scenario else None,
                ),
                tooltip=[
                    alt.Tooltip("date:T", title=_("Date"), format="%d %b %Y"),
                    alt.Tooltip("series:N", title=_("Forecast")),
                    alt.Tooltip("balance:Q", title=balance_title, format=",.0f"),
                ],
            )
        )
        reserve = alt.Chart(alt.NamedData("reserve"))
        rule = reserve.mark_rule(color=AMBER, strokeDash=[5, 4], strokeWidth=1.5).encode(
            y="reserve:Q"
        )
        label = reserve.mark_text(align="left", dx=4, dy=-7, color=AMBER).encode(
            y="reserve:Q", x=alt.value(0), text="label:N"
        )
        layers = [gaps, area, lines, rule, label] if with_gaps else [area, lines, rule, label]
        return _finish(alt.layer(*layers), HEIGHT)


@cache
def _flows_template(language: str) -> Spec:
    with translation.override(language):
        money_in, money_out = _("Money in"), _("Money out")
        bars = (
            alt.Chart(alt.NamedData("flows"))
            .mark_bar()
            .encode(
                x=_day(),
                y=alt.Y("amount:Q", title=_("Flows of the day"), axis=alt.Axis(format=",.0f")),
                color=alt.Color(
                    "kind:N", scale=alt.Scale(domain=[money_in, money_out], range=[GREEN, RED])
                ),
                tooltip=[
                    alt.Tooltip("date:T", title=_("Date"), format="%d %b %Y"),
                    alt.Tooltip("kind:N", title=_("Flow")),
                    alt.Tooltip("amount:Q", title=_("Amount"), format=",.0f"),
                ],
            )
        )
        return _finish(bars, FLOWS_HEIGHT)


def _with_data(template: Spec, **datasets: list[dict[str, Any]]) -> Spec:
    return {**template, "datasets": datasets}


def forecast_charts(
    base: CashForecast, scenario: CashForecast | None, *, language: str
) -> dict[str, Spec]:
    """The balance by day (base, and the scenario's line when there is one; the reserve as a
    dashed rule; the days below it shaded red) and the day's money in and out below it (of the
    scenario when there is one)."""
    with translation.override(language):
        base_label, what_if_label = series_labels()
        money_in, money_out = _("Money in"), _("Money out")
        reserve_label = _("Reserve")
    watched = scenario or base
    base_days = chart_days(base)
    watched_days = chart_days(watched)
    balance = [{**row, "series": base_label} for row in base_days]
    if scenario is not None:
        balance += [{**row, "series": what_if_label} for row in watched_days]
    gaps = [
        {"date": row["date"], "next": (day + timedelta(days=1)).isoformat()}
        for row, day in zip(watched_days, watched.days.get_column("date"), strict=True)
        if row["below"]
    ]
    flows = [
        {"date": row["date"], "amount": row["inflow"], "kind": money_in}
        for row in watched_days
        if row["inflow"]
    ] + [
        {"date": row["date"], "amount": -row["outflow"], "kind": money_out}
        for row in watched_days
        if row["outflow"]
    ]
    return {
        "balance": _with_data(
            _balance_template(language, scenario is not None, bool(gaps)),
            balance=balance,
            watched=watched_days,
            gaps=gaps,
            reserve=[{"reserve": watched.reserve, "label": reserve_label}],
        ),
        "flows": _with_data(_flows_template(language), flows=flows),
    }

"""The report's charts as SVG: the overview's own Vega-Lite specs, rendered by vl-convert.

The Pareto curve is the very spec the overview page draws (`insights.charts.overview_charts`);
the cash balance is built here the same way (Altair, translated once per language). A page
spec is as wide as its container; a PDF page has none, so the width is fixed before rendering,
and numbers and dates take the report's language through vl-convert's d3 locales.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import altair as alt
import vl_convert
from django.utils import translation
from django.utils.translation import gettext as _

from keyclients.web.insights import charts as insights_charts
from keyclients.web.insights.charts import ACCENT, RED, SMALL_HEIGHT, Spec
from keyclients.web.reports.selectors import ReportData

SVG_WIDTH = 330  # px: two charts side by side on an A4 page
SVG_HEIGHT = 210
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"  # Debian fonts with Cyrillic
SCENARIO_COLORS = [ACCENT, RED]

_LOCALES = {"ru": "ru-RU", "en": "en-US"}


def _for_print(spec: Spec, *, width: int, height: int) -> Spec:
    printed: Spec = {**spec, "width": width, "height": height}
    printed["autosize"] = {"type": "fit", "contains": "padding"}
    printed["config"] = {**spec.get("config", {}), "font": FONT}
    return printed


def to_svg(spec: Spec, *, language: str, width: int = SVG_WIDTH, height: int = SVG_HEIGHT) -> str:
    """One spec as an SVG document, with numbers and dates in `language`."""
    locale = _LOCALES.get(language, _LOCALES["en"])
    return str(
        vl_convert.vegalite_to_svg(
            _for_print(spec, width=width, height=height),
            vl_version=insights_charts.VEGA_LITE_VERSION,
            format_locale=locale,
            time_format_locale=locale,
        )
    )


@cache
def _balance_template(language: str) -> Spec:
    with translation.override(language):
        title = _("Balance")
        line = (
            alt.Chart(alt.NamedData("balance"))
            .mark_line(interpolate="step-after")
            .encode(
                x=alt.X("date:T", title=None, axis=alt.Axis(format="%d.%m", labelOverlap=True)),
                y=alt.Y("balance:Q", title=title, axis=alt.Axis(format="~s")),
                color=alt.Color(
                    "scenario:N",
                    title=None,
                    sort=None,
                    scale=alt.Scale(range=SCENARIO_COLORS),
                    legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320),
                ),
                tooltip=[
                    alt.Tooltip("date:T", title=_("Date")),
                    alt.Tooltip("scenario:N", title=_("Scenario")),
                    alt.Tooltip("balance:Q", title=title, format=",.0f"),
                ],
            )
        )
        reserve = (
            alt.Chart(alt.NamedData("reserve"))
            .mark_rule(color=RED, strokeDash=[4, 4])
            .encode(y="reserve:Q")
        )
        spec: Spec = alt.layer(line, reserve).properties(height=SMALL_HEIGHT).to_dict()
        return spec


def scenario_label(*, top_client: str | None) -> str:
    return _("Without %(client)s") % {"client": top_client} if top_client else ""


def balance_spec(data: ReportData, *, language: str) -> Spec | None:
    """The day-by-day balance, base and without the top client; None without a forecast."""
    forecast = data.forecast
    if forecast is None:
        return None
    with translation.override(language):
        rows: list[dict[str, Any]] = [
            {"date": day.isoformat(), "balance": balance, "scenario": _("Base forecast")}
            for day, balance in forecast.base.days.select("date", "balance").iter_rows()
        ]
        if forecast.lose_top is not None:
            label = scenario_label(top_client=forecast.top_client)
            rows += [
                {"date": day.isoformat(), "balance": balance, "scenario": label}
                for day, balance in forecast.lose_top.days.select("date", "balance").iter_rows()
            ]
    return {
        **_balance_template(language),
        "datasets": {"balance": rows, "reserve": [{"reserve": forecast.base.reserve}]},
    }


def report_svgs(data: ReportData, *, language: str) -> dict[str, str]:
    """`pareto` (the overview's spec) and, with a forecast, `balance`, as SVG text."""
    svgs = {
        "pareto": to_svg(
            insights_charts.overview_charts(data.overview, language=language)["pareto"],
            language=language,
        )
    }
    balance = balance_spec(data, language=language)
    if balance is not None:
        svgs["balance"] = to_svg(balance, language=language)
    return svgs

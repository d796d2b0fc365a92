"""The owner's one-pager as PDF: an HTML page (Django template) laid out by WeasyPrint.

WeasyPrint runs in-process on Debian's pango (`libpango-1.0-0`) with DejaVu fonts for Cyrillic;
the charts are the overview's Vega-Lite specs rendered to SVG by vl-convert and embedded as
images. `one_pager_html` is the same page as HTML (a browser can print it too).
"""

from __future__ import annotations

import base64
from typing import Any

import polars as pl
from django.template.loader import render_to_string
from django.utils import translation

from keyclients.web.reports import charts, labels, texts
from keyclients.web.reports.selectors import ReportData


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


TOP_CLIENTS = 5


def _top_clients(data: ReportData) -> list[dict[str, Any]]:
    ranked = data.clients.filter(pl.col("rank").is_not_null()).head(TOP_CLIENTS)
    return [
        {**row, "reasons": labels.joined(row["key_reasons"], labels.KEY_REASONS)}
        for row in ranked.iter_rows(named=True)
    ]


def one_pager_html(data: ReportData, *, language: str) -> str:
    with translation.override(language):
        svgs = charts.report_svgs(data, language=language)
        forecast = data.forecast
        context = {
            "data": data,
            "company": data.company,
            "period": data.period,
            "language": language,
            "headlines": texts.headlines(data),
            "findings": texts.findings(data),
            "plan": texts.plan_sentences(data),
            "top_clients": _top_clients(data),
            "pareto": _data_uri(svgs["pareto"]),
            "balance": _data_uri(svgs["balance"]) if "balance" in svgs else None,
            "lose_label": charts.scenario_label(top_client=forecast.top_client)
            if forecast is not None
            else "",
        }
        return render_to_string("reports/one_pager.html", context)


def report_pdf(data: ReportData, *, language: str) -> bytes:
    """The one-pager of `data` in `language` as PDF bytes."""
    from weasyprint import HTML  # imported here: it loads pango, ~1 s, only when a PDF is made

    return bytes(HTML(string=one_pager_html(data, language=language)).write_pdf())

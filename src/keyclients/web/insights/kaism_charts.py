"""The KAISM matrix as a Vega-Lite bubble chart, built with Altair (see `charts`).

x = our importance to the client (horizontal axis), y = the client's importance to us
(vertical), bubble area = LTM revenue, colour = quadrant; dashed lines at the company's
threshold; the tooltip lists every criterion's score, and a click on a bubble opens the client
card (a Vega-Lite `href` channel, so the same spec renders to SVG with vl-convert).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from keyclients.core.analytics import kaism as core_kaism
from keyclients.web.insights import words
from keyclients.web.insights.charts import Spec, finish, with_data

HEIGHT = 520
QUADRANT_COLOURS = {
    core_kaism.QUADRANT_KEY: "#1f5fbf",
    core_kaism.QUADRANT_KEY_DEVELOPMENT: "#12b76a",
    core_kaism.QUADRANT_MAINTENANCE: "#f79009",
    core_kaism.QUADRANT_OPPORTUNISTIC: "#98a2b3",
}
# Where each quadrant's name is written: its outer corner.
CORNERS = {
    core_kaism.QUADRANT_KEY: (10.0, 10.0, "right", "top"),
    core_kaism.QUADRANT_KEY_DEVELOPMENT: (0.0, 10.0, "left", "top"),
    core_kaism.QUADRANT_MAINTENANCE: (10.0, 0.0, "right", "bottom"),
    core_kaism.QUADRANT_OPPORTUNISTIC: (0.0, 0.0, "left", "bottom"),
}
Criteria = tuple[tuple[str, str], ...]  # (field of the score in the data, label)


def score_field(criterion_key: str) -> str:
    return f"score_{criterion_key}"


@lru_cache(maxsize=64)
def _matrix_template(language: str, names: str, threshold: float, criteria: Criteria) -> Spec:
    with translation.override(language):
        quadrants = list(core_kaism.QUADRANTS)
        labels = [words.quadrant_label(key, names=names) for key in quadrants]
        x_title = str(words.AXIS_NAMES[core_kaism.HORIZONTAL])
        y_title = str(words.AXIS_NAMES[core_kaism.VERTICAL])
        domain = alt.Scale(domain=[0, 10], nice=False, zero=True)
        bubbles = (
            alt.Chart(alt.NamedData("clients"))
            .mark_circle(opacity=0.7, stroke="#ffffff", strokeWidth=1, cursor="pointer")
            .encode(
                x=alt.X("horizontal:Q", title=x_title, scale=domain),
                y=alt.Y("vertical:Q", title=y_title, scale=domain),
                size=alt.Size(
                    "revenue:Q",
                    title=_("Revenue"),
                    scale=alt.Scale(range=[40, 2000], zero=True),
                    legend=None,
                ),
                color=alt.Color(
                    "quadrant:N",
                    title=_("Quadrant"),
                    scale=alt.Scale(
                        domain=labels, range=[QUADRANT_COLOURS[key] for key in quadrants]
                    ),
                    legend=alt.Legend(orient="bottom", labelLimit=0),
                ),
                href=alt.Href("url:N"),
                tooltip=[
                    alt.Tooltip("client:N", title=_("Client")),
                    alt.Tooltip("quadrant:N", title=_("Quadrant")),
                    alt.Tooltip("vertical:Q", title=y_title, format=".1f"),
                    alt.Tooltip("horizontal:Q", title=x_title, format=".1f"),
                    alt.Tooltip("revenue:Q", title=_("Revenue"), format=",.0f"),
                    *[
                        alt.Tooltip(f"{field}:Q", title=label, format=".1f")
                        for field, label in criteria
                    ],
                ],
            )
        )
        lines = alt.Chart(alt.Data(values=[{"level": threshold}]))
        vertical_rule = lines.mark_rule(color="#667085", strokeDash=[4, 4]).encode(x="level:Q")
        horizontal_rule = lines.mark_rule(color="#667085", strokeDash=[4, 4]).encode(y="level:Q")
        corners = [
            alt.Chart(alt.Data(values=[{"x": x, "y": y, "label": label}]))
            .mark_text(
                align=align,  # type: ignore[arg-type]
                baseline=baseline,  # type: ignore[arg-type]
                dx=-6 if align == "right" else 6,
                dy=6 if baseline == "top" else -6,
                color=QUADRANT_COLOURS[key],
                fontWeight="bold",
            )
            .encode(x="x:Q", y="y:Q", text="label:N")
            for key, label in zip(quadrants, labels, strict=True)
            for x, y, align, baseline in [CORNERS[key]]
        ]
        return finish(alt.layer(vertical_rule, horizontal_rule, *corners, bubbles), HEIGHT)


def kaism_chart(
    points: Sequence[dict[str, Any]],
    *,
    language: str,
    names: str,
    threshold: float,
    criteria: Criteria,
) -> Spec:
    """The matrix spec with its clients: each point has client, url, vertical, horizontal,
    revenue, quadrant (the label) and `score_<criterion>` for the criteria in `criteria`."""
    template = _matrix_template(language, names, threshold, criteria)
    return with_data(template, clients=points)

"""The owner's one-pager in plain words: the five numbers, the warnings and the plan.

Every sentence states a figure of `ReportData` (the core's); nothing is computed here but the
wording. Call inside `translation.override(language)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from keyclients.core.analytics.concentration import LEVEL_HIGH, MAJOR_SHARE
from keyclients.web.formatting import format_money
from keyclients.web.insights.templatetags.insights import number, percent
from keyclients.web.reports import labels
from keyclients.web.reports.selectors import ReportData

DANGER = "danger"
WARNING = "warning"
LIST_NAMES = 3  # clients named in one sentence


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    note: str
    tone: str = ""  # "", WARNING or DANGER


@dataclass(frozen=True)
class Finding:
    text: str
    tone: str = WARNING


def _money(data: ReportData, value: float | None) -> str:
    if value is None:
        return "—"
    return format_money(value, currency=data.company.currency)


def _day(value: date | None) -> str:
    return "—" if value is None else str(formats.date_format(value, "DATE_FORMAT"))


def headlines(data: ReportData) -> list[Headline]:
    """Top-1 share, HHI and level, key clients, overdue, cash-gap date."""
    figures = data.figures
    top = data.top_client
    band = data.overview.top1_band
    result = [
        Headline(
            _("Top-1 client's share"),
            percent(figures.top1_share),
            top["client"] if top else "",
            {"red": DANGER, "amber": WARNING}.get(band, ""),
        ),
        Headline(
            _("HHI"),
            number(figures.hhi),
            labels.hhi_level(figures.level),
            DANGER if figures.level == LEVEL_HIGH else "",
        ),
        Headline(
            _("Key clients"),
            number(data.key_clients),
            ngettext(
                "of %(count)s client with revenue",
                "of %(count)s clients with revenue",
                figures.clients_positive,
            )
            % {"count": number(figures.clients_positive)},
        ),
    ]
    settlement = data.receivables
    if settlement is None:
        result.append(Headline(_("Overdue"), "—", _("no payments imported yet")))
    else:
        totals = settlement.totals
        result.append(
            Headline(
                _("Overdue"),
                _money(data, totals.overdue),
                _("of %(outstanding)s outstanding")
                % {"outstanding": _money(data, totals.outstanding)},
                DANGER if totals.buckets["over_90"] > 0 else (WARNING if totals.overdue else ""),
            )
        )
    forecast = data.forecast
    if forecast is None:
        result.append(Headline(_("Cash gap"), "—", _("the cash forecast is not set up yet")))
    elif forecast.base.first_gap_date is None:
        result.append(
            Headline(
                _("Cash gap"),
                _("none"),
                _("within %(days)s days; lowest %(min)s on %(day)s")
                % {
                    "days": forecast.base.horizon_days,
                    "min": _money(data, forecast.base.min_balance),
                    "day": _day(forecast.base.min_balance_date),
                },
            )
        )
    else:
        result.append(
            Headline(
                _("Cash gap"),
                _day(forecast.base.first_gap_date),
                _("lowest %(min)s on %(day)s")
                % {
                    "min": _money(data, forecast.base.min_balance),
                    "day": _day(forecast.base.min_balance_date),
                },
                DANGER,
            )
        )
    return result


def findings(data: ReportData) -> list[Finding]:
    """The warnings worth an owner's minute, most serious first."""
    figures = data.figures
    top = data.top_client
    found: list[Finding] = []
    if figures.mono_client and top is not None:
        found.append(
            Finding(
                _(
                    "Mono-client: %(client)s brings %(share)s of the revenue. Losing it would "
                    "cut the revenue by more than half."
                )
                % {"client": top["client"], "share": percent(figures.top1_share)},
                DANGER,
            )
        )
    major = data.clients.filter(pl.col("share") >= MAJOR_SHARE)
    if major.height:
        names = major.get_column("client").to_list()
        found.append(
            Finding(
                ngettext(
                    "%(count)s client brings 10%% or more of the revenue: %(names)s.",
                    "%(count)s clients bring 10%% or more of the revenue each: %(names)s.",
                    len(names),
                )
                % {"count": len(names), "names": ", ".join(names[:LIST_NAMES])},
                DANGER if figures.mono_client else WARNING,
            )
        )
    if figures.level == LEVEL_HIGH:
        found.append(
            Finding(
                _(
                    "Revenue is highly concentrated: HHI %(hhi)s, as if the business had only "
                    "%(effective)s equal clients."
                )
                % {"hhi": number(figures.hhi), "effective": number(figures.effective_clients, 1)}
            )
        )
    found += _receivable_findings(data)
    found += _cash_findings(data)
    dormant_key = data.clients.filter(pl.col("is_key") & pl.col("dormant").fill_null(False))
    if dormant_key.height:
        found.append(
            Finding(
                _("Key clients with no purchases in the last 3 months: %(names)s.")
                % {"names": ", ".join(dormant_key.get_column("client").to_list()[:LIST_NAMES])}
            )
        )
    signalled = data.signals.get_column("client_id").n_unique()
    if signalled:
        found.append(
            Finding(
                ngettext(
                    "%(count)s client shows early-warning signals.",
                    "%(count)s clients show early-warning signals.",
                    signalled,
                )
                % {"count": signalled}
            )
        )
    return found


def _receivable_findings(data: ReportData) -> list[Finding]:
    settlement = data.receivables
    if settlement is None or not settlement.totals.overdue:
        return []
    totals = settlement.totals
    worst = settlement.clients.sort("overdue", descending=True).filter(pl.col("overdue") > 0)
    names = ", ".join(worst.get_column("client").to_list()[:LIST_NAMES])
    return [
        Finding(
            _(
                "%(overdue)s is overdue, %(over_90)s of it for more than 90 days; "
                "most of it owed by %(names)s."
            )
            % {
                "overdue": _money(data, totals.overdue),
                "over_90": _money(data, totals.buckets["over_90"]),
                "names": names,
            },
            DANGER if totals.buckets["over_90"] > 0 else WARNING,
        )
    ]


def _cash_findings(data: ReportData) -> list[Finding]:
    forecast = data.forecast
    if forecast is None:
        return []
    found = []
    base, lose = forecast.base, forecast.lose_top
    if base.first_gap_date is not None:
        found.append(
            Finding(
                _(
                    "Cash falls below the reserve on %(day)s and stays there %(days)s day(s) of "
                    "%(horizon)s; the lowest balance is %(min)s."
                )
                % {
                    "day": _day(base.first_gap_date),
                    "days": base.days_below_reserve,
                    "horizon": base.horizon_days,
                    "min": _money(data, base.min_balance),
                },
                DANGER,
            )
        )
    if lose is not None:
        earlier = lose.first_gap_date is not None and (
            base.first_gap_date is None or lose.first_gap_date < base.first_gap_date
        )
        if earlier:
            text = _(
                "If %(client)s left tomorrow, cash would fall below the reserve on %(day)s "
                "(lowest %(min)s)."
            ) % {
                "client": forecast.top_client,
                "day": _day(lose.first_gap_date),
                "min": _money(data, lose.min_balance),
            }
        else:
            text = _(
                "If %(client)s left tomorrow, %(lost)s of expected receipts would not come in "
                "within %(horizon)s days; the lowest balance would be %(min)s."
            ) % {
                "client": forecast.top_client,
                "lost": _money(data, forecast.lost_receipts),
                "horizon": base.horizon_days,
                "min": _money(data, lose.min_balance),
            }
        found.append(Finding(text, DANGER if earlier else WARNING))
    return found


def plan_sentences(data: ReportData) -> list[str]:
    """The diversification plan: what new business brings the dependence to its targets."""
    plan = data.diversification
    capacity = plan.new_clients
    sentences = []
    for target, goal in (
        (plan.top1, _("a top-1 share of %(target)s") % {"target": percent(plan.top1.target, 0)}),
        (plan.hhi, _("an HHI of %(target)s") % {"target": number(plan.hhi.target)}),
    ):
        if target.current is None or target.extra_revenue is None:
            continue
        if target.extra_revenue == 0:
            sentences.append(_("The target of %(goal)s is already met.") % {"goal": goal})
            continue
        text = _("To reach %(goal)s, other clients must bring %(extra)s more revenue a year") % {
            "goal": goal,
            "extra": _money(data, target.extra_revenue),
        }
        if target.new_clients is not None:
            text += _(": about %(clients)s new clients of the typical size (%(typical)s)") % {
                "clients": number(target.new_clients),
                "typical": _money(data, capacity.typical_revenue),
            }
            if target.months is not None:
                text += _(", %(months)s months at the current pace of %(rate)s a month") % {
                    "months": number(target.months, 0),
                    "rate": number(capacity.acquisition_rate, 1),
                }
        sentences.append(text + ".")
    return sentences

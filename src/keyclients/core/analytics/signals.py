"""Early-warning signals (DESIGN §4 "Early-warning signals"): per client, with the numbers that
fired each one.

Entry point: `client_signals(as_of=, sales=, ...)` returns one row per fired signal. Only
`sales` is required; a signal whose inputs are not given is not evaluated (and never fires).

- `revenue_drop` (sales): revenue of the last 3 full months < 70% of the same 3 months a
  year before;
- `silence` (sales, dated by day): days since the last sale > 2 × the median interval between
  sale days, and > 30;
- `paying_later` (paid_documents): the average days late of documents paid in the last 90
  days is up by 15 or more on the 90 days before;
- `overdue` (open_documents): an open document is more than 30 days past due;
- `no_touch` (last_interactions + quadrants): no interaction for longer than the quadrant's
  contact frequency;
- `no_decision_maker` (contacts): no decision maker recorded;
- `single_threaded` (contacts): exactly one active contact.

Severity is per signal: `danger` where money is already affected (revenue_drop, overdue),
`warning` for the behaviour that comes before it (the rest).

`signal_since(signal, evidence, as_of=)` tells from a fired signal's evidence since which day it
has been firing (for a list of warnings, newest first).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

import polars as pl

from keyclients.core.analytics.abc_xyz import stability_periods
from keyclients.core.analytics.concentration import EPSILON
from keyclients.core.analytics.kaism import QUADRANTS

SIGNAL_REVENUE_DROP = "revenue_drop"
SIGNAL_SILENCE = "silence"
SIGNAL_PAYING_LATER = "paying_later"
SIGNAL_OVERDUE = "overdue"
SIGNAL_NO_TOUCH = "no_touch"
SIGNAL_NO_DECISION_MAKER = "no_decision_maker"
SIGNAL_SINGLE_THREADED = "single_threaded"
SIGNALS = (
    SIGNAL_REVENUE_DROP,
    SIGNAL_SILENCE,
    SIGNAL_PAYING_LATER,
    SIGNAL_OVERDUE,
    SIGNAL_NO_TOUCH,
    SIGNAL_NO_DECISION_MAKER,
    SIGNAL_SINGLE_THREADED,
)
SEVERITY_WARNING = "warning"
SEVERITY_DANGER = "danger"
SEVERITIES: dict[str, str] = {
    SIGNAL_REVENUE_DROP: SEVERITY_DANGER,
    SIGNAL_SILENCE: SEVERITY_WARNING,
    SIGNAL_PAYING_LATER: SEVERITY_WARNING,
    SIGNAL_OVERDUE: SEVERITY_DANGER,
    SIGNAL_NO_TOUCH: SEVERITY_WARNING,
    SIGNAL_NO_DECISION_MAKER: SEVERITY_WARNING,
    SIGNAL_SINGLE_THREADED: SEVERITY_WARNING,
}
MESSAGE_KEYS: dict[str, str] = {signal: f"signal.{signal}" for signal in SIGNALS}

REVENUE_DROP_RATIO = 0.70  # fires below 70% of the same months a year before
SILENCE_MEDIAN_MULTIPLE = 2.0  # fires above 2 × the median interval between sale days ...
SILENCE_MIN_DAYS = 30  # ... and above 30 days
SILENCE_LOST_AFTER_DAYS = 365  # a client silent for longer is lost: no longer an early warning
PAYING_LATER_WINDOW_DAYS = 90  # the last 90 days (as_of included) vs the 90 days before
PAYING_LATER_INCREASE_DAYS = 15.0  # fires when the average is up by 15 days or more
OVERDUE_DAYS = 30  # fires for documents more than 30 days past due

SALES_COLUMNS = ("client_key", "date", "amount")
PAID_COLUMNS = ("client_key", "paid_date", "days_late")  # optional: amount (weights)
OPEN_COLUMNS = ("client_key", "days_past_due", "outstanding")
INTERACTION_COLUMNS = ("client_key", "last_interaction")
QUADRANT_COLUMNS = ("client_key", "quadrant")
CONTACT_COLUMNS = ("client_key", "decision_maker_known", "active_contacts")

COLUMNS_MISSING = "a signal input lacks columns"
CONTACT_DAYS_INVALID = "contact days must be positive"

EVIDENCE_TYPE = pl.List(pl.Struct({"name": pl.String(), "value": pl.Float64()}))
SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "signal": pl.String(),  # one of SIGNALS
    "severity": pl.String(),  # "warning" or "danger"
    "fired_on": pl.Date(),  # the date the signals were evaluated (as_of)
    "evidence": EVIDENCE_TYPE,  # [{"name", "value"}], in a fixed order per signal
    "message_key": pl.String(),  # stable id for the translated message: "signal.<signal>"
}

Evidence = tuple[tuple[str, float | None], ...]


@dataclass(frozen=True)
class FiredSignal:
    client_key: str
    signal: str
    evidence: Evidence


def evidence_dict(evidence: Sequence[Mapping[str, object]]) -> dict[str, float | None]:
    """The evidence of one row of `client_signals` as {name: value}."""
    result: dict[str, float | None] = {}
    for item in evidence:
        value = item["value"]
        result[str(item["name"])] = float(value) if isinstance(value, int | float) else None
    return result


def client_signals(
    *,
    as_of: date,
    sales: pl.DataFrame,
    paid_documents: pl.DataFrame | None = None,
    open_documents: pl.DataFrame | None = None,
    last_interactions: pl.DataFrame | None = None,
    quadrants: pl.DataFrame | None = None,
    contacts: pl.DataFrame | None = None,
    contact_days: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Every signal that fires at `as_of`, one row per client and signal (SIGNALS_SCHEMA),
    sorted by client_key, then in SIGNALS order.

    - `sales`: client_key, date, amount — lines or per-client-day sums (silence needs days).
      Only rows dated on or before `as_of` count.
    - `paid_documents`: client_key, paid_date, days_late, and optionally amount: then the
      averages are weighted by amount (as the receivables' average days late is), else each
      document counts once.
    - `open_documents`: client_key, days_past_due, outstanding, as at `as_of`.
    - `last_interactions`: client_key, last_interaction (date); with `quadrants` (client_key,
      quadrant, e.g. `kaism_positions`) for `no_touch`. A client with a quadrant but no
      interaction on record fires. `contact_days` overrides the quadrants' defaults.
    - `contacts`: client_key, decision_maker_known, active_contacts (e.g. `kaism_metrics`);
      only the clients in it are evaluated, and a null fact is not evaluated.
    """
    fired: list[FiredSignal] = [
        *revenue_drop_signals(sales, as_of=as_of),
        *silence_signals(sales, as_of=as_of),
    ]
    if paid_documents is not None:
        fired += paying_later_signals(paid_documents, as_of=as_of)
    if open_documents is not None:
        fired += overdue_signals(open_documents)
    if last_interactions is not None and quadrants is not None:
        fired += no_touch_signals(
            last_interactions, quadrants, as_of=as_of, contact_days=contact_days
        )
    if contacts is not None:
        fired += contact_signals(contacts)
    order = {signal: index for index, signal in enumerate(SIGNALS)}
    fired.sort(key=lambda item: (item.client_key, order[item.signal]))
    return pl.DataFrame(
        {
            "client_key": [item.client_key for item in fired],
            "signal": [item.signal for item in fired],
            "severity": [SEVERITIES[item.signal] for item in fired],
            "fired_on": [as_of] * len(fired),
            "evidence": [
                [{"name": name, "value": value} for name, value in item.evidence] for item in fired
            ],
            "message_key": [MESSAGE_KEYS[item.signal] for item in fired],
        },
        schema=SIGNALS_SCHEMA,
    )


# --- Since when ------------------------------------------------------------------------------


def signal_since(signal: str, evidence: Mapping[str, float | None], *, as_of: date) -> date:
    """The first day of the run of days up to `as_of` on which this signal fires, as far as its
    evidence tells; `as_of` when it does not (revenue_drop, paying_later, the dossier signals,
    no_touch without any interaction on record).

    - silence: the day the days since the last sale first exceed both 2 × the median interval
      and 30 (the sale days, and so the median, stay the same after the last sale);
    - overdue: the day the oldest open document became more than 30 days past due;
    - no_touch: the day after the contact frequency ran out.
    """
    value = evidence.get
    if signal == SIGNAL_SILENCE:
        since_last, median = value("days_since_last_sale"), value("median_interval_days")
        if since_last is not None and median is not None:
            last_sale = as_of - timedelta(days=round(since_last))
            limit = max(SILENCE_MEDIAN_MULTIPLE * median, float(SILENCE_MIN_DAYS))
            return last_sale + timedelta(days=math.floor(limit) + 1)
    if signal == SIGNAL_OVERDUE:
        max_days = value("max_days_past_due")
        if max_days is not None:
            return as_of - timedelta(days=round(max_days) - (OVERDUE_DAYS + 1))
    if signal == SIGNAL_NO_TOUCH:
        since_touch, allowed = value("days_since_last_interaction"), value("contact_days")
        if since_touch is not None and allowed is not None:
            return as_of - timedelta(days=round(since_touch) - round(allowed) - 1)
    return as_of


# --- One function per signal ----------------------------------------------------------------


def revenue_drop_signals(sales: pl.DataFrame, *, as_of: date) -> list[FiredSignal]:
    """Revenue of the last 3 full months (abc_xyz.stability_periods) below 70% of the same
    months a year before. Clients without positive revenue a year before are not evaluated."""
    periods = stability_periods(as_of)
    lines = _sales_lines(sales, as_of)
    sums = lines.group_by("client_key").agg(
        pl.col("amount")
        .filter(pl.col("date").is_between(periods.recent_from, periods.ltm_to))
        .sum()
        .alias("recent"),
        pl.col("amount")
        .filter(
            pl.col("date").is_between(
                periods.recent_year_before_from, periods.recent_year_before_to
            )
        )
        .sum()
        .alias("year_before"),
    )
    fired = []
    for client, recent, year_before in sums.sort("client_key").iter_rows():
        if not year_before > 0:
            continue
        ratio = recent / year_before
        if ratio < REVENUE_DROP_RATIO - EPSILON:
            evidence = (
                ("revenue_last_3_months", recent),
                ("revenue_year_before", year_before),
                ("ratio", ratio),
            )
            fired.append(FiredSignal(client, SIGNAL_REVENUE_DROP, evidence))
    return fired


def silence_signals(sales: pl.DataFrame, *, as_of: date) -> list[FiredSignal]:
    """Days since the last sale day > 2 × the median interval between sale days, and > 30.

    A sale day is a day whose rows net to a positive amount. Clients with fewer than two sale
    days (no interval yet) or none in the last 365 days (lost, not at risk) are not evaluated.
    """
    days = (
        _sales_lines(sales, as_of)
        .group_by("client_key", "date")
        .agg(pl.col("amount").sum())
        .filter(pl.col("amount") > 0)
        .group_by("client_key")
        .agg(pl.col("date").sort())
        .sort("client_key")
    )
    fired = []
    for client, sale_days in days.iter_rows():
        if len(sale_days) < 2:
            continue
        since_last = (as_of - sale_days[-1]).days
        if since_last > SILENCE_LOST_AFTER_DAYS:
            continue
        median_interval = statistics.median(
            (later - earlier).days for earlier, later in pairwise(sale_days)
        )
        if since_last > SILENCE_MEDIAN_MULTIPLE * median_interval and since_last > SILENCE_MIN_DAYS:
            evidence = (
                ("days_since_last_sale", float(since_last)),
                ("median_interval_days", float(median_interval)),
            )
            fired.append(FiredSignal(client, SIGNAL_SILENCE, evidence))
    return fired


def paying_later_signals(paid_documents: pl.DataFrame, *, as_of: date) -> list[FiredSignal]:
    """Average days late of the documents paid in the last 90 days (as_of − 89 .. as_of) up by
    15 days or more vs those paid in the 90 days before (as_of − 179 .. as_of − 90).

    Clients without a paid document in either window are not evaluated.
    """
    _check_columns(paid_documents, PAID_COLUMNS)
    weighted = "amount" in paid_documents.columns
    last_from = as_of - timedelta(days=PAYING_LATER_WINDOW_DAYS - 1)
    prior_from = last_from - timedelta(days=PAYING_LATER_WINDOW_DAYS)
    documents = paid_documents.select(
        pl.col("client_key").cast(pl.String),
        pl.col("paid_date").cast(pl.Date),
        pl.col("days_late").cast(pl.Float64),
        (pl.col("amount") if weighted else pl.lit(1.0)).cast(pl.Float64).alias("weight"),
    ).filter(
        pl.col("paid_date").is_between(prior_from, as_of)
        & pl.col("days_late").is_not_null()
        & (pl.col("weight") > 0)
    )
    documents = documents.sort(documents.columns)  # sums independent of the input order
    by_window: dict[str, dict[bool, list[tuple[float, float]]]] = {}
    for client, paid, days_late, weight in documents.iter_rows():
        windows = by_window.setdefault(client, {True: [], False: []})
        windows[paid >= last_from].append((days_late, weight))
    fired = []
    for client in sorted(by_window):
        last, prior = by_window[client][True], by_window[client][False]
        if not last or not prior:
            continue
        last_average, prior_average = _weighted_mean(last), _weighted_mean(prior)
        increase = last_average - prior_average
        if increase >= PAYING_LATER_INCREASE_DAYS - EPSILON:
            evidence = (
                ("avg_days_late_last_90_days", last_average),
                ("avg_days_late_prior_90_days", prior_average),
                ("increase_days", increase),
                ("documents_last_90_days", float(len(last))),
                ("documents_prior_90_days", float(len(prior))),
            )
            fired.append(FiredSignal(client, SIGNAL_PAYING_LATER, evidence))
    return fired


def overdue_signals(open_documents: pl.DataFrame) -> list[FiredSignal]:
    """Open documents more than 30 days past due with an amount outstanding."""
    _check_columns(open_documents, OPEN_COLUMNS)
    overdue = open_documents.select(
        pl.col("client_key").cast(pl.String),
        pl.col("days_past_due").cast(pl.Int64),
        pl.col("outstanding").cast(pl.Float64),
    ).filter((pl.col("days_past_due") > OVERDUE_DAYS) & (pl.col("outstanding") > 0))
    per_client = (
        overdue.sort(overdue.columns)
        .group_by("client_key")
        .agg(
            pl.col("outstanding").sum().alias("overdue_amount"),
            pl.len().alias("documents"),
            pl.col("days_past_due").max().alias("max_days_past_due"),
        )
        .sort("client_key")
    )
    return [
        FiredSignal(
            client,
            SIGNAL_OVERDUE,
            (
                ("overdue_amount", amount),
                ("documents", float(documents)),
                ("max_days_past_due", float(max_days)),
            ),
        )
        for client, amount, documents, max_days in per_client.iter_rows()
    ]


def no_touch_signals(
    last_interactions: pl.DataFrame,
    quadrants: pl.DataFrame,
    *,
    as_of: date,
    contact_days: Mapping[str, int] | None = None,
) -> list[FiredSignal]:
    """No interaction for longer than the client's quadrant's contact frequency (days).

    Clients without a quadrant are not evaluated; a client with one and no interaction on
    record fires, with days_since_last_interaction null.
    """
    _check_columns(last_interactions, INTERACTION_COLUMNS)
    _check_columns(quadrants, QUADRANT_COLUMNS)
    frequency = {key: quadrant.contact_days for key, quadrant in QUADRANTS.items()}
    frequency.update(contact_days or {})
    if any(days <= 0 for days in frequency.values()):
        raise ValueError(CONTACT_DAYS_INVALID)
    last_by_client: dict[str, date] = {}
    for client, last in last_interactions.select(INTERACTION_COLUMNS).iter_rows():
        if last is not None and last <= as_of:
            last_by_client[client] = max(last, last_by_client.get(client, last))
    fired = []
    placed = quadrants.select(QUADRANT_COLUMNS).filter(pl.col("quadrant").is_in(list(frequency)))
    for client, quadrant_key in placed.sort("client_key").iter_rows():
        allowed = frequency[quadrant_key]
        last = last_by_client.get(client)
        since = None if last is None else (as_of - last).days
        if since is None or since > allowed:
            evidence = (
                ("days_since_last_interaction", None if since is None else float(since)),
                ("contact_days", float(allowed)),
            )
            fired.append(FiredSignal(client, SIGNAL_NO_TOUCH, evidence))
    return fired


def contact_signals(contacts: pl.DataFrame) -> list[FiredSignal]:
    """`no_decision_maker` when none is recorded; `single_threaded` with one active contact."""
    _check_columns(contacts, CONTACT_COLUMNS)
    fired = []
    for client, decision_maker_known, active in (
        contacts.select(CONTACT_COLUMNS).sort("client_key").iter_rows()
    ):
        active_evidence = None if active is None else float(active)
        if decision_maker_known is False:
            evidence = (("active_contacts", active_evidence),)
            fired.append(FiredSignal(client, SIGNAL_NO_DECISION_MAKER, evidence))
        if active == 1:
            evidence = (("active_contacts", active_evidence),)
            fired.append(FiredSignal(client, SIGNAL_SINGLE_THREADED, evidence))
    return fired


# --- Helpers --------------------------------------------------------------------------------


def _sales_lines(sales: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Dated rows known at `as_of`, sorted by every column so float sums do not depend on the
    order of the input rows."""
    _check_columns(sales, SALES_COLUMNS)
    lines = sales.select(
        pl.col("client_key").cast(pl.String),
        pl.col("date").cast(pl.Date),
        pl.col("amount").cast(pl.Float64),
    ).filter(pl.col("date").is_not_null() & (pl.col("date") <= as_of))
    return lines.sort(lines.columns, nulls_last=True)


def _weighted_mean(values: list[tuple[float, float]]) -> float:
    total = math.fsum(weight for _, weight in values)
    return math.fsum(value * weight for value, weight in values) / total


def _check_columns(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"{COLUMNS_MISSING}: {', '.join(missing)}")

"""KAISM, key clients, stability and early warnings of a company, through the core.

SQL hands over small frames (sales per client and day, sales documents, the manual scores) and
`keyclients.core.analytics` does the rest: `client_stability` (XYZ, growth, prospective),
`kaism_metrics` + `kaism_positions` (the matrix), `key_clients` (who is key and why),
`client_signals` + `signal_since` (early warnings), `abc_xyz_matrix`; days late come from
`receivables.settle` when the company's payments (or paid dates) are known.

Everything is "as of" the end of the company's LTM — the last full month with data, as on the
dashboards — and cached per company under the same data version as the dashboards, which
includes every change of a manual score or flag (`selectors.data_version`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from keyclients.core.analytics import kaism as core_kaism
from keyclients.core.analytics.abc_xyz import abc_xyz_matrix, client_stability
from keyclients.core.analytics.key_clients import key_clients
from keyclients.core.analytics.receivables import Settlement, settle
from keyclients.core.analytics.signals import (
    SEVERITY_DANGER,
    client_signals,
    evidence_dict,
    signal_since,
)
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, SALES_SCHEMA
from keyclients.web.accounts.models import Company
from keyclients.web.insights import providers
from keyclients.web.insights.criteria import KaismSettings
from keyclients.web.insights.models import ClientFlag, ClientScore, FlagKind, ScoreEntry
from keyclients.web.insights.periods import ltm_period
from keyclients.web.insights.selectors import (
    CompanySales,
    ConcentrationSettings,
    cached,
    company_clients,
)
from keyclients.web.ledger.models import Client

# The built-in manual criteria and the ledger.Client columns that hold their current value.
CLIENT_SCORE_FIELDS: dict[str, str] = {
    "reputation": "reputation_score",
    "development": "development_score",
    "share_of_wallet": "share_of_wallet",
    "criticality": "criticality_score",
    "satisfaction": "satisfaction_score",
}
SCORING_TOP = 30  # the bulk scoring table: the largest clients by LTM revenue
HISTORY_SIZE = 20  # score changes shown on a client card
RISK_DANGER = "danger"
RISK_WARNING = "warning"
# Without sales there is no as_of; the empty frames are made by the core at any date.
_NO_DATA_AS_OF = date(2000, 12, 31)


@dataclass(frozen=True)
class ManualInputs:
    """What people entered: scores by client id and criterion, flags with their reasons."""

    scores: dict[int, dict[str, int]]
    flags: dict[int, dict[str, str]]  # client id -> flag kind -> reason
    prospective: frozenset[int]  # Client.prospective
    terms: dict[int, int]  # Client.payment_terms_days, where set


@dataclass(frozen=True)
class KaismData:
    """One company's KAISM at `as_of` (None: no sales yet, and every frame is empty).

    `clients`: one row per client of the company — client_id, client_key, client, manager_id,
    the core's stability columns, one `<criterion>_score` per criterion, vertical, horizontal,
    the incomplete flags, quadrant, `complete` (both axes complete), is_key, key_reasons,
    manual_reason, signals (the kinds fired), risk (danger/warning/null) — largest LTM revenue
    first. `signals`: one row per fired signal (client_id, client, ltm_revenue, signal,
    severity, since, evidence), newest first.
    """

    as_of: date | None
    clients: pl.DataFrame
    signals: pl.DataFrame
    matrix: pl.DataFrame
    manual: dict[int, dict[str, int]]
    flags: dict[int, dict[str, str]]
    days_late_known: bool


def manual_inputs(*, company: Company) -> ManualInputs:
    """The manual scores, flags and payment terms of the company's clients (three queries)."""
    scores: dict[int, dict[str, int]] = {}
    prospective: set[int] = set()
    terms: dict[int, int] = {}
    fields = list(CLIENT_SCORE_FIELDS.values())
    rows = Client.objects.filter(company=company).order_by()
    for pk, is_prospective, payment_terms, *values in rows.values_list(
        "pk", "prospective", "payment_terms_days", *fields
    ):
        given = {
            key: value
            for key, value in zip(CLIENT_SCORE_FIELDS, values, strict=True)
            if value is not None
        }
        if given:
            scores[pk] = given
        if is_prospective:
            prospective.add(pk)
        if payment_terms is not None:
            terms[pk] = payment_terms
    own = ClientScore.objects.filter(company=company).order_by()
    for client_id, criterion, value in own.values_list("client_id", "criterion", "value"):
        scores.setdefault(client_id, {})[criterion] = value
    flags: dict[int, dict[str, str]] = {}
    marked = ClientFlag.objects.filter(company=company).order_by()
    for client_id, kind, reason in marked.values_list("client_id", "kind", "reason"):
        flags.setdefault(client_id, {})[kind] = reason
    return ManualInputs(scores=scores, flags=flags, prospective=frozenset(prospective), terms=terms)


def kaism_as_of(*, sales: CompanySales, today: date) -> date | None:
    """The end of the company's LTM: the last day of its last full month with data."""
    period = ltm_period(sales.months, today=today)
    return None if period is None else period.date_to


def kaism_data(
    *,
    sales: CompanySales,
    settings: ConcentrationSettings,
    kaism: KaismSettings,
    today: date,
) -> KaismData:
    as_of = kaism_as_of(sales=sales, today=today)
    key = sales.key("kaism", as_of, settings.cache_key, kaism.cache_key)
    return cached(
        key, lambda: _kaism_data(sales=sales, settings=settings, kaism=kaism, as_of=as_of)
    )


def company_kaism_data(*, sales: CompanySales) -> KaismData:
    """`kaism_data` with the company's own settings (ABC thresholds, KAISM criteria), as of
    the end of its LTM today: what the KAISM page, the risk page and the reports show."""
    from django.utils import timezone

    from keyclients.web.insights.criteria import kaism_settings
    from keyclients.web.insights.selectors import concentration_settings

    company = sales.company
    return kaism_data(
        sales=sales,
        settings=concentration_settings(company=company),
        kaism=kaism_settings(company=company),
        today=timezone.localdate(),
    )


def _keyed(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """A frame keyed by client_id, keyed by the core's client_key (and name) instead."""
    return frame.join(
        names.select("client_id", "client_key", "client"), on="client_id", how="inner"
    ).drop("client_id")


def _manual_by_key(
    scores: Mapping[int, Mapping[str, int]], keys: Mapping[int, str], kaism: KaismSettings
) -> dict[str, dict[str, float | None]]:
    """client_key -> {criterion: value} for the criteria the company scores by hand.

    A value whose criterion is no longer scored by hand (or was removed) is kept in the
    database but counts for nothing.
    """
    manual_keys = {c.key for c in kaism.manual_criteria}
    return {
        keys[client_id]: {k: float(v) for k, v in values.items() if k in manual_keys}
        for client_id, values in scores.items()
        if client_id in keys
    }


def _settlement(
    company: Company,
    names: pl.DataFrame,
    terms: Mapping[int, int],
    as_of: date,
    *,
    paid_dates: bool,
) -> Settlement | None:
    """The receivables at `as_of`, when the company's payments (or the sales' own paid dates)
    are known: without them every invoice would look unpaid."""
    payments = providers.payments_frame(company=company)
    if payments.is_empty() and not paid_dates:
        return None
    documents = _keyed(providers.sales_documents_frame(company=company), names)
    lines = documents.with_columns(
        *[
            pl.lit(None, dtype).alias(name)
            for name, dtype in SALES_SCHEMA.items()
            if name not in documents.columns
        ]
    ).select(pl.col(name).cast(dtype) for name, dtype in SALES_SCHEMA.items())
    keys = dict(names.select("client_id", "client_key").iter_rows())
    client_terms = {keys[pk]: days for pk, days in terms.items() if pk in keys}
    return settle(
        lines,
        payments.select(pl.col(name).cast(dtype) for name, dtype in PAYMENTS_SCHEMA.items()),
        as_of=as_of,
        terms=client_terms,
    )


def _kaism_data(
    *,
    sales: CompanySales,
    settings: ConcentrationSettings,
    kaism: KaismSettings,
    as_of: date | None,
) -> KaismData:
    company = sales.company
    names = company_clients(sales=sales)
    inputs = manual_inputs(company=company)
    if as_of is None:
        return _empty(names, kaism, inputs)
    keys: dict[int, str] = dict(names.select("client_id", "client_key").iter_rows())
    days = _keyed(providers.sales_day_frame(company=company), names)
    manual = _manual_by_key(inputs.scores, keys, kaism)
    stability = client_stability(
        days,
        as_of=as_of,
        manual_prospective=[keys[pk] for pk in inputs.prospective if pk in keys],
        a=settings.abc_a,
        b=settings.abc_b,
    )
    settlement = _settlement(
        company, names, inputs.terms, as_of, paid_dates=bool(days["paid_dates"].sum())
    )
    dossier = _keyed(providers.dossier_facts_frame(company=company), names)
    metrics = core_kaism.kaism_metrics(
        days,
        as_of=as_of,
        stability=stability,
        days_late=None if settlement is None else settlement.clients,
        dossier=dossier if dossier.height else None,
    )
    positions = core_kaism.kaism_positions(
        metrics, manual, criteria=kaism.core_criteria, threshold=kaism.threshold
    )
    manual_key = {
        keys[pk]: flags[FlagKind.KEY]
        for pk, flags in inputs.flags.items()
        if FlagKind.KEY in flags and pk in keys
    }
    key_frame = key_clients(stability, positions=positions, manual=manual, manual_key=manual_key)
    complete = positions.with_columns(
        complete=~pl.col("vertical_incomplete")
        & ~pl.col("horizontal_incomplete")
        & pl.col("quadrant").is_not_null()
    )
    interactions = _keyed(providers.last_interactions_frame(company=company), names)
    documents = None if settlement is None else settlement.documents
    fired = client_signals(
        as_of=as_of,
        sales=days,
        paid_documents=None
        if documents is None
        else documents.filter(pl.col("paid_date").is_not_null() & (pl.col("amount") > 0)),
        open_documents=documents,
        # No interaction recorded at all: the dossier is not in use yet, so "no contact" would
        # fire for every client (docs/decisions.md).
        last_interactions=interactions if interactions.height else None,
        quadrants=complete.filter("complete").select("client_key", "quadrant"),
        contacts=dossier if dossier.height else None,
    )
    clients = _client_rows(names, stability, complete, key_frame, fired)
    return KaismData(
        as_of=as_of,
        clients=clients,
        signals=_signal_rows(fired, clients, as_of),
        matrix=abc_xyz_matrix(stability),
        manual=inputs.scores,
        flags=inputs.flags,
        days_late_known=settlement is not None,
    )


def _client_rows(
    names: pl.DataFrame,
    stability: pl.DataFrame,
    positions: pl.DataFrame,
    key_frame: pl.DataFrame,
    fired: pl.DataFrame,
) -> pl.DataFrame:
    summary = fired.group_by("client_key").agg(
        pl.col("signal"),
        pl.when((pl.col("severity") == SEVERITY_DANGER).any())
        .then(pl.lit(RISK_DANGER))
        .otherwise(pl.lit(RISK_WARNING))
        .alias("risk"),
    )
    return (
        names.select("client_id", "client_key", "client", "manager_id")
        .join(stability.drop("client"), on="client_key", how="left")
        .join(positions, on="client_key", how="left")
        .join(key_frame, on="client_key", how="left")
        .join(summary.rename({"signal": "signals"}), on="client_key", how="left")
        .with_columns(
            pl.col("is_key").fill_null(False),
            pl.col("complete").fill_null(False),
            pl.col("prospective").fill_null(False),
            pl.col("key_reasons").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("signals").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .sort(
            "ltm_revenue", "client", "client_id", descending=[True, False, False], nulls_last=True
        )
    )


def _signal_rows(fired: pl.DataFrame, clients: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The fired signals with their client and since when, newest first; on one day danger
    before warning, then the larger client first."""
    since = [
        signal_since(signal, evidence_dict(evidence), as_of=as_of)
        for signal, evidence in fired.select("signal", "evidence").iter_rows()
    ]
    return (
        fired.with_columns(since=pl.Series(since, dtype=pl.Date))
        .join(
            clients.select("client_key", "client_id", "client", "ltm_revenue"),
            on="client_key",
            how="inner",
        )
        .with_columns(danger=pl.col("severity") == SEVERITY_DANGER)
        .sort(
            "since",
            "danger",
            "ltm_revenue",
            "client",
            descending=[True, True, True, False],
            nulls_last=True,
        )
        .select("client_id", "client", "ltm_revenue", "signal", "severity", "since", "evidence")
    )


def _empty(names: pl.DataFrame, kaism: KaismSettings, inputs: ManualInputs) -> KaismData:
    no_sales = pl.DataFrame(
        schema={"client_key": pl.String, "client": pl.String, "date": pl.Date, "amount": pl.Float64}
    )
    positions = pl.DataFrame(schema=core_kaism.positions_schema(kaism.core_criteria))
    stability = client_stability(no_sales, as_of=_NO_DATA_AS_OF)
    fired = client_signals(as_of=_NO_DATA_AS_OF, sales=no_sales)
    key_frame = key_clients(stability)
    clients = _client_rows(
        names,
        stability,
        positions.with_columns(complete=pl.lit(False)),
        key_frame,
        fired,
    )
    return KaismData(
        as_of=None,
        clients=clients,
        signals=_signal_rows(fired, clients, _NO_DATA_AS_OF),
        matrix=abc_xyz_matrix(stability),
        manual=inputs.scores,
        flags=inputs.flags,
        days_late_known=False,
    )


# --- Views of the data ----------------------------------------------------------------------


def evidence_of(row: Mapping[str, Any]) -> dict[str, float | None]:
    return evidence_dict(row["evidence"])


def client_row(*, data: KaismData, client_id: int) -> dict[str, Any] | None:
    rows = data.clients.filter(pl.col("client_id") == client_id)
    return rows.row(0, named=True) if rows.height else None


def client_signal_rows(*, data: KaismData, client_id: int) -> list[dict[str, Any]]:
    return data.signals.filter(pl.col("client_id") == client_id).to_dicts()


def key_client_rows(*, data: KaismData) -> pl.DataFrame:
    """The key clients, largest first."""
    return data.clients.filter(pl.col("is_key"))


def scoring_rows(*, data: KaismData, limit: int = SCORING_TOP) -> pl.DataFrame:
    """The clients of the bulk scoring table: the largest by LTM revenue."""
    return data.clients.filter(pl.col("ltm_revenue") > 0).head(limit)


def incomplete_rows(*, data: KaismData) -> pl.DataFrame:
    """Clients with revenue whose position rests on too little: to be scored, largest first."""
    return data.clients.filter((pl.col("ltm_revenue") > 0) & ~pl.col("complete"))


def list_annotations(*, data: KaismData) -> pl.DataFrame:
    """The KAISM columns the clients list adds to its rows (keyed by client_id)."""
    return data.clients.select(
        "client_id",
        "xyz",
        "growth",
        "is_new",
        "dormant",
        "prospective",
        "quadrant",
        "complete",
        "is_key",
        "key_reasons",
        "manual_reason",
        "signals",
        "risk",
    )


def score_history(*, client: Client, limit: int = HISTORY_SIZE) -> list[ScoreEntry]:
    """The client's latest score and flag changes, newest first, with who made them."""
    return list(
        ScoreEntry.objects.filter(company_id=client.company_id, client=client)
        .select_related("set_by")
        .order_by("-set_at", "-pk")[:limit]
    )

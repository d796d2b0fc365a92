"""KAISM (DESIGN §4 "KAISM"): how important a client is to us × how important we are to it.

Each client gets a 0–10 score per criterion; an axis is the weighted mean of its criteria's
scores, with the weights renormalized over the criteria that have a score. The two axes place
the client in one of four quadrants, each with a default strategy and contact frequency.

Entry points, in the order a caller uses them:

- `kaism_metrics(sales, as_of=, ...)` assembles the automatic inputs per client (METRICS_SCHEMA)
  from sales (lines or per-client-month aggregates with cost), days late and dossier facts;
- `kaism_positions(metrics, manual)` scores every criterion and places each client.

Criteria are data (`Criterion`, `DEFAULT_CRITERIA`); `criteria_with_weights` applies a company's
weights. The scoring maps are plain functions usable on their own: `percent_rank_score`,
`growth_score`, `discipline_score`, `share_of_wallet_score`, `tenure_score`,
`relationship_depth_score`, `manual_score`; `axis_score` and `quadrant` combine them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from keyclients.core.analytics.abc_xyz import client_stability, stability_periods

VERTICAL = "vertical"  # how important the client is to us (attractiveness)
HORIZONTAL = "horizontal"  # how important we are to the client (our relative strength)
AXES = (VERTICAL, HORIZONTAL)

SCORE_MIN = 0.0
SCORE_MAX = 10.0
DEFAULT_THRESHOLD = 5.0  # a score at or above the threshold is "high"
INCOMPLETE_MISSING_SHARE = 0.5  # incomplete: more than half an axis's weight has no score
# Axis values are weighted means of floats: 5 on paper may come out as 4.999999999999999.
# Comparisons with the threshold allow this much slack, so the paper value decides.
SCORE_EPSILON = 1e-9

GROWTH_ZERO_AT = -0.50  # growth −50% (or less) scores 0 ...
GROWTH_MIDDLE_AT = 0.0  # ... no growth scores 5 ...
GROWTH_TEN_AT = 1.00  # ... +100% (or more) scores 10, linear between
DAYS_LATE_ZERO_AT = 60.0  # 0 days late scores 10, 60 or more score 0, linear between
SHARE_OF_WALLET_TEN_AT = 60.0  # share of wallet in percent: 0% scores 0, 60% or more 10
SHARE_OF_WALLET_MAX = 100.0
TENURE_TEN_AT = 5.0  # years since the first sale: 0 scores 0, 5 or more 10
DAYS_PER_YEAR = 365.25
DECISION_MAKER_POINTS = 4.0
CHAMPION_POINTS = 3.0
FURTHER_CONTACT_POINTS = 1.0

# Where a criterion's score comes from. Automatic sources read a METRICS_SCHEMA column;
# `share_of_wallet` and `manual` read the client's manual values under the criterion's key.
SOURCE_REVENUE_RANK = "revenue_rank"  # percent rank of ltm_revenue among positive-revenue clients
SOURCE_GROWTH = "growth"  # growth_score(growth)
SOURCE_MARGIN_RANK = "margin_rank"  # percent rank of margin among positive-revenue clients
SOURCE_PAYMENT_DISCIPLINE = "payment_discipline"  # discipline_score(avg_days_late)
SOURCE_TENURE = "tenure"  # tenure_score(tenure_years)
SOURCE_RELATIONSHIP_DEPTH = "relationship_depth"  # relationship_depth_score(dossier facts)
SOURCE_SHARE_OF_WALLET = "share_of_wallet"  # share_of_wallet_score(manual percent)
SOURCE_MANUAL = "manual"  # the manual 0–10 score as it is
SOURCES = (
    SOURCE_REVENUE_RANK,
    SOURCE_GROWTH,
    SOURCE_MARGIN_RANK,
    SOURCE_PAYMENT_DISCIPLINE,
    SOURCE_TENURE,
    SOURCE_RELATIONSHIP_DEPTH,
    SOURCE_SHARE_OF_WALLET,
    SOURCE_MANUAL,
)

QUADRANT_KEY = "key"
QUADRANT_KEY_DEVELOPMENT = "key_development"
QUADRANT_MAINTENANCE = "maintenance"
QUADRANT_OPPORTUNISTIC = "opportunistic"

SCORE_NOT_FINITE = "a score input must be a finite number"
MANUAL_SCORE_OUT_OF_RANGE = "a manual score must be between 0 and 10"
SHARE_OF_WALLET_OUT_OF_RANGE = "share of wallet is a percent between 0 and 100"
ACTIVE_CONTACTS_NEGATIVE = "active contacts cannot be negative"
WEIGHTS_LENGTH_MISMATCH = "one weight per score"
WEIGHT_INVALID = "a criterion weight must be a finite number >= 0"
AXIS_INVALID = "a criterion's axis must be 'vertical' or 'horizontal'"
SOURCE_INVALID = "unknown criterion source"
CRITERION_KEY_DUPLICATE = "criterion keys must be unique"
CRITERION_KEY_UNKNOWN = "no criterion with this key"
AXIS_WITHOUT_WEIGHT = "each axis needs criteria with a positive total weight"
THRESHOLD_INVALID = "the quadrant threshold must be between 0 and 10"
METRICS_COLUMNS_MISSING = "metrics lack columns"
METRICS_DUPLICATE_CLIENT = "metrics have more than one row for a client"

METRICS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "ltm_revenue": pl.Float64(),  # the last 12 full months (abc_xyz.stability_periods)
    "growth": pl.Float64(),  # LTM / previous LTM − 1; null for new clients
    "margin": pl.Float64(),  # LTM gross margin / LTM revenue; null without (complete) cost data
    "avg_days_late": pl.Float64(),  # null when unknown
    "tenure_years": pl.Float64(),  # since the first sale; null without one
    "decision_maker_known": pl.Boolean(),  # these three null when there is no dossier
    "champion_known": pl.Boolean(),
    "active_contacts": pl.Int64(),
}


@dataclass(frozen=True)
class Criterion:
    """One KAISM criterion: its score column is `<key>_score`; `source` is one of SOURCES."""

    key: str
    axis: str
    weight: float
    source: str


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("revenue", VERTICAL, 30.0, SOURCE_REVENUE_RANK),
    Criterion("growth", VERTICAL, 15.0, SOURCE_GROWTH),
    Criterion("margin", VERTICAL, 15.0, SOURCE_MARGIN_RANK),
    Criterion("payment_discipline", VERTICAL, 10.0, SOURCE_PAYMENT_DISCIPLINE),
    Criterion("reputation", VERTICAL, 15.0, SOURCE_MANUAL),
    Criterion("development", VERTICAL, 15.0, SOURCE_MANUAL),
    Criterion("share_of_wallet", HORIZONTAL, 30.0, SOURCE_SHARE_OF_WALLET),
    Criterion("tenure", HORIZONTAL, 20.0, SOURCE_TENURE),
    Criterion("relationship_depth", HORIZONTAL, 20.0, SOURCE_RELATIONSHIP_DEPTH),
    Criterion("criticality", HORIZONTAL, 15.0, SOURCE_MANUAL),
    Criterion("satisfaction", HORIZONTAL, 15.0, SOURCE_MANUAL),
)


@dataclass(frozen=True)
class Quadrant:
    """A KAISM quadrant with its default strategy and contact frequency."""

    key: str
    name: str
    cranfield_name: str
    strategy: str
    contact_days: int

    def label(self, *, cranfield: bool = True) -> str:
        """The display name, with the Cranfield name in brackets: `Key (strategic)`."""
        if not cranfield:
            return self.name
        return f"{self.name} ({self.cranfield_name.lower()})"


QUADRANTS: dict[str, Quadrant] = {
    QUADRANT_KEY: Quadrant(QUADRANT_KEY, "Key", "Strategic", "Invest", 30),
    QUADRANT_KEY_DEVELOPMENT: Quadrant(
        QUADRANT_KEY_DEVELOPMENT, "Key development", "Star", "Invest selectively", 45
    ),
    QUADRANT_MAINTENANCE: Quadrant(
        QUADRANT_MAINTENANCE, "Maintenance", "Status", "Maintain at lower cost to serve", 90
    ),
    QUADRANT_OPPORTUNISTIC: Quadrant(
        QUADRANT_OPPORTUNISTIC, "Opportunistic", "Streamline", "Manage for cash", 180
    ),
}


@dataclass(frozen=True)
class AxisScore:
    """An axis value and whether it rests on too little: `present_weight` is the share of the
    axis's weight whose criteria have a score (0–1)."""

    value: float | None
    present_weight: float
    incomplete: bool


# --- Scoring maps ---------------------------------------------------------------------------


def percent_rank_score(values: Sequence[float | None]) -> list[float | None]:
    """10 × percent rank of each value among the values that are not None (None stays None).

    Percent rank = (number of *other* values ≤ this one) / (n − 1) = (max-rank − 1) / (n − 1),
    where n counts the values present: the lowest scores 0, the highest 10, and equal values
    score the same (the highest of their ranks, so all-equal values score 10). A single value
    scores 10: no other client beats it.
    """
    present = sorted(_finite(value) for value in values if value is not None)
    n = len(present)
    scores: list[float | None] = []
    for value in values:
        if value is None:
            scores.append(None)
        elif n == 1:
            scores.append(SCORE_MAX)
        else:
            at_or_below_others = bisect_right(present, value) - 1
            scores.append(SCORE_MAX * at_or_below_others / (n - 1))
    return scores


def growth_score(growth: float | None) -> float | None:
    """−50% → 0, 0 → 5, +100% → 10, linear between, clipped; None when growth is unknown."""
    if growth is None:
        return None
    growth = _finite(growth)
    if growth <= GROWTH_MIDDLE_AT:
        below = (growth - GROWTH_ZERO_AT) / (GROWTH_MIDDLE_AT - GROWTH_ZERO_AT)
        return _clip(SCORE_MAX / 2 * below)
    above = (growth - GROWTH_MIDDLE_AT) / (GROWTH_TEN_AT - GROWTH_MIDDLE_AT)
    return _clip(SCORE_MAX / 2 * (1.0 + above))


def discipline_score(avg_days_late: float | None) -> float | None:
    """0 days late → 10, 60 or more → 0, linear between; None when unknown."""
    if avg_days_late is None:
        return None
    return _clip(SCORE_MAX * (1.0 - _finite(avg_days_late) / DAYS_LATE_ZERO_AT))


def share_of_wallet_score(percent: float | None) -> float | None:
    """Share of the client's spend in our category, in percent: 0 → 0, 60 or more → 10."""
    if percent is None:
        return None
    percent = _finite(percent)
    if not 0.0 <= percent <= SHARE_OF_WALLET_MAX:
        raise ValueError(f"{SHARE_OF_WALLET_OUT_OF_RANGE}: {percent}")
    return _clip(SCORE_MAX * percent / SHARE_OF_WALLET_TEN_AT)


def tenure_score(years: float | None) -> float | None:
    """Years since the first sale: 0 → 0, 5 or more → 10, linear between."""
    if years is None:
        return None
    return _clip(SCORE_MAX * _finite(years) / TENURE_TEN_AT)


def relationship_depth_score(
    decision_maker_known: bool | None, champion_known: bool | None, active_contacts: int | None
) -> float | None:
    """Decision maker known +4, champion known +3, each further active contact +1, capped at 10.

    "Further" means beyond the decision maker and the champion, who are counted among the
    active contacts: 3 active contacts with both known give 4 + 3 + 1 = 8. None when all three
    facts are unknown (no dossier); an unknown fact among known ones counts as absent.
    """
    if decision_maker_known is None and champion_known is None and active_contacts is None:
        return None
    contacts = active_contacts or 0
    if contacts < 0:
        raise ValueError(ACTIVE_CONTACTS_NEGATIVE)
    roles = int(bool(decision_maker_known)) + int(bool(champion_known))
    further = max(0, contacts - roles)
    points = (
        DECISION_MAKER_POINTS * bool(decision_maker_known)
        + CHAMPION_POINTS * bool(champion_known)
        + FURTHER_CONTACT_POINTS * further
    )
    return min(SCORE_MAX, points)


def manual_score(score: float | None) -> float | None:
    """A score given by hand passes through, once checked to be within 0–10."""
    if score is None:
        return None
    score = _finite(score)
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise ValueError(f"{MANUAL_SCORE_OUT_OF_RANGE}: {score}")
    return float(score)


# --- Axes and quadrants ---------------------------------------------------------------------


def axis_score(scores: Sequence[float | None], weights: Sequence[float]) -> AxisScore:
    """Weighted mean of the scores present, the weights renormalized over them.

    `incomplete` when more than half of the total weight has no score; the value is still given
    when any weight is present. The value never leaves [min, max] of the scores present (float
    noise is clipped).
    """
    if len(scores) != len(weights):
        raise ValueError(WEIGHTS_LENGTH_MISMATCH)
    for weight in weights:
        _check_weight(weight)
    total = math.fsum(weights)
    pairs = [(score, weight) for score, weight in zip(scores, weights, strict=True)]
    present = [(score, weight) for score, weight in pairs if score is not None and weight > 0]
    present_weight = math.fsum(weight for _, weight in present)
    share = present_weight / total if total > 0 else 0.0
    incomplete = share < 1.0 - INCOMPLETE_MISSING_SHARE - SCORE_EPSILON
    if not present:
        return AxisScore(value=None, present_weight=share, incomplete=incomplete)
    value = math.fsum(score * weight for score, weight in present) / present_weight
    low = min(score for score, _ in present)
    high = max(score for score, _ in present)
    return AxisScore(value=min(high, max(low, value)), present_weight=share, incomplete=incomplete)


def quadrant(
    vertical: float | None, horizontal: float | None, threshold: float = DEFAULT_THRESHOLD
) -> str | None:
    """The quadrant key; a value at or above the threshold is high. None without both axes."""
    _check_threshold(threshold)
    if vertical is None or horizontal is None:
        return None
    important_to_us = vertical >= threshold - SCORE_EPSILON
    strong_for_client = horizontal >= threshold - SCORE_EPSILON
    if important_to_us:
        return QUADRANT_KEY if strong_for_client else QUADRANT_KEY_DEVELOPMENT
    return QUADRANT_MAINTENANCE if strong_for_client else QUADRANT_OPPORTUNISTIC


# --- Criteria -------------------------------------------------------------------------------


def criteria_with_weights(
    weights: Mapping[str, float], criteria: Sequence[Criterion] = DEFAULT_CRITERIA
) -> tuple[Criterion, ...]:
    """The criteria with a company's weights (by criterion key); others keep theirs."""
    keys = {criterion.key for criterion in criteria}
    unknown = sorted(set(weights) - keys)
    if unknown:
        raise ValueError(f"{CRITERION_KEY_UNKNOWN}: {', '.join(unknown)}")
    chosen = tuple(
        replace(criterion, weight=float(weights.get(criterion.key, criterion.weight)))
        for criterion in criteria
    )
    check_criteria(chosen)
    return chosen


def check_criteria(criteria: Sequence[Criterion]) -> None:
    """Raise ValueError unless keys are unique, axes and sources known, weights finite and
    >= 0, and each axis has a positive total weight."""
    keys = [criterion.key for criterion in criteria]
    if len(set(keys)) != len(keys):
        raise ValueError(CRITERION_KEY_DUPLICATE)
    for criterion in criteria:
        if criterion.axis not in AXES:
            raise ValueError(f"{AXIS_INVALID}: {criterion.key}")
        if criterion.source not in SOURCES:
            raise ValueError(f"{SOURCE_INVALID}: {criterion.source}")
        _check_weight(criterion.weight)
    for axis in AXES:
        if not math.fsum(c.weight for c in criteria if c.axis == axis) > 0:
            raise ValueError(f"{AXIS_WITHOUT_WEIGHT}: {axis}")


def score_column(criterion: Criterion) -> str:
    return f"{criterion.key}_score"


def positions_schema(criteria: Sequence[Criterion] = DEFAULT_CRITERIA) -> dict[str, pl.DataType]:
    """The columns of `kaism_positions` for these criteria."""
    return {
        "client_key": pl.String(),
        **{score_column(criterion): pl.Float64() for criterion in criteria},
        "vertical": pl.Float64(),
        "horizontal": pl.Float64(),
        "vertical_incomplete": pl.Boolean(),
        "horizontal_incomplete": pl.Boolean(),
        "quadrant": pl.String(),
    }


# --- Frames ---------------------------------------------------------------------------------


def kaism_metrics(
    sales: pl.DataFrame,
    *,
    as_of: date,
    stability: pl.DataFrame | None = None,
    days_late: pl.DataFrame | None = None,
    dossier: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The automatic KAISM inputs per client, as METRICS_SCHEMA, sorted by client_key.

    - `sales`: lines or per-client-month aggregates with client_key, client, date, amount and
      optionally cost. LTM revenue and growth come from `stability` (computed when not given;
      pass the frame already at hand to avoid doing it twice). Margin = (revenue − cost) /
      revenue over the LTM; null when the LTM revenue is not positive or any of its rows lacks
      a cost. Tenure = days from the first sale (first row with amount > 0) to `as_of` / 365.25.
    - `days_late`: client_key, avg_days_late (from the receivables); others get null.
    - `dossier`: client_key, decision_maker_known, champion_known, active_contacts; others
      get nulls.
    Clients are those of `stability` (every client with a dated row on or before `as_of`).
    """
    if stability is None:
        stability = client_stability(sales, as_of=as_of)
    periods = stability_periods(as_of)
    cost = pl.col("cost").cast(pl.Float64) if "cost" in sales.columns else pl.lit(None, pl.Float64)
    lines = sales.select(
        pl.col("client_key").cast(pl.String),
        pl.col("date").cast(pl.Date),
        pl.col("amount").cast(pl.Float64),
        cost.alias("cost"),
    ).filter(pl.col("date").is_not_null() & (pl.col("date") <= as_of))
    lines = lines.sort(lines.columns, nulls_last=True)  # sums independent of the input order
    ltm = lines.filter(pl.col("date").is_between(periods.ltm_from, periods.ltm_to))
    margins = ltm.group_by("client_key").agg(
        pl.col("amount").sum().alias("revenue"),
        pl.col("cost").sum().alias("cost"),
        pl.col("cost").is_null().any().alias("cost_missing"),
    )
    margins = margins.select(
        "client_key",
        margin=pl.when((pl.col("revenue") > 0) & ~pl.col("cost_missing")).then(
            (pl.col("revenue") - pl.col("cost")) / pl.col("revenue")
        ),
    )
    first_sales = (
        lines.filter(pl.col("amount") > 0)
        .group_by("client_key")
        .agg(pl.col("date").min().alias("first_sale"))
    )
    metrics = (
        stability.select("client_key", "ltm_revenue", "growth")
        .join(margins, on="client_key", how="left")
        .join(first_sales, on="client_key", how="left")
        .with_columns(
            tenure_years=(pl.lit(as_of) - pl.col("first_sale")).dt.total_days() / DAYS_PER_YEAR
        )
    )
    days_late_frame = (
        days_late.select("client_key", "avg_days_late")
        if days_late is not None
        else pl.DataFrame(schema={"client_key": pl.String, "avg_days_late": pl.Float64})
    )
    dossier_columns = ["client_key", "decision_maker_known", "champion_known", "active_contacts"]
    dossier_frame = (
        dossier.select(dossier_columns)
        if dossier is not None
        else pl.DataFrame(schema={name: METRICS_SCHEMA[name] for name in dossier_columns})
    )
    return (
        metrics.join(
            days_late_frame.with_columns(pl.col("client_key").cast(pl.String)),
            on="client_key",
            how="left",
        )
        .join(
            dossier_frame.with_columns(pl.col("client_key").cast(pl.String)),
            on="client_key",
            how="left",
        )
        .select(pl.col(name).cast(dtype) for name, dtype in METRICS_SCHEMA.items())
        .sort("client_key")
    )


def kaism_positions(
    metrics: pl.DataFrame,
    manual: Mapping[str, Mapping[str, float | None]],
    *,
    criteria: Sequence[Criterion] = DEFAULT_CRITERIA,
    threshold: float = DEFAULT_THRESHOLD,
) -> pl.DataFrame:
    """Every client of `metrics` scored on each criterion and placed on the matrix.

    `metrics` has the METRICS_SCHEMA columns, one row per client. `manual` maps client_key →
    {criterion key: value} for the criteria scored by hand (0–10; share of wallet in percent);
    values for other keys or clients are ignored, None means not scored. Columns as in
    `positions_schema(criteria)`, sorted by client_key.
    """
    check_criteria(criteria)
    _check_threshold(threshold)
    missing = [name for name in METRICS_SCHEMA if name not in metrics.columns]
    if missing:
        raise ValueError(f"{METRICS_COLUMNS_MISSING}: {', '.join(missing)}")
    frame = metrics.select(pl.col(name).cast(dtype) for name, dtype in METRICS_SCHEMA.items()).sort(
        "client_key"
    )
    if frame["client_key"].is_duplicated().any():
        raise ValueError(METRICS_DUPLICATE_CLIENT)
    clients: list[str] = frame["client_key"].to_list()
    scores = {
        score_column(criterion): _criterion_scores(criterion, frame, clients, manual)
        for criterion in criteria
    }
    axes: dict[str, list[AxisScore]] = {}
    for axis in AXES:
        on_axis = [criterion for criterion in criteria if criterion.axis == axis]
        weights = [criterion.weight for criterion in on_axis]
        axes[axis] = [
            axis_score([scores[score_column(c)][row] for c in on_axis], weights)
            for row in range(len(clients))
        ]
    vertical = [position.value for position in axes[VERTICAL]]
    horizontal = [position.value for position in axes[HORIZONTAL]]
    columns: dict[str, list[object]] = {
        "client_key": list(clients),
        **{name: list(values) for name, values in scores.items()},
        "vertical": list(vertical),
        "horizontal": list(horizontal),
        "vertical_incomplete": [position.incomplete for position in axes[VERTICAL]],
        "horizontal_incomplete": [position.incomplete for position in axes[HORIZONTAL]],
        "quadrant": [quadrant(v, h, threshold) for v, h in zip(vertical, horizontal, strict=True)],
    }
    return pl.DataFrame(columns, schema=positions_schema(criteria))


# --- Helpers --------------------------------------------------------------------------------


def _criterion_scores(
    criterion: Criterion,
    metrics: pl.DataFrame,
    clients: list[str],
    manual: Mapping[str, Mapping[str, float | None]],
) -> list[float | None]:
    source = criterion.source
    if source == SOURCE_REVENUE_RANK:
        return _revenue_rank_scores(metrics["ltm_revenue"].to_list())
    if source == SOURCE_MARGIN_RANK:
        return _margin_rank_scores(metrics["ltm_revenue"].to_list(), metrics["margin"].to_list())
    if source == SOURCE_GROWTH:
        return [growth_score(value) for value in metrics["growth"].to_list()]
    if source == SOURCE_PAYMENT_DISCIPLINE:
        return [discipline_score(value) for value in metrics["avg_days_late"].to_list()]
    if source == SOURCE_TENURE:
        return [tenure_score(value) for value in metrics["tenure_years"].to_list()]
    if source == SOURCE_RELATIONSHIP_DEPTH:
        return [
            relationship_depth_score(known, champion, contacts)
            for known, champion, contacts in zip(
                metrics["decision_maker_known"].to_list(),
                metrics["champion_known"].to_list(),
                metrics["active_contacts"].to_list(),
                strict=True,
            )
        ]
    given = [manual.get(client, {}).get(criterion.key) for client in clients]
    try:
        if source == SOURCE_SHARE_OF_WALLET:
            return [share_of_wallet_score(value) for value in given]
        return [manual_score(value) for value in given]
    except ValueError as error:
        raise ValueError(f"{error} ({criterion.key})") from error


def _revenue_rank_scores(revenues: list[float | None]) -> list[float | None]:
    """Percent rank among positive-revenue clients; a client with revenue <= 0 scores 0 (it is
    known to bring nothing), an unknown revenue has no score."""
    ranked = percent_rank_score(
        [revenue if revenue is not None and revenue > 0 else None for revenue in revenues]
    )
    return [
        None if revenue is None else (score if revenue > 0 else SCORE_MIN)
        for revenue, score in zip(revenues, ranked, strict=True)
    ]


def _margin_rank_scores(
    revenues: list[float | None], margins: list[float | None]
) -> list[float | None]:
    """Percent rank of margin among positive-revenue clients that have one; others: no score."""
    return percent_rank_score(
        [
            margin if revenue is not None and revenue > 0 else None
            for revenue, margin in zip(revenues, margins, strict=True)
        ]
    )


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{SCORE_NOT_FINITE}: {value}")
    return float(value)


def _clip(score: float) -> float:
    return min(SCORE_MAX, max(SCORE_MIN, score))


def _check_weight(weight: float) -> None:
    if not (math.isfinite(weight) and weight >= 0):
        raise ValueError(f"{WEIGHT_INVALID}: {weight}")


def _check_threshold(threshold: float) -> None:
    if not SCORE_MIN <= threshold <= SCORE_MAX:
        raise ValueError(THRESHOLD_INVALID)

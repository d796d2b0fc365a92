"""DESIGN §4 "KAISM": every scoring map at its corners and midpoints, weights and their
renormalization, "incomplete", quadrants at the threshold, the frames, then properties."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from random import Random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from keyclients.core.analytics.kaism import (
    ACTIVE_CONTACTS_NEGATIVE,
    AXIS_INVALID,
    AXIS_WITHOUT_WEIGHT,
    CRITERION_KEY_DUPLICATE,
    CRITERION_KEY_UNKNOWN,
    DEFAULT_CRITERIA,
    HORIZONTAL,
    MANUAL_SCORE_OUT_OF_RANGE,
    METRICS_COLUMNS_MISSING,
    METRICS_DUPLICATE_CLIENT,
    METRICS_SCHEMA,
    QUADRANTS,
    SCORE_NOT_FINITE,
    SHARE_OF_WALLET_OUT_OF_RANGE,
    SOURCE_INVALID,
    THRESHOLD_INVALID,
    VERTICAL,
    WEIGHT_INVALID,
    WEIGHTS_LENGTH_MISMATCH,
    AxisScore,
    Criterion,
    axis_score,
    check_criteria,
    criteria_with_weights,
    discipline_score,
    growth_score,
    kaism_metrics,
    kaism_positions,
    manual_score,
    percent_rank_score,
    positions_schema,
    quadrant,
    relationship_depth_score,
    share_of_wallet_score,
    tenure_score,
)
from keyclients.core.ingest.schema import SALES_SCHEMA

Manual = Mapping[str, Mapping[str, float | None]]
NO_MANUAL: Manual = {}
AS_OF = date(2025, 12, 31)


def _metrics(rows: list[dict[str, object]]) -> pl.DataFrame:
    """A metrics frame; columns a row does not name are null."""
    return pl.DataFrame(
        {name: [row.get(name) for row in rows] for name in METRICS_SCHEMA},
        schema=METRICS_SCHEMA,
    )


# --- Scoring maps at their corners and midpoints ----------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], [], id="no clients"),
        pytest.param([42.0], [10.0], id="single client -> 10"),
        pytest.param([1.0, 2.0, 3.0], [0.0, 5.0, 10.0], id="lowest 0, middle 5, highest 10"),
        pytest.param([3.0, 1.0, 2.0], [10.0, 0.0, 5.0], id="order of input does not matter"),
        pytest.param([1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 2.5, 5.0, 7.5, 10.0], id="five steps"),
        pytest.param([7.0, 7.0], [10.0, 10.0], id="equal values share the highest rank"),
        pytest.param([1.0, 1.0, 2.0], [5.0, 5.0, 10.0], id="a tie at the bottom"),
        pytest.param([1.0, 2.0, 2.0], [0.0, 10.0, 10.0], id="a tie at the top"),
        pytest.param([None, 4.0, None, 2.0], [None, 10.0, None, 0.0], id="None is not ranked"),
        pytest.param([-0.2, 0.1, 0.4], [0.0, 5.0, 10.0], id="negative margins rank too"),
    ],
)
def test_percent_rank_score_is_others_at_or_below_over_n_minus_1(
    values: list[float | None], expected: list[float | None]
) -> None:
    assert percent_rank_score(values) == expected


@pytest.mark.parametrize(
    ("growth", "expected"),
    [
        (None, None),
        (-1.0, 0.0),
        (-0.5, 0.0),
        (-0.25, 2.5),
        (0.0, 5.0),
        (0.5, 7.5),
        (1.0, 10.0),
        (3.0, 10.0),
    ],
)
def test_growth_score_is_linear_from_minus_50_to_plus_100_percent(
    growth: float | None, expected: float | None
) -> None:
    assert growth_score(growth) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(None, None), (0.0, 10.0), (15.0, 7.5), (30.0, 5.0), (60.0, 0.0), (90.0, 0.0)],
)
def test_discipline_score_falls_from_10_at_0_days_to_0_at_60(
    days: float | None, expected: float | None
) -> None:
    assert discipline_score(days) == expected


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(None, None), (0.0, 0.0), (30.0, 5.0), (60.0, 10.0), (100.0, 10.0)],
)
def test_share_of_wallet_score_reaches_10_at_60_percent(
    percent: float | None, expected: float | None
) -> None:
    assert share_of_wallet_score(percent) == expected


@pytest.mark.parametrize("percent", [-0.1, 100.1])
def test_share_of_wallet_is_a_percent_between_0_and_100(percent: float) -> None:
    with pytest.raises(ValueError, match=SHARE_OF_WALLET_OUT_OF_RANGE):
        share_of_wallet_score(percent)


@pytest.mark.parametrize(
    ("years", "expected"), [(None, None), (0.0, 0.0), (2.5, 5.0), (5.0, 10.0), (12.0, 10.0)]
)
def test_tenure_score_reaches_10_at_5_years(years: float | None, expected: float | None) -> None:
    assert tenure_score(years) == expected


@pytest.mark.parametrize(
    ("decision_maker", "champion", "contacts", "expected"),
    [
        pytest.param(None, None, None, None, id="no dossier -> None"),
        pytest.param(False, False, 0, 0.0, id="nobody -> 0"),
        pytest.param(True, False, 1, 4.0, id="decision maker +4"),
        pytest.param(False, True, 1, 3.0, id="champion +3"),
        pytest.param(True, True, 2, 7.0, id="both, nobody further"),
        pytest.param(True, True, 1, 7.0, id="decision maker is the champion"),
        pytest.param(True, True, 3, 8.0, id="one further contact +1"),
        pytest.param(True, False, 3, 6.0, id="two beyond the decision maker"),
        pytest.param(False, False, 3, 3.0, id="three contacts, no roles"),
        pytest.param(True, True, 5, 10.0, id="exactly 10"),
        pytest.param(True, True, 9, 10.0, id="capped at 10"),
        pytest.param(True, None, None, 4.0, id="unknown facts count as absent"),
    ],
)
def test_relationship_depth_score(
    decision_maker: bool | None, champion: bool | None, contacts: int | None, expected: float | None
) -> None:
    assert relationship_depth_score(decision_maker, champion, contacts) == expected


def test_relationship_depth_rejects_negative_contacts() -> None:
    with pytest.raises(ValueError, match=ACTIVE_CONTACTS_NEGATIVE):
        relationship_depth_score(True, True, -1)


@pytest.mark.parametrize("score", [None, 0.0, 7.5, 10.0])
def test_manual_score_passes_through(score: float | None) -> None:
    assert manual_score(score) == score


@pytest.mark.parametrize("score", [-0.1, 10.01])
def test_manual_score_must_be_between_0_and_10(score: float) -> None:
    with pytest.raises(ValueError, match=MANUAL_SCORE_OUT_OF_RANGE):
        manual_score(score)


@pytest.mark.parametrize(
    "call",
    [
        lambda: manual_score(math.nan),
        lambda: growth_score(math.inf),
        lambda: discipline_score(math.nan),
        lambda: tenure_score(-math.inf),
        lambda: share_of_wallet_score(math.nan),
        lambda: percent_rank_score([1.0, math.nan]),
    ],
)
def test_scores_refuse_numbers_that_are_not_finite(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=SCORE_NOT_FINITE):
        call()


# --- Axes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "weights", "expected"),
    [
        pytest.param([10.0, 0.0], [25.0, 75.0], AxisScore(2.5, 1.0, False), id="weights of 100"),
        pytest.param([10.0, 0.0], [1.0, 3.0], AxisScore(2.5, 1.0, False), id="weights of 4"),
        pytest.param(
            [10.0, None, 4.0], [30.0, 15.0, 15.0], AxisScore(8.0, 0.75, False), id="renormalized"
        ),
        pytest.param(
            [6.0, None, None], [50.0, 25.0, 25.0], AxisScore(6.0, 0.5, False), id="half missing"
        ),
        pytest.param(
            [6.0, None, None], [49.0, 26.0, 25.0], AxisScore(6.0, 0.49, True), id="over half"
        ),
        pytest.param([None, None], [1.0, 1.0], AxisScore(None, 0.0, True), id="nothing scored"),
        pytest.param(
            [3.0, 9.0], [0.0, 0.0], AxisScore(None, 0.0, True), id="zero-weight criteria only"
        ),
        pytest.param([3.0, 9.0], [0.0, 2.0], AxisScore(9.0, 1.0, False), id="a zero weight"),
    ],
)
def test_axis_score_renormalizes_over_the_scores_present(
    scores: list[float | None], weights: list[float], expected: AxisScore
) -> None:
    result = axis_score(scores, weights)

    assert result.value == pytest.approx(expected.value)
    assert result.present_weight == pytest.approx(expected.present_weight)
    assert result.incomplete is expected.incomplete


def test_axis_score_needs_one_weight_per_score() -> None:
    with pytest.raises(ValueError, match=WEIGHTS_LENGTH_MISMATCH):
        axis_score([1.0], [1.0, 2.0])


@pytest.mark.parametrize(
    ("vertical", "horizontal", "expected"),
    [
        (5.0, 5.0, "key"),
        (10.0, 10.0, "key"),
        (5.0, 4.99, "key_development"),
        (4.99, 5.0, "maintenance"),
        (4.99, 4.99, "opportunistic"),
        (0.0, 0.0, "opportunistic"),
        (None, 5.0, None),
        (5.0, None, None),
    ],
)
def test_quadrant_counts_exactly_the_threshold_as_high(
    vertical: float | None, horizontal: float | None, expected: str | None
) -> None:
    assert quadrant(vertical, horizontal) == expected


def test_quadrant_threshold_is_configurable() -> None:
    assert quadrant(6.0, 7.0, threshold=7.0) == "maintenance"
    with pytest.raises(ValueError, match=THRESHOLD_INVALID):
        quadrant(6.0, 7.0, threshold=10.5)


def test_quadrants_carry_names_strategy_and_contact_frequency() -> None:
    table = [
        (q.key, q.label(), q.label(cranfield=False), q.strategy, q.contact_days)
        for q in QUADRANTS.values()
    ]

    assert table == [
        ("key", "Key (strategic)", "Key", "Invest", 30),
        ("key_development", "Key development (star)", "Key development", "Invest selectively", 45),
        (
            "maintenance",
            "Maintenance (status)",
            "Maintenance",
            "Maintain at lower cost to serve",
            90,
        ),
        ("opportunistic", "Opportunistic (streamline)", "Opportunistic", "Manage for cash", 180),
    ]
    assert [q.cranfield_name for q in QUADRANTS.values()] == [
        "Strategic",
        "Star",
        "Status",
        "Streamline",
    ]


# --- Criteria -------------------------------------------------------------------------------


def test_default_criteria_and_weights_are_designs() -> None:
    table = [(c.key, c.axis, c.weight) for c in DEFAULT_CRITERIA]

    assert table == [
        ("revenue", VERTICAL, 30.0),
        ("growth", VERTICAL, 15.0),
        ("margin", VERTICAL, 15.0),
        ("payment_discipline", VERTICAL, 10.0),
        ("reputation", VERTICAL, 15.0),
        ("development", VERTICAL, 15.0),
        ("share_of_wallet", HORIZONTAL, 30.0),
        ("tenure", HORIZONTAL, 20.0),
        ("relationship_depth", HORIZONTAL, 20.0),
        ("criticality", HORIZONTAL, 15.0),
        ("satisfaction", HORIZONTAL, 15.0),
    ]


def test_criteria_with_weights_sets_a_companys_weights() -> None:
    criteria = criteria_with_weights({"revenue": 50, "reputation": 0})

    weights = {c.key: c.weight for c in criteria}
    assert (weights["revenue"], weights["reputation"], weights["growth"]) == (50.0, 0.0, 15.0)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"turnover": 10.0}, CRITERION_KEY_UNKNOWN),
        ({"revenue": -1.0}, WEIGHT_INVALID),
        ({"revenue": math.nan}, WEIGHT_INVALID),
        (
            {"share_of_wallet": 0, "tenure": 0, "relationship_depth": 0}
            | {"criticality": 0, "satisfaction": 0},
            AXIS_WITHOUT_WEIGHT,
        ),
    ],
)
def test_criteria_with_weights_rejects_bad_weights(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        criteria_with_weights(weights)


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ((*DEFAULT_CRITERIA, DEFAULT_CRITERIA[0]), CRITERION_KEY_DUPLICATE),
        ((*DEFAULT_CRITERIA, Criterion("x", "diagonal", 1.0, "manual")), AXIS_INVALID),
        ((*DEFAULT_CRITERIA, Criterion("x", VERTICAL, 1.0, "oracle")), SOURCE_INVALID),
    ],
)
def test_check_criteria_rejects_malformed_criteria(
    criteria: tuple[Criterion, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_criteria(criteria)


# --- kaism_positions --------------------------------------------------------------------------

THREE_CLIENTS = _metrics(
    [
        {
            "client_key": "a",
            "ltm_revenue": 300.0,
            "growth": 0.0,
            "margin": 0.30,
            "avg_days_late": 0.0,
            "tenure_years": 5.0,
            "decision_maker_known": True,
            "champion_known": True,
            "active_contacts": 3,
        },
        {
            "client_key": "b",
            "ltm_revenue": 200.0,
            "growth": 1.0,
            "margin": 0.20,
            "avg_days_late": 30.0,
            "tenure_years": 2.5,
            "decision_maker_known": True,
            "champion_known": False,
            "active_contacts": 1,
        },
        # No cost data, no payments, no dossier, no manual scores.
        {"client_key": "c", "ltm_revenue": 100.0, "growth": -0.5, "tenure_years": 0.0},
    ]
)
THREE_MANUAL: Manual = {
    "a": {
        "reputation": 8,
        "development": 6,
        "share_of_wallet": 30,
        "criticality": 7,
        "satisfaction": 9,
    },
    "b": {"reputation": None, "share_of_wallet": 60},
    "z": {"reputation": 10},  # not in metrics: ignored
}


def test_kaism_positions_scores_every_criterion_and_places_each_client() -> None:
    positions = kaism_positions(THREE_CLIENTS, THREE_MANUAL)

    assert positions.schema == pl.Schema(positions_schema())
    rows = {row["client_key"]: row for row in positions.to_dicts()}
    assert positions["client_key"].to_list() == ["a", "b", "c"]
    assert rows["a"] == {
        "client_key": "a",
        "revenue_score": 10.0,
        "growth_score": 5.0,
        "margin_score": 10.0,
        "payment_discipline_score": 10.0,
        "reputation_score": 8.0,
        "development_score": 6.0,
        "share_of_wallet_score": 5.0,
        "tenure_score": 10.0,
        "relationship_depth_score": 8.0,
        "criticality_score": 7.0,
        "satisfaction_score": 9.0,
        # (10·30 + 5·15 + 10·15 + 10·10 + 8·15 + 6·15) / 100
        "vertical": pytest.approx(8.35),
        # (5·30 + 10·20 + 8·20 + 7·15 + 9·15) / 100
        "horizontal": pytest.approx(7.5),
        "vertical_incomplete": False,
        "horizontal_incomplete": False,
        "quadrant": "key",
    }
    # Reputation and development missing: (5·30 + 10·15 + 0·15 + 5·10) / 70 = 5 exactly, and
    # 5 counts as high. Horizontal: (10·30 + 5·20 + 4·20) / 70.
    assert rows["b"]["vertical"] == 5.0
    assert rows["b"]["horizontal"] == pytest.approx(480 / 70)
    assert (rows["b"]["vertical_incomplete"], rows["b"]["horizontal_incomplete"]) == (False, False)
    assert rows["b"]["quadrant"] == "key"
    # Only revenue and growth (45 of 100) and tenure (20 of 100): positioned, but incomplete.
    assert [rows["c"][name] for name in ("revenue_score", "growth_score", "tenure_score")] == [
        0.0,
        0.0,
        0.0,
    ]
    assert rows["c"]["margin_score"] is None
    assert rows["c"]["relationship_depth_score"] is None
    assert (rows["c"]["vertical"], rows["c"]["horizontal"]) == (0.0, 0.0)
    assert (rows["c"]["vertical_incomplete"], rows["c"]["horizontal_incomplete"]) == (True, True)
    assert rows["c"]["quadrant"] == "opportunistic"


def test_no_cost_data_drops_margin_and_renormalizes_the_rest() -> None:
    common = {"ltm_revenue": 100.0, "growth": 1.0, "avg_days_late": 0.0, "tenure_years": 1.0}
    metrics = _metrics(
        [
            {"client_key": "with_cost", **common, "margin": 0.5},
            {"client_key": "without_cost", **common, "margin": None},
        ]
    )
    manual: Manual = {
        key: {"reputation": 4, "development": 4} for key in ("with_cost", "without_cost")
    }

    rows = {row["client_key"]: row for row in kaism_positions(metrics, manual).to_dicts()}

    # Revenue ties at 10; the only margin present ranks 10.
    assert rows["with_cost"]["vertical"] == pytest.approx(
        (10 * 30 + 10 * 15 + 10 * 15 + 10 * 10 + 4 * 15 + 4 * 15) / 100
    )
    assert rows["without_cost"]["margin_score"] is None
    assert rows["without_cost"]["vertical"] == pytest.approx(
        (10 * 30 + 10 * 15 + 10 * 10 + 4 * 15 + 4 * 15) / 85
    )
    assert rows["without_cost"]["vertical_incomplete"] is False


def test_more_than_half_the_weight_missing_is_incomplete() -> None:
    # Vertical: revenue 30 + growth 15 present, 55 of 100 missing. Horizontal: tenure 20 of 100.
    metrics = _metrics([{"client_key": "k", "ltm_revenue": 1.0, "growth": 0.0, "tenure_years": 1}])
    exactly_half = {"k": {"share_of_wallet": 60.0}}  # 30 + 20 = 50 of 100 present

    incomplete = kaism_positions(metrics, NO_MANUAL).row(0, named=True)
    half = kaism_positions(metrics, exactly_half).row(0, named=True)

    assert (incomplete["vertical_incomplete"], incomplete["horizontal_incomplete"]) == (True, True)
    assert incomplete["vertical"] == pytest.approx((10 * 30 + 5 * 15) / 45)
    assert half["horizontal_incomplete"] is False
    assert half["horizontal"] == pytest.approx((10 * 30 + 2 * 20) / 50)


def test_revenue_is_ranked_among_positive_revenue_clients_and_zero_scores_0() -> None:
    metrics = _metrics(
        [
            {"client_key": "big", "ltm_revenue": 500.0, "margin": 0.1},
            {"client_key": "small", "ltm_revenue": 50.0, "margin": 0.4},
            {"client_key": "none", "ltm_revenue": 0.0, "margin": 0.9},
            {"client_key": "returns", "ltm_revenue": -20.0},
            {"client_key": "unknown"},
        ]
    )

    positions = kaism_positions(metrics, NO_MANUAL)

    scores = dict(zip(positions["client_key"], positions["revenue_score"], strict=True))
    margins = dict(zip(positions["client_key"], positions["margin_score"], strict=True))
    assert scores == {"big": 10.0, "none": 0.0, "returns": 0.0, "small": 0.0, "unknown": None}
    assert margins == {"big": 0.0, "none": None, "returns": None, "small": 10.0, "unknown": None}


def test_weights_are_editable_and_scores_follow_the_criteria() -> None:
    criteria = criteria_with_weights({"revenue": 1, "growth": 3, "margin": 0})
    criteria = (*criteria, Criterion("innovation", VERTICAL, 4.0, "manual"))
    metrics = _metrics([{"client_key": "k", "ltm_revenue": 10.0, "growth": 0.0, "margin": 0.1}])

    row = kaism_positions(metrics, {"k": {"innovation": 2.0}}, criteria=criteria).row(0, named=True)

    assert row["innovation_score"] == 2.0
    assert row["margin_score"] == 10.0  # scored, but weighs nothing
    assert row["vertical"] == pytest.approx((10 * 1 + 5 * 3 + 2 * 4) / 8)


@pytest.mark.parametrize(
    ("manual", "message"),
    [
        ({"a": {"reputation": 11}}, MANUAL_SCORE_OUT_OF_RANGE),
        ({"a": {"satisfaction": -1}}, MANUAL_SCORE_OUT_OF_RANGE),
        ({"a": {"share_of_wallet": 120}}, SHARE_OF_WALLET_OUT_OF_RANGE),
    ],
)
def test_kaism_positions_rejects_manual_scores_out_of_range(manual: Manual, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kaism_positions(THREE_CLIENTS, manual)


def test_kaism_positions_rejects_bad_metrics_and_threshold() -> None:
    with pytest.raises(ValueError, match=METRICS_COLUMNS_MISSING):
        kaism_positions(THREE_CLIENTS.drop("margin"), NO_MANUAL)
    with pytest.raises(ValueError, match=METRICS_DUPLICATE_CLIENT):
        kaism_positions(pl.concat([THREE_CLIENTS, THREE_CLIENTS.head(1)]), NO_MANUAL)
    with pytest.raises(ValueError, match=THRESHOLD_INVALID):
        kaism_positions(THREE_CLIENTS, NO_MANUAL, threshold=-1)


def test_kaism_positions_of_no_clients_is_empty_with_the_columns() -> None:
    positions = kaism_positions(_metrics([]), NO_MANUAL)

    assert positions.is_empty()
    assert positions.schema == pl.Schema(positions_schema())


# --- kaism_metrics ----------------------------------------------------------------------------


def _sales(rows: list[tuple[str, date, float, float | None]]) -> pl.DataFrame:
    given = {
        "row": list(range(1, len(rows) + 1)),
        "client_key": [f"name:{name.lower()}" for name, _, _, _ in rows],
        "client": [name for name, _, _, _ in rows],
        "date": [day for _, day, _, _ in rows],
        "amount": [amount for _, _, amount, _ in rows],
        "cost": [cost for _, _, _, cost in rows],
    }
    return pl.DataFrame(
        {name: given.get(name, [None] * len(rows)) for name in SALES_SCHEMA}, schema=SALES_SCHEMA
    )


def test_kaism_metrics_assembles_revenue_growth_margin_tenure_and_the_dossier() -> None:
    sales = _sales(
        [
            ("Альфа", date(2023, 12, 31), 80.0, 70.0),  # first sale: two years before as_of
            ("Альфа", date(2025, 3, 1), 100.0, 60.0),
            ("Альфа", date(2025, 4, 1), 50.0, 30.0),
            ("Бета", date(2025, 5, 5), 10.0, 5.0),
            ("Бета", date(2025, 6, 5), 10.0, None),  # one line without cost: no margin
            ("Гамма", date(2024, 12, 1), -5.0, None),  # a return first: not the first sale
            ("Гамма", date(2025, 1, 1), 40.0, 10.0),
            ("Гамма", date(2025, 2, 1), -40.0, -10.0),  # nets to 0: no margin
        ]
    )
    days_late = pl.DataFrame({"client_key": ["name:альфа"], "avg_days_late": [12.5]})
    dossier = pl.DataFrame(
        {
            "client_key": ["name:бета"],
            "decision_maker_known": [True],
            "champion_known": [False],
            "active_contacts": [2],
        }
    )

    metrics = kaism_metrics(sales, as_of=AS_OF, days_late=days_late, dossier=dossier)

    assert metrics.schema == pl.Schema(METRICS_SCHEMA)
    assert metrics.rows() == [
        (
            "name:альфа",
            150.0,
            None,
            pytest.approx(0.4),
            12.5,
            pytest.approx(731 / 365.25),
            None,
            None,
            None,
        ),
        ("name:бета", 20.0, None, None, None, pytest.approx(240 / 365.25), True, False, 2),
        ("name:гамма", 0.0, None, None, None, pytest.approx(364 / 365.25), None, None, None),
    ]


def test_kaism_metrics_without_a_cost_column_has_no_margins() -> None:
    sales = _sales([("Альфа", date(2025, 3, 1), 100.0, 60.0)]).drop("cost")

    assert kaism_metrics(sales, as_of=AS_OF)["margin"].to_list() == [None]


# --- Properties -----------------------------------------------------------------------------

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
maybe_score = st.one_of(st.none(), st.floats(min_value=0, max_value=10))


@given(finite)
def test_every_scoring_map_stays_within_0_and_10(value: float) -> None:
    for score in (
        growth_score(value),
        discipline_score(value),
        tenure_score(value),
        share_of_wallet_score(min(100.0, abs(value))),
        manual_score(min(10.0, abs(value))),
    ):
        assert score is not None
        assert 0.0 <= score <= 10.0


@given(st.lists(st.one_of(st.none(), finite), max_size=30))
def test_percent_rank_scores_stay_within_0_and_10(values: list[float | None]) -> None:
    for score in percent_rank_score(values):
        assert score is None or 0.0 <= score <= 10.0


@given(st.booleans() | st.none(), st.booleans() | st.none(), st.integers(0, 50) | st.none())
def test_relationship_depth_stays_within_0_and_10(
    decision_maker: bool | None, champion: bool | None, contacts: int | None
) -> None:
    score = relationship_depth_score(decision_maker, champion, contacts)

    assert score is None or 0.0 <= score <= 10.0


@given(
    st.lists(
        st.tuples(maybe_score, st.floats(min_value=0, max_value=1e6)), min_size=1, max_size=12
    ).filter(lambda pairs: sum(weight for _, weight in pairs) > 0)
)
def test_axis_value_lies_between_the_lowest_and_highest_score_present(
    pairs: list[tuple[float | None, float]],
) -> None:
    result = axis_score([score for score, _ in pairs], [weight for _, weight in pairs])

    present = [score for score, weight in pairs if score is not None and weight > 0]
    if not present:
        assert result.value is None
    else:
        assert result.value is not None
        assert min(present) <= result.value <= max(present)
    assert 0.0 <= result.present_weight <= 1.0 + 1e-12


metric_rows = st.lists(
    st.fixed_dictionaries(
        {
            "ltm_revenue": st.none() | st.floats(-1e3, 1e6),
            "growth": st.none() | st.floats(-1, 5),
            "margin": st.none() | st.floats(-0.5, 0.9),
            "avg_days_late": st.none() | st.floats(0, 200),
            "tenure_years": st.none() | st.floats(0, 20),
            "decision_maker_known": st.none() | st.booleans(),
            "champion_known": st.none() | st.booleans(),
            "active_contacts": st.none() | st.integers(0, 12),
        }
    ),
    max_size=12,
)
manual_rows = st.fixed_dictionaries(
    {},
    optional={
        "reputation": maybe_score,
        "development": maybe_score,
        "share_of_wallet": st.none() | st.floats(0, 100),
        "criticality": maybe_score,
        "satisfaction": maybe_score,
    },
)


@settings(deadline=None, max_examples=50)
@given(metric_rows, st.lists(manual_rows, min_size=12, max_size=12), st.randoms())
def test_permuting_clients_changes_nothing_and_scores_stay_within_0_and_10(
    rows: list[dict[str, object]], manual_list: list[dict[str, float | None]], random: Random
) -> None:
    keyed = [{"client_key": f"k{i:02d}", **row} for i, row in enumerate(rows)]
    manual = {f"k{i:02d}": scores for i, scores in enumerate(manual_list)}
    shuffled = list(keyed)
    random.shuffle(shuffled)

    positions = kaism_positions(_metrics(keyed), manual)

    assert_frame_equal(kaism_positions(_metrics(shuffled), manual), positions)
    scores = positions.select(pl.col("^.*_score$"), "vertical", "horizontal")
    for column in scores.columns:
        assert all(0.0 <= value <= 10.0 for value in scores[column].drop_nulls().to_list())


def test_criteria_copy_keeps_defaults_untouched() -> None:
    changed = criteria_with_weights({"revenue": 99})

    assert DEFAULT_CRITERIA[0].weight == 30.0
    assert changed[0] == replace(DEFAULT_CRITERIA[0], weight=99.0)
    with pytest.raises(ValueError, match=re.escape(CRITERION_KEY_UNKNOWN)):
        criteria_with_weights({"nope": 1})

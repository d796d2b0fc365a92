"""DESIGN §4 "Key clients — the article's three criteria": the rule, its reasons in order, and
the whole core run on the demo company."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
import pytest

from keyclients.core.analytics.abc_xyz import abc_xyz_matrix, client_stability
from keyclients.core.analytics.concentration import client_revenue, client_shares
from keyclients.core.analytics.kaism import (
    MANUAL_SCORE_OUT_OF_RANGE,
    kaism_metrics,
    kaism_positions,
)
from keyclients.core.analytics.key_clients import (
    CLIENTS_COLUMNS_MISSING,
    KEY_CLIENTS_SCHEMA,
    KEY_REASONS,
    POSITIONS_COLUMNS_MISSING,
    key_clients,
    key_reasons,
)
from keyclients.core.analytics.signals import SIGNALS_SCHEMA, client_signals
from keyclients.core.demo import KEY_CLIENT_SHARE_RANGE, generate_company

Manual = Mapping[str, Mapping[str, float | None]]


def _clients(classes: dict[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"client_key": list(classes), "abc": list(classes.values())},
        schema={"client_key": pl.String, "abc": pl.String},
    )


def _positions(rows: list[tuple[str, str | None, bool, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "client_key": pl.String,
            "quadrant": pl.String,
            "vertical_incomplete": pl.Boolean,
            "horizontal_incomplete": pl.Boolean,
        },
        orient="row",
    )


def _reasons(frame: pl.DataFrame) -> dict[str, list[str]]:
    return dict(zip(frame["client_key"].to_list(), frame["key_reasons"].to_list(), strict=True))


def test_small_class_c_client_with_reputation_9_is_key_for_reputation_only() -> None:
    result = key_clients(_clients({"small": "C"}), manual={"small": {"reputation": 9}})

    assert result.to_dicts() == [
        {
            "client_key": "small",
            "is_key": True,
            "key_reasons": ["reputation"],
            "manual_reason": None,
        }
    ]


def test_class_a_client_with_no_scores_is_key_for_revenue_only() -> None:
    result = key_clients(_clients({"big": "A"}))

    assert result.to_dicts() == [
        {"client_key": "big", "is_key": True, "key_reasons": ["revenue"], "manual_reason": None}
    ]


def test_every_reason_at_once_comes_in_the_documented_order() -> None:
    result = key_clients(
        _clients({"all": "A"}),
        positions=_positions([("all", "key", False, False)]),
        manual={"all": {"development": 8, "reputation": 10}},
        manual_key={"all": "Федеральная сеть, отраслевой лидер"},
    )

    assert KEY_REASONS == ("revenue", "reputation", "development", "kaism", "manual")
    assert result.to_dicts() == [
        {
            "client_key": "all",
            "is_key": True,
            "key_reasons": ["revenue", "reputation", "development", "kaism", "manual"],
            "manual_reason": "Федеральная сеть, отраслевой лидер",
        }
    ]


@pytest.mark.parametrize(
    ("abc", "reputation", "development", "quadrant", "marked", "expected"),
    [
        pytest.param("B", None, None, None, False, [], id="class B, nothing else"),
        pytest.param(None, None, None, None, False, [], id="no revenue, nothing else"),
        pytest.param("C", 7.99, 7.99, "key_development", False, [], id="just below 8"),
        pytest.param("C", 8.0, None, None, False, ["reputation"], id="reputation exactly 8"),
        pytest.param("B", None, 8.0, None, False, ["development"], id="development exactly 8"),
        pytest.param("B", 3.0, 9.0, "key", False, ["development", "kaism"], id="two reasons"),
        pytest.param("C", None, None, "maintenance", True, ["manual"], id="by hand only"),
    ],
)
def test_key_reasons_table(
    abc: str | None,
    reputation: float | None,
    development: float | None,
    quadrant: str | None,
    marked: bool,
    expected: list[str],
) -> None:
    assert (
        key_reasons(
            abc=abc,
            reputation=reputation,
            development=development,
            quadrant=quadrant,
            marked=marked,
        )
        == expected
    )


def test_an_incomplete_kaism_position_does_not_make_a_client_key() -> None:
    positions = _positions(
        [
            ("complete", "key", False, False),
            ("thin_vertical", "key", True, False),
            ("thin_horizontal", "key", False, True),
        ]
    )

    result = key_clients(
        _clients({"complete": "C", "thin_vertical": "C", "thin_horizontal": "C"}),
        positions=positions,
    )

    assert _reasons(result) == {"complete": ["kaism"], "thin_vertical": [], "thin_horizontal": []}
    assert result["is_key"].to_list() == [True, False, False]


def test_positions_without_completeness_flags_count_as_complete() -> None:
    positions = pl.DataFrame({"client_key": ["k"], "quadrant": ["key"]})

    assert _reasons(key_clients(_clients({"k": "B"}), positions=positions)) == {"k": ["kaism"]}


def test_key_clients_keep_the_clients_order_and_ignore_other_clients() -> None:
    result = key_clients(
        _clients({"b": "B", "a": "A", "c": None}),
        positions=_positions([("zz", "key", False, False)]),
        manual={"zz": {"reputation": 10}},
        manual_key={"zz": "not a client here"},
    )

    assert result.schema == pl.Schema(KEY_CLIENTS_SCHEMA)
    assert result["client_key"].to_list() == ["b", "a", "c"]
    assert result["is_key"].to_list() == [False, True, False]
    assert result["key_reasons"].to_list() == [[], ["revenue"], []]


def test_key_clients_validate_their_inputs() -> None:
    with pytest.raises(ValueError, match=CLIENTS_COLUMNS_MISSING):
        key_clients(pl.DataFrame({"client_key": ["a"]}))
    with pytest.raises(ValueError, match=POSITIONS_COLUMNS_MISSING):
        key_clients(_clients({"a": "A"}), positions=pl.DataFrame({"client_key": ["a"]}))
    with pytest.raises(ValueError, match=MANUAL_SCORE_OUT_OF_RANGE):
        key_clients(_clients({"a": "A"}), manual={"a": {"reputation": 12}})


def test_key_clients_take_client_shares_as_well_as_stability() -> None:
    revenue = pl.DataFrame(
        {"client_key": ["a", "b", "c"], "client": ["A", "B", "C"], "revenue": [85.0, 10.0, 5.0]}
    )

    result = key_clients(client_shares(revenue), manual={"c": {"development": 9}})

    assert _reasons(result) == {"a": ["revenue"], "b": [], "c": ["development"]}


# --- The demo company, end to end -------------------------------------------------------------


def test_the_core_runs_on_the_demo_company_and_finds_its_40_percent_client() -> None:
    company = generate_company()
    as_of = company.end
    key_client = company.clients.filter(pl.col("profile") == "key")["client_key"].item()

    stability = client_stability(company.sales, as_of=as_of)
    metrics = kaism_metrics(company.sales, as_of=as_of, stability=stability)
    positions = kaism_positions(metrics, {key_client: {"reputation": 9, "satisfaction": 7}})
    key = key_clients(stability, positions=positions, manual={key_client: {"reputation": 9}})
    never_contacted = pl.DataFrame(schema={"client_key": pl.String, "last_interaction": pl.Date})
    signals = client_signals(
        as_of=as_of, sales=company.sales, quadrants=positions, last_interactions=never_contacted
    )
    matrix = abc_xyz_matrix(stability)

    # Same LTM as concentration over the same 12 months.
    shares = client_shares(
        client_revenue(company.sales, date_from=as_of.replace(month=1, day=1), date_to=as_of)
    )
    assert stability.height == company.clients.height
    compared = shares.join(stability, on="client_key", how="left", suffix="_stability")
    assert compared["abc"].to_list() == compared["abc_stability"].to_list()
    assert stability.filter(~pl.col("client_key").is_in(shares["client_key"].to_list()))[
        "abc"
    ].null_count() == (stability.height - shares.height)
    top = stability.row(0, named=True)
    assert top["client_key"] == key_client
    share = top["ltm_revenue"] / stability.filter(pl.col("ltm_revenue") > 0)["ltm_revenue"].sum()
    low, high = KEY_CLIENT_SHARE_RANGE
    assert low - 0.02 <= share <= high + 0.02
    assert top["abc"] == "A"
    assert top["xyz"] is not None
    reasons = _reasons(key)[key_client]
    assert reasons[:2] == ["revenue", "reputation"]
    assert key.filter(pl.col("client_key") == key_client)["is_key"].item() is True
    # Every class-A client is key for revenue; every key client has a reason.
    a_clients = set(stability.filter(pl.col("abc") == "A")["client_key"].to_list())
    assert {k for k, r in _reasons(key).items() if "revenue" in r} == a_clients
    assert all(r for r in key.filter("is_key")["key_reasons"].to_list())
    assert matrix["clients"].sum() == stability["abc"].count()
    # The generator's dormant and new clients show up as such.
    profiles = company.clients.join(stability, on="client_key")
    dormant_profile = profiles.filter(pl.col("status") == "dormant")
    assert dormant_profile["prev_ltm_revenue"].gt(0).any()
    assert profiles.filter(pl.col("dormant"))["status"].is_in(["dormant", "lost"]).all()
    assert positions.height == stability.height
    assert positions["quadrant"].null_count() == 0
    assert signals.schema == pl.Schema(SIGNALS_SCHEMA)
    assert {"revenue_drop", "no_touch"} <= set(signals["signal"].to_list())

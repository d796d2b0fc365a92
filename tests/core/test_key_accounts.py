"""Key-account rules: tier suggestions, margin after privileges, hunters' new clients, the team
summary and birthdays — tables of inputs and expected outputs, then properties."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyclients.core.analytics.key_accounts import (
    COLUMNS_MISSING,
    DISCOUNT_INVALID,
    MARGIN_FROM_COST,
    MARGIN_FROM_SETTING,
    MONTHS_INVALID,
    RULE_MANUAL,
    RULE_QUADRANT,
    RULE_QUADRANT_INVALID,
    RULE_REVENUE,
    RULE_REVENUE_INVALID,
    TierRule,
    add_months,
    hunter_clients,
    margin_after_privileges,
    next_birthday,
    team_summary,
    tier_suggestions,
    upcoming_birthdays,
)


def _revenue(rows: list[tuple[str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"client_key": pl.String, "revenue": pl.Float64}, orient="row")


def _quadrants(rows: list[tuple[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"client_key": pl.String, "quadrant": pl.String}, orient="row")


# --- Tier suggestions -----------------------------------------------------------------------

REVENUE = _revenue([("a", 5_000_000.0), ("b", 1_000_000.0), ("c", 999_999.99), ("d", 0.0)])
QUADRANTS = _quadrants([("a", "key"), ("c", "key"), ("d", "maintenance"), ("e", "key")])


def test_a_revenue_rule_admits_clients_at_or_above_the_threshold() -> None:
    rules = [TierRule("gold", RULE_REVENUE, revenue_min=1_000_000)]

    result = tier_suggestions(rules, revenue=REVENUE)

    assert result.select("tier", "client_key", "rule").rows() == [
        ("gold", "a", RULE_REVENUE),
        ("gold", "b", RULE_REVENUE),
    ]


def test_a_quadrant_rule_admits_the_clients_of_its_quadrant_even_without_revenue() -> None:
    rules = [TierRule("platinum", RULE_QUADRANT, quadrant="key")]

    result = tier_suggestions(rules, revenue=REVENUE, quadrants=QUADRANTS)

    # By revenue, largest first; "e" has a quadrant but no revenue row: last.
    assert result["client_key"].to_list() == ["a", "c", "e"]
    assert result["revenue"].to_list() == [5_000_000.0, 999_999.99, None]
    assert set(result["quadrant"].to_list()) == {"key"}


def test_without_quadrants_a_quadrant_rule_admits_nobody_and_manual_tiers_suggest_nobody() -> None:
    rules = [
        TierRule("platinum", RULE_QUADRANT, quadrant="key"),
        TierRule("friends", RULE_MANUAL),
        TierRule("silver", RULE_REVENUE, revenue_min=999_999.99),
    ]

    result = tier_suggestions(rules, revenue=REVENUE)

    assert result.select("tier", "client_key").rows() == [
        ("silver", "a"),
        ("silver", "b"),
        ("silver", "c"),
    ]


def test_a_client_may_qualify_for_several_tiers_in_the_rules_order() -> None:
    rules = [
        TierRule("platinum", RULE_QUADRANT, quadrant="key"),
        TierRule("gold", RULE_REVENUE, revenue_min=1_000_000),
    ]

    result = tier_suggestions(rules, revenue=REVENUE, quadrants=QUADRANTS)

    assert result.filter(pl.col("client_key") == "a")["tier"].to_list() == ["platinum", "gold"]
    assert result["tier"].to_list() == ["platinum"] * 3 + ["gold"] * 2


def test_no_rules_give_an_empty_frame_of_the_schema() -> None:
    assert tier_suggestions([], revenue=REVENUE).is_empty()
    assert tier_suggestions([TierRule("x", RULE_MANUAL)], revenue=REVENUE).columns == [
        "tier",
        "client_key",
        "rule",
        "revenue",
        "quadrant",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule": "loyalty"}, "unknown tier rule"),
        ({"rule": RULE_QUADRANT}, RULE_QUADRANT_INVALID),
        ({"rule": RULE_QUADRANT, "quadrant": "vip"}, RULE_QUADRANT_INVALID),
        ({"rule": RULE_REVENUE}, RULE_REVENUE_INVALID),
        ({"rule": RULE_REVENUE, "revenue_min": 0.0}, RULE_REVENUE_INVALID),
        ({"rule": RULE_REVENUE, "revenue_min": math.inf}, RULE_REVENUE_INVALID),
    ],
)
def test_bad_rules_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TierRule("t", **kwargs)  # type: ignore[arg-type]


def test_a_revenue_frame_without_its_columns_is_refused() -> None:
    with pytest.raises(ValueError, match=COLUMNS_MISSING):
        tier_suggestions([], revenue=pl.DataFrame({"client_key": ["a"]}))


@given(
    revenues=st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=0, max_size=30),
    threshold=st.floats(1.0, 1e9),
)
def test_a_revenue_rule_admits_exactly_the_clients_at_or_above_it(
    revenues: list[float], threshold: float
) -> None:
    frame = _revenue([(f"c{i:02d}", value) for i, value in enumerate(revenues)])

    result = tier_suggestions([TierRule("t", RULE_REVENUE, revenue_min=threshold)], revenue=frame)

    expected = {f"c{i:02d}" for i, value in enumerate(revenues) if value >= threshold}
    assert set(result["client_key"].to_list()) == expected
    assert result["revenue"].to_list() == sorted(result["revenue"].to_list(), reverse=True)


# --- Margin after privileges ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenue", "cost", "discount", "fallback", "margin", "source", "after", "profit_after"),
    [
        # 1,000,000 revenue, 700,000 cost: margin 30%; a 5% discount leaves 25% = 250,000.
        (1_000_000.0, 700_000.0, 0.05, None, 0.30, MARGIN_FROM_COST, 0.25, 250_000.0),
        # Cost data wins over the setting.
        (1_000_000.0, 700_000.0, 0.0, 0.50, 0.30, MARGIN_FROM_COST, 0.30, 300_000.0),
        # No complete cost data: the company's margin setting stands in.
        (200_000.0, None, 0.10, 0.22, 0.22, MARGIN_FROM_SETTING, 0.12, 24_000.0),
        # A discount larger than the margin makes the client lose money.
        (100_000.0, 95_000.0, 0.10, None, 0.05, MARGIN_FROM_COST, -0.05, -5_000.0),
        # No revenue: the cost has no base; the setting is shown, profits are 0.
        (0.0, 10.0, 0.05, 0.20, 0.20, MARGIN_FROM_SETTING, 0.15, 0.0),
    ],
)
def test_margin_after_privileges_table(
    revenue: float,
    cost: float | None,
    discount: float,
    fallback: float | None,
    margin: float,
    source: str,
    after: float,
    profit_after: float,
) -> None:
    result = margin_after_privileges(
        revenue=revenue, cost=cost, discount=discount, fallback_margin=fallback
    )

    assert result.margin == pytest.approx(margin)
    assert result.margin_source == source
    assert result.margin_after == pytest.approx(after)
    assert result.gross_profit_after == pytest.approx(profit_after)
    assert result.privilege_cost == pytest.approx(max(revenue, 0) * discount)


def test_without_cost_data_or_a_setting_the_margin_is_unknown_but_the_cost_of_privileges_not() -> (
    None
):
    result = margin_after_privileges(revenue=500_000.0, cost=None, discount=0.04)

    assert (result.margin, result.margin_source, result.margin_after) == (None, None, None)
    assert result.gross_profit_after is None
    assert result.privilege_cost == pytest.approx(20_000.0)


@pytest.mark.parametrize("discount", [-0.01, 1.01, math.nan])
def test_a_discount_outside_0_1_is_refused(discount: float) -> None:
    with pytest.raises(ValueError, match=DISCOUNT_INVALID):
        margin_after_privileges(revenue=1.0, cost=0.5, discount=discount)


@given(
    revenue=st.floats(0.01, 1e10),
    cost_share=st.floats(0.0, 2.0),
    discount=st.floats(0.0, 1.0),
)
def test_privileges_never_raise_the_margin_and_profit_after_is_profit_less_their_cost(
    revenue: float, cost_share: float, discount: float
) -> None:
    result = margin_after_privileges(revenue=revenue, cost=revenue * cost_share, discount=discount)

    assert result.margin is not None and result.margin_after is not None
    assert result.margin_after <= result.margin + 1e-12
    assert result.gross_profit is not None and result.gross_profit_after is not None
    assert result.gross_profit_after == pytest.approx(
        result.gross_profit - result.privilege_cost, rel=1e-9, abs=1e-6
    )
    assert result.gross_profit_after == pytest.approx(
        revenue * result.margin_after, rel=1e-9, abs=1e-6
    )


# --- Hunters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 7, 15), 6, date(2026, 1, 15)),
        (date(2025, 3, 1), -3, date(2024, 12, 1)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_a_client_is_new_for_six_months_after_its_first_sale_then_due_for_hand_off() -> None:
    first_sales = pl.DataFrame(
        {
            "client_key": ["recent", "edge", "old", "prospect"],
            "first_sale": [date(2025, 9, 1), date(2025, 6, 30), date(2024, 1, 10), None],
        },
        schema={"client_key": pl.String, "first_sale": pl.Date},
    )

    result = hunter_clients(first_sales, as_of=date(2025, 12, 31))

    assert result.rows() == [
        ("recent", date(2025, 9, 1), date(2026, 3, 1), True, False),
        # 30 June + 6 months = 30 December: on 31 December the client is no longer new.
        ("edge", date(2025, 6, 30), date(2025, 12, 30), False, True),
        ("old", date(2024, 1, 10), date(2024, 7, 10), False, True),
        ("prospect", None, None, True, False),
    ]


def test_the_months_are_configurable() -> None:
    first_sales = pl.DataFrame(
        {"client_key": ["x"], "first_sale": [date(2025, 3, 1)]},
        schema={"client_key": pl.String, "first_sale": pl.Date},
    )

    assert hunter_clients(first_sales, as_of=date(2025, 12, 31), months=12)["is_new"][0] is True
    assert hunter_clients(first_sales, as_of=date(2025, 12, 31), months=9)["is_new"][0] is False
    with pytest.raises(ValueError, match=MONTHS_INVALID):
        hunter_clients(first_sales, as_of=date(2025, 12, 31), months=0)


@given(
    offsets=st.lists(st.one_of(st.none(), st.integers(0, 2_000)), max_size=20),
    months=st.integers(1, 36),
)
def test_every_client_is_either_new_or_due_for_hand_off(
    offsets: list[int | None], months: int
) -> None:
    as_of = date(2025, 12, 31)
    firsts = [None if offset is None else as_of - timedelta(days=offset) for offset in offsets]
    frame = pl.DataFrame(
        {"client_key": [f"c{i}" for i in range(len(firsts))], "first_sale": firsts},
        schema={"client_key": pl.String, "first_sale": pl.Date},
    )

    result = hunter_clients(frame, as_of=as_of, months=months)

    for first, new, due in result.select("first_sale", "is_new", "handoff_due").iter_rows():
        assert new != due
        if first is not None:
            assert new == (first > add_months(as_of, -months))


# --- Team -----------------------------------------------------------------------------------


def test_the_team_summary_counts_and_sums_per_manager() -> None:
    clients = pl.DataFrame(
        {
            "manager_id": [1, 1, 2, None, 2, 1],
            "revenue": [600.0, 100.0, 200.0, 50.0, 0.0, 50.0],
            "is_key": [True, False, True, False, False, False],
            "is_new": [False, False, False, True, True, True],
        },
        schema={
            "manager_id": pl.Int64,
            "revenue": pl.Float64,
            "is_key": pl.Boolean,
            "is_new": pl.Boolean,
        },
    )

    result = team_summary(clients)

    assert result.rows() == [
        (1, 3, 750.0, 0.75, 1, 1),
        (2, 2, 200.0, 0.20, 1, 1),
        (None, 1, 50.0, 0.05, 0, 1),
    ]


@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 5)),
            st.floats(0, 1e9),
            st.booleans(),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_the_team_adds_up_to_the_company(
    rows: list[tuple[int | None, float, bool, bool]],
) -> None:
    frame = pl.DataFrame(
        rows,
        schema={
            "manager_id": pl.Int64,
            "revenue": pl.Float64,
            "is_key": pl.Boolean,
            "is_new": pl.Boolean,
        },
        orient="row",
    )

    result = team_summary(frame)

    assert result["clients"].sum() == len(rows)
    assert result["key_clients"].sum() == sum(row[2] for row in rows)
    assert result["new_clients"].sum() == sum(row[3] for row in rows)
    total = math.fsum(row[1] for row in rows)
    assert result["revenue"].sum() == pytest.approx(total, rel=1e-9, abs=1e-6)
    if total > 1e-9:
        assert result["revenue_share"].sum() == pytest.approx(1.0)


# --- Birthdays ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birthday", "today", "expected"),
    [
        (date(1980, 5, 17), date(2025, 5, 1), date(2025, 5, 17)),
        (date(1980, 5, 17), date(2025, 5, 17), date(2025, 5, 17)),  # today counts
        (date(1980, 5, 17), date(2025, 5, 18), date(2026, 5, 17)),
        (date(1984, 2, 29), date(2025, 2, 1), date(2025, 2, 28)),  # not a leap year
        (date(1984, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        (date(1970, 1, 2), date(2025, 12, 31), date(2026, 1, 2)),  # over the new year
    ],
)
def test_next_birthday(birthday: date, today: date, expected: date) -> None:
    assert next_birthday(birthday, today=today) == expected


def test_upcoming_birthdays_within_the_window_soonest_first() -> None:
    birthdays = pl.DataFrame(
        {
            "contact_id": [1, 2, 3, 4, 5],
            "birthday": [
                date(1980, 1, 10),
                date(1975, 12, 31),
                None,
                date(1990, 2, 1),
                date(1990, 2, 2),
            ],
        },
        schema={"contact_id": pl.Int64, "birthday": pl.Date},
    )

    result = upcoming_birthdays(birthdays, today=date(2025, 12, 31), days=32)

    assert result.rows() == [
        (2, date(1975, 12, 31), date(2025, 12, 31), 0, 50),
        (1, date(1980, 1, 10), date(2026, 1, 10), 10, 46),
        (4, date(1990, 2, 1), date(2026, 2, 1), 32, 36),
    ]


@given(
    birthday=st.dates(date(1900, 1, 1), date(2010, 12, 31)),
    today=st.dates(date(2011, 1, 1), date(2200, 12, 31)),
)
def test_the_next_birthday_is_within_a_year_on_the_same_day_or_the_28th(
    birthday: date, today: date
) -> None:
    upcoming = next_birthday(birthday, today=today)

    assert 0 <= (upcoming - today).days < 366
    assert upcoming.month == birthday.month
    assert upcoming.day == birthday.day or (birthday.day, upcoming.day) == (29, 28)

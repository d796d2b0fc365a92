"""DESIGN §4 "Concentration": worked examples first, then boundaries, then properties."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from keyclients.core.analytics.concentration import (
    MONTHS_INVALID,
    PERIOD_REVERSED,
    REVENUES_NOT_POSITIVE,
    REVENUES_NOT_RANKED,
    SHARES_SCHEMA,
    THRESHOLDS_INVALID,
    TOP_N_INVALID,
    TREND_SCHEMA,
    Concentration,
    abc_classes,
    client_revenue,
    client_shares,
    concentration,
    concentration_trend,
    effective_clients,
    gini,
    hhi,
    hhi_level,
    top_n_share,
)
from keyclients.core.ingest.schema import SALES_SCHEMA

Sale = tuple[str, date | None, float]  # display name, date, amount


def _revenue(revenues: Sequence[float], names: Sequence[str] | None = None) -> pl.DataFrame:
    """A `client_revenue` frame; keys are "k00", "k01", ... in input order."""
    names = names if names is not None else [f"Client {i:02d}" for i in range(len(revenues))]
    return pl.DataFrame(
        {
            "client_key": [f"k{i:02d}" for i in range(len(revenues))],
            "client": list(names),
            "revenue": [float(r) for r in revenues],
        },
        schema={"client_key": pl.String, "client": pl.String, "revenue": pl.Float64},
    )


def _sales(sales: Sequence[Sale]) -> pl.DataFrame:
    """A sales frame with the full ingest schema; the key is derived from the display name."""
    given = {
        "row": list(range(1, len(sales) + 1)),
        "client_key": [f"name:{name.lower()}" for name, _, _ in sales],
        "client": [name for name, _, _ in sales],
        "date": [day for _, day, _ in sales],
        "amount": [amount for _, _, amount in sales],
    }
    return pl.DataFrame(
        {name: given.get(name, [None] * len(sales)) for name in SALES_SCHEMA},
        schema=SALES_SCHEMA,
    )


def _percent_shares(percents: Sequence[float]) -> list[float]:
    return [p / 100 for p in percents]


# --- HHI, effective clients, level: DESIGN's worked examples --------------------------------

DESIGN_HHI_EXAMPLES = [
    pytest.param([30, 30, 20, 20], 2_600.0, id="30/30/20/20 -> 2,600"),
    pytest.param([40, 30, 20, 10], 3_000.0, id="40/30/20/10 -> 3,000"),
    pytest.param([25, 20, 15, 10, 8, 7, 6, 5, 4], 1_540.0, id="25/20/15/10/8/7/6/5/4 -> 1,540"),
    pytest.param([81] + [1] * 19, 6_580.0, id="81 + nineteen x 1 -> 6,580"),
]


@pytest.mark.parametrize(("percents", "expected"), DESIGN_HHI_EXAMPLES)
def test_hhi_matches_design_worked_examples(percents: list[float], expected: float) -> None:
    assert hhi(_percent_shares(percents)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(("percents", "expected"), DESIGN_HHI_EXAMPLES)
def test_concentration_of_revenues_gives_design_hhi(percents: list[float], expected: float) -> None:
    result = concentration(_revenue(percents))

    assert result.hhi == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("percents", "expected"),
    [
        pytest.param([30, 30, 20, 20], 3.846, id="30/30/20/20 -> 3.846"),
        pytest.param([40, 30, 20, 10], 3.333, id="40/30/20/10 -> 3.333"),
    ],
)
def test_effective_clients_matches_design_worked_examples(
    percents: list[float], expected: float
) -> None:
    from_shares = effective_clients(hhi(_percent_shares(percents)))
    from_frame = concentration(_revenue(percents)).effective_clients

    assert from_shares is not None
    assert round(from_shares, 3) == expected
    assert from_frame is not None
    assert round(from_frame, 3) == expected


def test_effective_clients_is_none_without_clients() -> None:
    assert effective_clients(hhi([])) is None
    assert effective_clients(0.0) is None


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, "unconcentrated"),
        (999.99, "unconcentrated"),
        (1_000.0, "moderate"),
        (1_800.0, "moderate"),
        (1_800.01, "high"),
        (10_000.0, "high"),
    ],
)
def test_hhi_level_bands_are_inclusive_of_1000_and_1800(value: float, level: str) -> None:
    assert hhi_level(value) == level


def test_hhi_of_exactly_1800_from_revenues_is_moderate() -> None:
    # 30/20/10/10/10/10/10: 900 + 400 + 5 x 100 = 1,800 on paper, whatever the float sum says.
    result = concentration(_revenue([30, 20, 10, 10, 10, 10, 10]))

    assert result.hhi == pytest.approx(1_800.0)
    assert result.level == "moderate"


def test_hhi_of_exactly_1000_from_revenues_is_moderate() -> None:
    result = concentration(_revenue([7] * 10))

    assert result.hhi == pytest.approx(1_000.0)
    assert result.level == "moderate"


# --- Gini -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenues", "expected"),
    [
        pytest.param([5, 5, 5, 5], 0.0, id="equal revenues -> 0"),
        pytest.param([0.1] * 7, 0.0, id="equal float revenues -> 0"),
        pytest.param([123.45], 0.0, id="one client -> 0"),
        pytest.param([], 0.0, id="no clients -> 0"),
        # sorted 1,2,3,4: 2*(1+4+9+16) / (4*10) - 5/4 = 1.5 - 1.25
        pytest.param([3, 1, 4, 2], 0.25, id="1,2,3,4 -> 0.25"),
        # 2*(1*1 + 2*9) / (2*10) - 3/2 = 1.9 - 1.5
        pytest.param([9, 1], 0.4, id="1,9 -> 0.4"),
        # only 10 and 30 count: 2*(10 + 60) / (2*40) - 3/2 = 1.75 - 1.5
        pytest.param([10, 0, -5, 30], 0.25, id="ignores revenues <= 0"),
    ],
)
def test_gini_matches_hand_computed_values(revenues: list[float], expected: float) -> None:
    assert gini(revenues) == pytest.approx(expected, abs=1e-12)


# --- Top-N ----------------------------------------------------------------------------------


def test_top_n_share_sums_the_n_largest_shares() -> None:
    shares = [0.05, 0.4, 0.1, 0.3, 0.15]

    assert top_n_share(shares, 1) == pytest.approx(0.4)
    assert top_n_share(shares, 3) == pytest.approx(0.85)


def test_top_n_share_takes_all_when_fewer_than_n() -> None:
    assert top_n_share([0.6, 0.4], 10) == pytest.approx(1.0)


def test_top_n_share_rejects_n_below_1() -> None:
    with pytest.raises(ValueError, match=TOP_N_INVALID):
        top_n_share([1.0], 0)


def test_concentration_reports_top_1_3_5_10_shares() -> None:
    result = concentration(_revenue([25, 20, 15, 10, 8, 7, 6, 5, 4]))

    assert result.top1_share == pytest.approx(0.25)
    assert result.top3_share == pytest.approx(0.60)
    assert result.top5_share == pytest.approx(0.78)
    assert result.top10_share == pytest.approx(1.0)


# --- ABC ------------------------------------------------------------------------------------


def test_abc_client_crossing_80_is_a_and_exact_80_and_95_start_b_and_c() -> None:
    # Cumulative share before each client: 0, 0.50, 0.80, 0.95.
    assert abc_classes([50, 30, 15, 5]) == ["A", "A", "B", "C"]


def test_abc_treats_float_noise_at_80_percent_as_exactly_80() -> None:
    # 56/95 + 20/95 is 0.8 on paper but 0.7999999999999999 in floats.
    assert 56 / 95 + 20 / 95 < 0.8
    assert abc_classes([56, 20, 19]) == ["A", "A", "B"]


def test_abc_treats_float_noise_at_95_percent_as_exactly_95() -> None:
    # The first five of 26/22/20/18/9/5 sum to 95% on paper, 0.9499999999999998 in floats.
    assert abc_classes([26, 22, 20, 18, 9, 5]) == ["A", "A", "A", "A", "B", "C"]


def test_abc_thresholds_are_configurable() -> None:
    assert abc_classes([50, 30, 15, 5], a=0.5, b=0.9) == ["A", "B", "B", "C"]


def test_abc_one_client_is_a() -> None:
    assert abc_classes([1.0]) == ["A"]


@pytest.mark.parametrize(
    ("revenues", "message"), [([5, 0], REVENUES_NOT_POSITIVE), ([1, 2], REVENUES_NOT_RANKED)]
)
def test_abc_classes_rejects_input_it_cannot_rank(revenues: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        abc_classes(revenues)


@pytest.mark.parametrize(("a", "b"), [(0.0, 0.95), (0.96, 0.95), (0.8, 1.01)])
def test_abc_rejects_thresholds_out_of_order(a: float, b: float) -> None:
    with pytest.raises(ValueError, match=THRESHOLDS_INVALID):
        client_shares(_revenue([1]), a=a, b=b)


def test_client_shares_classes_match_abc_classes() -> None:
    shares = client_shares(_revenue([5, 15, 50, 30]))

    assert shares["revenue"].to_list() == [50, 30, 15, 5]
    assert shares["abc"].to_list() == ["A", "A", "B", "C"]
    assert shares["cumulative_share"].to_list() == pytest.approx([0.5, 0.8, 0.95, 1.0])
    assert concentration(_revenue([5, 15, 50, 30])).abc_counts == {"A": 2, "B": 1, "C": 1}


# --- Ranking and the share base -------------------------------------------------------------


def test_client_shares_ranks_by_revenue_then_display_name_then_key() -> None:
    revenue = _revenue([10, 20, 10, 10], names=["Бета", "Гамма", "Альфа", "Альфа"])

    shares = client_shares(revenue)

    assert shares["client"].to_list() == ["Гамма", "Альфа", "Альфа", "Бета"]
    assert shares["client_key"].to_list() == ["k01", "k02", "k03", "k00"]
    assert shares["rank"].to_list() == [1, 2, 3, 4]


def test_client_shares_has_the_documented_columns() -> None:
    assert client_shares(_revenue([3, -1])).schema == pl.Schema(SHARES_SCHEMA)
    assert client_shares(_revenue([])).schema == pl.Schema(SHARES_SCHEMA)


def test_share_of_70_in_100_is_exactly_0_7() -> None:
    shares = client_shares(_revenue([70, 15, 10, 5]))

    assert shares["share"].to_list() == [0.7, 0.15, 0.1, 0.05]


def test_zero_and_negative_clients_are_counted_but_not_shared() -> None:
    revenue = _revenue([0, 60, -10, 40], names=["Ноль", "Альфа", "Возвраты", "Бета"])

    shares = client_shares(revenue)
    result = concentration(revenue)

    assert shares["client"].to_list() == ["Альфа", "Бета", "Ноль", "Возвраты"]
    assert shares["share"].to_list() == [0.6, 0.4, None, None]
    assert shares["rank"].to_list() == [1, 2, None, None]
    assert shares["abc"].to_list() == ["A", "A", None, None]
    assert shares["major"].to_list() == [True, True, None, None]
    assert result.clients_total == 4
    assert result.clients_positive == 2
    assert result.revenue_total == 90
    assert result.revenue_positive == 100


def test_major_client_starts_at_exactly_10_percent() -> None:
    shares = client_shares(_revenue([80, 10, 9.99, 0.01]))

    assert shares["major"].to_list() == [True, True, False, False]


@pytest.mark.parametrize(
    ("top", "mono"),
    [
        pytest.param(50.0, False, id="exactly 50% is not mono"),
        pytest.param(50.01, True, id="50.01% is mono"),
    ],
)
def test_mono_client_is_a_top_share_above_half(top: float, mono: bool) -> None:
    assert concentration(_revenue([top, 100 - top])).mono_client is mono


def test_one_client_is_fully_concentrated() -> None:
    result = concentration(_revenue([250]))

    assert result == Concentration(
        revenue_total=250,
        revenue_positive=250,
        clients_total=1,
        clients_positive=1,
        top1_share=1.0,
        top3_share=1.0,
        top5_share=1.0,
        top10_share=1.0,
        hhi=10_000.0,
        effective_clients=1.0,
        gini=0.0,
        level="high",
        mono_client=True,
        abc_counts={"A": 1, "B": 0, "C": 0},
    )


def test_all_negative_clients_have_no_share_base() -> None:
    revenue = _revenue([-100, -50])

    result = concentration(revenue)
    shares = client_shares(revenue)

    assert result == Concentration(
        revenue_total=-150,
        revenue_positive=0,
        clients_total=2,
        clients_positive=0,
        top1_share=None,
        top3_share=None,
        top5_share=None,
        top10_share=None,
        hhi=None,
        effective_clients=None,
        gini=None,
        level=None,
        mono_client=False,
        abc_counts={"A": 0, "B": 0, "C": 0},
    )
    assert shares["share"].null_count() == 2
    assert shares["rank"].null_count() == 2


def test_no_clients_at_all_gives_empty_figures() -> None:
    result = concentration(_revenue([]))

    assert result.clients_total == 0
    assert result.revenue_total == 0
    assert result.hhi is None


# --- client_revenue -------------------------------------------------------------------------


def test_client_revenue_nets_returns_within_an_inclusive_period() -> None:
    sales = _sales(
        [
            ("Альфа", date(2023, 12, 31), 1_000.0),
            ("Альфа", date(2024, 1, 1), 100.0),
            ("Альфа", date(2024, 1, 20), -30.0),
            ("Бета", date(2024, 3, 31), 50.0),
            ("Бета", date(2024, 4, 1), 7.0),
        ]
    )

    revenue = client_revenue(sales, date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))

    assert revenue.to_dicts() == [
        {"client_key": "name:альфа", "client": "Альфа", "revenue": 70.0},
        {"client_key": "name:бета", "client": "Бета", "revenue": 50.0},
    ]


def test_client_revenue_without_period_takes_all_lines_even_undated() -> None:
    sales = _sales([("Альфа", None, 10.0), ("Альфа", None, 5.0), ("Бета", None, 1.0)])

    assert client_revenue(sales)["revenue"].to_list() == [15.0, 1.0]
    assert client_revenue(sales, date_from=date(2024, 1, 1)).is_empty()


def test_client_revenue_rejects_a_reversed_period() -> None:
    with pytest.raises(ValueError, match=PERIOD_REVERSED):
        client_revenue(_sales([]), date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))


# --- concentration_trend ---------------------------------------------------------------------

ALPHA_BETA_SALES: list[Sale] = [
    *[("Альфа", date(2023 + m // 12, m % 12 + 1, 15), 100.0) for m in range(14)],
    ("Бета", date(2023, 1, 15), 300.0),
    ("Бета", date(2023, 7, 10), -300.0),  # the January delivery comes back
    ("Бета", date(2024, 2, 20), 500.0),
]


def test_concentration_trend_rolls_12_month_windows_month_by_month() -> None:
    trend = concentration_trend(_sales(ALPHA_BETA_SALES))
    by_month = {row["month_end"]: row for row in trend.to_dicts()}

    assert trend["month_end"].to_list() == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
        date(2023, 4, 30),
        date(2023, 5, 31),
        date(2023, 6, 30),
        date(2023, 7, 31),
        date(2023, 8, 31),
        date(2023, 9, 30),
        date(2023, 10, 31),
        date(2023, 11, 30),
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
    ]
    expected = {
        # Alpha 100 + Beta 300: shares 25/75.
        date(2023, 1, 31): (400.0, 2, 0.75, 6_250.0, 1.6, "high"),
        # Alpha 600 + Beta 300: shares 2/3, 1/3; HHI 10,000 x 5/9.
        date(2023, 6, 30): (900.0, 2, 2 / 3, 50_000 / 9, 1.8, "high"),
        # Beta's return nets it to 0: counted nowhere in the share base.
        date(2023, 7, 31): (700.0, 1, 1.0, 10_000.0, 1.0, "high"),
        # Window Feb 2023 - Jan 2024: Beta is -300.
        date(2024, 1, 31): (1_200.0, 1, 1.0, 10_000.0, 1.0, "high"),
        # Window Mar 2023 - Feb 2024: Alpha 1,200, Beta -300 + 500 = 200; shares 6/7, 1/7.
        date(2024, 2, 29): (1_400.0, 2, 6 / 7, 370_000 / 49, 49 / 37, "high"),
    }
    for month_end, (revenue, clients, top1, index, effective, level) in expected.items():
        row = by_month[month_end]
        assert row["revenue"] == pytest.approx(revenue), month_end
        assert row["clients_positive"] == clients, month_end
        assert row["top1_share"] == pytest.approx(top1), month_end
        assert row["hhi"] == pytest.approx(index), month_end
        assert row["effective_clients"] == pytest.approx(effective), month_end
        assert row["level"] == level, month_end


def test_concentration_trend_agrees_with_concentration_over_each_window() -> None:
    sales = _sales(ALPHA_BETA_SALES)
    trend = concentration_trend(sales, months=3)

    for row in trend.to_dicts():
        month_end: date = row["month_end"]
        start_index = month_end.year * 12 + month_end.month - 1 - 2
        window_start = date(start_index // 12, start_index % 12 + 1, 1)
        expected = concentration(client_revenue(sales, date_from=window_start, date_to=month_end))
        assert row["revenue"] == pytest.approx(expected.revenue_positive), month_end
        assert row["clients_positive"] == expected.clients_positive, month_end
        assert row["top1_share"] == pytest.approx(expected.top1_share), month_end
        assert row["hhi"] == pytest.approx(expected.hhi), month_end
        assert row["effective_clients"] == pytest.approx(expected.effective_clients), month_end
        assert row["level"] == expected.level, month_end


def test_concentration_trend_gives_nulls_for_windows_without_positive_revenue() -> None:
    sales = _sales([("Гамма", date(2024, 1, 10), 100.0), ("Гамма", date(2024, 2, 10), -40.0)])

    trend = concentration_trend(sales, months=1, date_from=date(2023, 12, 5))

    assert trend.to_dicts() == [
        {
            "month_end": date(2023, 12, 31),
            "revenue": 0.0,
            "clients_positive": 0,
            "top1_share": None,
            "hhi": None,
            "effective_clients": None,
            "level": None,
        },
        {
            "month_end": date(2024, 1, 31),
            "revenue": 100.0,
            "clients_positive": 1,
            "top1_share": 1.0,
            "hhi": 10_000.0,
            "effective_clients": 1.0,
            "level": "high",
        },
        {
            "month_end": date(2024, 2, 29),
            "revenue": 0.0,
            "clients_positive": 0,
            "top1_share": None,
            "hhi": None,
            "effective_clients": None,
            "level": None,
        },
    ]


def test_concentration_trend_looks_back_before_date_from_but_not_after_date_to() -> None:
    sales = _sales(ALPHA_BETA_SALES)

    trend = concentration_trend(sales, date_from=date(2023, 12, 1), date_to=date(2024, 2, 19))

    assert trend["month_end"].to_list() == [
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
    ]
    # December's window reaches back to January 2023; Beta's 500 on 20 Feb is after date_to.
    assert trend["revenue"].to_list() == pytest.approx([1_200.0, 1_200.0, 1_200.0])
    assert trend["clients_positive"].to_list() == [1, 1, 1]


def test_concentration_trend_of_undated_or_empty_sales_is_empty() -> None:
    assert concentration_trend(_sales([])).schema == pl.Schema(TREND_SCHEMA)
    assert concentration_trend(_sales([("Альфа", None, 5.0)])).is_empty()


def test_concentration_trend_rejects_windows_shorter_than_a_month() -> None:
    with pytest.raises(ValueError, match=MONTHS_INVALID):
        concentration_trend(_sales(ALPHA_BETA_SALES), months=0)


# --- Properties -----------------------------------------------------------------------------

amounts = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive_revenues = st.lists(
    st.floats(min_value=0.01, max_value=1e6, allow_nan=False), min_size=1, max_size=30
)
# Keys 0 and 2 share a display name, so ties fall through to the key.
NAMES = ["Альфа", "Бета", "Альфа", "Гамма", "Дельта"]
sale_rows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(NAMES) - 1),
        st.integers(min_value=0, max_value=23),  # month of 2023-2024
        st.integers(min_value=1, max_value=28),
        amounts,
    ),
    min_size=1,
    max_size=40,
)


def _sales_of(rows: Sequence[tuple[int, int, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_key": [f"k{client}" for client, _, _, _ in rows],
            "client": [NAMES[client] for client, _, _, _ in rows],
            "date": [date(2023 + month // 12, month % 12 + 1, day) for _, month, day, _ in rows],
            "amount": [amount for _, _, _, amount in rows],
        },
        schema={
            "client_key": pl.String,
            "client": pl.String,
            "date": pl.Date,
            "amount": pl.Float64,
        },
    )


@settings(deadline=None)
@given(st.lists(amounts, min_size=1, max_size=30).filter(lambda rs: any(r > 0 for r in rs)))
def test_shares_of_positive_clients_sum_to_1(revenues: list[float]) -> None:
    shares = client_shares(_revenue(revenues))

    assert shares["share"].sum() == pytest.approx(1.0, abs=1e-9)
    assert shares["cumulative_share"].drop_nulls()[-1] == pytest.approx(1.0, abs=1e-9)


@settings(deadline=None)
@given(positive_revenues)
def test_hhi_lies_between_10000_over_n_and_10000(revenues: list[float]) -> None:
    result = concentration(_revenue(revenues))

    assert result.hhi is not None
    assert 10_000 / len(revenues) - 1e-6 <= result.hhi <= 10_000 + 1e-6


@given(positive_revenues)
def test_gini_lies_in_0_to_1(revenues: list[float]) -> None:
    assert 0.0 <= gini(revenues) < 1.0


@settings(deadline=None)
@given(positive_revenues, st.data())
def test_splitting_a_client_in_two_never_raises_hhi(
    revenues: list[float], data: st.DataObject
) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(revenues) - 1))
    part = data.draw(st.floats(min_value=0.01, max_value=0.99))
    split = [*revenues[:i], revenues[i] * part, revenues[i] * (1 - part), *revenues[i + 1 :]]

    before = concentration(_revenue(revenues)).hhi
    after = concentration(_revenue(split)).hhi

    assert before is not None
    assert after is not None
    assert after <= before + 1e-6


@settings(deadline=None)
@given(positive_revenues, st.floats(min_value=-1e6, max_value=1.0, allow_nan=False))
def test_adding_a_client_no_bigger_than_the_top_never_raises_top1_share(
    revenues: list[float], fraction_of_top: float
) -> None:
    # A newcomer bigger than the current top client can of course raise it (50/50 + 1,000).
    newcomer = max(revenues) * fraction_of_top

    before = concentration(_revenue(revenues)).top1_share
    after = concentration(_revenue([*revenues, newcomer])).top1_share

    assert before is not None
    assert after is not None
    assert after <= before + 1e-12


@settings(deadline=None)
@given(sale_rows, st.data())
def test_permuting_sales_rows_changes_nothing(
    rows: list[tuple[int, int, int, float]], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(rows))
    sales, sales_shuffled = _sales_of(rows), _sales_of(shuffled)

    revenue, revenue_shuffled = client_revenue(sales), client_revenue(sales_shuffled)

    assert_frame_equal(revenue, revenue_shuffled, check_exact=True)
    assert_frame_equal(client_shares(revenue), client_shares(revenue_shuffled), check_exact=True)
    assert concentration(revenue) == concentration(revenue_shuffled)
    assert concentration(revenue.reverse()) == concentration(revenue)
    assert_frame_equal(
        concentration_trend(sales), concentration_trend(sales_shuffled), check_exact=True
    )


@settings(deadline=None, max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(NAMES) - 1),
            st.integers(min_value=0, max_value=23),
            st.integers(min_value=1, max_value=28),
            # Whole amounts: sums are exact, so summing by month first cannot tip a client
            # that nets to 0 to either side of it.
            st.integers(min_value=-1_000, max_value=1_000).map(float),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=1, max_value=13),
)
def test_concentration_trend_matches_concentration_of_each_window(
    rows: list[tuple[int, int, int, float]], months: int
) -> None:
    sales = _sales_of(rows)

    trend = concentration_trend(sales, months=months)

    for row in trend.iter_rows(named=True):
        month_end: date = row["month_end"]
        start_index = month_end.year * 12 + month_end.month - months
        window_start = date(start_index // 12, start_index % 12 + 1, 1)
        expected = concentration(client_revenue(sales, date_from=window_start, date_to=month_end))
        assert row["revenue"] == pytest.approx(expected.revenue_positive)
        assert row["clients_positive"] == expected.clients_positive
        assert row["top1_share"] == pytest.approx(expected.top1_share)
        assert row["hhi"] == pytest.approx(expected.hhi)
        assert row["effective_clients"] == pytest.approx(expected.effective_clients)
        assert row["level"] == expected.level

"""DESIGN §4 "Stability and growth": the periods, XYZ at its boundaries, growth, new, dormant and
prospective on constructed histories, the ABC × XYZ matrix, then properties."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from random import Random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from keyclients.core.analytics.abc_xyz import (
    GROWTH_THRESHOLD_INVALID,
    MATRIX_SCHEMA,
    MONTHLY_SCHEMA,
    STABILITY_SCHEMA,
    XYZ_THRESHOLDS_INVALID,
    StabilityPeriods,
    abc_xyz_matrix,
    client_stability,
    coefficient_of_variation,
    growth,
    monthly_revenue,
    stability_periods,
    xyz_class,
)
from keyclients.core.ingest.schema import SALES_SCHEMA

Sale = tuple[str, date, float]  # display name, date, amount
AS_OF = date(2025, 12, 31)  # a month-end: the last 12 full months are January-December 2025


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


def _monthly(name: str, year: int, amounts: Sequence[float]) -> list[Sale]:
    """One sale on the 15th of each month of `year`, January first."""
    return [(name, date(year, month, 15), amount) for month, amount in enumerate(amounts, 1)]


def _row(stability: pl.DataFrame, name: str) -> dict[str, object]:
    rows = stability.filter(pl.col("client") == name).to_dicts()
    assert len(rows) == 1, name
    return rows[0]


# --- The last 12 full months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "ltm_from", "ltm_to"),
    [
        pytest.param(date(2025, 12, 31), date(2025, 1, 1), date(2025, 12, 31), id="month-end"),
        pytest.param(date(2025, 12, 30), date(2024, 12, 1), date(2025, 11, 30), id="day before"),
        pytest.param(date(2025, 1, 1), date(2024, 1, 1), date(2024, 12, 31), id="first day"),
        pytest.param(date(2024, 2, 29), date(2023, 3, 1), date(2024, 2, 29), id="leap Feb end"),
        pytest.param(date(2024, 2, 28), date(2023, 2, 1), date(2024, 1, 31), id="leap Feb 28"),
        pytest.param(date(2023, 2, 28), date(2022, 3, 1), date(2023, 2, 28), id="Feb 28 end"),
    ],
)
def test_last_12_full_months_end_with_as_of_month_only_on_its_last_day(
    as_of: date, ltm_from: date, ltm_to: date
) -> None:
    periods = stability_periods(as_of)

    assert (periods.ltm_from, periods.ltm_to) == (ltm_from, ltm_to)


def test_stability_periods_name_previous_ltm_and_last_3_months() -> None:
    assert stability_periods(date(2025, 11, 20)) == StabilityPeriods(
        as_of=date(2025, 11, 20),
        ltm_from=date(2024, 11, 1),
        ltm_to=date(2025, 10, 31),
        prev_ltm_from=date(2023, 11, 1),
        prev_ltm_to=date(2024, 10, 31),
        recent_from=date(2025, 8, 1),
        recent_year_before_from=date(2024, 8, 1),
        recent_year_before_to=date(2024, 10, 31),
    )


def test_monthly_revenue_has_12_months_per_client_zeros_included() -> None:
    sales = _sales(
        [
            ("Альфа", date(2024, 11, 30), 5.0),  # before the window
            ("Альфа", date(2024, 12, 31), 999.0),  # the window's first month
            ("Альфа", date(2025, 1, 1), 100.0),
            ("Альфа", date(2025, 1, 20), -30.0),  # a return nets off
            ("Альфа", date(2025, 11, 30), 50.0),
            ("Альфа", date(2025, 12, 5), 777.0),  # December is not over at as_of
            ("Бета", date(2024, 6, 1), 10.0),  # nothing in the window: twelve zeros
        ]
    )

    monthly = monthly_revenue(sales, as_of=date(2025, 12, 10))

    assert monthly.schema == pl.Schema(MONTHLY_SCHEMA)
    alpha = monthly.filter(pl.col("client") == "Альфа")
    assert alpha["month"].to_list() == [
        date(2024 + (m + 11) // 12, (m + 11) % 12 + 1, 1) for m in range(12)
    ]
    assert alpha["revenue"].to_list() == [999.0, 70.0, *[0.0] * 9, 50.0]
    assert monthly.filter(pl.col("client") == "Бета")["revenue"].to_list() == [0.0] * 12


def test_lines_after_as_of_and_undated_lines_are_ignored() -> None:
    sales = _sales([("Альфа", date(2025, 6, 1), 10.0), ("Гамма", date(2026, 1, 2), 5.0)])
    sales = pl.concat([sales, sales.head(1).with_columns(pl.lit(None, pl.Date).alias("date"))])

    stability = client_stability(sales, as_of=AS_OF)

    assert stability["client"].to_list() == ["Альфа"]
    assert stability["ltm_revenue"].to_list() == [10.0]


# --- XYZ ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        pytest.param([100.0] * 12, 0.0, id="equal months -> 0"),
        pytest.param([90.0, 110.0] * 6, 0.10, id="90/110 -> 0.10"),
        pytest.param([75.0, 125.0] * 6, 0.25, id="75/125 -> 0.25"),
        # mean 10; deviations 110 once and -10 eleven times: variance (12,100 + 1,100) / 12.
        pytest.param([120.0] + [0.0] * 11, 1_100**0.5 / 10, id="one month of 12 -> 3.317"),
        pytest.param([50.0, -10.0], 1.5, id="a return month counts: mean 20, std 30"),
    ],
)
def test_coefficient_of_variation_is_population_std_over_mean(
    months: list[float], expected: float
) -> None:
    assert coefficient_of_variation(months) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("months", [[0.0] * 12, [10.0, -10.0], [-5.0], []])
def test_coefficient_of_variation_is_none_without_a_positive_mean(months: list[float]) -> None:
    assert coefficient_of_variation(months) is None


@pytest.mark.parametrize(
    ("cv", "expected"),
    [
        (0.0, "X"),
        (0.10, "X"),
        (0.1000001, "Y"),
        (0.25, "Y"),
        (0.2500001, "Z"),
        (3.0, "Z"),
        (None, None),
    ],
)
def test_xyz_boundaries_are_inclusive(cv: float | None, expected: str | None) -> None:
    assert xyz_class(cv) == expected


def test_xyz_thresholds_are_configurable() -> None:
    assert [xyz_class(cv, x=0.2, y=0.5) for cv in (0.15, 0.2, 0.3, 0.6)] == ["X", "X", "Y", "Z"]


@pytest.mark.parametrize(("x", "y"), [(-0.1, 0.25), (0.3, 0.25), (0.1, float("inf"))])
def test_xyz_rejects_thresholds_out_of_order(x: float, y: float) -> None:
    with pytest.raises(ValueError, match=XYZ_THRESHOLDS_INVALID):
        xyz_class(0.1, x=x, y=y)
    with pytest.raises(ValueError, match=XYZ_THRESHOLDS_INVALID):
        client_stability(_sales([]), as_of=AS_OF, x=x, y=y)


def test_client_stability_classes_xyz_at_exactly_0_10_and_0_25() -> None:
    sales = _sales(
        [
            *_monthly("Ровный", 2025, [90.0, 110.0] * 6),  # cv 0.10 -> X
            *_monthly("Качели", 2025, [75.0, 125.0] * 6),  # cv 0.25 -> Y
            *_monthly("Рывки", 2025, [74.0, 126.0] * 6),  # cv 0.26 -> Z
            *_monthly("Сезон", 2025, [0.0] * 11 + [1_200.0]),  # one month -> Z
            ("Ноль", date(2025, 3, 3), 50.0),
            ("Ноль", date(2025, 4, 3), -50.0),  # mean 0 -> no class
        ]
    )

    stability = client_stability(sales, as_of=AS_OF)
    by_name = {row["client"]: row for row in stability.to_dicts()}

    assert by_name["Ровный"]["cv"] == pytest.approx(0.10)
    assert [by_name[name]["xyz"] for name in ("Ровный", "Качели", "Рывки", "Сезон")] == [
        "X",
        "Y",
        "Z",
        "Z",
    ]
    assert by_name["Сезон"]["cv"] == pytest.approx(11**0.5)
    assert by_name["Ноль"]["cv"] is None
    assert by_name["Ноль"]["xyz"] is None
    assert by_name["Ноль"]["abc"] is None


def test_zero_months_count_in_the_coefficient_of_variation() -> None:
    # Bought 100 in each of six months and nothing in the other six: mean 50, std 50.
    sales = _sales(_monthly("Полгода", 2025, [100.0, 0.0] * 6))

    assert client_stability(sales, as_of=AS_OF)["cv"].to_list() == [pytest.approx(1.0)]


# --- Growth, new, dormant ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ltm", "prev", "expected"),
    [(150.0, 100.0, 0.5), (50.0, 100.0, -0.5), (0.0, 80.0, -1.0), (10.0, 0.0, None)],
)
def test_growth_is_ltm_over_previous_ltm_minus_1(
    ltm: float, prev: float, expected: float | None
) -> None:
    assert growth(ltm, prev) == expected


def test_growth_new_and_dormant_on_constructed_histories() -> None:
    sales = _sales(
        [
            ("Растущий", date(2024, 5, 10), 100.0),
            ("Растущий", date(2025, 11, 10), 150.0),
            ("Новый", date(2025, 2, 1), 40.0),
            # Bought before the previous LTM, nothing in it, back now: new again by the rule.
            ("Вернувшийся", date(2023, 3, 1), 70.0),
            ("Вернувшийся", date(2025, 12, 1), 70.0),
            # Revenue in the previous LTM and until September, none in October-December.
            ("Уснувший", date(2024, 7, 1), 300.0),
            ("Уснувший", date(2025, 9, 30), 200.0),
            # A return in the last 3 months is no revenue either.
            ("Возвращающий", date(2024, 7, 1), 300.0),
            ("Возвращающий", date(2025, 11, 1), -20.0),
            ("Активный", date(2024, 7, 1), 300.0),
            ("Активный", date(2025, 10, 1), 1.0),
            # Lost long ago: neither new nor dormant.
            ("Ушедший", date(2023, 1, 10), 500.0),
        ]
    )

    stability = client_stability(sales, as_of=AS_OF)
    flags = {
        row["client"]: (row["growth"], row["is_new"], row["dormant"])
        for row in stability.to_dicts()
    }

    assert flags["Растущий"] == (pytest.approx(0.5), False, False)
    assert flags["Новый"] == (None, True, False)
    assert flags["Вернувшийся"] == (None, True, False)
    assert flags["Уснувший"] == (pytest.approx(-1 / 3), False, True)
    assert flags["Возвращающий"] == (pytest.approx(-1 - 20 / 300), False, True)
    assert flags["Активный"] == (pytest.approx(1 / 300 - 1), False, False)
    assert flags["Ушедший"] == (None, False, False)
    sleeper = _row(stability, "Уснувший")
    assert (sleeper["ltm_revenue"], sleeper["prev_ltm_revenue"]) == (200.0, 300.0)


# --- ABC and prospective ----------------------------------------------------------------------

# LTM revenues 800 / 150 / 30 / 14.9 / 5.1 (total 1,000): the cumulative share before each client
# is 0, 0.80, 0.95, 0.98, 0.9949 -> A, B, C, C, C. Growth 1.0, 0.5, 0.5, 0.49, 0.
PROSPECTIVE_SALES: list[Sale] = [
    ("Крупный", date(2024, 6, 15), 400.0),
    ("Крупный", date(2025, 6, 15), 800.0),
    ("Средний", date(2024, 6, 15), 100.0),
    ("Средний", date(2025, 6, 15), 150.0),
    ("Малый", date(2024, 6, 15), 20.0),
    ("Малый", date(2025, 6, 15), 30.0),
    ("Почти", date(2024, 6, 15), 10.0),
    ("Почти", date(2025, 6, 15), 14.9),
    ("Ровный", date(2024, 6, 15), 5.1),
    ("Ровный", date(2025, 6, 15), 5.1),
]


def test_prospective_is_growth_of_50_percent_in_class_b_or_c() -> None:
    stability = client_stability(_sales(PROSPECTIVE_SALES), as_of=AS_OF)

    assert stability["client"].to_list() == ["Крупный", "Средний", "Малый", "Почти", "Ровный"]
    assert stability["abc"].to_list() == ["A", "B", "C", "C", "C"]
    assert stability["growth"].to_list() == pytest.approx([1.0, 0.5, 0.5, 0.49, 0.0])
    # Class A grows fastest but is already key; 49% is short of 50%.
    assert stability["prospective"].to_list() == [False, True, True, False, False]


def test_prospective_can_be_flagged_by_hand() -> None:
    stability = client_stability(
        _sales(PROSPECTIVE_SALES), as_of=AS_OF, manual_prospective={"name:ровный", "name:крупный"}
    )

    assert stability["prospective"].to_list() == [True, True, True, False, True]


def test_new_client_is_not_prospective_by_growth_but_can_be_flagged() -> None:
    sales = _sales([*PROSPECTIVE_SALES, ("Новичок", date(2025, 7, 1), 1.0)])

    automatic = _row(client_stability(sales, as_of=AS_OF), "Новичок")
    flagged = _row(
        client_stability(sales, as_of=AS_OF, manual_prospective=["name:новичок"]), "Новичок"
    )

    assert (automatic["abc"], automatic["is_new"], automatic["prospective"]) == ("C", True, False)
    assert flagged["prospective"] is True


def test_prospective_growth_and_abc_thresholds_are_configurable() -> None:
    stability = client_stability(
        _sales(PROSPECTIVE_SALES), as_of=AS_OF, prospective_growth=0.4, a=0.5, b=0.9
    )

    assert stability["abc"].to_list() == ["A", "B", "C", "C", "C"]
    assert stability["prospective"].to_list() == [False, True, True, True, False]


def test_prospective_growth_threshold_must_be_finite() -> None:
    with pytest.raises(ValueError, match=re.escape(GROWTH_THRESHOLD_INVALID)):
        client_stability(_sales([]), as_of=AS_OF, prospective_growth=float("nan"))


def test_client_stability_has_the_documented_columns() -> None:
    assert client_stability(_sales(PROSPECTIVE_SALES), as_of=AS_OF).schema == pl.Schema(
        STABILITY_SCHEMA
    )
    assert client_stability(_sales([]), as_of=AS_OF).schema == pl.Schema(STABILITY_SCHEMA)


def test_client_stability_works_on_monthly_aggregates_as_on_lines() -> None:
    lines = _sales(
        [
            ("Альфа", date(2025, 3, 3), 60.0),
            ("Альфа", date(2025, 3, 20), 40.0),
            ("Альфа", date(2024, 3, 9), 80.0),
            ("Бета", date(2025, 7, 31), 5.0),
        ]
    )
    aggregates = (
        lines.group_by("client_key", "client", pl.col("date").dt.month_start())
        .agg(pl.col("amount").sum())
        .sort("client_key", "date")
    )

    assert_frame_equal(
        client_stability(aggregates, as_of=AS_OF), client_stability(lines, as_of=AS_OF)
    )


# --- The ABC × XYZ matrix ---------------------------------------------------------------------


def test_abc_xyz_matrix_counts_clients_and_revenue_in_nine_cells() -> None:
    stability = pl.DataFrame(
        {
            "client_key": ["a", "b", "c", "d", "e"],
            "abc": ["A", "A", "B", "C", None],
            "xyz": ["X", "X", "Z", "Y", None],
            "ltm_revenue": [500.0, 300.0, 150.0, 50.0, -10.0],
        }
    )

    matrix = abc_xyz_matrix(stability)

    assert matrix.schema == pl.Schema(MATRIX_SCHEMA)
    assert matrix.rows() == [
        ("A", "X", 2, 800.0, 0.8),
        ("A", "Y", 0, 0.0, 0.0),
        ("A", "Z", 0, 0.0, 0.0),
        ("B", "X", 0, 0.0, 0.0),
        ("B", "Y", 0, 0.0, 0.0),
        ("B", "Z", 1, 150.0, 0.15),
        ("C", "X", 0, 0.0, 0.0),
        ("C", "Y", 1, 50.0, 0.05),
        ("C", "Z", 0, 0.0, 0.0),
    ]


def test_abc_xyz_matrix_of_no_classified_clients_has_empty_cells() -> None:
    matrix = abc_xyz_matrix(client_stability(_sales([]), as_of=AS_OF))

    assert matrix.height == 9
    assert matrix["clients"].sum() == 0
    assert matrix["share"].null_count() == 9


# --- Properties -----------------------------------------------------------------------------

NAMES = ["Альфа", "Бета", "Гамма", "Дельта"]
sale_rows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(NAMES) - 1),
        st.integers(min_value=0, max_value=26),  # month of 2023 .. March 2025
        st.integers(min_value=1, max_value=28),
        # Money: whole kopecks, as every reader delivers and every sum counts them.
        st.integers(min_value=-10_000_000, max_value=100_000_000).map(lambda k: k / 100),
    ),
    min_size=1,
    max_size=40,
)


def _sales_of(rows: Sequence[tuple[int, int, int, float]]) -> pl.DataFrame:
    return _sales(
        [
            (NAMES[client], date(2023 + month // 12, month % 12 + 1, day), amount)
            for client, month, day, amount in rows
        ]
    )


@settings(deadline=None, max_examples=50)
@given(sale_rows, st.randoms(use_true_random=False))
def test_permuting_sales_lines_changes_nothing(
    rows: list[tuple[int, int, int, float]], random: Random
) -> None:
    shuffled = list(rows)
    random.shuffle(shuffled)

    assert_frame_equal(
        client_stability(_sales_of(shuffled), as_of=date(2025, 2, 28)),
        client_stability(_sales_of(rows), as_of=date(2025, 2, 28)),
    )


@settings(deadline=None, max_examples=50)
@given(sale_rows)
def test_classes_exist_exactly_for_clients_with_positive_ltm_revenue(
    rows: list[tuple[int, int, int, float]],
) -> None:
    stability = client_stability(_sales_of(rows), as_of=date(2025, 2, 28))

    for row in stability.to_dicts():
        positive = row["ltm_revenue"] > 0
        assert (row["xyz"] is not None) == positive
        assert (row["abc"] is not None) == positive
        assert row["cv"] is None or row["cv"] >= 0
        assert not (row["is_new"] and row["dormant"])
    matrix = abc_xyz_matrix(stability)
    assert matrix["clients"].sum() == stability["abc"].count()

"""`client_share_trend`: one client's rolling share, a table first, then agreement properties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.analytics.concentration import (
    CLIENT_TREND_SCHEMA,
    MONTHS_INVALID,
    PERIOD_REVERSED,
    client_revenue,
    client_share_trend,
    client_shares,
    concentration_trend,
)

Sale = tuple[str, date | None, float]  # client key, date, amount


def _sales(sales: Sequence[Sale]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_key": [key for key, _, _ in sales],
            "client": [key.upper() for key, _, _ in sales],
            "date": [day for _, day, _ in sales],
            "amount": [amount for _, _, amount in sales],
        },
        schema={
            "client_key": pl.String,
            "client": pl.String,
            "date": pl.Date,
            "amount": pl.Float64,
        },
    )


# Alpha buys 100 every month; Beta buys in January, returns it in July, buys again next February.
SALES = _sales(
    [
        *[("alpha", date(2023 + m // 12, m % 12 + 1, 15), 100.0) for m in range(14)],
        ("beta", date(2023, 1, 15), 300.0),
        ("beta", date(2023, 7, 10), -300.0),
        ("beta", date(2024, 2, 20), 500.0),
    ]
)


@pytest.mark.parametrize(
    ("month_end", "revenue", "base", "share"),
    [
        # Window Feb 2022 - Jan 2023: Alpha 100, Beta 300.
        (date(2023, 1, 31), 300.0, 400.0, 0.75),
        # Alpha 600, Beta 300.
        (date(2023, 6, 30), 300.0, 900.0, 1 / 3),
        # Beta's return nets it to 0: no share, and it leaves the base.
        (date(2023, 7, 31), 0.0, 700.0, None),
        # Window Feb 2023 - Jan 2024: Beta is -300, still no share.
        (date(2024, 1, 31), -300.0, 1_200.0, None),
        # Window Mar 2023 - Feb 2024: Alpha 1,200, Beta -300 + 500 = 200.
        (date(2024, 2, 29), 200.0, 1_400.0, 1 / 7),
    ],
)
def test_it_follows_one_clients_share_over_rolling_12_month_windows(
    month_end: date, revenue: float, base: float, share: float | None
) -> None:
    trend = client_share_trend(SALES, "beta")
    row = trend.filter(pl.col("month_end") == month_end).row(0, named=True)

    assert trend.height == 14  # January 2023 .. February 2024
    assert row["revenue"] == pytest.approx(revenue)
    assert row["base"] == pytest.approx(base)
    assert row["share"] == (None if share is None else pytest.approx(share))


def test_its_base_is_the_company_revenue_of_concentration_trend() -> None:
    trend = client_share_trend(SALES, "alpha", months=3)
    company = concentration_trend(SALES, months=3)

    assert trend["month_end"].to_list() == company["month_end"].to_list()
    assert trend["base"].to_list() == company["revenue"].to_list()


def test_a_client_without_lines_has_revenue_0_and_no_share() -> None:
    trend = client_share_trend(SALES, "gamma", date_from=date(2023, 11, 1))

    assert trend.to_dicts() == [
        {"month_end": date(2023, 11, 30), "revenue": 0.0, "base": 1_100.0, "share": None},
        {"month_end": date(2023, 12, 31), "revenue": 0.0, "base": 1_200.0, "share": None},
        {"month_end": date(2024, 1, 31), "revenue": 0.0, "base": 1_200.0, "share": None},
        {"month_end": date(2024, 2, 29), "revenue": 0.0, "base": 1_400.0, "share": None},
    ]


def test_it_looks_back_before_date_from_but_not_after_date_to() -> None:
    trend = client_share_trend(
        SALES, "alpha", date_from=date(2024, 1, 1), date_to=date(2024, 2, 19)
    )

    assert trend["month_end"].to_list() == [date(2024, 1, 31), date(2024, 2, 29)]
    assert trend["share"].to_list() == [1.0, 1.0]  # Beta's 500 on 20 Feb is after date_to


def test_undated_or_empty_sales_give_an_empty_frame() -> None:
    assert client_share_trend(_sales([]), "alpha").schema == pl.Schema(CLIENT_TREND_SCHEMA)
    assert client_share_trend(_sales([("alpha", None, 5.0)]), "alpha").is_empty()


def test_it_rejects_bad_windows_and_reversed_periods() -> None:
    with pytest.raises(ValueError, match=MONTHS_INVALID):
        client_share_trend(SALES, "alpha", months=0)
    with pytest.raises(ValueError, match=PERIOD_REVERSED):
        client_share_trend(SALES, "alpha", date_from=date(2024, 2, 1), date_to=date(2024, 1, 1))


KEYS = ("a", "b", "c", "d")


@settings(deadline=None, max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KEYS),
            st.integers(min_value=0, max_value=23),
            st.integers(min_value=1, max_value=28),
            # Whole amounts: sums are exact, so no client tips around 0 by rounding.
            st.integers(min_value=-1_000, max_value=1_000).map(float),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(KEYS),
    st.integers(min_value=1, max_value=13),
)
def test_it_matches_client_shares_of_each_window(
    rows: list[tuple[str, int, int, float]], key: str, months: int
) -> None:
    sales = _sales(
        [(k, date(2023 + m // 12, m % 12 + 1, day), amount) for k, m, day, amount in rows]
    )

    trend = client_share_trend(sales, key, months=months)

    for row in trend.iter_rows(named=True):
        month_end: date = row["month_end"]
        start_index = month_end.year * 12 + month_end.month - months
        window_start = date(start_index // 12, start_index % 12 + 1, 1)
        shares = client_shares(client_revenue(sales, date_from=window_start, date_to=month_end))
        own = shares.filter(pl.col("client_key") == key)
        expected_revenue = own["revenue"][0] if own.height else 0.0
        expected_share = own["share"][0] if own.height else None
        assert row["revenue"] == pytest.approx(expected_revenue)
        assert row["share"] == (None if expected_share is None else pytest.approx(expected_share))
        assert 0.0 <= (row["share"] or 0.0) <= 1.0 + 1e-12

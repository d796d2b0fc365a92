"""Periods of the dashboards: LTM ends with the last full month that has data (DESIGN §4)."""

from __future__ import annotations

from datetime import date

import pytest

from keyclients.web.insights.forms import (
    PERIOD_CUSTOM_INCOMPLETE,
    PERIOD_CUSTOM_REVERSED,
    PeriodForm,
)
from keyclients.web.insights.periods import (
    Period,
    PeriodKind,
    add_months,
    ltm_end_month,
    ltm_period,
    month_end,
    months_between,
    year_period,
)


def _months(*pairs: tuple[int, int]) -> list[date]:
    return [date(year, month, 1) for year, month in pairs]


@pytest.mark.parametrize(
    ("months", "today", "end"),
    [
        # The data reaches into the running month: that month is not full yet.
        (_months((2025, 9), (2025, 10), (2025, 11)), date(2025, 11, 20), date(2025, 10, 1)),
        # The data stopped in June and June is over: June.
        (_months((2025, 5), (2025, 6)), date(2025, 11, 20), date(2025, 6, 1)),
        # The last day of a month is still that month; the next day it is full.
        (_months((2025, 10), (2025, 11)), date(2025, 11, 30), date(2025, 10, 1)),
        (_months((2025, 10), (2025, 11)), date(2025, 12, 1), date(2025, 11, 1)),
        # Gaps do not matter: the last full month that has data.
        (_months((2023, 12), (2024, 1), (2024, 3)), date(2024, 3, 10), date(2024, 1, 1)),
        # A brand-new business with data in the running month only: that month.
        (
            _months(
                (2025, 11),
            ),
            date(2025, 11, 20),
            date(2025, 11, 1),
        ),
        # Future-dated lines are not full months either.
        (_months((2025, 10), (2026, 2)), date(2025, 11, 20), date(2025, 10, 1)),
    ],
)
def test_ltm_ends_with_the_last_full_month_that_has_data(
    months: list[date], today: date, end: date
) -> None:
    assert ltm_end_month(months, today=today) == end
    period = ltm_period(months, today=today)
    assert period == Period(PeriodKind.LTM, add_months(end, -11), month_end(end))
    assert period.months == 12


def test_there_is_no_ltm_without_data() -> None:
    assert ltm_period([], today=date(2025, 1, 1)) is None


def test_years_and_custom_ranges_are_whole_months() -> None:
    assert year_period(2024) == Period(PeriodKind.YEAR, date(2024, 1, 1), date(2024, 12, 31))
    custom = months_between(date(2024, 2, 15), date(2024, 4, 3))
    assert (custom.date_from, custom.date_to, custom.months) == (
        date(2024, 2, 1),
        date(2024, 4, 30),
        3,
    )


MONTHS = _months(*[(2024, m) for m in range(1, 13)], (2025, 1), (2025, 2))
TODAY = date(2025, 3, 10)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, Period(PeriodKind.LTM, date(2024, 3, 1), date(2025, 2, 28))),
        ({"period": "ltm"}, Period(PeriodKind.LTM, date(2024, 3, 1), date(2025, 2, 28))),
        ({"period": "2024"}, year_period(2024)),
        (
            {"period": "custom", "date_from": "2024-03", "date_to": "2024-05"},
            Period(PeriodKind.CUSTOM, date(2024, 3, 1), date(2024, 5, 31)),
        ),
        # A year without data is not offered, so it is not accepted either: LTM.
        ({"period": "2019"}, Period(PeriodKind.LTM, date(2024, 3, 1), date(2025, 2, 28))),
    ],
)
def test_the_period_selector(data: dict[str, str], expected: Period) -> None:
    form = PeriodForm(data or None, months=MONTHS, today=TODAY)

    assert form.resolved() == expected


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"period": "custom", "date_from": "2024-03"}, PERIOD_CUSTOM_INCOMPLETE),
        (
            {"period": "custom", "date_from": "2024-05", "date_to": "2024-03"},
            PERIOD_CUSTOM_REVERSED,
        ),
    ],
)
def test_a_bad_custom_range_says_why_and_shows_ltm(data: dict[str, str], error: str) -> None:
    form = PeriodForm(data, months=MONTHS, today=TODAY)

    assert form.resolved() == ltm_period(MONTHS, today=TODAY)
    assert form.non_field_errors() == [error]


def test_the_selector_offers_the_years_with_data_newest_first() -> None:
    form = PeriodForm(None, months=MONTHS, today=TODAY)

    assert [value for value, _ in form.fields["period"].choices] == [
        "ltm",
        "2025",
        "2024",
        "custom",
    ]

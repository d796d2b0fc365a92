"""Reporting periods of the dashboards: whole calendar months, LTM by default (DESIGN §4).

Pure date arithmetic, no Django: the selectors aggregate sales by month in SQL, so every period
the app shows is a run of whole months — the last twelve (LTM), a calendar year, or a custom
range of months.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

LTM_MONTHS = 12


class PeriodKind(StrEnum):
    LTM = "ltm"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """Inclusive dates: `date_from` is the first day of a month, `date_to` the last of one."""

    kind: PeriodKind
    date_from: date
    date_to: date

    @property
    def months(self) -> int:
        return month_index(self.date_to) - month_index(self.date_from) + 1

    @property
    def cache_key(self) -> str:
        return f"{self.date_from:%Y%m}-{self.date_to:%Y%m}"


def month_index(day: date) -> int:
    """Months since year 0: consecutive calendar months get consecutive numbers."""
    return day.year * 12 + day.month - 1


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def add_months(first_of_month: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `first_of_month`."""
    index = month_index(first_of_month) + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(date_from: date, date_to: date) -> Period:
    """The custom period from the month of `date_from` to the month of `date_to`, inclusive."""
    return Period(PeriodKind.CUSTOM, month_start(date_from), month_end(date_to))


def year_period(year: int) -> Period:
    return Period(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))


def ltm_end_month(months_with_data: Iterable[date], *, today: date) -> date | None:
    """The month LTM ends with: the last full month that has data.

    A month is full once it is over (today is after its last day): the current month is still
    filling up, and counting it would show a dip in revenue that is not there. When every month
    with data is still running (the first import of a new business), the latest one is taken.
    None without data.
    """
    months = sorted({month_start(month) for month in months_with_data})
    if not months:
        return None
    full = [month for month in months if month_end(month) < today]
    return full[-1] if full else months[-1]


def ltm_period(months_with_data: Iterable[date], *, today: date) -> Period | None:
    """The last twelve months ending with `ltm_end_month`; None without data."""
    end = ltm_end_month(months_with_data, today=today)
    if end is None:
        return None
    return Period(PeriodKind.LTM, add_months(end, 1 - LTM_MONTHS), month_end(end))

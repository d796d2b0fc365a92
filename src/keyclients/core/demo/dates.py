"""Calendar helpers for the generator: days are int64 counts from 1970-01-01, vectorized."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]

EPOCH = date(1970, 1, 1)
_NEW_YEAR_HOLIDAYS = 8  # 1–8 January: nobody ships, nobody invoices


def day_number(day: date) -> int:
    return (day - EPOCH).days


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); the 31st falls on a shorter month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def ltm_start(end: date) -> date:
    """First day of the twelve calendar months that end with the month of `end` (the LTM)."""
    return add_months(date(end.year, end.month, 1), -11)


def next_on_day(after: date, day_of_month: int, months: tuple[int, ...] = ()) -> date:
    """The first date after `after` on `day_of_month` (in one of `months`, when given)."""
    month = date(after.year, after.month, 1)
    while True:
        last = calendar.monthrange(month.year, month.month)[1]
        candidate = date(month.year, month.month, min(day_of_month, last))
        if candidate > after and (not months or month.month in months):
            return candidate
        month = add_months(month, 1)


def first_31st_after(after: date) -> date:
    month = date(after.year, after.month, 1)
    while True:
        if (
            calendar.monthrange(month.year, month.month)[1] == 31
            and date(month.year, month.month, 31) > after
        ):
            return date(month.year, month.month, 31)
        month = add_months(month, 1)


def weekday(days: IntArray) -> IntArray:
    return (days + 3) % 7  # Monday = 0; 1 January 1970 was a Thursday


def next_business_day(days: IntArray) -> IntArray:
    """Saturday and Sunday move to Monday."""
    day_of_week = weekday(days)
    return days + np.where(day_of_week == 5, 2, np.where(day_of_week == 6, 1, 0))


def previous_business_day(days: IntArray) -> IntArray:
    """Saturday and Sunday move to Friday."""
    day_of_week = weekday(days)
    return days - np.where(day_of_week == 5, 1, np.where(day_of_week == 6, 2, 0))


def business_day_within(days: IntArray, lo: IntArray, hi: IntArray) -> IntArray:
    """Weekend days move to Friday, or to Monday when Friday is before `lo` (Monday ≤ `hi`)."""
    friday = previous_business_day(days)
    monday = next_business_day(days)
    return np.where(friday >= lo, friday, np.where(monday <= hi, monday, days))


def before_holidays(days: IntArray) -> IntArray:
    """Days of the New Year holidays move back to 30 December."""
    new_year = days.astype("datetime64[D]").astype("datetime64[Y]").astype("datetime64[D]")
    first_of_year = new_year.astype(np.int64)
    return np.where(days - first_of_year < _NEW_YEAR_HOLIDAYS, first_of_year - 2, days)


@dataclass(frozen=True)
class Months:
    """The calendar months of the history; the first and the last may be partial."""

    start: date
    end: date
    first_day: IntArray  # the first day of the month inside the history
    last_day: IntArray
    first_sale_day: IntArray  # the same, after the New Year holidays in January
    coverage: FloatArray  # the share of the month inside the history
    month_of_year: IntArray  # 1–12

    @classmethod
    def ending(cls, end: date, years: int) -> Months:
        start = add_months(end, -12 * years) + timedelta(days=1)
        first, last, first_sale, coverage, month_of_year = [], [], [], [], []
        month = date(start.year, start.month, 1)
        while month <= end:
            days_in_month = calendar.monthrange(month.year, month.month)[1]
            lo = max(month, start)
            hi = min(date(month.year, month.month, days_in_month), end)
            after_holidays = date(month.year, 1, _NEW_YEAR_HOLIDAYS + 1)
            first_sale_lo = max(lo, after_holidays) if after_holidays <= hi else lo
            first.append(day_number(lo))
            last.append(day_number(hi))
            first_sale.append(day_number(first_sale_lo if month.month == 1 else lo))
            coverage.append(((hi - lo).days + 1) / days_in_month)
            month_of_year.append(month.month)
            month = add_months(month, 1)
        return cls(
            start=start,
            end=end,
            first_day=np.array(first, dtype=np.int64),
            last_day=np.array(last, dtype=np.int64),
            first_sale_day=np.array(first_sale, dtype=np.int64),
            coverage=np.array(coverage, dtype=np.float64),
            month_of_year=np.array(month_of_year, dtype=np.int64),
        )

    @property
    def count(self) -> int:
        return len(self.first_day)

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from keyclients.core.ingest.parse import (
    parse_amounts,
    parse_dates,
    slash_date_order,
    split_1c_documents,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234 567,89", 1234567.89),
        ("1\u00a0234\u00a0567,89", 1234567.89),
        ("1,234,567.89", 1234567.89),
        ("1234567.89", 1234567.89),
        ("1234567,89", 1234567.89),
        ("(1 234,00)", -1234.0),
        ("-1 234,50", -1234.5),
        ("1 500 ₽", 1500.0),
        ("1 500 руб.", 1500.0),
        ("1 500р.", 1500.0),
        ("0", 0.0),
        ("1.234.567,89", 1234567.89),
    ],
)
def test_amounts_in_real_formats(text: str, value: float) -> None:
    assert parse_amounts(pl.Series("a", [text])).to_list() == [pytest.approx(value)]


@pytest.mark.parametrize("text", ["12,34,56", "abc", "1 2,3,4", "--5", "1.2.3"])
def test_garbage_amounts_are_null(text: str) -> None:
    assert parse_amounts(pl.Series("a", [text])).to_list() == [None]


def test_a_single_comma_is_decimal_unless_the_column_writes_english_thousands() -> None:
    assert parse_amounts(pl.Series("a", ["1,234", "5"])).to_list() == [1.234, 5.0]
    assert parse_amounts(pl.Series("a", ["1,234", "2,345.50"])).to_list() == [1234.0, 2345.5]


def test_empty_cells_stay_null_and_are_not_errors() -> None:
    raw = pl.Series("a", [None, "5"])
    assert parse_amounts(raw).to_list() == [None, 5.0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15.01.2025", date(2025, 1, 15)),
        ("15.01.25", date(2025, 1, 15)),
        ("5.1.2025", date(2025, 1, 5)),
        ("15.01.2025 12:00:00", date(2025, 1, 15)),
        ("2025-01-15", date(2025, 1, 15)),
        ("2025-01-15 09:15:42", date(2025, 1, 15)),
        ("2025-01-15T09:15:42", date(2025, 1, 15)),
        ("15.01.99", date(1999, 1, 15)),
    ],
)
def test_dates_in_real_formats(text: str, value: date) -> None:
    assert parse_dates(pl.Series("d", [text, "01.01.2024"])).to_list()[0] == value


@pytest.mark.parametrize("text", ["31.02.2025", "2025-13-01", "32.01.2025", "yesterday", "1.1"])
def test_impossible_dates_are_null(text: str) -> None:
    assert parse_dates(pl.Series("d", [text])).to_list() == [None]


def test_slash_order_is_inferred_per_column() -> None:
    assert slash_date_order(pl.Series(["13/01/2025", "01/02/2025"])) == ("dmy", False)
    assert slash_date_order(pl.Series(["1/26/2013", "3/7/2013"])) == ("mdy", False)
    assert slash_date_order(pl.Series(["1/2/2013", "3/7/2013"])) == ("dmy", True)


def test_slash_dates_follow_the_given_order() -> None:
    raw = pl.Series("d", ["3/7/2013"])
    assert parse_dates(raw, slash_order="dmy").to_list() == [date(2013, 7, 3)]
    assert parse_dates(raw, slash_order="mdy").to_list() == [date(2013, 3, 7)]


def test_1c_document_strings_give_number_and_date() -> None:
    number, when = split_1c_documents(
        pl.Series(
            "doc",
            [
                "Реализация (акт, накладная, УПД) 0000-000123 от 15.01.2025 12:00:00",
                "Возврат товаров от покупателя 0000-000007 от 03.02.2025 9:15:42",
                "0000-000200",
            ],
        )
    )
    assert number.to_list() == ["0000-000123", "0000-000007", "0000-000200"]
    assert parse_dates(when).to_list() == [date(2025, 1, 15), date(2025, 2, 3), None]


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity", "1e999"])
def test_not_a_number_and_infinity_are_not_amounts(text: str) -> None:
    assert parse_amounts(pl.Series("a", [text, "5"])).to_list() == [None, 5.0]


def test_a_clean_russian_column_takes_the_short_path_with_the_same_answer() -> None:
    raw = pl.Series("a", ["1 234,50", "7", "-0,01", None])
    assert parse_amounts(raw).to_list() == [1234.5, 7.0, -0.01, None]

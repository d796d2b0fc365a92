from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from keyclients.web.formatting import NBSP, THIN, format_money


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (1234567, "ru", f"1{THIN}234{THIN}567{NBSP}₽"),
        (Decimal("1234567.49"), "ru", f"1{THIN}234{THIN}567{NBSP}₽"),
        (Decimal("999.5"), "ru", f"1{THIN}000{NBSP}₽"),  # half up, not to even
        (-1500, "ru", f"-1{THIN}500{NBSP}₽"),
        (0, "ru", f"0{NBSP}₽"),
        (1234567, "en", f"RUB{NBSP}1,234,567"),
        (-1500.4, "en", f"-RUB{NBSP}1,500"),
    ],
)
def test_money_in_whole_roubles(value: object, language: str, expected: str) -> None:
    assert format_money(value, language=language) == expected


def test_money_with_kopecks_and_other_currencies() -> None:
    assert format_money("1234.5", decimals=2, language="ru") == f"1{THIN}234,50{NBSP}₽"
    assert format_money("1234.5", decimals=2, language="en") == f"RUB{NBSP}1,234.50"
    assert format_money(1234, currency="USD", language="en") == "$1,234"
    assert format_money(1234, currency="EUR", language="ru") == f"1{THIN}234{NBSP}€"
    assert format_money(1234, currency="KZT", language="ru") == f"1{THIN}234{NBSP}KZT"


@pytest.mark.parametrize("value", [None, "", "abc", float("nan"), float("inf")])
def test_money_of_nothing_is_empty(value: object) -> None:
    assert format_money(value, language="ru") == ""


def test_the_filters_follow_the_active_language() -> None:
    template = Template("{{ amount|money }} / {{ amount|money_exact:'USD' }}")
    context = Context({"amount": Decimal("1234567.89")})
    with translation.override("ru"):
        assert (
            template.render(context)
            == f"1{THIN}234{THIN}568{NBSP}₽ / 1{THIN}234{THIN}567,89{NBSP}$"
        )
    with translation.override("en"):
        assert template.render(context) == f"RUB{NBSP}1,234,568 / $1,234,567.89"

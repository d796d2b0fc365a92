"""The sentences every interface shows: Russian plurals, money, percents, the forecast headline
and the diversification plan — by hand, and Russian plural forms by property."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyclients.core.analytics.cashflow import (
    Delay,
    Loss,
    Scenario,
    cash_basis,
    cash_forecast,
)
from keyclients.core.analytics.receivables import DOCUMENTS_SCHEMA
from keyclients.core.analytics.scenarios import (
    DiversificationPlan,
    DiversificationTarget,
    NewClients,
)
from keyclients.core.ingest.schema import PLAN_SCHEMA
from keyclients.core.words import (
    NOUNS,
    count_words,
    day_words,
    headline,
    hhi_plan_words,
    language,
    percent_words,
    scenario_words,
    short_money,
    top1_plan_words,
    whole_number,
)

THIN = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("count", "ru", "en"),
    [
        (1, "1 месяц", "1 month"),
        (2, "2 месяца", "2 months"),
        (4, "4 месяца", "4 months"),
        (5, "5 месяцев", "5 months"),
        (11, "11 месяцев", "11 months"),
        (12, "12 месяцев", "12 months"),
        (14, "14 месяцев", "14 months"),
        (21, "21 месяц", "21 months"),
        (22, "22 месяца", "22 months"),
        (111, "111 месяцев", "111 months"),
        (0, "0 месяцев", "0 months"),
    ],
)
def test_count_words(count: int, ru: str, en: str) -> None:
    assert count_words(count, "month", "ru") == ru
    assert count_words(count, "month", "en") == en


@given(st.integers(min_value=0, max_value=10**6))
def test_russian_forms_follow_the_last_two_digits(count: int) -> None:
    form = count_words(count, "new_client", "ru").split(" ", 1)[1]
    one, few, many = NOUNS["ru"]["new_client"]
    assert form in (one, few, many)
    assert form == count_words(count % 100 + 100, "new_client", "ru").split(" ", 1)[1]
    if count % 10 == 1 and count % 100 != 11:
        assert form == one


def test_language_codes() -> None:
    assert [language(code) for code in ("ru", "ru-RU", "en", "en-us", "de", None)] == [
        "ru",
        "ru",
        "en",
        "en",
        "en",
        "en",
    ]


def test_numbers_in_words() -> None:
    assert short_money(112_300_000, "en") == "112.3 M₽"
    assert short_money(112_300_000, "ru") == "112,3 млн ₽"
    assert short_money(2_500_000_000, "ru") == "2,5 млрд ₽"
    assert percent_words(0.2, "en") == "20%"
    assert percent_words(0.2, "ru") == f"20{NBSP}%"
    assert percent_words(0.125, "ru") == f"12,5{NBSP}%"
    assert whole_number(1500, "en") == "1,500"
    assert whole_number(1500.4, "ru") == f"1{THIN}500"
    assert day_words(date(2026, 4, 12), "ru") == "12 апреля"
    assert day_words(date(2026, 4, 12), "en", year=True) == "12 April 2026"


def _plan(
    *,
    top1: tuple[float, float | None, float | None, int | None, float | None],
    hhi: tuple[float, float | None, float | None, int | None, float | None],
) -> DiversificationPlan:
    return DiversificationPlan(
        as_of=date(2025, 12, 31),
        revenue=100.0,
        top_client_key="inn:1",
        top_client="ТрансЛогистик",
        new_clients=NewClients(1.0, "new", 10, 24, 2.0),
        top1=DiversificationTarget(*top1),
        hhi=DiversificationTarget(*hhi),
    )


def test_the_plan_in_words_as_the_brief_says_it() -> None:
    plan = _plan(
        top1=(0.2, 0.35, 112_000_000.0, 38, 19.0),
        hhi=(1500.0, 2300.0, 15_000_000.0, 5, 2.5),
    )
    assert top1_plan_words(plan, "en") == (
        "To bring ТрансЛогистик under 20% of revenue you need 112.0 M₽ more from other "
        "clients: about 38 typical new clients, 19 months at your current pace"
    )
    assert top1_plan_words(plan, "ru") == (
        f"Чтобы доля ТрансЛогистик опустилась ниже 20{NBSP}% выручки, нужно ещё 112,0 млн ₽ "
        "от других клиентов: это около 38 типичных новых клиентов, 19 месяцев при нынешнем темпе"
    )
    assert hhi_plan_words(plan, "en") == (
        "To bring the HHI under 1,500 you need 15.0 M₽ more from other clients: about 5 "
        "typical new clients, 3 months at your current pace"
    )
    assert hhi_plan_words(plan, "ru").startswith(f"Чтобы HHI опустился ниже 1{THIN}500, нужно ещё")
    assert hhi_plan_words(plan, "ru").endswith(
        "5 типичных новых клиентов, 3 месяца при нынешнем темпе"
    )


def test_the_plan_in_words_when_met_slow_or_impossible() -> None:
    met = _plan(top1=(0.2, 0.15, 0.0, 0, 0.0), hhi=(1500.0, 900.0, 0.0, 0, 0.0))
    assert top1_plan_words(met, "en") == (
        "ТрансЛогистик brings 15% of revenue: under the 20% target already"
    )
    assert hhi_plan_words(met, "en") == "The HHI is 900: under the 1,500 target already"
    slow = _plan(top1=(0.2, 0.5, 1e8, 1230, 378.4), hhi=(1500.0, 2000.0, 1e6, 3, None))
    assert top1_plan_words(slow, "en").endswith(
        "about 1230 typical new clients, 32 years at your current pace"
    )
    assert top1_plan_words(slow, "ru").endswith("32 года при нынешнем темпе")
    assert hhi_plan_words(slow, "en").endswith(
        "no new client was won in the last 12 months, so your current pace gives no date"
    )
    impossible = _plan(top1=(0.2, 0.5, 1e8, None, None), hhi=(1500.0, 2000.0, None, None, None))
    assert top1_plan_words(impossible, "en") == (
        "To bring ТрансЛогистик under 20% of revenue you need 100.0 M₽ more from other clients"
    )
    assert "cannot be counted" in hhi_plan_words(impossible, "en")
    empty = _plan(top1=(0.2, None, None, None, None), hhi=(1500.0, None, None, None, None))
    assert top1_plan_words(empty, "en") == hhi_plan_words(empty, "en")
    assert "nothing to plan" in top1_plan_words(empty, "en")


def _documents(rows: list[tuple[str, str, date, date, float, int | None, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "document_id": i,
                "client_key": key,
                "client": key.upper(),
                "document": number,
                "date": day,
                "due_date": due,
                "amount": amount,
                "paid_date": None,
                "days_late": late,
                "days_past_due": None,
                "bucket": None,
                "outstanding": outstanding,
                "row": i + 1,
            }
            for i, (key, number, day, due, amount, late, outstanding) in enumerate(rows)
        ],
        schema=DOCUMENTS_SCHEMA,
    )


def test_the_headline_and_the_scenario_in_words() -> None:
    documents = _documents([("a", "1", date(2025, 12, 1), date(2026, 1, 10), 300.0, None, 300.0)])
    plan = pl.DataFrame(
        [(1, date(2026, 1, 5), -500.0, "Rent", "none", None)], schema=PLAN_SCHEMA, orient="row"
    )
    basis = cash_basis(
        documents, None, plan, as_of=date(2025, 12, 31), opening_balance=400.0, horizon=30
    )
    base = cash_forecast(basis)
    assert headline(base, "en") == (
        "Cash runs out on 5 January: −100 ₽ at worst on 5 January, 5 days below zero"
    )
    assert headline(base, "ru") == (
        "Кассовый разрыв 5 января: −100 ₽ в худший день 5 января, 5 дней ниже нуля"
    )
    scenario = Scenario(delays=(Delay("a", 7),), losses=(Loss("a", date(2026, 2, 1), True),))
    names = {"a": "Альфа"}
    assert scenario_words(scenario, names, basis.first_day, "en") == [
        "Альфа pays 7 days later",
        "Альфа leaves from 2026-02-01 and does not pay what it owes",
    ]
    assert scenario_words(scenario, names, basis.first_day, "ru", long_dates=True)[1] == (
        "Альфа уходит с 1 февраля 2026 и не платит долг"
    )

"""Sentences about cash and concentration in Russian and English, for every interface.

The CLI prints them, the web app shows them, reports will print them: one wording everywhere,
so the headline of a forecast reads the same in the terminal and on the page. Pure (no Django,
no I/O): a language code ("ru" or "en"; anything else is English) and the core's results in,
text out.

- `headline(forecast, lang)`: the forecast in one sentence — "Cash runs out on 12 April:
  −3.4 M₽ at worst on 20 April, 11 days below zero", or "No cash gap in the next 90 days …";
- `scenario_words(scenario, names, first_day, lang)`: what a scenario assumes, one phrase each;
- `top1_plan_words(plan, lang)`, `hhi_plan_words(plan, lang)`: the diversification plan —
  "To bring ТрансЛогистик under 20% of revenue you need 112.0 M₽ more from other clients: about
  38 typical new clients, 19 months at your current pace";
- the pieces: `day_words`, `days_words`, `short_money`, `count_words`, `percent_words`,
  `whole_number`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyclients.core.analytics.cashflow import CashForecast, Scenario
    from keyclients.core.analytics.scenarios import DiversificationPlan

LANGUAGES = ("ru", "en")
MINUS = "\u2212"
THIN = "\u202f"  # narrow no-break space: Russian thousands separator
MONTHS_AS_YEARS_FROM = 36  # a longer plan is said in years

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "delay": "{client} pays {days} later",
        "lose": "{client} leaves from {date}",
        "lose_write_off": "{client} leaves from {date} and does not pay what it owes",
        "gap_zero": "Cash runs out on {date}: {min} at worst on {min_date}, {days} below zero",
        "gap_reserve": (
            "Cash falls below the reserve of {reserve} on {date}: {min} at worst on {min_date}, "
            "{days} below the reserve"
        ),
        "no_gap_zero": (
            "No cash gap in the next {horizon}: the lowest balance is {min} on {min_date}"
        ),
        "no_gap_reserve": (
            "The balance stays above the reserve of {reserve} for the next {horizon}: "
            "the lowest is {min} on {min_date}"
        ),
        "top1_plan": "To bring {client} under {target} of revenue you need {extra} more from "
        "other clients",
        "top1_met": "{client} brings {current} of revenue: under the {target} target already",
        "hhi_plan": "To bring the HHI under {target} you need {extra} more from other clients",
        "hhi_met": "The HHI is {current}: under the {target} target already",
        "hhi_no_typical": (
            "The HHI is {current}, above the {target} target; with no new or active client to "
            "take as a typical one, the extra revenue cannot be counted"
        ),
        "no_revenue": "No client has revenue in the last 12 months: there is nothing to plan",
        "pace": ": about {clients}, {time} at your current pace",
        "pace_no_rate": (
            ": about {clients}; no new client was won in the last 12 months, so your current "
            "pace gives no date"
        ),
        "m": "M₽",
        "k": "k₽",
        "bn": "bn₽",
        "rub": "₽",
    },
    "ru": {
        "delay": "{client} платит на {days} позже",
        "lose": "{client} уходит с {date}",
        "lose_write_off": "{client} уходит с {date} и не платит долг",
        "gap_zero": "Кассовый разрыв {date}: {min} в худший день {min_date}, {days} ниже нуля",
        "gap_reserve": (
            "Остаток опускается ниже резерва {reserve} {date}: {min} в худший день {min_date}, "
            "{days} ниже резерва"
        ),
        "no_gap_zero": (
            "Кассового разрыва в ближайшие {horizon} нет: минимальный остаток {min} — {min_date}"
        ),
        "no_gap_reserve": (
            "Остаток в ближайшие {horizon} не опускается ниже резерва {reserve}: "
            "минимум {min} — {min_date}"
        ),
        "top1_plan": "Чтобы доля {client} опустилась ниже {target} выручки, нужно ещё {extra} "
        "от других клиентов",
        "top1_met": "{client} приносит {current} выручки: уже ниже цели {target}",
        "hhi_plan": "Чтобы HHI опустился ниже {target}, нужно ещё {extra} от других клиентов",
        "hhi_met": "HHI равен {current}: уже ниже цели {target}",
        "hhi_no_typical": (
            "HHI равен {current}, выше цели {target}; нет новых или активных клиентов, по "
            "которым можно судить о типичном клиенте, поэтому дополнительную выручку не посчитать"
        ),
        "no_revenue": "Ни у одного клиента нет выручки за последние 12 месяцев: планировать нечего",
        "pace": ": это около {clients}, {time} при нынешнем темпе",
        "pace_no_rate": (
            ": это около {clients}; за последние 12 месяцев не пришло ни одного нового клиента, "
            "поэтому срок при нынешнем темпе не назвать"
        ),
        "m": "млн ₽",
        "k": "тыс. ₽",
        "bn": "млрд ₽",
        "rub": "₽",
    },
}

MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
}

# Nouns by count: English (one, other); Russian (one, few, many) as in 1 день, 2 дня, 5 дней.
NOUNS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "day": ("day", "days"),
        "month": ("month", "months"),
        "year": ("year", "years"),
        "new_client": ("typical new client", "typical new clients"),
    },
    "ru": {
        "day": ("день", "дня", "дней"),
        "month": ("месяц", "месяца", "месяцев"),
        "year": ("год", "года", "лет"),
        "new_client": (
            "типичный новый клиент",
            "типичных новых клиента",
            "типичных новых клиентов",
        ),
    },
}


def language(lang: str | None) -> str:
    """ "ru" or "en": a regional code (ru-RU) counts as its language, anything else is English."""
    code = (lang or "en").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def count_words(count: int, noun: str, lang: str) -> str:
    """11 days / 11 дней; `noun` is a key of NOUNS (day, month, year, new_client)."""
    forms = NOUNS[language(lang)][noun]
    if language(lang) == "en":
        return f"{count} {forms[0] if count == 1 else forms[1]}"
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} {forms[0]}"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return f"{count} {forms[1]}"
    return f"{count} {forms[2]}"


def days_words(count: int, lang: str) -> str:
    """11 days / 11 дней (1 день, 2 дня, 5 дней)."""
    return count_words(count, "day", lang)


def day_words(day: date, lang: str, *, year: bool = False) -> str:
    """12 April / 12 апреля (with the year when asked)."""
    text = f"{day.day} {MONTHS[language(lang)][day.month - 1]}"
    return f"{text} {day.year}" if year else text


def short_money(value: float, lang: str) -> str:
    """−3.4 M₽ / −3,4 млн ₽: one decimal in millions (two below ten thousand roubles' scale)."""
    lang = language(lang)
    t = TEXT[lang]
    size = abs(value)
    if size >= 1e9:
        text, unit = f"{size / 1e9:,.1f}", t["bn"]
    elif size >= 1e6:
        text, unit = f"{size / 1e6:,.1f}", t["m"]
    elif size >= 1e3:
        text, unit = f"{size / 1e3:,.0f}", t["k"]
    else:
        text, unit = f"{size:,.0f}", t["rub"]
    if lang == "ru":
        text = text.replace(",", THIN).replace(".", ",")
    sign = MINUS if value < 0 and text.strip("0.,") else ""
    return f"{sign}{text} {unit}"


def whole_number(value: float, lang: str) -> str:
    """1,500 / 1 500: rounded to a whole number, grouped."""
    text = f"{round(value):,}"
    return text.replace(",", THIN) if language(lang) == "ru" else text


def percent_words(share: float, lang: str) -> str:
    """0.2 → 20% / 20 %; 0.125 → 12.5% / 12,5 % (one decimal when it is not whole)."""
    value = round(share * 100, 1)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    if language(lang) == "ru":
        return f"{text.replace('.', ',')}\u00a0%"
    return f"{text}%"


def headline(forecast: CashForecast, lang: str) -> str:
    """The forecast in one sentence: when the cash runs out, how deep and for how long."""
    lang = language(lang)
    t = TEXT[lang]
    year = forecast.days.get_column("date")[0].year != forecast.days.get_column("date")[-1].year
    reserve = short_money(forecast.reserve, lang)
    low = short_money(forecast.min_balance, lang)
    low_day = day_words(forecast.min_balance_date, lang, year=year)
    if forecast.first_gap_date is not None:
        return t["gap_zero" if forecast.reserve == 0 else "gap_reserve"].format(
            date=day_words(forecast.first_gap_date, lang, year=year),
            min=low,
            min_date=low_day,
            days=days_words(forecast.days_below_reserve, lang),
            reserve=reserve,
        )
    return t["no_gap_zero" if forecast.reserve == 0 else "no_gap_reserve"].format(
        horizon=days_words(forecast.horizon_days, lang),
        min=low,
        min_date=low_day,
        reserve=reserve,
    )


def scenario_words(
    scenario: Scenario,
    names: Mapping[str, str],
    first_day: date,
    lang: str,
    *,
    long_dates: bool = False,
) -> list[str]:
    """One phrase per delay and loss of `scenario`: "X pays 30 days later", "Y leaves from
    2026-01-01" (`long_dates`: "from 1 January 2026"). `names` maps client keys to names."""
    lang = language(lang)
    t = TEXT[lang]
    words = [
        t["delay"].format(
            client=names.get(d.client_key, d.client_key), days=days_words(d.days, lang)
        )
        for d in scenario.delays
    ]
    for loss in scenario.losses:
        day = max(loss.from_date or first_day, first_day)
        words.append(
            t["lose_write_off" if loss.write_off else "lose"].format(
                client=names.get(loss.client_key, loss.client_key),
                date=day_words(day, lang, year=True) if long_dates else day.isoformat(),
            )
        )
    return words


def _time_words(months: float, lang: str) -> str:
    whole = max(1, math.ceil(months - 1e-9))
    if whole > MONTHS_AS_YEARS_FROM:
        return count_words(math.ceil(whole / 12), "year", lang)
    return count_words(whole, "month", lang)


def _pace(new_clients: int | None, months: float | None, lang: str) -> str:
    if new_clients is None:
        return ""
    t = TEXT[lang]
    clients = count_words(new_clients, "new_client", lang)
    if months is None:
        return t["pace_no_rate"].format(clients=clients)
    return t["pace"].format(clients=clients, time=_time_words(months, lang))


def top1_plan_words(plan: DiversificationPlan, lang: str) -> str:
    """The top-1 target in a sentence: how much more revenue from other clients brings the
    largest client under it, in typical new clients and months at the current pace."""
    lang = language(lang)
    t = TEXT[lang]
    target = plan.top1
    if target.current is None or target.extra_revenue is None:
        return t["no_revenue"]
    values = {
        "client": plan.top_client or "",
        "target": percent_words(target.target, lang),
        "current": percent_words(target.current, lang),
    }
    if target.extra_revenue <= 0:
        return t["top1_met"].format(**values)
    return t["top1_plan"].format(extra=short_money(target.extra_revenue, lang), **values) + _pace(
        target.new_clients, target.months, lang
    )


def hhi_plan_words(plan: DiversificationPlan, lang: str) -> str:
    """The HHI target in a sentence, as `top1_plan_words`."""
    lang = language(lang)
    t = TEXT[lang]
    target = plan.hhi
    if target.current is None:
        return t["no_revenue"]
    values = {
        "target": whole_number(target.target, lang),
        "current": whole_number(target.current, lang),
    }
    if target.extra_revenue is None:
        return t["hhi_no_typical"].format(**values)
    if target.extra_revenue <= 0:
        return t["hhi_met"].format(**values)
    return t["hhi_plan"].format(extra=short_money(target.extra_revenue, lang), **values) + _pace(
        target.new_clients, target.months, lang
    )

"""Template filters for amounts, loaded into every template (TEMPLATES builtins).

Russian: `1 234 567 ₽` — narrow no-break spaces (U+202F) group thousands and a no-break space
keeps the sign on the same line. English: `RUB 1,234,567`, as CLDR writes roubles in English.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()

THIN = "\u202f"  # NARROW NO-BREAK SPACE: a thin space that never breaks a number in two
NBSP = "\u00a0"
SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€"}


def format_money(
    value: object, *, currency: str = "RUB", decimals: int = 0, language: str | None = None
) -> str:
    """`value` rounded half up to `decimals` places, grouped and marked per language."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    if not amount.is_finite():
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,.{decimals}f}"  # "1,234,567.89"
    lang = (language or get_language() or "ru").split("-")[0]
    if lang == "ru":
        number = grouped.replace(",", THIN).replace(".", ",")
        return f"{sign}{number}{NBSP}{SYMBOLS.get(currency, currency)}"
    if currency in {"USD", "EUR"}:
        return f"{sign}{SYMBOLS[currency]}{grouped}"
    return f"{sign}{currency}{NBSP}{grouped}"


@register.filter
def money(value: object, currency: str = "RUB") -> str:
    """`{{ amount|money }}` in whole units; `{{ amount|money:company.currency }}`."""
    return format_money(value, currency=currency or "RUB")


@register.filter
def money_exact(value: object, currency: str = "RUB") -> str:
    """`{{ amount|money_exact }}` with kopecks/cents."""
    return format_money(value, currency=currency or "RUB", decimals=2)

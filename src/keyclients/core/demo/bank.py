"""The demo company's bank statement in the 1C exchange format (`1CClientBankExchange`), and its
payments file up to a date, so that the demo loads one source per period and counts each payment
once: the payments export for the earlier months, the bank statement for the last quarter.

The statement is what a bank client sends to 1C: Windows-1251 text, CRLF, a header with the
company's account, a `СекцияРасчСчет` with the opening balance and the totals, then one
`СекцияДокумент=Платежное поручение` per document: the clients' payments of the period, the bank's
interest on the balance (money in from a payer who is not a client), and the company's own
payments out (salaries, rent, carriers, taxes) sized like its payment plan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from keyclients.core.demo.company import DemoCompany
from keyclients.core.demo.dates import add_months
from keyclients.core.demo.files import payments_csv_text
from keyclients.core.ingest.identity import inn_with_checksum

STATEMENT_TXT = "bank_statement_1c.txt"
PAYMENTS_BEFORE_CSV = "payments_before_statement.csv"

COMPANY_INN = inn_with_checksum("770198765")
COMPANY_KPP = "770101001"
COMPANY_ACCOUNT = "40702810900000054321"
BANK_NAME = "ПАО СБЕРБАНК"
BANK_INN = "7707083893"
BANK_ACCOUNT = "47422810500000000001"
INTEREST_RATE = 0.02  # a year, on the month's opening balance

# (payee, payee INN, day of month, share of the month's client payments, purpose): 97% of what
# comes in goes out again, so the statement opens and closes with a small positive balance.
OUTFLOWS = (
    ("ПАО СБЕРБАНК", BANK_INN, 5, 0.13, "Перечисление заработной платы по реестру № {n}"),
    ("ПАО СБЕРБАНК", BANK_INN, 20, 0.13, "Перечисление аванса по заработной плате № {n}"),
    ("ООО «Бизнес-Центр Плаза»", inn_with_checksum("770312345"), 1, 0.05, "Аренда за {month}"),
    ("ООО «ТрансКарго»", inn_with_checksum("502712345"), 10, 0.58, "Оплата перевозки № {n}"),
    (
        "УФК по г. Москве (ИФНС № 1)",
        inn_with_checksum("770401234"),
        28,
        0.08,
        "Единый налоговый платеж",
    ),
)
_MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


@dataclass(frozen=True)
class _Movement:
    """One document before it is numbered: the other party, and which way the money went."""

    day: date
    incoming: bool
    party: str
    inn: str
    account: str
    amount: float
    purpose: str


def last_quarter_start(end: date) -> date:
    """The first day of the calendar quarter that holds `end`."""
    return date(end.year, (end.month - 1) // 3 * 3 + 1, 1)


def payments_csv_before(company: DemoCompany, before: date) -> bytes:
    """The payments file (the layout of `payments.csv`) with the payments dated before `before`."""
    earlier = company.payments.filter(pl.col("date") < before)
    return payments_csv_text(earlier).encode("utf-8-sig")


def _account(inn: str) -> str:
    """A 20-digit settlement account, fixed per INN (made up, like the INNs)."""
    digits = str(int(hashlib.sha256(inn.encode()).hexdigest(), 16))[:12]
    return f"40702810{digits}"


def _amount(value: float) -> str:
    return f"{value:.2f}"


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _movements(company: DemoCompany, date_from: date, date_to: date) -> list[_Movement]:
    """The period's documents in date order, money in before money out on one day."""
    incoming = company.payments.filter(pl.col("date").is_between(date_from, date_to))
    movements = [
        _Movement(
            row["date"],
            True,
            row["payer"],
            row["payer_inn"],
            _account(row["payer_inn"]),
            row["amount"],
            row["purpose"],
        )
        for row in incoming.iter_rows(named=True)
    ]
    month = date(date_from.year, date_from.month, 1)
    register = 100
    while month <= date_to:
        month_end = add_months(month, 1) - timedelta(days=1)
        paid_in = incoming.filter(pl.col("date").is_between(month, month_end))
        month_in = float(paid_in.get_column("amount").sum())
        for payee, inn, day_of_month, share, purpose in OUTFLOWS:
            day = _business_day(month.replace(day=day_of_month))
            if date_from <= day <= date_to:
                register += 1
                text = purpose.format(
                    n=register, month=f"{_MONTHS[month.month - 1]} {month.year} г."
                )
                amount = round(month_in * share, -3)
                movements.append(_Movement(day, False, payee, inn, _account(inn), amount, text))
        interest_day = _business_day(month_end)
        if date_from <= interest_day <= date_to:
            interest = round(company.opening_balance * INTEREST_RATE / 12, 2)
            movements.append(
                _Movement(
                    interest_day,
                    True,
                    BANK_NAME,
                    BANK_INN,
                    BANK_ACCOUNT,
                    interest,
                    "Проценты на остаток по счету",
                )
            )
        month = add_months(month, 1)
    return sorted(movements, key=lambda m: (m.day, not m.incoming, m.party, m.amount))


def bank_statement(company: DemoCompany, *, date_from: date, date_to: date) -> bytes:
    """The statement of the company's account from `date_from` to `date_to` (inclusive), in
    Windows-1251; its closing balance is the company's cash at the end (`opening_balance`)."""
    movements = _movements(company, date_from, date_to)
    total_in = round(sum(m.amount for m in movements if m.incoming), 2)
    total_out = round(sum(m.amount for m in movements if not m.incoming), 2)
    closing = round(company.opening_balance, 2)
    opening = round(closing - total_in + total_out, 2)
    created = date_to + timedelta(days=1)
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=СберБизнес",
        "Получатель=Бухгалтерия предприятия, редакция 3.0",
        f"ДатаСоздания={_day(created)}",
        "ВремяСоздания=09:00:00",
        f"ДатаНачала={_day(date_from)}",
        f"ДатаКонца={_day(date_to)}",
        f"РасчСчет={COMPANY_ACCOUNT}",
        "Документ=Платежное поручение",
        "СекцияРасчСчет",
        f"ДатаНачала={_day(date_from)}",
        f"ДатаКонца={_day(date_to)}",
        f"РасчСчет={COMPANY_ACCOUNT}",
        f"НачальныйОстаток={_amount(opening)}",
        f"ВсегоПоступило={_amount(total_in)}",
        f"ВсегоСписано={_amount(total_out)}",
        f"КонечныйОстаток={_amount(closing)}",
        "КонецРасчСчет",
    ]
    own = (company.name, COMPANY_INN, COMPANY_ACCOUNT)
    for number, movement in enumerate(movements, start=1000):
        other = (movement.party, movement.inn, movement.account)
        (payer, payer_inn, payer_account), (payee, payee_inn, payee_account) = (
            (other, own) if movement.incoming else (own, other)
        )
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={number}",
            f"Дата={_day(movement.day)}",
            f"Сумма={_amount(movement.amount)}",
            f"ПлательщикСчет={payer_account}",
            f"Плательщик=ИНН {payer_inn} {payer}",
            f"ПлательщикИНН={payer_inn}",
            f"Плательщик1={payer}",
            f"ПолучательСчет={payee_account}",
            f"Получатель=ИНН {payee_inn} {payee}",
            f"ПолучательИНН={payee_inn}",
            f"Получатель1={payee}",
            f"{'ДатаПоступило' if movement.incoming else 'ДатаСписано'}={_day(movement.day)}",
            "ВидОплаты=01",
            "Очередность=5",
            f"НазначениеПлатежа={movement.purpose}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")

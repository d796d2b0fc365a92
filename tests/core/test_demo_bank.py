"""The demo's bank statement and its payments file before it: together, each payment once."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from keyclients.core.demo import generate_company
from keyclients.core.demo.bank import (
    BANK_INN,
    COMPANY_ACCOUNT,
    bank_statement,
    last_quarter_start,
    payments_csv_before,
)
from keyclients.core.ingest import read_payments


@pytest.fixture(scope="module")
def company():  # type: ignore[no-untyped-def]
    return generate_company(seed=11, clients=30, years=2)


def test_last_quarter_start() -> None:
    assert last_quarter_start(date(2025, 12, 31)) == date(2025, 10, 1)
    assert last_quarter_start(date(2025, 1, 15)) == date(2025, 1, 1)
    assert last_quarter_start(date(2025, 6, 30)) == date(2025, 4, 1)


def test_the_statement_reads_cleanly_and_its_totals_hold(company) -> None:  # type: ignore[no-untyped-def]
    start = last_quarter_start(company.end)
    data = bank_statement(company, date_from=start, date_to=company.end)
    assert data.startswith("1CClientBankExchange".encode("cp1251"))
    assert "Кодировка=Windows\r\n".encode("cp1251") in data
    assert data == bank_statement(company, date_from=start, date_to=company.end)
    result = read_payments(data, name="statement.txt")
    assert result.report.encoding == "cp1251"
    assert result.report.warnings == []  # the totals agree with the documents
    assert result.report.rows_rejected == 0
    assert result.statement is not None
    (balance,) = result.statement.balances
    assert balance.account == COMPANY_ACCOUNT
    assert balance.closing_balance == company.opening_balance
    assert balance.opening_balance is not None and balance.opening_balance > 0
    assert result.outflows.height > 0
    assert (result.frame.get_column("source") == "bank").all()


def test_the_payments_file_and_the_statement_hold_each_payment_once(company) -> None:  # type: ignore[no-untyped-def]
    start = last_quarter_start(company.end)
    before = read_payments(payments_csv_before(company, start)).frame
    statement = read_payments(bank_statement(company, date_from=start, date_to=company.end))
    assert before.get_column("date").max() < start <= statement.frame.get_column("date").min()
    clients = statement.frame.filter(pl.col("inn") != BANK_INN)
    both = pl.concat([before, clients]).select("inn", "date", pl.col("amount").round(2))
    expected = company.payments.select(
        pl.col("payer_inn").alias("inn"), "date", pl.col("amount").round(2)
    )
    assert both.sort(both.columns).equals(expected.sort(expected.columns))
    # The bank's interest comes from a payer who is not a client.
    interest = statement.frame.filter(pl.col("inn") == BANK_INN)
    assert interest.height == 3
    assert BANK_INN not in set(company.clients.get_column("inn").to_list())

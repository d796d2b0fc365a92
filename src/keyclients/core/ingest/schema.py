"""The frames ingest hands to the analytics: column names and types are a contract.

Every reader returns a frame with exactly these columns (optional ones are null when the file
has no such column), so analytics never guess at names.
"""

from __future__ import annotations

import polars as pl

SALES_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),  # the row number in the source file (1-based, as a spreadsheet shows it)
    "client_key": pl.String(),  # "inn:<INN>" for a valid INN, else "name:<normalized name>"
    "client": pl.String(),  # display name: the most frequent spelling of the client
    "inn": pl.String(),  # valid INN or null
    "date": pl.Date(),  # document date; null only when the file has no date at all
    "document": pl.String(),  # document number or null
    "amount": pl.Float64(),  # revenue of the line (net of VAT when both are given); < 0 = return
    "cost": pl.Float64(),
    "product": pl.String(),
    "manager": pl.String(),
    "due_date": pl.Date(),
    "paid_date": pl.Date(),
}

PAYMENTS_SCHEMA: dict[str, pl.DataType] = {
    # The line of the file: the row of a CSV/XLSX, the `СекцияДокумент` line of a bank statement.
    "row": pl.Int64(),
    "client_key": pl.String(),  # the payer, keyed like the sales' clients (jointly with them)
    "client": pl.String(),
    "inn": pl.String(),
    "date": pl.Date(),  # the day the money came in (bank: ДатаПоступило, else Дата)
    "amount": pl.Float64(),  # > 0
    "document": pl.String(),  # the payment order number
    "purpose": pl.String(),  # назначение платежа; may name the invoice it pays
    "source": pl.String(),  # "file" (CSV/XLSX) or "bank" (1CClientBankExchange)
}

# Money that left the company: the outgoing documents of a bank statement, negative amounts of
# a payments file. Not client payments; the cash calendar uses them.
OUTFLOWS_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "date": pl.Date(),  # the day the money left (bank: ДатаСписано, else Дата)
    "payee": pl.String(),
    "payee_inn": pl.String(),  # as written (digits), not validated
    "amount": pl.Float64(),  # > 0: the money paid out
    "document": pl.String(),
    "purpose": pl.String(),
    "source": pl.String(),
}

# The payment plan of the cash calendar (a plan file, or PlannedPayment rows of the app).
PLAN_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),  # the row of the file (the app: the planned payment's id)
    "date": pl.Date(),  # the first (or only) day it falls on
    "amount": pl.Float64(),  # + money in, − money out; never 0
    "category": pl.String(),  # статья: rent, payroll, taxes, ...
    "repeat": pl.String(),  # none | weekly | monthly | quarterly
    "until": pl.Date(),  # the last day a repeat may fall on (inclusive); null: no end
}


def empty_sales() -> pl.DataFrame:
    return pl.DataFrame(schema=SALES_SCHEMA)

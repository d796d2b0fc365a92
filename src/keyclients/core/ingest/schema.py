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


def empty_sales() -> pl.DataFrame:
    return pl.DataFrame(schema=SALES_SCHEMA)

"""The clients list as an XLSX workbook: the same rows and figures as the page.

A cell whose text starts with = + - @, a tab or a carriage return is written as text with
Excel's quote prefix, so a client named `=HYPERLINK(...)` stays a name (no formula injection,
DESIGN §5).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import polars as pl
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from keyclients.web.insights.periods import Period
from keyclients.web.ledger.models import ClientStatus

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
MONEY_DIGITS = 2  # amounts are kopeck-exact in the file; the page shows them rounded to roubles


def safe_cell(cell: Cell, value: Any) -> None:
    """Put `value` in `cell`; text that Excel would read as a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl took a leading "=" for a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def client_list_xlsx(rows: pl.DataFrame, *, period: Period, currency: str) -> bytes:
    """Rows of `selectors.client_list` (already filtered and sorted) as an .xlsx file."""
    statuses = dict(ClientStatus.choices)
    columns: list[tuple[str, str, str | None, int]] = [
        # (header, column, number format, width)
        (_("Rank"), "rank", "0", 7),
        (_("Client"), "client", None, 40),
        (_("INN"), "inn", "@", 14),
        (_("Revenue, %(currency)s") % {"currency": currency}, "revenue", MONEY_FORMAT, 18),
        (_("Share of revenue"), "share", SHARE_FORMAT, 10),
        (_("ABC class"), "abc", None, 6),
        (_("First sale"), "first_sale", DATE_FORMAT, 12),
        (_("Last sale"), "last_sale", DATE_FORMAT, 12),
        (_("Manager"), "manager", None, 24),
        (_("Status"), "status", None, 12),
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Clients")[:31]
    title = _("Clients, %(date_from)s – %(date_to)s") % {
        "date_from": period.date_from.isoformat(),
        "date_to": period.date_to.isoformat(),
    }
    safe_cell(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = Font(bold=True)
    for index, (header, _column, _format, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=3, column=index)
        safe_cell(cell, header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, row in enumerate(rows.iter_rows(named=True)):
        for index, (_header, column, number_format, _width) in enumerate(columns, start=1):
            value = row[column]
            if column == "revenue" and value is not None:
                value = round(value, MONEY_DIGITS) + 0.0
            elif column == "status":
                value = str(statuses.get(value, value))
            elif isinstance(value, str) and not value:
                value = None
            cell = sheet.cell(row=4 + offset, column=index)
            safe_cell(cell, value)
            if number_format and (isinstance(value, int | float | date) or column == "inn"):
                cell.number_format = number_format
    sheet.freeze_panes = "C4"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()

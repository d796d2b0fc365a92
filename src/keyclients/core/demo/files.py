"""Write a demo company as the files a business would hand us, in the sample files' layouts.

Same company → byte-identical files: rows are written in a fixed order, and the XLSX gets fixed
document properties and fixed timestamps inside its zip archive.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from keyclients.core.demo.company import DemoCompany
from keyclients.core.demo.dates import add_months
from keyclients.core.demo.vocabulary import RETURN_PRODUCT

SALES_CSV = "sales.csv"
SALES_1C_XLSX = "sales_1c.xlsx"
PAYMENTS_CSV = "payments.csv"
PLAN_CSV = "plan.csv"

SALES_CSV_HEADER = (
    "Дата",
    "Документ",
    "Контрагент",
    "ИНН",
    "Сумма",
    "Срок оплаты",
    "Менеджер",
    "Номенклатура",
)
PAYMENTS_CSV_HEADER = ("Date", "Payer", "Payer INN", "Amount", "Purpose")
PLAN_CSV_HEADER = ("date", "amount", "category", "repeat", "until")

XLSX_TITLE = "Анализ продаж"
XLSX_SHEET = "TDSheet"  # the sheet name 1C gives a report saved to Excel
XLSX_HEADER_TOP = ("Контрагент", "ИНН", "Документ", "Продажи")
XLSX_HEADER_SALES = ("Сумма без НДС", "Сумма с НДС", "Себестоимость")
XLSX_SALES_COLUMNS = ("amount", "amount_with_vat", "cost")  # sales frame columns under D, E, F
XLSX_FIRST_DATA_ROW = 7
XLSX_TOTAL = "Итого"
SALE_DOCUMENT = "Реализация (акт, накладная, УПД)"


def write_files(company: DemoCompany, out_dir: Path) -> dict[str, Path]:
    """Write sales.csv, sales_1c.xlsx, payments.csv and plan.csv; return their paths by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        SALES_CSV: out_dir / SALES_CSV,
        SALES_1C_XLSX: out_dir / SALES_1C_XLSX,
        PAYMENTS_CSV: out_dir / PAYMENTS_CSV,
        PLAN_CSV: out_dir / PLAN_CSV,
    }
    paths[SALES_CSV].write_bytes(_sales_csv(company.sales).encode("cp1251"))
    paths[SALES_1C_XLSX].write_bytes(_sales_1c_xlsx(company))
    paths[PAYMENTS_CSV].write_bytes(payments_csv_text(company.payments).encode("utf-8-sig"))
    paths[PLAN_CSV].write_bytes(_plan_csv(company.plan).encode("utf-8"))
    return paths


def _ru_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _ru_amount(amount: float) -> str:
    """`1 234 567,89`: space thousands and a decimal comma, as Russian Windows programs write."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


def _csv_text(header: tuple[str, ...], rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _sales_csv(sales: pl.DataFrame) -> str:
    rows = [
        [
            _ru_date(row["date"]),
            row["document"],
            row["client_as_written"],
            row["inn"] or "",
            _ru_amount(row["amount"]),
            _ru_date(row["due_date"]),
            row["manager"],
            row["product"],
        ]
        for row in sales.iter_rows(named=True)
    ]
    return _csv_text(SALES_CSV_HEADER, rows, ";")


def payments_csv_text(payments: pl.DataFrame) -> str:
    """The payments in the layout of `payments.csv` (written UTF-8 with BOM)."""
    rows = [
        [
            row["date"].isoformat(),
            row["payer"],
            row["payer_inn"],
            f"{row['amount']:.2f}",
            row["purpose"],
        ]
        for row in payments.iter_rows(named=True)
    ]
    return _csv_text(PAYMENTS_CSV_HEADER, rows, ",")


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _plan_csv(plan: pl.DataFrame) -> str:
    rows = [
        [
            row["date"].isoformat(),
            _plain_number(row["amount"]),
            row["category"],
            row["repeat"],
            row["until"].isoformat() if row["until"] is not None else "",
        ]
        for row in plan.iter_rows(named=True)
    ]
    return _csv_text(PLAN_CSV_HEADER, rows, ",")


def _document_time(document: str) -> str:
    """A time of day for the 1C document string, fixed per document number (9:00–17:59)."""
    scrambled = int(document.replace("-", "")) * 2_654_435_761 % 2**32  # Knuth's hash
    seconds = 9 * 3600 + scrambled % (9 * 3600)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _sales_1c_documents(company: DemoCompany) -> tuple[date, pl.DataFrame]:
    """The last year's documents, one row each, as the 1C report groups them."""
    first = add_months(company.end, -12) + timedelta(days=1)
    documents = (
        company.sales.filter(pl.col("date") >= first)
        .group_by("document", maintain_order=True)
        .agg(
            pl.col("date").first(),
            pl.col("client_as_written").first(),
            pl.col("inn").first(),
            (pl.col("product").first() == RETURN_PRODUCT).alias("is_return"),
            pl.col("amount").sum().round(2),
            pl.col("amount_with_vat").sum().round(2),
            pl.col("cost").sum().round(2),
        )
        .sort(["date", "document"])
    )
    return first, documents


def _sales_1c_xlsx(company: DemoCompany) -> bytes:
    first, documents = _sales_1c_documents(company)
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = XLSX_SHEET
    bold = Font(bold=True)
    sheet["A1"] = XLSX_TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"Период: {_ru_date(first)} - {_ru_date(company.end)}"
    sheet["A3"] = f"Организация: {company.name}"
    for column, title in zip("ABCD", XLSX_HEADER_TOP, strict=True):
        sheet[f"{column}5"] = title
    for column, title in zip("DEF", XLSX_HEADER_SALES, strict=True):
        sheet[f"{column}6"] = title
    for merged in ("A5:A6", "B5:B6", "C5:C6", "D5:F5"):
        sheet.merge_cells(merged)
    for row in sheet.iter_rows(min_row=5, max_row=6, max_col=6):
        for cell in row:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    row_number = XLSX_FIRST_DATA_ROW
    for document in documents.iter_rows(named=True):
        kind = RETURN_PRODUCT if document["is_return"] else SALE_DOCUMENT
        label = (
            f"{kind} {document['document']} от {_ru_date(document['date'])} "
            f"{_document_time(document['document'])}"
        )
        sheet.append(
            [
                document["client_as_written"],
                document["inn"],
                label,
                document["amount"],
                document["amount_with_vat"],
                document["cost"],
            ]
        )
        row_number += 1
    totals = [round(float(documents[column].sum()), 2) for column in XLSX_SALES_COLUMNS]
    sheet.append([XLSX_TOTAL, None, None, *totals])
    for cell in sheet[row_number]:
        cell.font = bold
    for row in sheet.iter_rows(min_row=XLSX_FIRST_DATA_ROW, max_row=row_number, min_col=4):
        for cell in row:
            cell.number_format = "#,##0.00"
    for column, width in zip("ABCDEF", (42, 14, 68, 16, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width

    # Fixed properties and zip timestamps: the same company gives the same bytes. The writer is
    # called directly because openpyxl's save() stamps `modified` with the current time.
    stamp = datetime.combine(company.end + timedelta(days=1), time(9, 0))
    workbook.properties.creator = "keyclients demo"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _with_fixed_timestamps(raw.getvalue(), stamp)


def _with_fixed_timestamps(archive: bytes, stamp: datetime) -> bytes:
    """Repack a zip archive giving every entry the same modification time."""
    fixed = io.BytesIO()
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()

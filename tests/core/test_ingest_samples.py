"""Every shared sample read end to end, checked against an independent computation."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from keyclients.core.ingest import read_sales
from keyclients.core.ingest.identity import normalize_name


def _ru_number(text: object) -> float:
    if isinstance(text, int | float):
        return float(text)
    return float(str(text).replace("\u00a0", "").replace(" ", "").replace(",", "."))


def _revenue_by_key(frame_rows: list[dict[str, object]]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for row in frame_rows:
        totals[str(row["client_key"])] += float(row["amount"])  # type: ignore[arg-type]
    return dict(totals)


def test_the_cp1251_sales_register_is_read_whole(samples: Path) -> None:
    result = read_sales(samples / "sales_cp1251.csv")
    report = result.report
    assert (report.encoding, report.delimiter, report.header_row) == ("cp1251", ";", 1)
    assert report.mapping == {
        "date": "Дата",
        "document": "Документ",
        "client": "Контрагент",
        "inn": "ИНН",
        "amount": "Сумма",
        "due_date": "Срок оплаты",
        "manager": "Менеджер",
        "product": "Номенклатура",
    }
    expected: dict[str, float] = defaultdict(float)
    with (samples / "sales_cp1251.csv").open(encoding="cp1251", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    for row in rows:
        expected["inn:" + row["ИНН"]] += _ru_number(row["Сумма"])
    assert report.rows_read == len(rows) == report.rows_used
    got = _revenue_by_key(result.frame.to_dicts())
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=0.005)
    first = result.frame.row(0, named=True)
    assert first["date"] == date(2024, 1, 2)
    assert first["due_date"] == date(2024, 2, 16)
    assert first["document"] == "0000-000101"


def test_the_1c_sales_analysis_report_is_read_whole(samples: Path) -> None:
    path = samples / "sales_1c_analiz_prodazh.xlsx"
    result = read_sales(path)
    report = result.report
    assert report.file_format == "xlsx"
    assert report.header_row == 6  # title rows above, a two-row header with merged cells
    assert report.mapping["amount"] == "Сумма без НДС"
    assert report.mapping["cost"] == "Себестоимость"
    assert any("Сумма без НДС" in w and "Сумма с НДС" in w for w in report.warnings)
    assert report.skipped_reasons == {"total rows": 1}

    sheet = openpyxl.load_workbook(path, read_only=True).active
    lines = [r for r in sheet.iter_rows(min_row=8, values_only=True) if r[0] != "Итого"]
    total_row = next(r for r in sheet.iter_rows(min_row=8, values_only=True) if r[0] == "Итого")
    name_to_inn = {normalize_name(str(r[0])): r[1] for r in lines if r[1]}
    expected: dict[str, float] = defaultdict(float)
    for name, inn, _doc, net, _gross, _cost in lines:
        expected["inn:" + (inn or name_to_inn[normalize_name(str(name))])] += _ru_number(net)
    assert report.rows_read == len(lines) + 1
    assert report.rows_used == len(lines)
    got = _revenue_by_key(result.frame.to_dicts())
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=0.005)
    assert sum(got.values()) == pytest.approx(_ru_number(total_row[3]), abs=0.01)
    # Dates and numbers come out of the 1C document strings.
    first = result.frame.row(0, named=True)
    assert (first["document"], first["date"]) == ("0000-000325", date(2025, 1, 1))
    assert result.frame.get_column("date").null_count() == 0
    # Rows without an INN joined their INN's client by name: 25 clients, all keyed by INN.
    assert result.frame.get_column("client_key").n_unique() == 25
    assert result.frame.get_column("client_key").str.starts_with("inn:").all()


def test_returns_in_the_1c_report_net_off(samples: Path) -> None:
    frame = read_sales(samples / "sales_1c_analiz_prodazh.xlsx").frame
    assert (frame.get_column("amount") < 0).any()


def test_payments_file_with_english_headers_and_bom(samples: Path) -> None:
    result = read_sales(samples / "payments.csv")
    assert result.report.encoding == "utf-8-sig"
    assert result.report.mapping["client"] == "Payer"
    assert result.report.mapping["inn"] == "Payer INN"
    assert result.report.rows_rejected == 0


def test_cdnow_is_read_with_no_options(real: Path) -> None:
    path = real / "cdnow_transactions.csv"
    result = read_sales(path)
    assert result.report.mapping == {
        "client": "customer_id",
        "date": "date",
        "amount": "dollar_value",
    }
    expected: dict[str, float] = defaultdict(float)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        expected["name:" + row["customer_id"]] += float(row["dollar_value"])
    assert result.report.rows_used == len(rows) == 69_659
    got = _revenue_by_key(result.frame.to_dicts())
    assert len(got) == len(expected) == 23_570
    assert sum(got.values()) == pytest.approx(sum(expected.values()), abs=0.01)
    assert result.frame.get_column("date").min() == date(1997, 1, 1)


def test_accounts_receivable_sample_month_first_slash_dates(real: Path) -> None:
    path = real / "WA_Fn-UseC_-Accounts-Receivable.csv"
    result = read_sales(path)
    assert result.report.mapping["paid_date"] == "SettledDate"
    assert result.report.mapping["due_date"] == "DueDate"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    frame = result.frame
    assert frame.height == len(rows)
    m, d, y = (int(x) for x in rows[0]["InvoiceDate"].split("/"))
    assert frame.row(0, named=True)["date"] == date(y, m, d)
    # DueDate is always InvoiceDate + 30 days in this dataset: an independent check of the order.
    assert ((frame["due_date"] - frame["date"]).dt.total_days() == 30).all()


def test_row_numbers_are_the_file_rows(samples: Path) -> None:
    frame = read_sales(samples / "sales_1c_analiz_prodazh.xlsx").frame
    assert frame.get_column("row").to_list()[:2] == [8, 9]
    assert re.fullmatch(r"\d{4}-\d{6}", frame.row(0, named=True)["document"])

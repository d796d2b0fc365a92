"""Payments: CSV/XLSX payment files and 1C bank statements, read whole or reported."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from keyclients.core.ingest import (
    OUTFLOWS_SCHEMA,
    PAYMENTS_SCHEMA,
    IngestError,
    match_payment_clients,
    read_payments,
    read_sales,
    read_sales_and_payments,
)
from keyclients.core.ingest.bank import (
    BANK_NO_AMOUNT,
    BANK_NO_END,
    BANK_NOT_A_DATE,
    BANK_NOT_A_NUMBER,
    BANK_WRONG_ENCODING,
)
from keyclients.core.ingest.payments import NEGATIVE_PAYMENTS
from keyclients.core.ingest.report import REASON_NO_DATE, REASON_NOT_A_DATE

STATEMENT = "bank_statement_1c.txt"


def statement_text(samples: Path) -> str:
    return (samples / STATEMENT).read_bytes().decode("cp1251")


def write_statement(tmp_path: Path, text: str, encoding: str = "cp1251") -> Path:
    path = tmp_path / "statement.txt"
    path.write_bytes(text.encode(encoding))
    return path


def independent_statement(text: str) -> dict[str, object]:
    """The statement's own figures, read with nothing but string methods."""
    own = re.search(r"^РасчСчет=(\d+)", text, re.MULTILINE)
    assert own is not None
    blocks = re.findall(r"СекцияДокумент=.*?КонецДокумента", text, re.DOTALL)
    incoming, outgoing = [], []
    for block in blocks:
        fields = dict(line.split("=", 1) for line in block.splitlines()[1:-1] if "=" in line)
        if fields["ПолучательСчет"] == own.group(1):
            incoming.append(fields)
        else:
            outgoing.append(fields)
    total_in = re.search(r"ВсегоПоступило=([\d.]+)", text)
    total_out = re.search(r"ВсегоСписано=([\d.]+)", text)
    assert total_in and total_out
    return {
        "incoming": incoming,
        "outgoing": outgoing,
        "total_in": float(total_in.group(1)),
        "total_out": float(total_out.group(1)),
    }


# --- Bank statements ------------------------------------------------------------------------


def test_the_sample_statement_is_read_whole_and_its_totals_match(samples: Path) -> None:
    result = read_payments(samples / STATEMENT)
    report = result.report
    truth = independent_statement(statement_text(samples))
    incoming, outgoing = truth["incoming"], truth["outgoing"]
    assert isinstance(incoming, list) and isinstance(outgoing, list)
    assert (report.file_format, report.encoding) == ("1c", "cp1251")
    assert report.warnings == []
    assert report.rows_read == len(incoming) + len(outgoing) == report.rows_used
    assert report.rows_rejected == 0
    assert result.frame.schema == pl.Schema(PAYMENTS_SCHEMA)
    assert result.outflows.schema == pl.Schema(OUTFLOWS_SCHEMA)
    assert result.frame.height == len(incoming)
    assert result.outflows.height == len(outgoing)
    assert result.frame.get_column("amount").sum() == pytest.approx(truth["total_in"], abs=0.005)
    assert result.outflows.get_column("amount").sum() == pytest.approx(
        truth["total_out"], abs=0.005
    )
    assert set(result.frame.get_column("source")) == {"bank"}
    first = result.frame.row(0, named=True)
    assert first["client_key"] == "inn:6681241580"
    assert first["client"] == "ООО «Альфа-Трейд»"
    assert first["document"] == "1000"
    assert first["date"] == date(2025, 9, 18)
    assert first["purpose"].startswith("Оплата по счету № 0000-000499")
    assert first["row"] == 21  # the line of its СекцияДокумент
    balance = result.statement.balances[0] if result.statement else None
    assert balance is not None
    assert (balance.opening_balance, balance.closing_balance) == (6_250_000.0, 45_995_691.92)
    assert result.statement is not None
    assert result.statement.accounts == ("40702810900000012345",)


def test_a_dos_statement_reads_the_same(samples: Path, tmp_path: Path) -> None:
    # DOS code page 866 has no « »: DOS-era exports write plain quotes.
    text = statement_text(samples).replace("«", '"').replace("»", '"')
    windows = read_payments(write_statement(tmp_path, text))
    dos_text = text.replace("Кодировка=Windows", "Кодировка=DOS")
    dos = read_payments(write_statement(tmp_path, dos_text, "cp866"))
    assert dos.report.encoding == "cp866"
    assert dos.report.warnings == []
    assert dos.frame.height == windows.frame.height > 0
    assert dos.frame.equals(windows.frame)
    assert dos.outflows.equals(windows.outflows)
    assert dos.frame.row(0, named=True)["client"] == 'ООО "Альфа-Трейд"'


def test_the_encoding_is_the_one_the_file_is_written_in(samples: Path, tmp_path: Path) -> None:
    windows = read_payments(samples / STATEMENT)
    utf8 = read_payments(write_statement(tmp_path, statement_text(samples), "utf-8"))
    assert utf8.report.encoding == "utf-8"
    assert utf8.report.warnings == [BANK_WRONG_ENCODING.format(value="Windows", encoding="utf-8")]
    assert utf8.frame.equals(windows.frame)
    undeclared = statement_text(samples).replace("Кодировка=Windows\r\n", "")
    for encoding in ("cp1251", "utf-8"):
        result = read_payments(write_statement(tmp_path, undeclared, encoding))
        assert (result.report.encoding, result.report.warnings) == (encoding, [])
        assert result.frame.drop("row").equals(windows.frame.drop("row"))  # one line less


def test_a_broken_block_is_reported_by_line_and_the_rest_is_read(
    samples: Path, tmp_path: Path
) -> None:
    lines = statement_text(samples).splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("СекцияДокумент")]
    second = starts[1]
    amount_line = next(i for i in range(second, starts[2]) if lines[i].startswith("Сумма="))
    amount = float(lines[amount_line].split("=")[1])
    del lines[amount_line]
    result = read_payments(write_statement(tmp_path, "\r\n".join(lines) + "\r\n"))
    report = result.report
    assert report.rows_rejected == 1
    assert [(r.row, r.column, r.reason) for r in report.rejected] == [
        (second + 1, "Сумма", BANK_NO_AMOUNT)
    ]
    assert report.rows_read == 144 and report.rows_used == 143
    truth = independent_statement(statement_text(samples))
    mismatch = [w for w in report.warnings if "ВсегоПоступило" in w]
    assert len(mismatch) == 1
    assert f"{truth['total_in']:.2f}" in mismatch[0]
    assert f"{truth['total_in'] - amount:.2f}" in mismatch[0]


def test_a_block_without_its_end_is_rejected_and_the_next_is_read(
    samples: Path, tmp_path: Path
) -> None:
    lines = statement_text(samples).splitlines()
    ends = [i for i, line in enumerate(lines) if line == "КонецДокумента"]
    starts = [i for i, line in enumerate(lines) if line.startswith("СекцияДокумент")]
    del lines[ends[0]]
    result = read_payments(write_statement(tmp_path, "\n".join(lines)))
    assert [(r.row, r.reason) for r in result.report.rejected] == [(starts[0] + 1, BANK_NO_END)]
    assert result.report.rows_read == 144
    assert result.frame.height + result.outflows.height == 143
    assert result.frame.get_column("document").to_list()[0] == "1001"


def test_a_cut_statement_rejects_its_last_block(samples: Path, tmp_path: Path) -> None:
    text = statement_text(samples)
    cut = text[: text.rindex("КонецДокумента")]
    result = read_payments(write_statement(tmp_path, cut))
    assert result.report.rejected[-1].reason == BANK_NO_END
    assert any("КонецФайла" in w for w in result.report.warnings)


def test_bad_numbers_and_dates_are_rejected_with_their_values(
    samples: Path, tmp_path: Path
) -> None:
    text = statement_text(samples)
    text = text.replace("Сумма=559396.70", "Сумма=55x9396", 1)
    text = text.replace("ДатаПоступило=14.09.2025", "ДатаПоступило=31.09.2025", 1)
    result = read_payments(write_statement(tmp_path, text))
    problems = [(r.column, r.value, r.reason) for r in result.report.rejected]
    assert problems == [
        ("Сумма", "55x9396", BANK_NOT_A_NUMBER),
        ("ДатаПоступило", "31.09.2025", BANK_NOT_A_DATE),
    ]


def test_a_wrong_total_is_a_warning_with_both_numbers(samples: Path, tmp_path: Path) -> None:
    text = statement_text(samples).replace("ВсегоСписано=22800000.00", "ВсегоСписано=22900000.00")
    result = read_payments(write_statement(tmp_path, text))
    assert result.report.rows_rejected == 0
    [warning] = result.report.warnings
    assert "ВсегоСписано" in warning
    assert "22900000.00" in warning and "22800000.00" in warning and "100000.00" in warning


def test_payer_names_come_from_plательщик_when_there_is_no_plательщик1(
    samples: Path, tmp_path: Path
) -> None:
    text = re.sub(r"Плательщик1=[^\r\n]*\r\n", "", statement_text(samples))
    text = re.sub(r"ПлательщикИНН=[^\r\n]*\r\n", "", text)
    result = read_payments(write_statement(tmp_path, text))
    first = result.frame.row(0, named=True)
    assert first["client"] == "ООО «Альфа-Трейд»"
    assert first["client_key"] == "inn:6681241580"


def test_incoming_and_outgoing_dates(tmp_path: Path) -> None:
    text = "\r\n".join(
        [
            "1CClientBankExchange",
            "ВерсияФормата=1.03",
            "Кодировка=Windows",
            "РасчСчет=40702810900000000001",
            "СекцияДокумент=Платежное поручение",
            "Номер=7",
            "Дата=01.03.2025",
            "Сумма=1 000,50",
            "ПлательщикСчет=40702810000000000002",
            "Плательщик=ИНН 7891417778 АО «ТрансЛогистик»",
            "ПолучательСчет=40702810900000000001",
            "ДатаПоступило=03.03.2025",
            "КонецДокумента",
            "СекцияДокумент=Платежное поручение",
            "Номер=8",
            "Дата=04.03.2025",
            "Сумма=300.00",
            "ПлательщикСчет=40702810900000000001",
            "ПолучательСчет=40702810000000000003",
            "Получатель1=ООО «Аренда»",
            "ПолучательИНН=7702070139",
            "НазначениеПлатежа=Аренда за март",
            "КонецДокумента",
            "СекцияДокумент=Платежное поручение",
            "Номер=9",
            "Дата=05.03.2025",
            "Сумма=50.00",
            "ПлательщикСчет=40702810900000000001",
            "ПолучательСчет=40702810900000000001",
            "КонецДокумента",
            "КонецФайла",
        ]
    )
    result = read_payments(write_statement(tmp_path, text))
    payment = result.frame.row(0, named=True)
    assert (payment["date"], payment["amount"], payment["client"]) == (
        date(2025, 3, 3),
        1000.5,
        "АО «ТрансЛогистик»",
    )
    assert payment["client_key"] == "inn:7891417778"
    outflow = result.outflows.row(0, named=True)
    assert (outflow["date"], outflow["payee"], outflow["payee_inn"], outflow["amount"]) == (
        date(2025, 3, 4),
        "ООО «Аренда»",
        "7702070139",
        300.0,
    )
    assert result.report.skipped_reasons == {"transfers between the company's own accounts": 1}
    assert result.report.rows_read == 3


# --- Payment files --------------------------------------------------------------------------


def test_the_sample_payments_file_is_read_whole(samples: Path) -> None:
    path = samples / "payments.csv"
    result = read_payments(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert result.report.rows_read == len(rows) == result.frame.height
    assert result.report.mapping == {
        "date": "Date",
        "client": "Payer",
        "inn": "Payer INN",
        "amount": "Amount",
        "purpose": "Purpose",
    }
    assert result.frame.get_column("amount").sum() == pytest.approx(
        sum(float(r["Amount"]) for r in rows), abs=0.005
    )
    assert set(result.frame.get_column("client_key")) == {"inn:" + r["Payer INN"] for r in rows}
    assert set(result.frame.get_column("source")) == {"file"}
    assert result.outflows.height == 0


def test_payment_files_keep_refunds_apart_and_report_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "pay.csv"
    path.write_text(
        "Дата платежа;Плательщик;ИНН плательщика;Сумма;Назначение платежа\n"
        "01.02.2025;ООО А;;1 000,00;Оплата\n"
        "02.02.2025;ООО Б;;-200;Возврат аванса\n"
        "03.02.2025;ООО В;;0;\n"
        ";ООО Г;;10;\n"
        "31.02.2025;ООО Д;;10;\n",
        encoding="utf-8",
    )
    result = read_payments(path)
    report = result.report
    assert result.frame.get_column("client").to_list() == ["ООО А"]
    assert result.outflows.select("payee", "amount").rows() == [("ООО Б", 200.0)]
    assert NEGATIVE_PAYMENTS.format(count=1) in report.warnings
    assert report.skipped_reasons == {"rows with a zero amount": 1}
    assert [(r.row, r.reason) for r in report.rejected] == [
        (5, REASON_NO_DATE),
        (6, REASON_NOT_A_DATE),
    ]
    assert report.rows_read == 5
    assert report.rows_read == report.rows_used + report.rows_skipped + report.rows_rejected


def test_a_payments_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Выписка за февраль"])
    sheet.append([])
    sheet.append(["Дата", "Контрагент", "ИНН", "Сумма", "Назначение платежа"])
    sheet.append([date(2025, 2, 1), "ООО А", "7891417778", 1500.25, "Оплата по счету № 12"])
    path = tmp_path / "pay.xlsx"
    book.save(path)
    result = read_payments(path)
    row = result.frame.row(0, named=True)
    assert (row["date"], row["amount"], row["client_key"], row["row"]) == (
        date(2025, 2, 1),
        1500.25,
        "inn:7891417778",
        4,
    )


def test_a_payments_file_without_a_date_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pay.csv"
    path.write_text("Плательщик;Сумма\nООО А;10\n", encoding="utf-8")
    with pytest.raises(IngestError, match="missing: date"):
        read_payments(path)


# --- One client, one key across files -------------------------------------------------------


def test_payers_without_an_inn_find_the_sales_client_by_name(tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "Дата;Клиент;ИНН;Сумма\n01.01.2025;ООО «Ромашка»;6690743917;100\n", encoding="utf-8"
    )
    payments = tmp_path / "pay.csv"
    payments.write_text(
        'Дата;Плательщик;ИНН;Сумма\n02.01.2025;ооо "Ромашка" ;;100\n'
        "03.01.2025;ООО Незнакомец;12345;5\n",
        encoding="utf-8",
    )
    sales_file, payments_file = read_sales_and_payments(sales, payments)
    keys = payments_file.frame.get_column("client_key").to_list()
    assert keys == ["inn:6690743917", "name:ооо незнакомец"]
    assert sales_file.frame.get_column("client_key").to_list() == ["inn:6690743917"]
    assert any("12345" in w for w in payments_file.report.warnings)
    assert not any("12345" in w for w in sales_file.report.warnings)
    alone = read_payments(payments)
    assert alone.frame.get_column("client_key").to_list()[0] == 'name:ооо "ромашка"'
    resales, repaid = match_payment_clients(read_sales(sales).frame, alone.frame)
    assert repaid.get_column("client_key").to_list() == keys
    assert resales.equals(sales_file.frame)


def test_the_samples_share_their_clients(samples: Path) -> None:
    sales_file, payments_file = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / STATEMENT
    )
    sales_keys = set(sales_file.frame.get_column("client_key"))
    assert set(payments_file.frame.get_column("client_key")) <= sales_keys

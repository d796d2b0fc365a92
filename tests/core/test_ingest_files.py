"""Reading files as users produce them, and refusing bad ones clearly."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.ingest import IngestError, read_sales
from keyclients.core.ingest.headers import match_header
from keyclients.core.ingest.report import (
    BINARY_FILE,
    EMPTY_FILE,
    REASON_NO_CLIENT,
    REASON_NOT_A_DATE,
    REASON_NOT_A_NUMBER,
)


def write(tmp_path: Path, text: str, name: str = "sales.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path: Path, rows: list[list[object]], name: str = "sales.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Контрагент", "client"),
        ("CustomerID", "client"),
        ("InvoiceDate", "date"),
        ("InvoiceNo", "document"),
        ("Сумма без НДС", "amount"),
        ("Сумма НДС", "ignore"),
        ("  ИНН  покупателя ", "inn"),
        ("Срок оплаты", "due_date"),
        ("Дата оплаты", "paid_date"),
        ("Дата", "date"),
        ("Ответственный", "manager"),
        ("Номенклатура", "product"),
        ("Себестоимость", "cost"),
        ("Назначение платежа", "purpose"),
        ("Покупатель (ё)", "client"),
    ],
)
def test_headers_map_to_roles(header: str, role: str) -> None:
    found = match_header(header)
    assert found is not None and found[0] == role


def test_header_below_title_rows_in_a_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Отчет о продажах\nза 2025 год\n\nКлиент;Сумма;Дата\nООО А;100,50;01.02.2025\n"
        "ООО Б;200;02.02.2025\n",
    )
    result = read_sales(path)
    assert result.report.header_row == 4
    assert result.frame.get_column("amount").to_list() == [100.5, 200.0]
    assert result.frame.get_column("row").to_list() == [5, 6]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_every_encoding_and_separator(tmp_path: Path, sep: str, encoding: str) -> None:
    amount = '"1 234,50"' if sep == "," else "1 234,50"
    text = f"Покупатель{sep}Выручка{sep}Дата\nООО «Ёлка»{sep}{amount}{sep}2025-01-31\n"
    result = read_sales(write(tmp_path, text, encoding=encoding))
    assert result.frame.row(0, named=True)["client"] == "ООО «Ёлка»"
    assert result.frame.row(0, named=True)["amount"] == 1234.5


def test_totals_blank_rows_and_group_headers_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Клиент;Сумма;Дата\nООО А;100;01.02.2025\n\n;;\nГруппа: Москва;;\nООО Б;50;01.02.2025\n"
        "Итого;150;\nВсего:;150;\n",
    )
    report = read_sales(path).report
    assert report.rows_used == 2
    assert report.skipped_reasons == {
        "blank rows": 2,
        "rows without an amount (group headers, notes)": 1,
        "total rows": 2,
    }
    assert report.rows_read == report.rows_used + report.rows_skipped + report.rows_rejected


def test_bad_rows_are_reported_with_row_column_value_and_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Клиент;Сумма;Дата;Срок оплаты\n"
        "ООО А;12,34,56;01.02.2025;\n"
        "ООО Б;10;31.02.2025;\n"
        ";10;01.02.2025;\n"
        "ООО В;10;01.02.2025;позже\n"
        "ООО Г;10;01.02.2025;\n",
    )
    result = read_sales(path)
    problems = [(r.row, r.column, r.value, r.reason) for r in result.report.rejected]
    assert problems == [
        (2, "Сумма", "12,34,56", REASON_NOT_A_NUMBER),
        (3, "Дата", "31.02.2025", REASON_NOT_A_DATE),
        (4, "Клиент", None, REASON_NO_CLIENT),
        (5, "Срок оплаты", "позже", REASON_NOT_A_DATE),
    ]
    assert result.report.rows_rejected == 4
    assert result.frame.get_column("client").to_list() == ["ООО Г"]


def test_one_bad_row_never_hides_the_others(tmp_path: Path) -> None:
    body = "".join(f"ООО {i};x{i};01.01.2025\n" for i in range(50))
    report = read_sales(write(tmp_path, "Клиент;Сумма;Дата\n" + body)).report
    assert report.rows_rejected == 50
    assert [r.row for r in report.rejected] == list(range(2, 52))


def test_an_invalid_inn_is_a_warning_and_the_row_falls_back_to_the_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Клиент;ИНН;Сумма;Дата\n"
        "ООО Ромашка;1234567890;100;01.01.2025\n"
        "ООО Лютик;7891417778;100;01.01.2025\n",
    )
    result = read_sales(path)
    keys = result.frame.get_column("client_key").to_list()
    assert keys == ["name:ооо ромашка", "inn:7891417778"]
    assert any("1234567890" in w and "row 2" in w for w in result.report.warnings)
    assert result.report.rows_rejected == 0


def test_spellings_of_a_client_join_and_the_most_frequent_is_shown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Клиент;ИНН;Сумма;Дата\n"
        "ООО «Ромашка»;7891417778;100;01.01.2025\n"
        'ооо "Ромашка" ;;50;02.01.2025\n'
        "ООО «Ромашка»;;25;03.01.2025\n"
        "ООО Лютик;;10;03.01.2025\n",
    )
    frame = read_sales(path).frame
    assert frame.get_column("client_key").to_list()[:3] == ["inn:7891417778"] * 3
    assert set(frame.get_column("client").to_list()[:3]) == {"ООО «Ромашка»"}
    assert frame.row(3, named=True)["client_key"] == "name:ооо лютик"


def test_a_name_with_two_inns_is_not_guessed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Клиент;ИНН;Сумма;Дата\n"
        "ИП Иванов;505178128683;100;01.01.2025\n"
        "ИП Иванов;500100732259;100;01.01.2025\n"
        "ИП Иванов;;100;01.01.2025\n",
    )
    keys = read_sales(path).frame.get_column("client_key").to_list()
    assert keys == ["inn:505178128683", "inn:500100732259", "name:ип иванов"]


def test_mapping_overrides_win(tmp_path: Path) -> None:
    path = write(tmp_path, "Имя;Деньги;Когда\nООО А;100;01.01.2025\n")
    with pytest.raises(IngestError):
        read_sales(path)
    result = read_sales(path, mapping={"client": "Имя", "amount": "Деньги", "date": "Когда"})
    assert result.frame.row(0, named=True)["amount"] == 100.0
    assert result.frame.row(0, named=True)["date"] == date(2025, 1, 1)


def test_an_override_naming_a_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "Клиент;Сумма\nООО А;100\n")
    with pytest.raises(IngestError, match="'Нет такой' given for amount is not in the file"):
        read_sales(path, mapping={"amount": "Нет такой"})


def test_net_revenue_wins_over_gross(tmp_path: Path) -> None:
    path = write(tmp_path, "Клиент;Сумма с НДС;Сумма без НДС;Дата\nООО А;120;100;01.01.2025\n")
    result = read_sales(path)
    assert result.frame.row(0, named=True)["amount"] == 100.0
    assert any("revenue taken from 'Сумма без НДС'" in w for w in result.report.warnings)


def test_a_file_without_dates_is_one_period(tmp_path: Path) -> None:
    result = read_sales(write(tmp_path, "Client,Revenue\nA,10\nB,20\n"))
    assert result.frame.get_column("date").null_count() == 2
    assert any("no dates" in w for w in result.report.warnings)


def test_two_row_merged_header_in_xlsx_with_excel_cells(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        [
            ["Анализ продаж"],
            [],
            ["Контрагент", "Дата", "Продажи", None],
            [None, None, "Сумма", "Себестоимость"],
            ["ООО А", date(2025, 3, 1), 1500.25, 1000],
            ["ООО Б", date(2025, 3, 2), "2\u00a0000,00", None],
            ["Итого", None, 3500.25, None],
        ],
    )
    result = read_sales(path)
    assert result.report.header_row == 3
    assert result.frame.get_column("amount").to_list() == [1500.25, 2000.0]
    assert result.frame.get_column("date").to_list() == [date(2025, 3, 1), date(2025, 3, 2)]
    assert result.frame.get_column("row").to_list() == [5, 6]


def test_the_sheet_option_picks_a_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing here"])
    data = book.create_sheet("Data")
    data.append(["Client", "Amount"])
    data.append(["A", 5])
    path = tmp_path / "two.xlsx"
    book.save(path)
    assert read_sales(path).report.sheet == "Data"  # found by its header
    assert read_sales(path, sheet="Data").frame.height == 1
    with pytest.raises(IngestError, match="there is no sheet 'Nope'; sheets are: Notes, Data"):
        read_sales(path, sheet="Nope")


# --- Bad files: a clear one-line error, never a traceback ------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=re.escape(EMPTY_FILE)):
        read_sales(write(tmp_path, ""))


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError, match=re.escape(BINARY_FILE)):
        read_sales(path)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a spreadsheet")
    path = tmp_path / "fake.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match="looks like an Excel workbook but cannot be read"):
        read_sales(path)


def test_a_csv_without_an_amount_column(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"missing: amount.*'Клиент', 'Дата'"):
        read_sales(write(tmp_path, "Клиент;Дата\nООО А;01.01.2025\n"))


def test_a_csv_without_a_client_column(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="missing: client"):
        read_sales(write(tmp_path, "Дата;Сумма\n01.01.2025;5\n"))


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read the file"):
        read_sales(tmp_path / "nope.csv")


# --- Properties --------------------------------------------------------------------------------

_names = st.sampled_from(["ООО А", 'ооо "А"', "ООО Б", "ИП В", "АО «Г»"])
_rows = st.lists(
    st.tuples(_names, st.integers(-1000, 100_000), st.integers(1, 28)), min_size=1, max_size=30
)


@settings(max_examples=40, deadline=None)
@given(rows=_rows, seed=st.randoms())
def test_permuting_rows_changes_no_client_total(rows: list[tuple[str, int, int]], seed) -> None:  # type: ignore[no-untyped-def]
    def totals(ordered: list[tuple[str, int, int]]) -> dict[str, tuple[str, float]]:
        text = "Клиент;Сумма;Дата\n" + "".join(
            f"{n};{a // 100},{a % 100:02d};{d:02d}.01.2025\n" for n, a, d in ordered
        )
        frame = read_sales(text.encode()).frame
        out: dict[str, tuple[str, float]] = {}
        for key, name, amount in frame.select("client_key", "client", "amount").iter_rows():
            prev = out.get(key, (name, 0.0))
            out[key] = (name, round(prev[1] + amount, 2))
        return out

    shuffled = list(rows)
    seed.shuffle(shuffled)
    assert totals(rows) == totals(shuffled)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        result = read_sales(data)
    except IngestError as exc:
        assert str(exc)
    else:
        report = result.report
        assert report.rows_read == report.rows_used + report.rows_skipped + report.rows_rejected


def test_an_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from keyclients.core.ingest import table

    monkeypatch.setattr(table, "MAX_UNPACKED_WORKBOOK", 5_000_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 20_000_000 + b">")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 100_000  # tiny on disk, 20 MB unpacked
    with pytest.raises(IngestError, match="unpacks to 20 MB"):
        read_sales(path)


def test_an_ascii_head_with_a_windows_1251_body_is_read_as_1251(tmp_path: Path) -> None:
    head = "Client;Amount\n" + "".join(f"C{i};{i}\n" for i in range(30_000))
    body = "ООО Ромашка;5\n"
    path = tmp_path / "late-cyrillic.csv"
    path.write_bytes((head + body).encode("cp1251"))
    result = read_sales(path)
    assert result.report.encoding == "cp1251"
    assert result.frame.get_column("client").to_list()[-1] == "ООО Ромашка"

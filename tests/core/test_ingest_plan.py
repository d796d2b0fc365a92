"""Payment plans: the sample, Russian files, Excel, and bad rows reported like the other readers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from keyclients.core.ingest import PLAN_SCHEMA, IngestError, read_plan, read_sales
from keyclients.core.ingest.headers import match_header
from keyclients.core.ingest.plan import (
    REASON_NOT_A_REPEAT,
    REASON_UNTIL_BEFORE_DATE,
    UNTIL_WITHOUT_REPEAT,
    ZERO_PLAN_ROWS,
    repeat_of,
)
from keyclients.core.ingest.report import REASON_NO_DATE, REASON_NOT_A_DATE, REASON_NOT_A_NUMBER


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "plan.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_the_sample_plan(samples: Path) -> None:
    plan = read_plan(samples / "plan.csv")
    assert plan.frame.schema == pl.Schema(PLAN_SCHEMA)
    assert plan.frame.rows() == [
        (2, date(2026, 1, 5), -2_400_000.0, "Зарплата", "monthly", None),
        (3, date(2026, 1, 20), -2_400_000.0, "Зарплата", "monthly", None),
        (4, date(2026, 1, 1), -900_000.0, "Аренда", "monthly", None),
        (5, date(2026, 1, 28), -3_100_000.0, "Налоги", "quarterly", None),
        (6, date(2026, 1, 31), -95_000.0, "Связь и ПО", "monthly", None),
        (7, date(2026, 2, 16), -4_500_000.0, "Закупка оборудования", "none", None),
        (8, date(2026, 1, 12), 150_000.0, "Субаренда", "monthly", date(2026, 6, 30)),
    ]
    report = plan.report
    assert (report.rows_read, report.rows_used, report.rows_rejected) == (7, 7, 0)
    assert report.kind == "plan"
    assert report.mapping == {
        "date": "date",
        "amount": "amount",
        "category": "category",
        "repeat": "repeat",
        "until": "until",
    }


def test_a_russian_plan_from_a_windows_program(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Платёжный календарь на 2026 год\n\n"
        "Дата;Сумма;Статья;Повтор;До\n"
        "05.01.2026;-2 400 000,00;Зарплата;ежемесячно;\n"
        "01.01.2026;(900 000,00);Аренда;Каждый месяц;31.12.2026\n"
        "28.01.2026;-3 100 000;Налоги;Ежеквартально;\n"
        "12.01.2026;150 000 руб.;Субаренда;еженедельно;30.06.2026\n"
        "16.02.2026;-4 500 000;Оборудование;разово;\n"
        "20.02.2026;-1 000;Прочее;;\n"
        ";;Итого;;\n",
        encoding="cp1251",
    )
    plan = read_plan(path)
    assert plan.frame.select("date", "amount", "repeat", "until").rows() == [
        (date(2026, 1, 5), -2_400_000.0, "monthly", None),
        (date(2026, 1, 1), -900_000.0, "monthly", date(2026, 12, 31)),
        (date(2026, 1, 28), -3_100_000.0, "quarterly", None),
        (date(2026, 1, 12), 150_000.0, "weekly", date(2026, 6, 30)),
        (date(2026, 2, 16), -4_500_000.0, "none", None),
        (date(2026, 2, 20), -1_000.0, "none", None),
    ]
    assert plan.report.header_row == 3
    assert plan.report.encoding == "cp1251"
    assert plan.report.rows_skipped == 1  # the total row


@pytest.mark.parametrize(
    ("text", "repeat"),
    [
        (None, "none"),
        ("", "none"),
        ("—", "none"),
        ("Разово", "none"),
        ("once", "none"),
        ("Weekly", "weekly"),
        ("каждую неделю", "weekly"),
        ("MONTHLY", "monthly"),
        ("Ежемесячно", "monthly"),
        ("quarterly", "quarterly"),
        ("квартал", "quarterly"),
        ("иногда", None),
        ("daily", None),
    ],
)
def test_repeat_words(text: str | None, repeat: str | None) -> None:
    assert repeat_of(text) == repeat


def test_bad_rows_are_reported_with_row_column_value_and_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "дата;сумма;категория;периодичность;дата окончания\n"
        "05.01.2026;-100 000;Аренда;ежемесячно;\n"  # 2: fine
        "32.01.2026;5;a;;\n"  # 3: no such day
        "01.02.2026;abc;b;;\n"  # 4: not a number
        "01.03.2026;10;c;иногда;\n"  # 5: not a repeat
        "01.04.2026;10;c;weekly;01.01.2026\n"  # 6: ends before it starts
        ";10;d;;\n"  # 7: no date
        "01.05.2026;0;z;;\n"  # 8: zero, skipped
        "01.06.2026;5;e;;01.07.2026\n"  # 9: an end date without a repeat: a warning
        "01.07.2026;7;f;monthly;2026-13-01\n",  # 10: not a date
    )
    plan = read_plan(path)
    assert plan.frame.get_column("row").to_list() == [2, 9]
    problems = [(r.row, r.column, r.value, r.reason) for r in plan.report.rejected]
    assert problems == [
        (3, "дата", "32.01.2026", REASON_NOT_A_DATE),
        (4, "сумма", "abc", REASON_NOT_A_NUMBER),
        (5, "периодичность", "иногда", REASON_NOT_A_REPEAT),
        (6, "дата окончания", "01.01.2026", REASON_UNTIL_BEFORE_DATE),
        (7, "дата", None, REASON_NO_DATE),
        (10, "дата окончания", "2026-13-01", REASON_NOT_A_DATE),
    ]
    report = plan.report
    assert report.rows_rejected == 6
    assert report.skipped_reasons == {ZERO_PLAN_ROWS: 1}
    assert report.rows_read == report.rows_used + report.rows_skipped + report.rows_rejected
    assert UNTIL_WITHOUT_REPEAT.format(count=1) in report.warnings


def test_a_plan_in_excel(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Date", "Amount", "Category", "Repeat", "Until"])
    sheet.append([date(2026, 1, 5), -2400000, "Payroll", "monthly", None])
    sheet.append([date(2026, 1, 12), 150000.5, "Sublease", "monthly", date(2026, 6, 30)])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    plan = read_plan(path)
    assert plan.frame.select("date", "amount", "category", "until").rows() == [
        (date(2026, 1, 5), -2_400_000.0, "Payroll", None),
        (date(2026, 1, 12), 150_000.5, "Sublease", date(2026, 6, 30)),
    ]


def test_only_date_and_amount_are_required(tmp_path: Path) -> None:
    plan = read_plan(write(tmp_path, "Date,Amount\n2026-01-05,-10\n"))
    assert plan.frame.rows() == [(2, date(2026, 1, 5), -10.0, None, "none", None)]


def test_a_plan_without_an_amount_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"date column and an amount column.*missing: amount"):
        read_plan(write(tmp_path, "Date,Category\n2026-01-05,Rent\n"))


def test_short_plan_headers_match_only_whole() -> None:
    assert match_header("До") == ("until", True)
    assert match_header("Договор") is None
    assert match_header("Периодичность") == ("repeat", True)
    assert match_header("Период") == ("date", True)
    assert match_header("Статья ДДС") == ("category", True)


def test_a_sales_file_with_a_contract_column_reads_as_before(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Дата;Договор;Контрагент;Сумма\n01.01.2025;Д-1;ООО А;100\n",
        name="sales.csv",
    )
    sales = read_sales(path)
    assert sales.frame.get_column("amount").to_list() == [100.0]
    assert "until" not in sales.report.mapping

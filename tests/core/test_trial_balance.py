"""The 1C trial balance for account 62: client rows, not contracts; periods; totals checked."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osv_62_sample import MOVEMENTS, SAMPLE, Movement, osv_62_workbook, truth

from keyclients.core.analytics.concentration import client_revenue, concentration
from keyclients.core.ingest import IngestError
from keyclients.core.ingest.report import REASON_NOT_A_NUMBER
from keyclients.core.ingest.trial_balance import (
    NO_COLUMNS,
    NO_PERIOD,
    NOT_A_TRIAL_BALANCE,
    NOT_A_WORKBOOK,
    SKIP_ACCOUNT,
    SKIP_CONTRACT,
    SKIP_TOTAL,
    TRIAL_BALANCE_SCHEMA,
    is_trial_balance_62,
    period_from_text,
    read_trial_balance_62,
    trial_balance_sales,
)

FIGURES = (
    "opening_debit",
    "opening_credit",
    "debit_turnover",
    "credit_turnover",
    "closing_debit",
    "closing_credit",
    "revenue",
)


def figures(frame: pl.DataFrame) -> dict[str, dict[str, float]]:
    return {
        row["client"]: {name: round(row[name], 2) for name in FIGURES}
        for row in frame.iter_rows(named=True)
    }


def expected(**options: bool) -> dict[str, dict[str, float]]:
    return {
        client: {name: values.get(name, 0.0) for name in FIGURES}
        for client, values in truth(**options).items()
    }


def test_the_committed_sample_is_what_the_script_makes() -> None:
    committed = read_trial_balance_62(SAMPLE)
    fresh = read_trial_balance_62(osv_62_workbook())
    assert committed.frame.equals(fresh.frame)


def test_the_sample_gives_one_row_per_client_with_the_client_rows_figures() -> None:
    result = read_trial_balance_62(SAMPLE)
    assert result.frame.schema == pl.Schema(TRIAL_BALANCE_SCHEMA)
    assert figures(result.frame) == expected()
    assert (result.period_start, result.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert result.period_label == "01.01.2025–31.12.2025"
    assert result.title == "Оборотно-сальдовая ведомость по счету 62 за 2025 г."
    report = result.report
    assert report.kind == "trial_balance"
    # 62, 62.01, 62.02; one contract row per movement; Итого; the "Договоры" header line.
    assert report.skipped_reasons[SKIP_ACCOUNT] == 3
    assert report.skipped_reasons[SKIP_CONTRACT] == len(MOVEMENTS)
    assert report.skipped_reasons[SKIP_TOTAL] == 1
    # A client under both 62.01 and 62.02 is one client: two rows used, one client.
    assert report.rows_used == 9
    assert result.frame.height == 6
    assert report.rows_read == report.rows_used + report.rows_skipped + report.rows_rejected
    assert not [w for w in report.warnings if "Итого" in w]


@pytest.mark.parametrize(
    "options",
    [
        {"outline": False},  # indents only
        {"indent": False},  # outlines only
        {"outline": False, "indent": False},  # the text: "Договор …", "Основной договор"
    ],
)
def test_outlines_indents_or_text_tell_clients_from_contracts(options: dict[str, bool]) -> None:
    result = read_trial_balance_62(osv_62_workbook(**options))
    assert figures(result.frame) == expected()
    assert not [w for w in result.report.warnings if "Итого" in w]


def test_without_subaccounts_the_whole_debit_turnover_is_revenue() -> None:
    result = read_trial_balance_62(osv_62_workbook(subaccounts=False))
    assert figures(result.frame) == expected(subaccounts=False)
    for row in result.frame.iter_rows(named=True):
        assert row["revenue"] == row["debit_turnover"]


def test_advance_subaccount_debits_are_not_revenue() -> None:
    result = read_trial_balance_62(SAMPLE)
    alfa = result.frame.filter(pl.col("client") == "ООО «Альфа-Трейд»").row(0, named=True)
    # 6,845,210.75 shipped (62.01) + 1,450,000 advances offset (62.02 debit).
    assert alfa["debit_turnover"] == pytest.approx(8_295_210.75)
    assert alfa["revenue"] == pytest.approx(6_845_210.75)
    # Balances are kept on both sides: 455,000 owed on 62.01, 300,000 advance on 62.02.
    assert (alfa["closing_debit"], alfa["closing_credit"]) == (455_000.0, 300_000.0)


def test_contracts_that_do_not_read_like_contracts_show_in_the_total_check() -> None:
    odd = tuple(
        Movement(m.client, f"Поставка {i}", m.subaccount, m.opening, m.debit, m.credit)
        for i, m in enumerate(MOVEMENTS)
    )
    result = read_trial_balance_62(osv_62_workbook(outline=False, indent=False, movements=odd))
    assert any("Итого" in warning for warning in result.report.warnings)


def _sheet_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = [
    ["ООО «Вектор»"],
    ["Оборотно-сальдовая ведомость по счету 62 за 1 квартал 2025 г."],
    [],
    [
        "Счет",
        "Сальдо на начало периода",
        None,
        "Обороты за период",
        None,
        "Сальдо на конец периода",
    ],
    ["Контрагенты", "Дебет", "Кредит", "Дебет", "Кредит", "Дебет", "Кредит"],
]


def test_empty_cells_are_zero_and_text_numbers_are_read() -> None:
    data = _sheet_bytes(
        [
            *HEADER,
            ["62", "1 000,00", None, "2 500,50", "1 000,00", "2 500,50", None],
            ["ООО «Один»", "1 000,00", None, "2 500,50", "1 000,00", "2 500,50", None],
            ["Итого", "1 000,00", None, "2 500,50", "1 000,00", "2 500,50", None],
        ]
    )
    result = read_trial_balance_62(data)
    assert figures(result.frame) == {
        "ООО «Один»": {
            "opening_debit": 1000.0,
            "opening_credit": 0.0,
            "debit_turnover": 2500.5,
            "credit_turnover": 1000.0,
            "closing_debit": 2500.5,
            "closing_credit": 0.0,
            "revenue": 2500.5,
        }
    }
    assert (result.period_start, result.period_end) == (date(2025, 1, 1), date(2025, 3, 31))


def test_a_cell_that_is_not_a_number_rejects_its_row_with_the_reason() -> None:
    data = _sheet_bytes(
        [
            *HEADER,
            ["ООО «Один»", None, None, "сто", None, None, None],
            ["ООО «Два»", None, None, 100, None, 100, None],
        ]
    )
    result = read_trial_balance_62(data)
    assert result.frame.get_column("client").to_list() == ["ООО «Два»"]
    assert result.report.rows_rejected == 1
    bad = result.report.rejected[0]
    assert (bad.row, bad.column, bad.value, bad.reason) == (
        6,
        "Обороты за период / Дебет",
        "сто",
        REASON_NOT_A_NUMBER,
    )


def test_a_workbook_without_the_title_or_columns_is_refused() -> None:
    with pytest.raises(IngestError, match="not a 1C trial balance"):
        read_trial_balance_62(_sheet_bytes([["Анализ продаж"], ["Контрагент", "Сумма"]]))
    assert "trial balance" in NOT_A_TRIAL_BALANCE
    with pytest.raises(IngestError) as error:
        read_trial_balance_62(_sheet_bytes([HEADER[1], ["Контрагенты", "Сумма"]]))
    assert str(error.value) == NO_COLUMNS.format(rows=30)
    with pytest.raises(IngestError, match="Excel workbook"):
        read_trial_balance_62("Оборотно-сальдовая ведомость по счету 62".encode())
    assert NOT_A_WORKBOOK


def test_a_title_without_a_period_is_read_with_a_warning() -> None:
    result = read_trial_balance_62(
        osv_62_workbook(title="Оборотно-сальдовая ведомость по счету 62")
    )
    assert result.period_end is None
    assert NO_PERIOD in result.report.warnings
    lines = trial_balance_sales(result)
    assert lines.height == result.frame.height
    assert lines.get_column("date").null_count() == lines.height
    assert lines.get_column("document").unique().to_list() == ["ОСВ 62"]


def test_it_is_told_apart_from_other_files(samples: Path) -> None:
    assert is_trial_balance_62(SAMPLE.read_bytes())
    assert not is_trial_balance_62((samples / "sales_1c_analiz_prodazh.xlsx").read_bytes())
    assert not is_trial_balance_62((samples / "sales_cp1251.csv").read_bytes())
    assert not is_trial_balance_62(b"PK\x03\x04 broken")


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Оборотно-сальдовая ведомость по счету 62 за 2025 г.", ("2025-01-01", "2025-12-31")),
        ("за 1 квартал 2025 г.", ("2025-01-01", "2025-03-31")),
        ("за 4 квартал 2024 г.", ("2024-10-01", "2024-12-31")),
        ("за 2 полугодие 2025 г.", ("2025-07-01", "2025-12-31")),
        ("за 9 месяцев 2025 г.", ("2025-01-01", "2025-09-30")),
        ("за Февраль 2024 г.", ("2024-02-01", "2024-02-29")),
        ("за май 2025 г.", ("2025-05-01", "2025-05-31")),
        ("за Март 2025 г.", ("2025-03-01", "2025-03-31")),
        ("за 01.01.2025 - 31.03.2025", ("2025-01-01", "2025-03-31")),
        ("Период: 01.04.2025 – 30.06.2025", ("2025-04-01", "2025-06-30")),
        ("за 31.03.2025 - 01.01.2025", None),
        ("за прошлый период", None),
    ],
)
def test_periods_in_1c_titles(text: str, period: tuple[str, str] | None) -> None:
    found = period_from_text(text)
    if period is None:
        assert found is None
    else:
        assert found == (date.fromisoformat(period[0]), date.fromisoformat(period[1]))


def test_its_revenue_gives_the_concentration_of_the_clients() -> None:
    result = read_trial_balance_62(SAMPLE)
    lines = trial_balance_sales(result)
    assert lines.get_column("document").unique().to_list() == ["ОСВ 62 01.01.2025–31.12.2025"]
    assert set(lines.get_column("date").to_list()) == {date(2025, 12, 31)}
    revenue = client_revenue(lines)
    figures_ = concentration(revenue)
    total = sum(v["revenue"] for v in truth().values())
    assert figures_.revenue_total == pytest.approx(total)
    assert figures_.top1_share == pytest.approx(truth()["АО «Ромашка»"]["revenue"] / total)


amount = st.integers(0, 5_000_000_00).map(lambda cents: cents / 100)
movement = st.builds(
    Movement,
    client=st.sampled_from(["ООО «А»", "ООО «Б»", "АО «В»", "ИП Г"]),
    contract=st.sampled_from(["Основной договор", "Договор № 1 от 01.01.2025", "Без договора"]),
    subaccount=st.sampled_from(["62.01", "62.02"]),
    opening=st.integers(-1_000_000_00, 1_000_000_00).map(lambda cents: cents / 100),
    debit=amount,
    credit=amount,
)


@settings(deadline=None, max_examples=60)
@given(
    st.lists(movement, min_size=1, max_size=12),
    st.booleans(),
    st.booleans(),
)
def test_any_report_reads_back_to_its_clients_sums(
    movements: list[Movement], outline: bool, indent: bool
) -> None:
    # One (client, contract, subaccount) is one line of a 1C report.
    unique = tuple({(m.client, m.contract, m.subaccount): m for m in movements}.values())
    data = osv_62_workbook(outline=outline, indent=indent, movements=unique)
    result = read_trial_balance_62(data)
    want = expected(movements=unique)  # type: ignore[arg-type]
    got = figures(result.frame)
    # A client whose rows are all zero is not printed by 1C, nor read here.
    assert got == {c: v for c, v in want.items() if any(v.values()) or c in got}
    assert not [w for w in result.report.warnings if "Итого" in w]

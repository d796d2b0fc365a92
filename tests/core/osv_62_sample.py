"""A realistic 1C trial balance for account 62 («Оборотно-сальдовая ведомость по счету 62»),
written with openpyxl the way 1C (БП 3.0) saves it to Excel.

Title rows, a three-row header (Счет / Контрагенты / Договоры under the label; Дебет and
Кредит under «Сальдо на начало периода», «Обороты за период», «Сальдо на конец периода»),
the account row 62, subaccounts 62.01 (settlements) and 62.02 (advances received), the clients
under each subaccount with their contracts below them, Excel row outlines and indents as 1C
writes them, zeros left empty, and «Итого» at the bottom.

`osv_62_workbook(...)` gives the bytes and the truth per client; options drop the outlines, the
indents or the subaccounts, for the reader's tests. Run this file to regenerate the committed
sample: `python tests/core/osv_62_sample.py` writes tests/data/osv_62.xlsx.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "osv_62.xlsx"
COMPANY = "ООО «Вектор»"
TITLE = "Оборотно-сальдовая ведомость по счету 62 за 2025 г."
COLUMNS = (
    "opening_debit",
    "opening_credit",
    "debit_turnover",
    "credit_turnover",
    "closing_debit",
    "closing_credit",
)


@dataclass(frozen=True)
class Movement:
    """One contract on one subaccount: opening balance (+ debit, − credit) and turnovers."""

    client: str
    contract: str
    subaccount: str  # 62.01 or 62.02
    opening: float
    debit: float
    credit: float

    @property
    def closing(self) -> float:
        return round(self.opening + self.debit - self.credit, 2)

    def values(self) -> dict[str, float]:
        return {
            "opening_debit": max(self.opening, 0.0),
            "opening_credit": max(-self.opening, 0.0),
            "debit_turnover": self.debit,
            "credit_turnover": self.credit,
            "closing_debit": max(self.closing, 0.0),
            "closing_credit": max(-self.closing, 0.0),
        }


ROMASHKA = "АО «Ромашка»"
ALFA = "ООО «Альфа-Трейд»"
SEVER = "ООО «Северный ветер»"
DOBROE = "ПАО «Доброе утро»"
KUZNETSOV = "ИП Кузнецов Сергей Петрович"
ECO = "ПАО «ЭкоПродукт»"

MOVEMENTS = (
    Movement(
        ROMASHKA,
        "Договор поставки № 15 от 10.01.2024",
        "62.01",
        1_250_000.00,
        18_420_500.40,
        17_905_300.00,
    ),
    Movement(ROMASHKA, "Договор № 44/25 от 03.03.2025", "62.01", 0.0, 2_310_000.00, 1_540_000.00),
    Movement(ALFA, "Основной договор", "62.01", 312_400.50, 6_845_210.75, 6_702_611.25),
    Movement(ALFA, "Основной договор", "62.02", -150_000.00, 1_450_000.00, 1_600_000.00),
    Movement(SEVER, "Договор № 7 от 15.02.2025", "62.01", 0.0, 3_120_450.00, 2_400_000.00),
    Movement(DOBROE, "Основной договор", "62.01", 84_000.00, 1_967_300.20, 2_051_300.20),
    Movement(DOBROE, "Основной договор", "62.02", 0.0, 0.0, 250_000.00),
    Movement(KUZNETSOV, "Без договора", "62.01", 45_600.00, 0.0, 45_600.00),
    Movement(ECO, "Договор № 3-Л от 01.07.2025", "62.01", 0.0, 980_760.00, 870_000.00),
    Movement(ECO, "Договор № 3-Л от 01.07.2025", "62.02", 0.0, 120_000.00, 120_000.00),
)


def truth(
    *, subaccounts: bool = True, movements: tuple[Movement, ...] = MOVEMENTS
) -> dict[str, dict[str, float]]:
    """Per client: the six columns summed over contracts and subaccounts, and the revenue (the
    debit turnover of 62.01, shipments with VAT)."""
    figures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for movement in _movements(movements, subaccounts):
        client = figures[movement.client]
        for name, value in movement.values().items():
            client[name] = round(client[name] + value, 2)
        if movement.subaccount == "62.01":
            client["revenue"] = round(client["revenue"] + movement.debit, 2)
    return {name: dict(values) for name, values in figures.items()}


def _movements(movements: tuple[Movement, ...], subaccounts: bool) -> tuple[Movement, ...]:
    # Without subaccounts the report has no advance offsets to tell apart: 62.01 alone.
    return movements if subaccounts else tuple(m for m in movements if m.subaccount == "62.01")


def _sum(movements: list[Movement]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for movement in movements:
        for name, value in movement.values().items():
            total[name] = round(total[name] + value, 2)
    return total


def osv_62_workbook(
    *,
    outline: bool = True,
    indent: bool = True,
    subaccounts: bool = True,
    title: str = TITLE,
    movements: tuple[Movement, ...] = MOVEMENTS,
) -> bytes:
    """The trial balance as XLSX bytes (see the module docstring)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "TDSheet"
    bold = Font(bold=True)
    sheet["A1"] = COMPANY
    sheet["A2"] = title
    sheet["A2"].font = Font(bold=True, size=14)
    sheet["A3"] = "Выводимые данные: БУ (данные бухгалтерского учета)"
    headers = (
        (
            "Счет",
            "Сальдо на начало периода",
            None,
            "Обороты за период",
            None,
            "Сальдо на конец периода",
            None,
        ),
        ("Контрагенты", "Дебет", "Кредит", "Дебет", "Кредит", "Дебет", "Кредит"),
        ("Договоры", None, None, None, None, None, None),
    )
    for offset, header in enumerate(headers):
        for column, value in enumerate(header, start=1):
            cell = sheet.cell(row=5 + offset, column=column, value=value)
            cell.font = bold
    for merged in ("B5:C5", "D5:E5", "F5:G5"):
        sheet.merge_cells(merged)

    movements = _movements(movements, subaccounts)
    row = 8

    def write(label: str, values: dict[str, float], level: int, *, strong: bool = False) -> None:
        nonlocal row
        sheet.cell(row=row, column=1, value=label)
        for column, name in enumerate(COLUMNS, start=2):
            value = round(values.get(name, 0.0), 2)
            sheet.cell(row=row, column=column, value=value or None).number_format = "#,##0.00"
        label_cell = sheet.cell(row=row, column=1)
        if indent and level:
            label_cell.alignment = Alignment(indent=level)
        if strong:
            for column in range(1, 8):
                sheet.cell(row=row, column=column).font = bold
        if outline and level:
            sheet.row_dimensions[row].outlineLevel = level
        row += 1

    write("62", _sum(list(movements)), 0, strong=True)
    client_level = 2 if subaccounts else 1
    groups = ("62.01", "62.02") if subaccounts else ("62.01",)
    for subaccount in groups:
        under = [m for m in movements if m.subaccount == subaccount]
        if subaccounts:
            write(subaccount, _sum(under), 1, strong=True)
        for client in dict.fromkeys(m.client for m in under):
            own = [m for m in under if m.client == client]
            write(client, _sum(own), client_level)
            for movement in own:
                write(movement.contract, movement.values(), client_level + 1)
    write("Итого", _sum(list(movements)), 0, strong=True)
    sheet.column_dimensions["A"].width = 48
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 16
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE.write_bytes(osv_62_workbook())
    print(f"wrote {SAMPLE}")

"""Reading the 1C trial balance for account 62 ("Оборотно-сальдовая ведомость по счету 62").

A business without document-level data still has this report: per client, the opening and
closing balances (debit = the client owes us, credit = it paid in advance) and the period's
turnovers (debit = what we shipped, with VAT; credit = what it paid).

The layout, as 1C (БП 3.0) saves it to Excel:

    ООО «Вектор»
    Оборотно-сальдовая ведомость по счету 62 за 2025 г.
    Выводимые данные: БУ (данные бухгалтерского учета)

    Счет        | Сальдо на начало периода | Обороты за период | Сальдо на конец периода
    Контрагенты | Дебет      | Кредит      | Дебет  | Кредит   | Дебет      | Кредит
    Договоры    |
    62          | 1 200 000  | 50 000      | ...                                    (account)
    62.01       | ...                                                          (subaccount)
    АО «Ромашка»| 700 000    |             | ...                                     (client)
    Договор № 15 от 10.01.2024 | ...                                             (contract)
    Основной договор           | ...                                             (contract)
    62.02       | ...
    ...
    Итого       | ...

The rule for which rows are clients (docs/decisions.md): account rows ("62", "62.01") only
mark the subaccount; among the other rows, the client level is the shallowest outline level
(Excel's row grouping, which 1C writes) or, without outlines, the smallest indent; deeper rows
are contracts (or documents) and are already counted in their client's row. A file with neither
outlines nor indents falls back to the text: a row that reads like a contract ("Договор …",
"Основной договор", "… № 15 от 10.01.2024", "Без договора") is a contract. An empty cell is 0.
The client rows are checked against the "Итого" row.

Revenue (for concentration) is the debit turnover: what was shipped, with VAT. When the report
is split by subaccounts, only the settlement subaccounts (62.01, 62.21, 62.31) count; the debit of
advances (62.02, 62.22, 62.32) and bills (62.03) is an offset between subaccounts, not a sale.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from .clients import resolve_clients
from .lines import drop_problem_rows
from .parse import DateOrder, parse_amounts
from .report import (
    BAD_WORKBOOK,
    REASON_NOT_A_NUMBER,
    ImportReport,
    IngestError,
)
from .sales import ROLES as SALES_ROLES
from .sales import SalesFile, read_sales
from .schema import SALES_SCHEMA
from .table import file_format, read_bytes

TITLE = "оборотно-сальдовая ведомость по счету 62"
KIND = "trial_balance"

NOT_A_WORKBOOK = "a trial balance is read from an Excel workbook (XLSX or XLS)"
NOT_A_TRIAL_BALANCE = (
    "the workbook is not a 1C trial balance for account 62 (no title "
    "«Оборотно-сальдовая ведомость по счету 62» in its first rows)"
)
NO_COLUMNS = (
    "no header with «Сальдо на начало периода», «Обороты за период», «Сальдо на конец "
    "периода» and Дебет/Кредит under each in the first {rows} rows"
)
NO_PERIOD = "the period is not in the title (e.g. «за 2025 г.» or «за 01.01.2025 - 31.03.2025»)"
TOTAL_MISMATCH = "the client rows add up to {actual} in «{column}», but «Итого» says {expected}"
VAT_NOTE = "revenue is the debit turnover of account 62: shipments with VAT"

SKIP_ACCOUNT = "account and subaccount rows"
SKIP_CONTRACT = "contract rows (counted in their client's row)"
SKIP_TOTAL = "total rows"
SKIP_BLANK = "blank rows"
SKIP_NO_AMOUNT = "rows without amounts (headers, notes)"
SKIP_MERGED = "rows of a client under another subaccount (one line per client)"

HEADER_SEARCH_ROWS = 30
_TOLERANCE = 0.005

# (group title, normalized) -> the two column names under it
GROUPS = (
    ("сальдо на начало периода", ("opening_debit", "opening_credit")),
    ("обороты за период", ("debit_turnover", "credit_turnover")),
    ("сальдо на конец периода", ("closing_debit", "closing_credit")),
)
AMOUNT_COLUMNS = tuple(name for _, pair in GROUPS for name in pair)
HEADER_NAMES = {
    "opening_debit": "Сальдо на начало периода / Дебет",
    "opening_credit": "Сальдо на начало периода / Кредит",
    "debit_turnover": "Обороты за период / Дебет",
    "credit_turnover": "Обороты за период / Кредит",
    "closing_debit": "Сальдо на конец периода / Дебет",
    "closing_credit": "Сальдо на конец периода / Кредит",
}

TRIAL_BALANCE_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),  # the client's first row in the file
    "client_key": pl.String(),
    "client": pl.String(),
    "inn": pl.String(),  # null: the report names clients only
    **{name: pl.Float64() for name in AMOUNT_COLUMNS},  # summed over subaccounts
    "revenue": pl.Float64(),  # debit turnover of the settlement subaccounts (with VAT)
}

_ACCOUNT = re.compile(r"^\d{2}(\.[0-9A-Za-zА-Яа-я]{1,3})*$")
_SETTLEMENT_SUBACCOUNT = re.compile(r"^62\.[023]1$")  # 62.01, 62.21, 62.31
_CONTRACT = re.compile(
    r"(?i)^\s*(основной\s+договор|договор\b|дог\.|контракт\b|без\s+договора|соглашение\b|"
    r"спецификация\b)|№\s*\S+\s+от\s+\d{1,2}\.\d{1,2}\.\d{2,4}",
    re.IGNORECASE,
)
_TOTAL = {"итого", "всего", "итоговсего", "total"}
_MONTHS: tuple[str | tuple[str, ...], ...] = (
    "январ",
    "феврал",
    "март",
    "апрел",
    ("май", "мая"),
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)


@dataclass(frozen=True)
class TrialBalanceFile:
    frame: pl.DataFrame  # TRIAL_BALANCE_SCHEMA, one row per client, in file order
    report: ImportReport
    period_start: date | None
    period_end: date | None
    title: str | None  # the title row as written

    @property
    def period_label(self) -> str:
        """`01.01.2025–31.12.2025`, or "" when the title gave no period."""
        if self.period_start is None or self.period_end is None:
            return ""
        return f"{self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"


@dataclass(frozen=True)
class _Sheet:
    name: str
    values: list[list[object]]
    levels: list[int]  # outline level of each row (0 when the file has none)
    indents: list[int]  # indent of each row's label cell (0 when none)


def _norm(text: object) -> str:
    return (
        re.sub(r"\s+", " ", str(text or "").replace("ё", "е").replace("Ё", "Е")).strip().casefold()
    )


def is_trial_balance_62(data: bytes) -> bool:
    """True for an XLSX/XLS workbook whose first rows carry the title of a 1C trial balance
    for account 62. Never raises: anything unreadable is simply not one."""
    try:
        if file_format(data) == "csv":
            return False
        return any(_title_row(sheet) is not None for sheet in _open(data, heads_only=True))
    except (IngestError, Exception):  # calamine/openpyxl raise their own types
        return False


def read_trial_balance_62(
    source: Path | bytes, *, name: str | None = None, sheet: str | None = None
) -> TrialBalanceFile:
    """Read a 1C trial balance for account 62: one row per client with its opening and closing
    debit/credit balances, the period's turnovers and the revenue (see the module's rules).

    Raises IngestError (one line) when the file is not such a report or has no recognizable
    columns; cells that are not numbers are listed in the report and their rows left out."""
    file_name = name or (source.name if isinstance(source, Path) else "upload")
    data = read_bytes(source)
    fmt = file_format(data)
    if fmt == "csv":
        raise IngestError(NOT_A_WORKBOOK)
    sheets = _open(data, heads_only=False)
    chosen = [s for s in sheets if sheet is None or s.name == sheet]
    found = next(((s, t) for s in chosen if (t := _title_row(s)) is not None), None)
    if found is None:
        raise IngestError(NOT_A_TRIAL_BALANCE)
    table, title_index = found
    title = " ".join(str(v) for v in table.values[title_index] if v not in (None, "")).strip()
    report = ImportReport(file=file_name, kind=KIND, file_format=fmt, sheet=table.name)
    columns, label_column, header_end = _columns(table)
    report.header_row = header_end + 1
    report.columns = ["Счет / Контрагенты", *HEADER_NAMES.values()]
    report.mapping = {"client": "Контрагенты", **HEADER_NAMES}
    period = _period(table.values[: header_end + 1])
    if period is None:
        report.warnings.append(NO_PERIOD)
    clients = _client_rows(table, columns, label_column, header_end + 1, report)
    report.warnings.append(VAT_NOTE)
    lines = clients.with_columns(pl.lit(None, pl.String()).alias("inn_raw"))
    (keyed,), warnings = resolve_clients([lines])
    report.warnings.extend(warnings)
    frame = (
        keyed.group_by("client_key", maintain_order=True)
        .agg(
            pl.col("row").min(),
            pl.col("client").first(),
            pl.col("inn").first(),
            *(pl.col(c).sum() for c in (*AMOUNT_COLUMNS, "revenue")),
        )
        .select(list(TRIAL_BALANCE_SCHEMA))
        .cast(pl.Schema(TRIAL_BALANCE_SCHEMA))
        .sort("row")
    )
    report.rows_used = clients.height
    return TrialBalanceFile(
        frame=frame,
        report=report,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        title=title or None,
    )


def trial_balance_sales(tb: TrialBalanceFile) -> pl.DataFrame:
    """The revenue of a trial balance as SALES_SCHEMA lines, one per client (0 when it had no
    shipments), dated the period's last day (null without a period), document
    `ОСВ 62 <period>`: what concentration reads where a business has no documents."""
    document = f"ОСВ 62 {tb.period_label}".strip()
    return tb.frame.select(
        "row",
        "client_key",
        "client",
        "inn",
        pl.lit(tb.period_end, pl.Date()).alias("date"),
        pl.lit(document).alias("document"),
        pl.col("revenue").round(2).alias("amount"),
        pl.lit(None, pl.Float64()).alias("cost"),
        pl.lit(None, pl.String()).alias("product"),
        pl.lit(None, pl.String()).alias("manager"),
        pl.lit(None, pl.Date()).alias("due_date"),
        pl.lit(None, pl.Date()).alias("paid_date"),
    ).cast(pl.Schema(SALES_SCHEMA))


def trial_balance_sales_file(tb: TrialBalanceFile) -> SalesFile:
    """`trial_balance_sales` with a report whose counts still add up (read = used + skipped +
    rejected): the rows of a client under several subaccounts become one line."""
    lines = trial_balance_sales(tb)
    report = copy.deepcopy(tb.report)
    report.skip(SKIP_MERGED, report.rows_used - lines.height)
    report.rows_used = lines.height
    return SalesFile(lines, report)


def read_sales_or_trial_balance(
    source: Path | bytes,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    roles: Sequence[str] = SALES_ROLES,
) -> tuple[SalesFile, date | None]:
    """`read_sales`, or the revenue of a 1C trial balance for account 62 when the file is one
    (recognized by its title), with the first day of its period (None for a sales file, whose
    lines carry their own dates): `keyclients analyze` takes either."""
    data = read_bytes(source)
    name = source.name if isinstance(source, Path) else None
    if is_trial_balance_62(data):
        tb = read_trial_balance_62(data, name=name, sheet=sheet)
        return trial_balance_sales_file(tb), tb.period_start
    sales = read_sales(
        data, name=name, mapping=mapping, sheet=sheet, date_order=date_order, roles=roles
    )
    return sales, None


# --- Reading the workbook -------------------------------------------------------------------


def _open(data: bytes, *, heads_only: bool) -> list[_Sheet]:
    """The sheets of a workbook; `heads_only`: their first rows, read by calamine (fast)."""
    if data.startswith(b"PK") and not heads_only:
        return _open_xlsx(data)
    return _open_calamine(data, heads_only=heads_only)


def _open_xlsx(data: bytes) -> list[_Sheet]:
    """openpyxl, not calamine: the outline levels and indents tell clients from contracts."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise IngestError(BAD_WORKBOOK.format(detail=str(exc).splitlines()[0][:200])) from exc
    sheets = []
    for ws in book.worksheets:
        values = [list(row) for row in ws.iter_rows(values_only=True)]
        levels = [int(ws.row_dimensions[i + 1].outlineLevel or 0) for i in range(len(values))]
        indents = []
        for i, row in enumerate(values):
            first = next((j for j, v in enumerate(row) if v not in (None, "")), 0)
            cell = ws.cell(row=i + 1, column=first + 1)
            indents.append(int(cell.alignment.indent or 0) if cell.has_style else 0)
        sheets.append(_Sheet(ws.title, values, levels, indents))
    book.close()
    return sheets


def _open_calamine(data: bytes, *, heads_only: bool) -> list[_Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(
                skip_empty_area=False, nrows=HEADER_SEARCH_ROWS if heads_only else None
            )
            values: list[list[object]] = [list(r) for r in rows]
            sheets.append(_Sheet(name, values, [0] * len(values), [0] * len(values)))
    except Exception as exc:
        raise IngestError(BAD_WORKBOOK.format(detail=str(exc).splitlines()[0][:200])) from exc
    return sheets


def _title_row(sheet: _Sheet) -> int | None:
    for index, row in enumerate(sheet.values[:HEADER_SEARCH_ROWS]):
        if any(TITLE in _norm(value) for value in row if isinstance(value, str)):
            return index
    return None


def _columns(sheet: _Sheet) -> tuple[dict[str, int], int, int]:
    """Column index of each amount, the label column, and the index of the last header row."""
    rows = sheet.values[:HEADER_SEARCH_ROWS]
    for index, row in enumerate(rows):
        texts = [_norm(v) for v in row]
        starts = []
        for title, _ in GROUPS:
            start = next((j for j, t in enumerate(texts) if t.startswith(title)), None)
            if start is None:
                break
            starts.append(start)
        if len(starts) != len(GROUPS) or starts != sorted(starts):
            continue
        for below in range(index + 1, min(index + 4, len(rows))):
            sub = [_norm(v) for v in rows[below]]
            columns: dict[str, int] = {}
            for (_, (debit, credit)), start, end in zip(
                GROUPS, starts, [*starts[1:], len(sub)], strict=True
            ):
                span = range(start, max(end, start + 2))
                d = next((j for j in span if j < len(sub) and sub[j] == "дебет"), None)
                c = next((j for j in span if j < len(sub) and sub[j] == "кредит"), None)
                if d is None or c is None:
                    break
                columns[debit], columns[credit] = d, c
            if len(columns) == len(AMOUNT_COLUMNS):
                label = next((j for j, t in enumerate(texts) if t and j < starts[0]), 0)
                return columns, label, below
    raise IngestError(NO_COLUMNS.format(rows=HEADER_SEARCH_ROWS))


_PERIOD_RANGE = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?\s*[-–—]\s*(\d{1,2})\.(\d{1,2})\.(\d{4})"
)
_PERIOD_QUARTER = re.compile(r"за\s+([1-4])\s*(?:-?й\s+)?квартал\s+(\d{4})")
_PERIOD_HALF = re.compile(r"за\s+([12])\s*(?:-?е\s+)?полугодие\s+(\d{4})")
_PERIOD_MONTHS = re.compile(r"за\s+(\d{1,2})\s+месяц\w*\s+(\d{4})")
_PERIOD_MONTH = re.compile(r"за\s+([а-я]+)\s+(\d{4})")
_PERIOD_YEAR = re.compile(r"за\s+(\d{4})\s*(?:г\b|год)")


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_from_text(text: str) -> tuple[date, date] | None:
    """The period a 1C title or «Период:» row names: `за 01.01.2025 - 31.03.2025`,
    `за 2025 г.`, `за 1 квартал 2025 г.`, `за 1 полугодие 2025 г.`, `за 9 месяцев 2025 г.`,
    `за Март 2025 г.`; None when it names none."""
    t = _norm(text)
    if m := _PERIOD_RANGE.search(t):
        d1, m1, y1, d2, m2, y2 = (int(g) for g in m.groups())
        try:
            first, last = date(y1, m1, d1), date(y2, m2, d2)
        except ValueError:
            return None
        return (first, last) if first <= last else None
    if m := _PERIOD_QUARTER.search(t):
        quarter, year = int(m.group(1)), int(m.group(2))
        return date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    if m := _PERIOD_HALF.search(t):
        half, year = int(m.group(1)), int(m.group(2))
        return date(year, 6 * half - 5, 1), _month_end(year, 6 * half)
    if m := _PERIOD_MONTHS.search(t):
        months, year = int(m.group(1)), int(m.group(2))
        return (date(year, 1, 1), _month_end(year, months)) if 1 <= months <= 12 else None
    if (m := _PERIOD_MONTH.search(t)) and (
        month := next((i for i, s in enumerate(_MONTHS, 1) if m.group(1).startswith(s)), None)
    ):
        year = int(m.group(2))
        return date(year, month, 1), _month_end(year, month)
    if m := _PERIOD_YEAR.search(t):
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    return None


def _period(rows: list[list[object]]) -> tuple[date, date] | None:
    texts = [str(v) for row in rows for v in row if isinstance(v, str)]
    # The title first; then a «Период: …» row, which some settings print instead.
    ordered = sorted(texts, key=lambda s: TITLE not in _norm(s))
    for text in ordered:
        found = period_from_text(text if TITLE in _norm(text) else f"за {text}")
        if found is not None:
            return found
    return None


# --- Rows -----------------------------------------------------------------------------------


def _client_rows(
    sheet: _Sheet,
    columns: dict[str, int],
    label_column: int,
    first: int,
    report: ImportReport,
) -> pl.DataFrame:
    """The client-level rows with their amounts; every other row counted as skipped."""
    frame = _data_rows(sheet, columns, label_column, first)
    report.rows_read = frame.height
    amounts = {name: parse_amounts(frame.get_column(name)) for name in AMOUNT_COLUMNS}
    problems = pl.DataFrame(
        [
            (row, HEADER_NAMES[name], value, REASON_NOT_A_NUMBER)
            for name in AMOUNT_COLUMNS
            for row, value, parsed in zip(
                frame.get_column("row"), frame.get_column(name), amounts[name], strict=True
            )
            if value is not None and parsed is None
        ],
        schema={
            "row": pl.Int64(),
            "column": pl.String(),
            "value": pl.String(),
            "reason": pl.String(),
        },
        orient="row",
    )
    label = pl.col("label")
    present = pl.any_horizontal(pl.col(n).is_not_null() for n in AMOUNT_COLUMNS)
    letters = label.map_elements(_norm, return_dtype=pl.String()).str.replace_all(
        r"[^0-9a-zа-я]", ""
    )
    frame = frame.with_columns(
        ((label == "") & ~present).alias("_blank"),
        letters.is_in(list(_TOTAL)).alias("_total"),
        label.str.contains(_ACCOUNT.pattern).alias("_account"),
        present.alias("_present"),
    ).with_columns(
        # The subaccount each row sits under ("" before any account row).
        pl.when(pl.col("_account"))
        .then(label)
        .otherwise(None)
        .forward_fill()
        .fill_null("")
        .alias("_subaccount"),
        *(amounts[n].fill_null(0.0).alias(n) for n in AMOUNT_COLUMNS),
    )
    frame = frame.with_columns(_contract_mask(frame).alias("_contract"))
    reasons = (
        pl.when(pl.col("_blank"))
        .then(pl.lit(SKIP_BLANK))
        .when(pl.col("_total"))
        .then(pl.lit(SKIP_TOTAL))
        .when(pl.col("_account"))
        .then(pl.lit(SKIP_ACCOUNT))
        .when(pl.col("_contract"))
        .then(pl.lit(SKIP_CONTRACT))
        .when(~pl.col("_present") | (label == ""))
        .then(pl.lit(SKIP_NO_AMOUNT))
        .otherwise(None)
    )
    frame = frame.with_columns(reasons.alias("_skip"))
    skipped = frame.filter(pl.col("_skip").is_not_null()).group_by("_skip").len()
    for reason, count in sorted(skipped.iter_rows()):
        report.skip(reason, count)
    clients = frame.filter(pl.col("_skip").is_null())
    clients = drop_problem_rows(
        clients, problems.filter(pl.col("row").is_in(clients.get_column("row").implode())), report
    )

    has_subaccounts = bool(frame.get_column("_subaccount").str.contains(r"\.").any())
    settlement = pl.col("_subaccount").str.contains(_SETTLEMENT_SUBACCOUNT.pattern)
    revenue = (
        pl.when(settlement | pl.lit(not has_subaccounts))
        .then(pl.col("debit_turnover"))
        .otherwise(0.0)
    )
    clients = clients.with_columns(revenue.alias("revenue"))
    _check_total(clients, frame.filter(pl.col("_total")), report)
    return clients.select("row", label.alias("client_raw"), *AMOUNT_COLUMNS, "revenue")


def _data_rows(
    sheet: _Sheet, columns: dict[str, int], label_column: int, first: int
) -> pl.DataFrame:
    """The rows below the header: file row, label, outline level, indent and the amount cells
    as text, without the blank rows at the very end."""
    records = []
    for index in range(first, len(sheet.values)):
        row = sheet.values[index]
        # A label may sit left of the label column when 1C merged the first columns.
        candidates = [*row[label_column : label_column + 1], *row[:label_column]]
        label = next((str(v).strip() for v in candidates if v not in (None, "")), "")
        records.append(
            (
                index + 1,
                label,
                sheet.levels[index],
                sheet.indents[index],
                *(_text(row[j]) if j < len(row) else None for j in columns.values()),
            )
        )
    schema = {
        "row": pl.Int64(),
        "label": pl.String(),
        "level": pl.Int64(),
        "indent": pl.Int64(),
        **{name: pl.String() for name in columns},
    }
    frame = pl.DataFrame(records, schema=schema, orient="row").select(
        "row", "label", "level", "indent", *AMOUNT_COLUMNS
    )
    filled = frame.select(
        (pl.col("label") != "") | pl.any_horizontal(pl.col(n).is_not_null() for n in AMOUNT_COLUMNS)
    ).to_series()
    last = filled.arg_true()
    return frame.head(int(last[-1]) + 1 if len(last) else 0)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return repr(float(value))
    text = str(value).strip()
    return text or None


def _contract_mask(frame: pl.DataFrame) -> pl.Expr:
    """Rows deeper than the client level (by outline, else indent), else contract-like text.

    The client level is the shallowest level among the labelled rows with amounts that are
    neither totals nor accounts; it is used only when those rows have more than one level."""
    others = frame.filter(
        pl.col("_present") & (pl.col("label") != "") & ~pl.col("_total") & ~pl.col("_account")
    )
    not_client = ~pl.col("_account") & ~pl.col("_total")
    for depth in ("level", "indent"):
        values = others.get_column(depth)
        if values.n_unique() > 1:
            return not_client & (pl.col(depth) > values.min())
    return not_client & pl.col("label").str.contains(_CONTRACT.pattern)


def _check_total(clients: pl.DataFrame, totals: pl.DataFrame, report: ImportReport) -> None:
    """The client rows must add up to «Итого» (when nothing was rejected): a wrong client rule
    (contracts counted twice, clients missed) shows here."""
    if not totals.height or report.rows_rejected:
        return
    total = totals.row(totals.height - 1, named=True)
    for name in AMOUNT_COLUMNS:
        expected, actual = float(total[name]), float(clients.get_column(name).sum())
        if abs(expected - actual) > _TOLERANCE:
            report.warnings.append(
                TOTAL_MISMATCH.format(
                    column=HEADER_NAMES[name], actual=f"{actual:.2f}", expected=f"{expected:.2f}"
                )
            )

"""Reading a payment plan: the planned receipts and payments of the cash calendar.

The file has the columns `date, amount (+ in, − out), category, repeat, until` (DESIGN §6
`cashflow`), in English or Russian (`дата, сумма, статья/категория, повтор, до`), as CSV or
XLSX. `repeat` is none, weekly, monthly or quarterly (Russian words too: разово, еженедельно,
ежемесячно, ежеквартально); an empty cell is none. `until` is the last day a repeat may fall
on (inclusive); empty: no end. A row that cannot be used is reported with its row, column,
value and reason, and left out, as in the other readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .lines import _TOTAL_WORDS, drop_problem_rows, parse_date_column, problem, read_lines
from .parse import DateOrder, parse_amounts
from .report import (
    REASON_NO_DATE,
    REASON_NOT_A_DATE,
    REASON_NOT_A_NUMBER,
    ImportReport,
)
from .schema import PLAN_SCHEMA

PLAN_ROLES = ("client", "date", "amount", "category", "purpose", "repeat", "until")
PLAN_REQUIRED = ("date", "amount")
REPEATS = ("none", "weekly", "monthly", "quarterly")

NO_PLAN_HEADER = (
    "no header row with a date column and an amount column in the first {rows} rows "
    "(missing: {missing}); columns seen: {seen}"
)
REASON_NOT_A_REPEAT = "not a repeat (none, weekly, monthly or quarterly)"
REASON_UNTIL_BEFORE_DATE = "the repeat ends before its first date"
ZERO_PLAN_ROWS = "rows with a zero amount"
TOTAL_PLAN_ROWS = "total rows"
UNTIL_WITHOUT_REPEAT = "{count} row(s) have an end date but no repeat; the end date is not used"

# Words people write for each repeat, compared after casefolding and dropping everything but
# letters (so "Каждый месяц", "ежемесячно" and "Monthly" are all monthly).
_REPEAT_WORDS: dict[str, tuple[str, ...]] = {
    "none": (
        "none",
        "no",
        "once",
        "oneoff",
        "single",
        "нет",
        "разово",
        "разовый",
        "разовая",
        "однократно",
        "один раз",
        "не повторять",
    ),
    "weekly": ("weekly", "week", "every week", "еженедельно", "неделя", "каждую неделю"),
    "monthly": ("monthly", "month", "every month", "ежемесячно", "месяц", "каждый месяц"),
    "quarterly": (
        "quarterly",
        "quarter",
        "every quarter",
        "ежеквартально",
        "квартал",
        "каждый квартал",
    ),
}


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold().replace("ё", "е") if ch.isalpha())


_REPEAT_OF = {_letters(word): repeat for repeat, words in _REPEAT_WORDS.items() for word in words}


@dataclass(frozen=True)
class PlanFile:
    frame: pl.DataFrame  # PLAN_SCHEMA, one row per planned payment, in file order
    report: ImportReport


def read_plan(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
) -> PlanFile:
    """Read a payment plan (CSV or XLSX). Raises IngestError (one line) when the file cannot be
    read at all or has no date and amount columns; rows that cannot be parsed are left out and
    listed in the report. `mapping` overrides the detected columns: role (date, amount,
    category, repeat, until) -> header as written in the file."""
    file_name = name or (source.name if isinstance(source, Path) else "upload")
    frame, report = read_lines(
        source,
        file_name=file_name,
        kind="plan",
        roles=PLAN_ROLES,
        required=PLAN_REQUIRED,
        mapping=mapping,
        sheet=sheet,
        no_header=NO_PLAN_HEADER,
    )
    frame = _skip_totals(frame, report)
    parsed, problems = _parse_rows(frame, report, date_order)
    parsed = drop_problem_rows(parsed, problems, report)
    zero = parsed.filter(pl.col("amount") == 0)
    report.skip(ZERO_PLAN_ROWS, zero.height)
    plan = parsed.filter(pl.col("amount") != 0)
    ignored_until = plan.filter((pl.col("repeat") == "none") & pl.col("until").is_not_null())
    if ignored_until.height:
        report.warnings.append(UNTIL_WITHOUT_REPEAT.format(count=ignored_until.height))
    report.rows_used = plan.height
    return PlanFile(plan.select(list(PLAN_SCHEMA)).cast(pl.Schema(PLAN_SCHEMA)), report)


def repeat_of(text: str | None) -> str | None:
    """The repeat a cell names (none, weekly, monthly, quarterly); an empty cell is none, a
    cell that names none of them gives None."""
    if text is None or not text.strip() or text.strip() in {"-", "—", "–"}:
        return "none"
    return _REPEAT_OF.get(_letters(text))


def _repeats(raw: pl.Series) -> pl.Series:
    """`repeat_of` over a column: empty cells and dashes are none, unknown words null."""
    letters = raw.str.to_lowercase().str.replace_all("ё", "е").str.replace_all(r"[^\p{L}]", "")
    named = letters.replace_strict(_REPEAT_OF, default=None, return_dtype=pl.String())
    blank = raw.is_null() | raw.str.contains(r"^[\s\-—–]*$")
    return pl.select(
        pl.when(pl.lit(blank)).then(pl.lit("none")).otherwise(pl.lit(named)).alias("repeat")
    ).to_series()


def _skip_totals(frame: pl.DataFrame, report: ImportReport) -> pl.DataFrame:
    """A plan's total row carries its "Итого" in the category column (there is no client)."""
    letters = pl.col("category").str.to_lowercase().str.replace_all(r"[^0-9a-zа-яё]", "")
    is_total = (letters.is_in(list(_TOTAL_WORDS)) & pl.col("date").is_null()).fill_null(False)
    report.skip(TOTAL_PLAN_ROWS, frame.filter(is_total).height)
    return frame.filter(~is_total)


def _parse_rows(
    frame: pl.DataFrame, report: ImportReport, date_order: DateOrder | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    header = report.mapping
    amount = parse_amounts(frame.get_column("amount"))
    day = parse_date_column(frame, "date", report, date_order)
    until = parse_date_column(frame, "until", report, date_order) if "until" in header else None
    repeat = _repeats(frame.get_column("repeat"))
    raw_amount, raw_day = frame.get_column("amount"), frame.get_column("date")
    problems = [
        problem(
            frame,
            raw_amount.is_not_null() & amount.is_null(),
            header["amount"],
            "amount",
            REASON_NOT_A_NUMBER,
        ),
        problem(frame, raw_day.is_null(), header["date"], "date", REASON_NO_DATE),
        problem(
            frame, raw_day.is_not_null() & day.is_null(), header["date"], "date", REASON_NOT_A_DATE
        ),
    ]
    if "repeat" in header:
        problems.append(
            problem(frame, repeat.is_null(), header["repeat"], "repeat", REASON_NOT_A_REPEAT)
        )
    if until is None:
        until = pl.Series("until", [None] * frame.height, dtype=pl.Date())
    else:
        raw_until = frame.get_column("until")
        problems.append(
            problem(
                frame,
                raw_until.is_not_null() & until.is_null(),
                header["until"],
                "until",
                REASON_NOT_A_DATE,
            )
        )
        problems.append(
            problem(
                frame,
                (until < day).fill_null(False) & (repeat != "none").fill_null(False),
                header["until"],
                "until",
                REASON_UNTIL_BEFORE_DATE,
            )
        )
    parsed = frame.select(
        "row",
        day.alias("date"),
        amount.alias("amount"),
        pl.coalesce("category", "purpose").alias("category"),
        repeat.fill_null("none").alias("repeat"),
        until.alias("until"),
    )
    return parsed, pl.concat(problems)

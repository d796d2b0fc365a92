"""Vectorized parsing of the numbers and dates real exports contain (DESIGN §3 "Numbers", "Dates").

Each parser takes a String column and returns the parsed column; a value that was present but
could not be parsed comes back null, so callers find the bad cells with
`raw.is_not_null() & parsed.is_null()`. Fast paths first: a clean column is cast in one pass and
the regular expressions only run when it has to.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

DateOrder = Literal["dmy", "mdy"]

_SPACES = r"[\s\u00a0\u202f\u2009\u2007']"
_CURRENCY_TAIL = r"(?i)(₽|руб\.?|р\.?|rub|rur|usd|eur|\$|€)$"
_CURRENCY_HEAD = r"^(₽|\$|€)"
_PLAIN = r"^[+-]?\d+([.,]\d+)?$"
_PLAIN_SCI = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"
_EN_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
_EU_THOUSANDS = r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"
_EN_HINT = r"^[+-]?\d{1,3}(,\d{3})+\.\d+$|^[+-]?\d{1,3}(,\d{3}){2,}$"


def parse_amounts(raw: pl.Series) -> pl.Series:
    """Parse money cells: `1 234 567,89`, `1,234,567.89`, `1234567.89`, `(1 234,00)` = negative.

    Currency marks (₽, руб., р.) are ignored. A single comma is a decimal comma (`1,5` = 1.5),
    unless the column writes English thousands elsewhere (`1,234.50`), then `1,234` = 1234.
    """
    fast = _finite(raw.str.strip_chars().cast(pl.Float64, strict=False))
    if fast.null_count() == raw.null_count():
        return fast.rename(raw.name)
    # Russian exports: `1 234 567,89` — spaces out, the comma becomes the point.
    russian = _finite(
        raw.str.replace_all(r"[\s\u00a0\u202f\u2009\u2007]", "")
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False)
    )
    if russian.null_count() == raw.null_count():
        return russian.rename(raw.name)
    text = (
        raw.str.replace_all(_SPACES, "")
        .str.replace(_CURRENCY_TAIL, "")
        .str.replace(_CURRENCY_HEAD, "")
    )
    negative = text.str.contains(r"^-?\(.*\)$")
    text = text.str.replace(r"^-?\((.*)\)$", "$1")
    text = pl.select(
        pl.when(negative).then(pl.lit("-") + text).otherwise(text).alias("t")
    ).to_series()
    english = bool(text.str.contains(_EN_HINT).any())
    frame = pl.DataFrame({"t": text})
    t = pl.col("t")
    plain_value = (
        pl.when(pl.lit(english) & t.str.contains(r"^[+-]?\d{1,3},\d{3}$"))
        .then(t.str.replace_all(",", ""))
        .otherwise(t.str.replace(",", "."))
    )
    value = (
        pl.when(t.str.contains(_PLAIN))
        .then(plain_value)
        .when(t.str.contains(_PLAIN_SCI))
        .then(t)
        .when(t.str.contains(_EN_THOUSANDS))
        .then(t.str.replace_all(",", ""))
        .when(t.str.contains(_EU_THOUSANDS))
        .then(t.str.replace_all(r"\.", "").str.replace(",", "."))
        .otherwise(None)
    )
    return _finite(frame.select(value.cast(pl.Float64, strict=False).alias(raw.name)).to_series())


def _finite(values: pl.Series) -> pl.Series:
    """`NaN` and `inf` cast to floats, but no amount is either: they count as unparseable."""
    return values.set(~values.is_finite().fill_null(True), None)


_DOTTED = r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[ T,].*)?$"
_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"
_SLASH = r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T,].*)?$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"


def slash_date_order(raw: pl.Series) -> tuple[DateOrder, bool]:
    """Infer the order of slash dates in one column: (order, ambiguous).

    A first part above 12 means day-first; a second part above 12 means month-first; when
    every value is ambiguous (or the column contradicts itself), day-first.
    """
    parts = raw.str.strip_chars().str.extract_groups(_SLASH)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    day_first = bool((first > 12).any())
    month_first = bool((second > 12).any())
    if month_first and not day_first:
        return "mdy", False
    return "dmy", not day_first


def parse_dates(raw: pl.Series, *, slash_order: DateOrder = "dmy") -> pl.Series:
    """Parse `DD.MM.YYYY`, `DD.MM.YY`, `YYYY-MM-DD` (with or without time), slash dates in the
    given order, and Excel cells (already ISO strings). `31.02.2025` is not a date."""
    stripped = raw.str.strip_chars()
    # Try first the format the column's first value has, so a Russian column is parsed once.
    sample = stripped.drop_nulls().head(1).to_list()
    formats = ("%d.%m.%Y", "%Y-%m-%d") if sample and "." in sample[0] else ("%Y-%m-%d", "%d.%m.%Y")
    for fmt in formats:
        fast = stripped.str.to_date(fmt, strict=False)
        # `%Y` also takes "25" as the year 25, so two-digit years go the slow way.
        if fast.null_count() == raw.null_count() and not bool((fast.dt.year() < 1900).any()):
            return fast.rename(raw.name)
    frame = pl.DataFrame({"t": stripped})
    t = pl.col("t")

    def ymd(pattern: str, y: int, m: int, d: int) -> pl.Expr:
        groups = t.str.extract_groups(pattern)
        return pl.concat_str(
            [
                groups.struct.field(str(y)),
                pl.lit("-"),
                groups.struct.field(str(m)),
                pl.lit("-"),
                groups.struct.field(str(d)),
            ]
        )

    slash = ymd(_SLASH, 3, 2, 1) if slash_order == "dmy" else ymd(_SLASH, 3, 1, 2)
    text = pl.coalesce(ymd(_ISO, 1, 2, 3), ymd(_DOTTED, 3, 2, 1), slash, ymd(_COMPACT, 1, 2, 3))
    # Two-digit years: 00-69 are 2000s, 70-99 the 1900s (as Excel does).
    year = text.str.extract(r"^(\d+)-", 1)
    full_year = (
        pl.when(year.str.len_chars() == 2)
        .then(
            pl.when(year.cast(pl.Int32) < 70)
            .then(pl.lit("20") + year)
            .otherwise(pl.lit("19") + year)
        )
        .otherwise(year)
    )
    iso = pl.concat_str([full_year, text.str.extract(r"^\d+(-.*)$", 1)])
    parsed = iso.str.to_date("%Y-%m-%d", strict=False)
    in_range = parsed.dt.year().is_between(1900, 2100)
    return frame.select(pl.when(in_range).then(parsed).otherwise(None).alias(raw.name)).to_series()


_DOC_1C = r"^(?:.*?\s)?(\S+)\s+от\s+(\d{1,2}\.\d{1,2}\.\d{2,4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)\s*$"


def split_1c_documents(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`Реализация (акт, накладная, УПД) 0000-000123 от 15.01.2025 12:00:00` -> number, date text.

    Cells that are not such strings keep their text as the number and give a null date.
    """
    stripped = raw.str.strip_chars()
    groups = stripped.str.extract_groups(_DOC_1C)
    number = groups.struct.field("1")
    date_text = groups.struct.field("2")
    frame = pl.DataFrame({"t": stripped, "n": number, "d": date_text})
    out = frame.select(
        pl.coalesce(pl.col("n"), pl.col("t")).alias(raw.name),
        pl.col("d").alias("date"),
    )
    return out.to_series(0), out.to_series(1)

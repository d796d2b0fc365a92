"""Vectorized parsing of the numbers and dates real exports contain (DESIGN §3 "Numbers", "Dates").

Each parser takes a String column and returns the parsed column; a value that was present but
could not be parsed comes back null, so callers find the bad cells with
`raw.is_not_null() & parsed.is_null()`. Fast paths first: a clean column is cast in one pass and
the regular expressions only run when it has to.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class AmountRule:
    """How a whole money column is parsed, decided once from all its values (DESIGN §3).

    `path`: "fast" when every value casts as it is, "russian" when every value casts with the
    spaces out and the comma as the point, else "full" (the regular expressions); `english`:
    some value writes English thousands (`1,234.50`), so `1,234` is 1234, not 1.234.
    """

    path: Literal["fast", "russian", "full"] = "fast"
    english: bool = False


@dataclass(frozen=True)
class AmountScan:
    """What `AmountRule` needs to know about a column, gathered part by part: `merge` of the
    scans of a file's batches gives the rule the whole column would give."""

    fast: bool = True  # every value casts as it is
    russian: bool = True  # every value casts the Russian way
    english: bool = False  # some value writes English thousands

    def merge(self, other: AmountScan) -> AmountScan:
        return AmountScan(
            self.fast and other.fast, self.russian and other.russian, self.english or other.english
        )

    def rule(self) -> AmountRule:
        if self.fast:
            return AmountRule("fast", self.english)
        return AmountRule("russian" if self.russian else "full", self.english)


def amount_scan(raw: pl.Series) -> AmountScan:
    fast = _fast_amounts(raw).null_count() == raw.null_count()
    russian = _russian_amounts(raw).null_count() == raw.null_count()
    # A value that casts the Russian way never matches the English hint, so the hint is only
    # looked for where some value does not: the merged scan is exact all the same.
    english = not russian and bool(_amount_text(raw).str.contains(_EN_HINT).any())
    return AmountScan(fast, russian, english)


def _fast_amounts(raw: pl.Series) -> pl.Series:
    return _finite(raw.str.strip_chars().cast(pl.Float64, strict=False)).rename(raw.name)


def _russian_amounts(raw: pl.Series) -> pl.Series:
    # Russian exports: `1 234 567,89` — spaces out, the comma becomes the point.
    return _finite(
        raw.str.replace_all(r"[\s\u00a0\u202f\u2009\u2007]", "")
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False)
    ).rename(raw.name)


def _amount_text(raw: pl.Series) -> pl.Series:
    text = (
        raw.str.replace_all(_SPACES, "")
        .str.replace(_CURRENCY_TAIL, "")
        .str.replace(_CURRENCY_HEAD, "")
    )
    negative = text.str.contains(r"^-?\(.*\)$")
    text = text.str.replace(r"^-?\((.*)\)$", "$1")
    return pl.select(
        pl.when(negative).then(pl.lit("-") + text).otherwise(text).alias("t")
    ).to_series()


def parse_amounts(raw: pl.Series, rule: AmountRule | None = None) -> pl.Series:
    """Parse money cells: `1 234 567,89`, `1,234,567.89`, `1234567.89`, `(1 234,00)` = negative.

    Currency marks (₽, руб., р.) are ignored. A single comma is a decimal comma (`1,5` = 1.5),
    unless the column writes English thousands elsewhere (`1,234.50`), then `1,234` = 1234.
    `rule`: the column's rule decided over the whole file (a batch of it); None: from `raw`.
    """
    if rule is None or rule.path == "fast":
        fast = _fast_amounts(raw)
        if rule is not None or fast.null_count() == raw.null_count():
            return fast
    if rule is None or rule.path == "russian":
        russian = _russian_amounts(raw)
        if rule is not None or russian.null_count() == raw.null_count():
            return russian
    text = _amount_text(raw)
    english = rule.english if rule is not None else bool(text.str.contains(_EN_HINT).any())
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
    day_first, month_first = _slash_parts(raw)
    if month_first and not day_first:
        return "mdy", False
    return "dmy", not day_first


_DOTTED_FORMAT, _ISO_FORMAT = "%d.%m.%Y", "%Y-%m-%d"
_SLASH_START = r"^\s*\d{1,2}/\d{1,2}/\d{2,4}"


def _date_formats(sample: str | None) -> tuple[str, str]:
    # Try first the format the column's first value has, so a Russian column is parsed once.
    if sample is not None and "." in sample:
        return _DOTTED_FORMAT, _ISO_FORMAT
    return _ISO_FORMAT, _DOTTED_FORMAT


def _fast_dates(stripped: pl.Series, raw: pl.Series, fmt: str) -> pl.Series | None:
    """The column cast with one format, when that reads every value; else None."""
    fast = stripped.str.to_date(fmt, strict=False)
    # `%Y` also takes "25" as the year 25, so two-digit years go the slow way.
    if fast.null_count() == raw.null_count() and not bool((fast.dt.year() < 1900).any()):
        return fast.rename(raw.name)
    return None


@dataclass(frozen=True)
class DateRule:
    """How a whole date column is parsed, decided once from all its values: the order of its
    slash dates, and the one format every value has (None: each value the slow way)."""

    slash_order: DateOrder = "dmy"
    fast_format: str | None = None


@dataclass(frozen=True)
class DateScan:
    """What `DateRule` needs to know about a column, gathered part by part (see AmountScan)."""

    sample: str | None = None  # the column's first value
    dotted: bool = True  # every value is DD.MM.YYYY
    iso: bool = True  # every value is YYYY-MM-DD
    slash: bool = False  # some value is a slash date (looked for when no order is given)
    day_first: bool = False  # some slash date's first part is above 12
    month_first: bool = False  # some slash date's second part is above 12

    def merge(self, other: DateScan) -> DateScan:
        return DateScan(
            self.sample if self.sample is not None else other.sample,
            self.dotted and other.dotted,
            self.iso and other.iso,
            self.slash or other.slash,
            self.day_first or other.day_first,
            self.month_first or other.month_first,
        )

    def rule(self, date_order: DateOrder | None) -> tuple[DateRule, bool]:
        """(rule, ambiguous): ambiguous when the slash dates could be read either way."""
        order: DateOrder = date_order or "dmy"
        ambiguous = False
        if date_order is None and self.slash:
            if self.month_first and not self.day_first:
                order = "mdy"
            else:
                ambiguous = not self.day_first
        ok = {_DOTTED_FORMAT: self.dotted, _ISO_FORMAT: self.iso}
        fast = next((fmt for fmt in _date_formats(self.sample) if ok[fmt]), None)
        return DateRule(order, fast), ambiguous


def date_scan(raw: pl.Series, date_order: DateOrder | None = "dmy") -> DateScan:
    """The scan of one column (a batch of it); slash dates are looked for when `date_order`
    is None."""
    stripped = raw.str.strip_chars()
    sample = stripped.drop_nulls().head(1).to_list()
    slash = date_order is None and bool(raw.str.contains(_SLASH_START).any())
    day_first = month_first = False
    if slash:
        day_first, month_first = _slash_parts(raw)
    return DateScan(
        sample[0] if sample else None,
        _fast_dates(stripped, raw, _DOTTED_FORMAT) is not None,
        _fast_dates(stripped, raw, _ISO_FORMAT) is not None,
        slash,
        day_first,
        month_first,
    )


def _slash_parts(raw: pl.Series) -> tuple[bool, bool]:
    parts = raw.str.strip_chars().str.extract_groups(_SLASH)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    return bool((first > 12).any()), bool((second > 12).any())


def parse_dates(
    raw: pl.Series, *, slash_order: DateOrder = "dmy", rule: DateRule | None = None
) -> pl.Series:
    """Parse `DD.MM.YYYY`, `DD.MM.YY`, `YYYY-MM-DD` (with or without time), slash dates in the
    given order, and Excel cells (already ISO strings). `31.02.2025` is not a date.
    `rule`: the column's rule decided over the whole file (it overrides `slash_order`)."""
    stripped = raw.str.strip_chars()
    if rule is not None:
        slash_order = rule.slash_order
        if rule.fast_format is not None:
            return stripped.str.to_date(rule.fast_format, strict=False).rename(raw.name)
    else:
        sample = stripped.drop_nulls().head(1).to_list()
        for fmt in _date_formats(sample[0] if sample else None):
            fast = _fast_dates(stripped, raw, fmt)
            if fast is not None:
                return fast
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

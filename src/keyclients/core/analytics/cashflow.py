"""Cash forecast (DESIGN §4 "Cash forecast"): a day-by-day payment calendar that finds the cash
gap (кассовый разрыв), "what if" scenarios, and a Monte-Carlo probability of a gap.

Entry points, in the order a caller uses them:

- `cash_basis(documents, sales, plan, as_of=, opening_balance=)` gathers what the forecast is
  built from: the expected receipts (open documents and future sales), each client's expected
  delay, terms, run-rate and days-late history, and the plan. `documents` is
  `Settlement.documents` (receivables.settle); `sales` are sales lines or per-client-month
  aggregates (client_key, client, date, amount), as the web app's SQL gives them;
- `cash_forecast(basis, scenario)` lays out the calendar: daily inflow, outflow and
  end-of-day balance, the first gap date, the minimum balance and the days below the reserve;
- `simulate_cash(basis, scenario, paths=, seed=)` draws every document's delay from its
  client's history, vectorized over all paths at once;
- `loss_impacts(basis)` gives the calendar of "this client leaves tomorrow" for every client
  at once (the cash part of the loss-of-client stress test).

The plain rules are usable on their own: `occurrences` (repeats of a planned payment),
`median_days` (medians of days, rounded half up), `invoice_days` (the 15ths of future sales).

Money is counted in whole kopecks (integers) inside, so a balance is exactly below the reserve
or not; amounts come back as floats in roubles. Day numbers are days since 1970-01-01 (what a
Polars Date holds); day index 0 is `as_of` + 1.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

DEFAULT_HORIZON = 90
MAX_HORIZON = 1830  # five years: day indexes stay small integers, matrices stay small
DEFAULT_PATHS = 10_000
OWN_DELAY_MIN = 3  # documents a client needs for its own median delay, else the company's
OWN_HISTORY_MIN = 5  # ... for its own days-late history in the simulation
RUN_RATE_MONTHS = 6
INVOICE_DAY = 15  # future sales are invoiced on every 15th after as_of
REPEATS = ("none", "weekly", "monthly", "quarterly")
KIND_OPEN = "open"  # an open document: its outstanding amount
KIND_FUTURE = "future"  # a future sale at the client's run-rate
SOURCE_CLIENT = "client"
SOURCE_COMPANY = "company"
SOURCE_DEFAULT = "default"

HORIZON_INVALID = "the horizon must be 1 to {max} days"
NOT_FINITE = "{name} must be a finite number"
DEFAULT_TERMS_NEGATIVE = "the default payment terms cannot be negative"
UNKNOWN_CLIENT = "no client {client!r} in the data: a scenario names clients by their key"
DELAY_NEGATIVE = "a delay is 0 days or more (client {client!r}: {days})"
CLIENT_TWICE = "client {client!r} is {what} twice in one scenario"
UNKNOWN_PLAN_ROW = "no planned payment with row {row} to change"
PLAN_ROW_TWICE = "planned payment {row} is changed twice in one scenario"
PLAN_AMOUNT_ZERO = "a planned payment cannot be changed to 0; remove it instead"
REPEAT_INVALID = "repeat {repeat!r} is not one of none, weekly, monthly, quarterly"
PLAN_INCOMPLETE = "every planned payment needs a date and an amount"
PATHS_INVALID = "the number of paths must be at least 1"
EMPTY_HISTORY = "every document needs a history of at least one delay to draw from"

DAYS_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "inflow": pl.Float64(),  # money in that day (receipts and planned + amounts)
    "outflow": pl.Float64(),  # money out that day, a positive number
    "balance": pl.Float64(),  # end-of-day balance
}
RECEIPTS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "kind": pl.String(),  # open | future
    "document": pl.String(),  # the open document's number; null for a future sale
    "date": pl.Date(),  # when it was (or will be) invoiced
    "due_date": pl.Date(),
    "amount": pl.Float64(),  # outstanding, or the monthly run-rate
    "expected_delay": pl.Int64(),  # days after the due date the client is expected to pay
    "expected_date": pl.Date(),  # max(due + delay, as_of + 1); may lie past the horizon
}
CLIENTS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "paid_documents": pl.Int64(),  # positive documents paid by as_of: the days-late history
    "expected_delay": pl.Int64(),
    "delay_source": pl.String(),  # client (≥ 3 paid documents) | company
    "history_source": pl.String(),  # client (≥ 5 paid documents) | company: the simulation's
    "terms": pl.Int64(),  # median of due − date over its documents, else the default terms
    "terms_source": pl.String(),  # client | default
    "run_rate": pl.Float64(),  # revenue of the 6 months before as_of's month / 6; 0 if ≤ 0
    "history": pl.List(pl.Int64()),  # days late of its paid documents
}
PLANNED_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "date": pl.Date(),
    "amount": pl.Float64(),
    "category": pl.String(),
}
IMPACTS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "lost_receipts": pl.Float64(),  # the future-sale receipts that no longer come in the horizon
    "first_gap_date": pl.Date(),
    "min_balance": pl.Float64(),
    "min_balance_date": pl.Date(),
    "days_below_reserve": pl.Int64(),
}

_EPOCH = date(1970, 1, 1)
_INT16_MAX = np.iinfo(np.int16).max
_CHUNK_CELLS = 2_000_000  # paths × documents drawn at once: ~40 MB of temporaries

IntArray = npt.NDArray[np.int64]


# --- Scenarios -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delay:
    """The client pays `days` later than expected (every receipt moves, none moves earlier)."""

    client_key: str
    days: int


@dataclass(frozen=True)
class Loss:
    """The client leaves: its future sales from `from_date` on (default `as_of` + 1) stop. Its
    documents open at `as_of` are still collected, unless `write_off`."""

    client_key: str
    from_date: date | None = None
    write_off: bool = False


@dataclass(frozen=True)
class PlanChange:
    """A planned payment (by its `row`) removed, or given a new amount and/or first date; its
    repeat and end stay as planned."""

    row: int
    amount: float | None = None
    date: date | None = None
    remove: bool = False


@dataclass(frozen=True)
class Scenario:
    """What if: any combination of delays, losses (several clients at once), another opening
    balance and changed planned payments. The empty scenario is the base forecast."""

    delays: tuple[Delay, ...] = ()
    losses: tuple[Loss, ...] = ()
    opening_balance: float | None = None
    plan_changes: tuple[PlanChange, ...] = ()

    @property
    def is_base(self) -> bool:
        return not (self.delays or self.losses or self.plan_changes) and (
            self.opening_balance is None
        )


BASE = Scenario()


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CashBasis:
    """What a forecast is built from (see `cash_basis`); scenarios and simulations reuse it."""

    as_of: date
    horizon_days: int
    opening_balance: float
    reserve: float
    receipts: pl.DataFrame  # RECEIPTS_SCHEMA, by expected date, client, document
    clients: pl.DataFrame  # CLIENTS_SCHEMA, by client_key
    plan: pl.DataFrame  # PLAN_SCHEMA rows as given (repeats not yet laid out)
    company_delay: int  # median days late of all paid documents (0 when none)
    company_history: tuple[int, ...]  # days late of all paid documents
    future_sales: bool
    default_terms: int

    @property
    def first_day(self) -> date:
        return self.as_of + timedelta(days=1)

    @property
    def last_day(self) -> date:
        return self.as_of + timedelta(days=self.horizon_days)


@dataclass(frozen=True)
class CashForecast:
    """The payment calendar of one scenario (DESIGN §4, CLI `cashflow` JSON)."""

    as_of: date
    horizon_days: int
    opening_balance: float
    reserve: float
    days: pl.DataFrame  # DAYS_SCHEMA, one row per day from as_of + 1 to the horizon
    first_gap_date: date | None  # first day the balance is below the reserve
    min_balance: float
    min_balance_date: date  # the first day with the minimum balance
    days_below_reserve: int
    receipts: pl.DataFrame  # RECEIPTS_SCHEMA + receipt_date: what this scenario collects
    planned: pl.DataFrame  # PLANNED_SCHEMA: the planned payments laid out in the horizon
    scenario: Scenario = field(default=BASE)


@dataclass(frozen=True)
class CashSimulation:
    """Monte Carlo over documents' delays (DESIGN §4); money in roubles."""

    paths: int
    seed: int
    probability_gap: float  # share of paths whose balance falls below the reserve
    min_balance_p5: float  # percentiles of the paths' minimum balance (linear interpolation)
    min_balance_p50: float
    min_balance_p95: float
    reserve_needed_95: float  # max(0, reserve − p5): extra cash that keeps 95% above reserve
    scenario: Scenario = field(default=BASE)


# --- Plain rules -----------------------------------------------------------------------------


def add_months(day: date, months: int, anchor: int | None = None) -> date:
    """The same day of the month `months` later; a day the month lacks (the 31st, the 30th in
    February) falls on its last day. `anchor` is the day of month wanted (default: `day`'s)."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(anchor or day.day, last))


def occurrences(
    start: date, repeat: str, until: date | None, first: date, last: date
) -> list[date]:
    """The days a planned payment falls on within [first, last].

    `none`: `start` only; `weekly`: every 7 days from `start`; `monthly` / `quarterly`: the
    same day of the month as `start` every 1 / 3 months, on a shorter month's last day when it
    lacks that day, and back on the day after (31 Jan, 28 Feb, 31 Mar). `until` is inclusive.
    """
    if repeat not in REPEATS:
        raise ValueError(REPEAT_INVALID.format(repeat=repeat))
    end = last if until is None or repeat == "none" else min(last, until)
    if repeat == "none":
        return [start] if first <= start <= end else []
    days: list[date] = []
    if repeat == "weekly":
        skip = max(0, -(-(first - start).days // 7))  # whole weeks before `first`
        day = start + timedelta(days=7 * skip)
        while day <= end:
            days.append(day)
            day += timedelta(days=7)
        return days
    step = 1 if repeat == "monthly" else 3
    k = max(0, ((first.year - start.year) * 12 + first.month - start.month) // step - 1)
    while (day := add_months(start, k * step, start.day)) <= end:
        if day >= first:
            days.append(day)
        k += 1
    return days


def median_days(days: Sequence[int] | pl.Series) -> int | None:
    """The median of whole days, rounded to the nearest day with halves up (2.5 → 3);
    None for no days."""
    values = days if isinstance(days, pl.Series) else pl.Series(list(days), dtype=pl.Int64)
    median = values.cast(pl.Float64).median()
    if median is None:
        return None
    return math.floor(float(median) + 0.5)  # type: ignore[arg-type]


def invoice_days(as_of: date, last: date) -> list[date]:
    """Every 15th after `as_of` up to `last` (inclusive): the days future sales are invoiced."""
    month = date(as_of.year, as_of.month, INVOICE_DAY)
    if month <= as_of:
        month = add_months(month, 1)
    days = []
    while month <= last:
        days.append(month)
        month = add_months(month, 1)
    return days


# --- The basis -------------------------------------------------------------------------------


def cash_basis(
    documents: pl.DataFrame,
    sales: pl.DataFrame | None = None,
    plan: pl.DataFrame | None = None,
    *,
    as_of: date,
    opening_balance: float,
    horizon: int = DEFAULT_HORIZON,
    reserve: float = 0.0,
    future_sales: bool = True,
    default_terms: int = 0,
) -> CashBasis:
    """Everything a forecast at `as_of` is built from.

    - `documents`: `Settlement.documents` at `as_of` (client_key, client, document, date,
      due_date, amount, days_late, outstanding). Open ones (outstanding > 0) are expected at
      max(due date + the client's expected delay, as_of + 1); paid ones give the days-late
      history. Expected delay = median days late of the client's paid documents, the
      company's median when it has fewer than 3.
    - `sales`: lines or per-client-month aggregates (client_key, client, date, amount). With
      `future_sales`, a client's run-rate = its revenue in the 6 calendar months before the
      month of `as_of` / 6 (positive only), invoiced on every 15th after `as_of`, due after
      its median terms (median of due − date over its documents, else `default_terms`), and
      received after its expected delay.
    - `plan`: PLAN_SCHEMA rows (date, amount + in / − out, category, repeat, until).
    """
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(HORIZON_INVALID.format(max=MAX_HORIZON))
    for name, value in (("the opening balance", opening_balance), ("the reserve", reserve)):
        if not math.isfinite(value):
            raise ValueError(NOT_FINITE.format(name=name))
    if default_terms < 0:
        raise ValueError(DEFAULT_TERMS_NEGATIVE)
    docs = documents.select(
        pl.col("client_key").cast(pl.String),
        pl.col("client").cast(pl.String),
        pl.col("document").cast(pl.String),
        pl.col("date").cast(pl.Date),
        pl.col("due_date").cast(pl.Date),
        pl.col("amount").cast(pl.Float64),
        pl.col("days_late").cast(pl.Int64),
        pl.col("outstanding").cast(pl.Float64),
    ).filter(pl.col("date") <= as_of)
    docs = docs.sort(docs.columns, nulls_last=True)
    paid = docs.filter((pl.col("amount") > 0) & pl.col("days_late").is_not_null())
    company_history = tuple(int(d) for d in paid.get_column("days_late").sort().to_list())
    company_delay = median_days(paid.get_column("days_late")) or 0

    per_client = docs.group_by("client_key").agg(
        pl.col("client").min(),
        pl.col("days_late").filter(pl.col("amount") > 0).drop_nulls().sort().alias("history"),
        (pl.col("due_date") - pl.col("date"))
        .dt.total_days()
        .filter(pl.col("amount") > 0)
        .alias("_terms_days"),
    )
    run_rates = _run_rates(sales, as_of) if sales is not None else _empty_run_rates()
    names = pl.concat(
        [per_client.select("client_key", "client"), run_rates.select("client_key", "client")]
    )
    clients = (
        names.group_by("client_key")
        .agg(pl.col("client").min())
        .join(per_client.drop("client"), on="client_key", how="left")
        .join(run_rates.drop("client"), on="client_key", how="left")
        .sort("client_key")
    )
    history = clients.get_column("history").to_list()
    terms_days = clients.get_column("_terms_days").to_list()
    paid_count = [len(h or []) for h in history]
    own_delay = [
        median_days(h) if n >= OWN_DELAY_MIN else None
        for h, n in zip(history, paid_count, strict=True)
    ]
    own_terms = [median_days(t or []) for t in terms_days]
    clients = clients.with_columns(
        pl.Series("paid_documents", paid_count, dtype=pl.Int64),
        pl.Series(
            "expected_delay",
            [company_delay if d is None else d for d in own_delay],
            dtype=pl.Int64,
        ),
        pl.Series(
            "delay_source",
            [SOURCE_COMPANY if d is None else SOURCE_CLIENT for d in own_delay],
            dtype=pl.String,
        ),
        pl.Series(
            "history_source",
            [SOURCE_CLIENT if n >= OWN_HISTORY_MIN else SOURCE_COMPANY for n in paid_count],
            dtype=pl.String,
        ),
        pl.Series("terms", [default_terms if t is None else t for t in own_terms], dtype=pl.Int64),
        pl.Series(
            "terms_source",
            [SOURCE_DEFAULT if t is None else SOURCE_CLIENT for t in own_terms],
            dtype=pl.String,
        ),
        pl.col("run_rate").fill_null(0.0),
        pl.col("history").fill_null(pl.lit([], dtype=pl.List(pl.Int64()))),
    ).select(pl.col(name).cast(dtype) for name, dtype in CLIENTS_SCHEMA.items())

    first_day = as_of + timedelta(days=1)
    open_docs = (
        docs.filter(pl.col("outstanding") > 0)
        .join(clients.select("client_key", "expected_delay"), on="client_key", how="left")
        .select(
            "client_key",
            "client",
            pl.lit(KIND_OPEN).alias("kind"),
            "document",
            "date",
            "due_date",
            pl.col("outstanding").alias("amount"),
            "expected_delay",
            pl.max_horizontal(
                pl.col("due_date") + pl.duration(days=pl.col("expected_delay")), pl.lit(first_day)
            ).alias("expected_date"),
        )
    )
    parts = [open_docs]
    if future_sales:
        parts.append(_future_sales(clients, as_of, as_of + timedelta(days=horizon)))
    receipts = pl.concat(
        [p.select(pl.col(n).cast(t) for n, t in RECEIPTS_SCHEMA.items()) for p in parts]
    ).sort("expected_date", "client_key", "kind", "date", "document", nulls_last=True)
    return CashBasis(
        as_of=as_of,
        horizon_days=horizon,
        opening_balance=float(opening_balance),
        reserve=float(reserve),
        receipts=receipts,
        clients=clients,
        plan=_plan_frame(plan),
        company_delay=company_delay,
        company_history=company_history,
        future_sales=future_sales,
        default_terms=default_terms,
    )


def _empty_run_rates() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"client_key": pl.String(), "client": pl.String(), "run_rate": pl.Float64()}
    )


def _run_rates(sales: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """client_key, client, run_rate: revenue of the 6 calendar months before the month of
    `as_of`, / 6, rounded to the kopeck; every client with a line in that window."""
    month = date(as_of.year, as_of.month, 1)
    window_from = add_months(month, -RUN_RATE_MONTHS)
    lines = sales.select(
        pl.col("client_key").cast(pl.String),
        pl.col("client").cast(pl.String),
        pl.col("date").cast(pl.Date),
        _cents(pl.col("amount").cast(pl.Float64)).alias("cents"),
    ).filter(pl.col("date").is_between(window_from, month - timedelta(days=1)))
    return (
        lines.group_by("client_key")
        .agg(pl.col("client").min(), pl.col("cents").sum())
        .select(
            "client_key",
            "client",
            # Integer kopecks / 6, rounded half up: the same on every machine.
            ((pl.col("cents") * 2 + RUN_RATE_MONTHS) // (2 * RUN_RATE_MONTHS))
            .clip(lower_bound=0)
            .cast(pl.Float64)
            .truediv(100)
            .alias("run_rate"),
        )
    )


def _future_sales(clients: pl.DataFrame, as_of: date, last: date) -> pl.DataFrame:
    """One receipt per client with a positive run-rate and 15th in the horizon."""
    days = invoice_days(as_of, last)
    selling = clients.filter(pl.col("run_rate") > 0)
    if not days or not selling.height:
        return pl.DataFrame(schema=RECEIPTS_SCHEMA)
    calendar_frame = pl.DataFrame({"date": days}, schema={"date": pl.Date()})
    due = pl.col("date") + pl.duration(days=pl.col("terms"))
    return (
        selling.join(calendar_frame, how="cross")
        .with_columns(due.alias("due_date"))
        .select(
            "client_key",
            "client",
            pl.lit(KIND_FUTURE).alias("kind"),
            pl.lit(None, pl.String()).alias("document"),
            "date",
            "due_date",
            pl.col("run_rate").alias("amount"),
            "expected_delay",
            (pl.col("due_date") + pl.duration(days=pl.col("expected_delay"))).alias(
                "expected_date"
            ),
        )
    )


def _plan_frame(plan: pl.DataFrame | None) -> pl.DataFrame:
    schema = {
        "row": pl.Int64(),
        "date": pl.Date(),
        "amount": pl.Float64(),
        "category": pl.String(),
        "repeat": pl.String(),
        "until": pl.Date(),
    }
    if plan is None:
        return pl.DataFrame(schema=schema)
    frame = plan
    if "row" not in frame.columns:
        frame = frame.with_row_index("row", offset=1)
    for name, dtype in schema.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(name))
    frame = frame.select(pl.col(n).cast(t) for n, t in schema.items()).with_columns(
        pl.col("repeat").fill_null("none")
    )
    bad = [r for r in frame.get_column("repeat").unique().to_list() if r not in REPEATS]
    if bad:
        raise ValueError(REPEAT_INVALID.format(repeat=bad[0]))
    if frame.select(pl.col("date").is_null().any() | pl.col("amount").is_null().any()).item():
        raise ValueError(PLAN_INCOMPLETE)
    return frame


# --- The calendar ----------------------------------------------------------------------------


def planned_payments(basis: CashBasis, scenario: Scenario = BASE) -> pl.DataFrame:
    """The planned payments laid out in the horizon (after the scenario's changes), by date
    and row. Columns as in PLANNED_SCHEMA."""
    plan = _changed_plan(basis, scenario)
    first, last = basis.first_day, basis.last_day
    rows = [
        (row, day, amount, category)
        for row, start, amount, category, repeat, until in plan.iter_rows()
        for day in occurrences(start, repeat, until, first, last)
    ]
    return pl.DataFrame(rows, schema=PLANNED_SCHEMA, orient="row").sort("date", "row")


def cash_forecast(basis: CashBasis, scenario: Scenario = BASE) -> CashForecast:
    """The day-by-day calendar of `basis` under `scenario` (the base forecast by default)."""
    _check_scenario(basis, scenario)
    planned = planned_payments(basis, scenario)
    receipts = _scenario_receipts(basis, scenario)
    horizon = basis.horizon_days
    first_number = _day_number(basis.first_day)
    inflow = np.zeros(horizon, dtype=np.int64)
    outflow = np.zeros(horizon, dtype=np.int64)
    plan_index = _day_numbers(planned.get_column("date")) - first_number
    plan_cents = _to_cents(planned.get_column("amount"))
    np.add.at(inflow, plan_index[plan_cents > 0], plan_cents[plan_cents > 0])
    np.add.at(outflow, plan_index[plan_cents < 0], -plan_cents[plan_cents < 0])
    collected = receipts.filter(pl.col("receipt_date") <= basis.last_day)
    np.add.at(
        inflow,
        _day_numbers(collected.get_column("receipt_date")) - first_number,
        _to_cents(collected.get_column("amount")),
    )
    opening = _opening_cents(basis, scenario)
    balance = opening + np.cumsum(inflow - outflow)
    stats = _calendar_stats(balance[None, :], _cents_of(basis.reserve))
    days = pl.DataFrame(
        {
            "date": pl.date_range(basis.first_day, basis.last_day, "1d", eager=True),
            "inflow": inflow / 100,
            "outflow": outflow / 100,
            "balance": balance / 100,
        },
        schema=DAYS_SCHEMA,
    )
    gap = int(stats.first_gap[0])
    return CashForecast(
        as_of=basis.as_of,
        horizon_days=horizon,
        opening_balance=opening / 100,
        reserve=basis.reserve,
        days=days,
        first_gap_date=None if gap < 0 else basis.first_day + timedelta(days=gap),
        min_balance=int(stats.minimum[0]) / 100,
        min_balance_date=basis.first_day + timedelta(days=int(stats.argmin[0])),
        days_below_reserve=int(stats.below[0]),
        receipts=receipts,
        planned=planned,
        scenario=scenario,
    )


@dataclass(frozen=True)
class _Stats:
    first_gap: IntArray  # day index of the first day below the reserve, −1 when none
    minimum: IntArray
    argmin: IntArray
    below: IntArray


def _calendar_stats(balances: IntArray, reserve: int) -> _Stats:
    """Per row of a (rows × days) matrix of end-of-day balances in kopecks."""
    below = balances < reserve
    any_below = below.any(axis=1)
    return _Stats(
        first_gap=np.where(any_below, below.argmax(axis=1), -1),
        minimum=balances.min(axis=1),
        argmin=balances.argmin(axis=1),
        below=below.sum(axis=1),
    )


def _check_scenario(basis: CashBasis, scenario: Scenario) -> None:
    known = set(basis.clients.get_column("client_key").to_list())
    for what, keys in (
        ("delayed", [d.client_key for d in scenario.delays]),
        ("lost", [loss.client_key for loss in scenario.losses]),
    ):
        seen: set[str] = set()
        for key in keys:
            if key not in known:
                raise ValueError(UNKNOWN_CLIENT.format(client=key))
            if key in seen:
                raise ValueError(CLIENT_TWICE.format(client=key, what=what))
            seen.add(key)
    for delay in scenario.delays:
        if delay.days < 0:
            raise ValueError(DELAY_NEGATIVE.format(client=delay.client_key, days=delay.days))
    if scenario.opening_balance is not None and not math.isfinite(scenario.opening_balance):
        raise ValueError(NOT_FINITE.format(name="the opening balance"))
    rows = set(basis.plan.get_column("row").to_list())
    changed: set[int] = set()
    for change in scenario.plan_changes:
        if change.row not in rows:
            raise ValueError(UNKNOWN_PLAN_ROW.format(row=change.row))
        if change.row in changed:
            raise ValueError(PLAN_ROW_TWICE.format(row=change.row))
        changed.add(change.row)
        if change.amount is not None and not change.remove:
            if not math.isfinite(change.amount):
                raise ValueError(NOT_FINITE.format(name="a planned amount"))
            if _cents_of(change.amount) == 0:
                raise ValueError(PLAN_AMOUNT_ZERO)


def _changed_plan(basis: CashBasis, scenario: Scenario) -> pl.DataFrame:
    plan = basis.plan
    if not scenario.plan_changes:
        return plan
    changes = {change.row: change for change in scenario.plan_changes}
    rows = []
    for row in plan.iter_rows(named=True):
        change = changes.get(row["row"])
        if change is not None:
            if change.remove:
                continue
            if change.amount is not None:
                row["amount"] = float(change.amount)
            if change.date is not None:
                row["date"] = change.date
        rows.append(row)
    return pl.DataFrame(rows, schema=plan.schema)


def _opening_cents(basis: CashBasis, scenario: Scenario) -> int:
    opening = basis.opening_balance
    if scenario.opening_balance is not None:
        opening = scenario.opening_balance
    return _cents_of(opening)


def _scenario_receipts(basis: CashBasis, scenario: Scenario) -> pl.DataFrame:
    """The receipts the scenario keeps, with its `shift` (days of delay) and `receipt_date`."""
    receipts = basis.receipts
    delays = pl.DataFrame(
        {
            "client_key": [d.client_key for d in scenario.delays],
            "shift": [d.days for d in scenario.delays],
        },
        schema={"client_key": pl.String(), "shift": pl.Int64()},
    )
    losses = pl.DataFrame(
        {
            "client_key": [loss.client_key for loss in scenario.losses],
            "_lost_from": [
                max(loss.from_date or basis.first_day, basis.first_day) for loss in scenario.losses
            ],
            "_write_off": [loss.write_off for loss in scenario.losses],
        },
        schema={"client_key": pl.String(), "_lost_from": pl.Date(), "_write_off": pl.Boolean()},
    )
    lost_sale = (pl.col("kind") == KIND_FUTURE) & (pl.col("date") >= pl.col("_lost_from"))
    written_off = (pl.col("kind") == KIND_OPEN) & pl.col("_write_off")
    return (
        receipts.join(delays, on="client_key", how="left")
        .join(losses, on="client_key", how="left")
        .filter(~(lost_sale | written_off).fill_null(False))
        .with_columns(pl.col("shift").fill_null(0))
        .with_columns(
            (pl.col("expected_date") + pl.duration(days=pl.col("shift"))).alias("receipt_date")
        )
        .drop("_lost_from", "_write_off")
    )


# --- Monte Carlo -----------------------------------------------------------------------------


def simulate_cash(
    basis: CashBasis,
    scenario: Scenario = BASE,
    *,
    paths: int = DEFAULT_PATHS,
    seed: int = 0,
) -> CashSimulation:
    """Monte Carlo of the calendar: each document's delay (open documents and future sales)
    is drawn with replacement from its client's days-late history (the company's when the
    client has fewer than 5 paid documents; 0 days when the company has none), independently
    per path; planned payments and the opening balance are as in the forecast.

    Vectorized: paths are drawn in chunks as (paths × documents) matrices, receipt days go to a
    (paths × days) inflow matrix through one `bincount`, and a cumulative sum gives every
    path's balances; no Python loop runs over paths. Seeded: the same basis, scenario, paths
    and seed give the same answer.
    """
    if paths < 1:
        raise ValueError(PATHS_INVALID)
    _check_scenario(basis, scenario)
    horizon = basis.horizon_days
    planned = planned_payments(basis, scenario)
    plan_net = np.zeros(horizon, dtype=np.int64)
    np.add.at(
        plan_net,
        _day_numbers(planned.get_column("date")) - _day_number(basis.first_day),
        _to_cents(planned.get_column("amount")),
    )
    fixed = _opening_cents(basis, scenario) + np.cumsum(plan_net)
    receipts = _scenario_receipts(basis, scenario)
    draws = _draw_setup(basis, receipts)
    minimum = simulate_minimum_balances(
        fixed_balance=fixed,
        due_index=draws.due_index,
        shift=draws.shift,
        cents=draws.cents,
        pool=draws.pool,
        pool_start=draws.pool_start,
        pool_size=draws.pool_size,
        paths=paths,
        seed=seed,
    )
    reserve = _cents_of(basis.reserve)
    p5, p50, p95 = (float(v) / 100 for v in np.percentile(minimum, [5, 50, 95]))
    return CashSimulation(
        paths=paths,
        seed=seed,
        probability_gap=float(np.count_nonzero(minimum < reserve)) / paths,
        min_balance_p5=round(p5, 2),
        min_balance_p50=round(p50, 2),
        min_balance_p95=round(p95, 2),
        reserve_needed_95=round(max(0.0, basis.reserve - p5), 2),
        scenario=scenario,
    )


@dataclass(frozen=True)
class _Draws:
    due_index: IntArray  # due date as a day index (0 = as_of + 1); may be negative
    shift: IntArray  # the scenario's delay
    cents: IntArray
    pool: npt.NDArray[np.int16]  # every history, one after another
    pool_start: IntArray  # per document: where its history starts in `pool`
    pool_size: IntArray  # ... and how long it is


def _draw_setup(basis: CashBasis, receipts: pl.DataFrame) -> _Draws:
    """Per receipt: its due day, shift, amount and which history its delay is drawn from."""
    clients = basis.clients
    company = np.asarray(basis.company_history or (0,), dtype=np.int64)
    own = clients.filter(pl.col("history_source") == SOURCE_CLIENT)
    histories = [company] + [np.asarray(h, dtype=np.int64) for h in own.get_column("history")]
    sizes = np.array([len(h) for h in histories], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    slot = pl.DataFrame(
        {
            "client_key": own.get_column("client_key"),
            "_slot": np.arange(1, own.height + 1, dtype=np.int64),
        }
    )
    pool = np.clip(np.concatenate(histories), 0, _INT16_MAX).astype(np.int16)
    per_receipt = receipts.join(slot, on="client_key", how="left").with_columns(
        pl.col("_slot").fill_null(0)
    )
    index = per_receipt.get_column("_slot").to_numpy()
    first = _day_number(basis.first_day)
    return _Draws(
        due_index=_day_numbers(per_receipt.get_column("due_date")) - first,
        shift=per_receipt.get_column("shift").to_numpy().astype(np.int64),
        cents=_to_cents(per_receipt.get_column("amount")),
        pool=pool,
        pool_start=starts[index],
        pool_size=sizes[index],
    )


def simulate_minimum_balances(
    *,
    fixed_balance: IntArray,
    due_index: IntArray,
    shift: IntArray,
    cents: IntArray,
    pool: npt.NDArray[np.int16],
    pool_start: IntArray,
    pool_size: IntArray,
    paths: int,
    seed: int,
) -> IntArray:
    """The minimum end-of-day balance (kopecks) of each of `paths` simulated calendars.

    `fixed_balance[t]` is the balance of day t without receipts (opening + planned flows). For
    document j, a delay d is drawn from `pool[pool_start[j] : pool_start[j] + pool_size[j]]`;
    it comes in on day max(due_index[j] + d, 0) + shift[j] (day 0 is as_of + 1), if that is
    within the horizon.

    A document that lands on the same day whatever is drawn (long overdue, or due past the
    horizon) is added to the fixed flows once instead of being drawn. The others are drawn in
    chunks of paths, from generators spawned off `seed`: the answer depends on the seed and
    the data alone.
    """
    horizon = len(fixed_balance)
    if np.any(pool_size < 1):
        raise ValueError(EMPTY_HISTORY)
    if len(due_index) == 0:  # nothing to draw: every path is the plain calendar
        return np.full(paths, int(np.min(fixed_balance)), dtype=np.int64)
    # The shortest and longest delay each history can give (a few hundred histories at most).
    slots, slot_of = np.unique(np.stack([pool_start, pool_size]), axis=1, return_inverse=True)
    bounds = np.array([(pool[s : s + n].min(), pool[s : s + n].max()) for s, n in slots.T])
    lowest, highest = bounds[slot_of.ravel(), 0], bounds[slot_of.ravel(), 1]
    earliest = np.clip(np.maximum(due_index + lowest, 0) + shift, 0, horizon)
    latest = np.clip(np.maximum(due_index + highest, 0) + shift, 0, horizon)
    fixed_day = earliest == latest
    settled = np.bincount(earliest[fixed_day], weights=cents[fixed_day], minlength=horizon + 1)
    fixed = fixed_balance + np.cumsum(np.rint(settled[:horizon]).astype(np.int64))
    drawn = ~fixed_day
    documents = int(np.count_nonzero(drawn))
    if documents == 0:
        return np.full(paths, fixed.min(), dtype=np.int64)

    width = horizon + 1  # one more column catches the receipts past the horizon
    chunk = max(1, min(paths, _CHUNK_CELLS // documents))
    chunks = -(-paths // chunk)
    generators = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(chunks)]
    # Day arithmetic in int32 (the horizon is at most MAX_HORIZON; due days are clipped far
    # outside it, where they land on the same day anyway); draws in float32, which is plenty
    # to pick one of a client's paid documents.
    due = np.clip(due_index[drawn], -(2**20), 2**20).astype(np.int32)
    late = shift[drawn].astype(np.int32)
    start = pool_start[drawn].astype(np.int32)
    size = pool_size[drawn].astype(np.float32)
    last = pool_size[drawn].astype(np.int32) - 1
    delays = pool.astype(np.int32)
    weights = np.tile(cents[drawn].astype(np.float64), chunk)  # exact: sums stay below 2**53
    rows_offset = (np.arange(chunk, dtype=np.int32) * width)[:, None]
    minimum = np.empty(paths, dtype=np.int64)
    for number, rng in enumerate(generators):
        first = number * chunk
        rows = min(chunk, paths - first)
        pick = (rng.random((rows, documents), dtype=np.float32) * size).astype(np.int32)
        np.minimum(pick, last, out=pick)
        pick += start
        day = delays.take(pick)
        day += due
        np.maximum(day, 0, out=day)
        day += late
        np.minimum(day, horizon, out=day)
        day += rows_offset[:rows]
        inflow = np.bincount(
            day.ravel(), weights=weights[: rows * documents], minlength=rows * width
        ).reshape(rows, width)[:, :horizon]
        balance = np.cumsum(inflow, axis=1)
        balance += fixed
        minimum[first : first + rows] = np.rint(balance.min(axis=1)).astype(np.int64)
    return minimum


# --- Losing each client ----------------------------------------------------------------------


def loss_impacts(basis: CashBasis, clients: Iterable[str] | None = None) -> pl.DataFrame:
    """For every client (or those given), the calendar of `Loss(client)` from `as_of` + 1:
    its future sales stop, its open documents are still collected. All clients in one
    (clients × days) matrix. Columns as in IMPACTS_SCHEMA, in the order of `basis.clients`."""
    base = cash_forecast(basis)
    chosen = basis.clients.select("client_key", "client")
    if clients is not None:
        wanted = list(clients)
        _check_scenario(basis, Scenario(losses=tuple(Loss(key) for key in wanted)))
        chosen = chosen.filter(pl.col("client_key").is_in(wanted))
    horizon = basis.horizon_days
    first = _day_number(basis.first_day)
    lost = (
        chosen.with_row_index("_i")
        .join(
            base.receipts.filter(
                (pl.col("kind") == KIND_FUTURE) & (pl.col("receipt_date") <= basis.last_day)
            ),
            on="client_key",
        )
        .select("_i", "receipt_date", "amount")
    )
    index = lost.get_column("_i").to_numpy().astype(np.int64)
    day = _day_numbers(lost.get_column("receipt_date")) - first
    cents = _to_cents(lost.get_column("amount"))
    missing = np.zeros((chosen.height, horizon), dtype=np.int64)
    np.add.at(missing, (index, day), cents)
    balance_cents = _to_cents(base.days.get_column("balance"))
    balances = balance_cents[None, :] - np.cumsum(missing, axis=1)
    stats = _calendar_stats(balances, _cents_of(basis.reserve))
    days = base.days.get_column("date")
    return chosen.with_columns(
        pl.Series("lost_receipts", missing.sum(axis=1) / 100, dtype=pl.Float64),
        pl.Series(
            "first_gap_date",
            [None if g < 0 else days[int(g)] for g in stats.first_gap],
            dtype=pl.Date,
        ),
        pl.Series("min_balance", stats.minimum / 100, dtype=pl.Float64),
        pl.Series("min_balance_date", [days[int(i)] for i in stats.argmin], dtype=pl.Date),
        pl.Series("days_below_reserve", stats.below, dtype=pl.Int64),
    ).select(pl.col(name).cast(dtype) for name, dtype in IMPACTS_SCHEMA.items())


# --- Helpers ---------------------------------------------------------------------------------


def _cents(amount: pl.Expr) -> pl.Expr:
    return (amount * 100).round().cast(pl.Int64)


def _cents_of(amount: float) -> int:
    return round(amount * 100)


def _to_cents(amounts: pl.Series) -> IntArray:
    roubles: npt.NDArray[np.float64] = amounts.cast(pl.Float64).to_numpy()
    return np.rint(roubles * 100).astype(np.int64)


def _day_number(day: date) -> int:
    return (day - _EPOCH).days


def _day_numbers(days: pl.Series) -> IntArray:
    return days.cast(pl.Int32).to_numpy().astype(np.int64)

"""Reads behind the cash forecast and risk pages: SQL aggregates in, the core's figures out.

The web app computes no metric of its own. Two GROUP BYs over the sales table give the core
what it needs: the sales documents at the balance date (one row per client and document
number, for `receivables.settle`) and each client's revenue and cost by month (for the
run-rates of future sales, the stress test and the diversification plan). The plan and the
settings are small tables read as they are. `keyclients.core.analytics.cashflow` and
`.scenarios` compute every balance, gap, probability and replacement count from them.

Two providers stand in for features merged from other branches; wire them there and nothing
else changes:
- `payments_frame(company=)`: the company's client payments (ledger.Payment);
- `key_client_keys(sales=)`: the KAISM page's key clients.

The expensive parts (the settlement of every document, the month aggregate, the simulation,
the stress test) are cached per company under the insights data version (a fingerprint of the
imports and clients) plus a fingerprint of the plan and the settings, so an import, a client
edit, a plan change or a new balance shows at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import TypeVar

import polars as pl
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from keyclients.core.analytics.abc_xyz import StabilityPeriods, stability_periods
from keyclients.core.analytics.cashflow import (
    BASE,
    CashBasis,
    CashForecast,
    CashSimulation,
    Scenario,
    cash_basis,
    cash_forecast,
    simulate_cash,
)
from keyclients.core.analytics.concentration import client_revenue, client_shares
from keyclients.core.analytics.receivables import settle
from keyclients.core.analytics.scenarios import (
    DiversificationPlan,
    StressTest,
    diversification_plan,
    loss_stress_test,
)
from keyclients.core.ingest.schema import PLAN_SCHEMA, SALES_SCHEMA
from keyclients.web.accounts.models import Company
from keyclients.web.cache_once import cached_once
from keyclients.web.forecast import forms as forecast_forms
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment
from keyclients.web.insights import selectors as insights_selectors
from keyclients.web.insights.periods import ltm_period
from keyclients.web.insights.selectors import CompanySales
from keyclients.web.ledger.models import Client, Sale

CACHE_TIMEOUT = 60 * 60
SIMULATION_PATHS = 10_000  # DESIGN §4 default
SIMULATION_SEED = 0  # fixed: the same data always gives the same probability
SIMULATION_MIN_PATHS = 1_000
# Paths × receipts drawn per request: ~20 ns a cell, so about a second at most. A company with
# more receipts gets fewer paths, and the page says so.
SIMULATION_CELL_BUDGET = 40_000_000

CLIENT_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "client_key": pl.String(),
    "client": pl.String(),
    "terms": pl.Int64(),  # Client.payment_terms_days; null: the document's due date or 0
}
MONTH_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "date": pl.Date(),  # the first day of the month
    "amount": pl.Float64(),
    "cost": pl.Float64(),  # null unless every line of the client-month has a cost
}

T = TypeVar("T")


# --- Providers (wired after the merges) ------------------------------------------------------


def payments_frame(*, company: Company) -> pl.DataFrame:
    """The company's client payments as the core's PAYMENTS_SCHEMA frame (row, client_key,
    client, inn, date, amount > 0, document, purpose, source), each payment counted once —
    the same frame the receivables page settles with, so both pages agree. Unmatched payers
    are keyed `payer:<key>` and never meet a client's documents.
    """
    from keyclients.web.insights.receivables import receivables_input

    sales = insights_selectors.company_sales(company=company)
    return receivables_input(sales=sales).payments


def key_client_keys(*, sales: CompanySales) -> frozenset[str]:
    """The keys of the KAISM page's key clients (class A, a strategic position, reputation or
    development, or marked by hand: DESIGN's key criteria), as of the end of the LTM."""
    from keyclients.web.insights import kaism_selectors

    data = kaism_selectors.company_kaism_data(sales=sales)
    return frozenset(data.clients.filter(pl.col("is_key")).get_column("client_key").to_list())


# --- Settings and plan -----------------------------------------------------------------------


def forecast_settings(*, company: Company) -> ForecastSettings:
    """The company's settings row; an unsaved one with the defaults when there is none."""
    found = ForecastSettings.objects.filter(company=company).first()
    return found or ForecastSettings(company=company)


def planned_payment_list(*, company: Company) -> QuerySet[PlannedPayment]:
    return PlannedPayment.objects.filter(company=company).order_by("date", "pk")


def plan_frame(*, payments: Sequence[PlannedPayment]) -> pl.DataFrame:
    """PLAN_SCHEMA rows for the core; `row` is the planned payment's id (PlanChange names it)."""
    return pl.DataFrame(
        [(p.pk, p.date, float(p.amount), p.category, p.repeat, p.until) for p in payments],
        schema=PLAN_SCHEMA,
        orient="row",
    )


# --- The SQL bridge --------------------------------------------------------------------------

# Dates as text on both databases (SQLite gives text, PostgreSQL a date): one parser after.
_DAY_SQL = {"sqlite": "{}", "postgresql": "to_char({}, 'YYYY-MM-DD')"}
_MONTH_SQL = {"sqlite": "substr({}, 1, 7)", "postgresql": "to_char({}, 'YYYY-MM')"}


def client_frame(*, company: Company) -> pl.DataFrame:
    """Every client of the company: id, key, name and payment terms (CLIENT_SCHEMA)."""
    rows = (
        Client.objects.filter(company=company)
        .order_by()
        .values_list("id", "key", "name", "payment_terms_days")
    )
    return pl.DataFrame(list(rows), schema=CLIENT_SCHEMA, orient="row")


def sales_documents(*, company: Company, as_of: date) -> pl.DataFrame:
    """The company's sales up to `as_of` as one line per document, in SALES_SCHEMA for
    `receivables.settle`, with `client_id` in place of the client's key.

    A document is the lines of one client with one number (DESIGN §4), so grouping them in SQL
    gives settle exactly the documents it would build from the lines: the earliest date, the
    sum, the earliest due date, and the last paid date when every line has one. Lines without
    a number are documents of their own. `row` is the first line's id.
    """
    vendor = connection.vendor
    day = _DAY_SQL[vendor]
    table = connection.ops.quote_name(Sale._meta.db_table)
    paid = f"CASE WHEN COUNT(paid_date) = COUNT(*) THEN {day.format('MAX(paid_date)')} END"
    sql = (
        f"SELECT MIN(id), client_id, document, {day.format('MIN(date)')},"
        f" CAST(SUM(amount) AS DOUBLE PRECISION), {day.format('MIN(due_date)')}, {paid}"
        f" FROM {table} WHERE company_id = %s AND date <= %s AND document <> ''"
        f" GROUP BY client_id, document"
        f" UNION ALL"
        f" SELECT id, client_id, NULL, {day.format('date')}, CAST(amount AS DOUBLE PRECISION),"
        f" {day.format('due_date')}, {day.format('paid_date')}"
        f" FROM {table} WHERE company_id = %s AND date <= %s AND document = ''"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk, as_of, company.pk, as_of])
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema={
            "row": pl.Int64,
            "client_id": pl.Int64,
            "document": pl.String,
            "date": pl.String,
            "amount": pl.Float64,
            "due_date": pl.String,
            "paid_date": pl.String,
        },
        orient="row",
    )
    return raw.with_columns(
        pl.col(name).str.to_date("%Y-%m-%d") for name in ("date", "due_date", "paid_date")
    )


def client_month_sales(*, company: Company) -> pl.DataFrame:
    """Revenue and cost per client and month in one GROUP BY (MONTH_SCHEMA). The cost of a
    month is null unless every line has one, so the core's "cost on every line" rule for a
    client's own margin holds on the aggregate."""
    vendor = connection.vendor
    month = _MONTH_SQL[vendor].format("date")
    cost = "CASE WHEN COUNT(cost) = COUNT(*) THEN CAST(SUM(cost) AS DOUBLE PRECISION) END"
    sql = (
        f"SELECT client_id, {month}, CAST(SUM(amount) AS DOUBLE PRECISION), {cost}"
        f" FROM {connection.ops.quote_name(Sale._meta.db_table)}"
        f" WHERE company_id = %s GROUP BY client_id, {month}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk])
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema={
            "client_id": pl.Int64,
            "month": pl.String,
            "amount": pl.Float64,
            "cost": pl.Float64,
        },
        orient="row",
    )
    return raw.select(
        "client_id",
        (pl.col("month") + "-01").str.to_date("%Y-%m-%d").alias("date"),
        "amount",
        "cost",
    ).sort("client_id", "date")


# --- Cached company data ---------------------------------------------------------------------


def _cached(key: str, build: Callable[[], T]) -> T:
    # As the dashboards: one build per key, and a warm read from this process's memory instead
    # of the shared file cache's compressed copy (which cost ~40 ms a request at 100k lines).
    return cached_once(key, build, CACHE_TIMEOUT)


def _clients(sales: CompanySales) -> pl.DataFrame:
    return _cached(sales.key("forecast-clients"), lambda: client_frame(company=sales.company))


def sales_months(*, sales: CompanySales) -> pl.DataFrame:
    """The core's sales frame by client and month (client_key, client, date, amount, cost),
    with client_id: the whole history."""
    months = _cached(
        sales.key("forecast-months"), lambda: client_month_sales(company=sales.company)
    )
    names = _clients(sales).select("client_id", "client_key", "client")
    return months.join(names, on="client_id", how="inner")


def settled_documents(*, sales: CompanySales, as_of: date) -> pl.DataFrame:
    """`Settlement.documents` of the company at `as_of`, from the SQL documents and
    `payments_frame`, with each client's payment terms for documents without a due date."""

    def build() -> pl.DataFrame:
        clients = _clients(sales)
        lines = (
            sales_documents(company=sales.company, as_of=as_of)
            .join(clients.select("client_id", "client_key", "client"), on="client_id")
            .with_columns(pl.lit(None, pl.String).alias(name) for name in ("inn", "product"))
            .with_columns(
                pl.lit(None, pl.Float64).alias("cost"), pl.lit(None, pl.String).alias("manager")
            )
            .select(pl.col(name).cast(dtype) for name, dtype in SALES_SCHEMA.items())
        )
        terms = {
            key: int(days)
            for key, days in clients.select("client_key", "terms").iter_rows()
            if days is not None
        }
        payments = payments_frame(company=sales.company)
        return settle(lines, payments, as_of=as_of, terms=terms).documents

    return _cached(sales.key("forecast-documents", as_of.isoformat()), build)


# --- The forecast ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastData:
    """Everything the forecast and risk pages start from, read once per request. The cash
    basis is read from the cache only when asked for: at a million sales lines it holds
    ~430,000 receipts (~60 MB), which the page as it opens does not need (`forecast_view`)."""

    sales: CompanySales
    settings: ForecastSettings
    plan: tuple[PlannedPayment, ...]
    fingerprint: str  # data version + settings + plan: the key of derived cache entries

    @property
    def company(self) -> Company:
        return self.sales.company

    @property
    def has_basis(self) -> bool:
        """Whether there is a cash basis: an opening balance with its date is given."""
        return bool(self.settings.has_balance)

    @cached_property
    def basis(self) -> CashBasis | None:
        """The core's cash basis (None until an opening balance with its date is given)."""
        if not self.has_basis:
            return None
        return _cached(self.key("basis"), lambda: _basis(self.sales, self.settings, self.plan))

    @property
    def as_of(self) -> date | None:
        """The day the figures are taken at: the balance date (the basis's), else the end of
        the last full month with sales (the dashboards' LTM), else None (no sales, no
        balance)."""
        if self.has_basis:
            return self.settings.balance_date
        period = ltm_period(self.sales.months, today=timezone.localdate())
        return None if period is None else period.date_to

    def key(self, *parts: object) -> str:
        return self.sales.key("forecast", self.fingerprint, *parts)


def _fingerprint(
    sales: CompanySales, settings: ForecastSettings, plan: Sequence[PlannedPayment]
) -> str:
    text = repr(
        (
            sales.version,
            settings.opening_balance,
            settings.balance_date,
            settings.reserve,
            settings.horizon_days,
            settings.target_top1_share,
            settings.target_hhi,
            settings.gross_margin_percent,
            [(p.pk, p.date, p.amount, p.repeat, p.until, p.category) for p in plan],
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def forecast_data(*, company: Company) -> ForecastData:
    """Settings, plan and the cash basis of the company (None without an opening balance)."""
    sales = insights_selectors.company_sales(company=company)
    settings = forecast_settings(company=company)
    plan = tuple(planned_payment_list(company=company))
    fingerprint = _fingerprint(sales, settings, plan)
    return ForecastData(sales=sales, settings=settings, plan=plan, fingerprint=fingerprint)


def _basis(
    sales: CompanySales, settings: ForecastSettings, plan: Sequence[PlannedPayment]
) -> CashBasis:
    assert settings.balance_date is not None and settings.opening_balance is not None
    return basis_at(
        sales=sales,
        settings=settings,
        plan=plan,
        as_of=settings.balance_date,
        opening_balance=float(settings.opening_balance),
    )


def basis_at(
    *,
    sales: CompanySales,
    settings: ForecastSettings,
    plan: Sequence[PlannedPayment],
    as_of: date,
    opening_balance: float,
    horizon: int | None = None,
) -> CashBasis:
    """The core's cash basis from the page's documents, months and plan, started at `as_of`
    with `opening_balance` (the page: the settings' own; the API may ask for others)."""
    return cash_basis(
        settled_documents(sales=sales, as_of=as_of),
        sales_months(sales=sales),
        plan_frame(payments=plan),
        as_of=as_of,
        opening_balance=opening_balance,
        horizon=horizon or settings.horizon_days,
        reserve=float(settings.reserve),
    )


def scenario_clients(*, data: ForecastData) -> list[tuple[int, str, float]]:
    """The clients a scenario can name (those in the cash basis), as (id, name, run-rate),
    largest monthly run-rate first, then by name: the top client comes first."""
    if data.basis is None:
        return []

    def build() -> list[tuple[int, str, float]]:
        assert data.basis is not None
        ids = _clients(data.sales).select("client_id", "client_key")
        rows = (
            data.basis.clients.select("client_key", "client", "run_rate")
            .join(ids, on="client_key")
            .sort(["run_rate", "client"], descending=[True, False])
        )
        return [(cid, name, rate) for _key, name, rate, cid in rows.iter_rows()]

    return _cached(data.key("scenario-clients"), build)


def client_keys_by_id(*, data: ForecastData, ids: Sequence[int]) -> dict[int, str]:
    """The client keys of the company's clients among `ids` (others are left out)."""
    clients = _clients(data.sales).filter(pl.col("client_id").is_in(list(ids)))
    return dict(clients.select("client_id", "client_key").iter_rows())


def client_names(*, data: ForecastData, keys: Collection[str]) -> dict[str, str]:
    """The names of the company's clients among `keys` (a what-if's clients)."""
    clients = _clients(data.sales).filter(pl.col("client_key").is_in(list(keys)))
    return dict(clients.select("client_key", "client").iter_rows())


def forecast_for(*, data: ForecastData, scenario: Scenario = BASE) -> CashForecast:
    """The core's calendar of the basis under `scenario` (ValueError: a scenario the core
    refuses, with its message)."""
    assert data.basis is not None
    return cash_forecast(data.basis, scenario)


@dataclass(frozen=True)
class SimulationResult:
    simulation: CashSimulation
    reduced: bool  # fewer paths than SIMULATION_PATHS, to answer within about a second


def simulation_paths(basis: CashBasis) -> int:
    """SIMULATION_PATHS, or fewer when paths × receipts would exceed the cell budget."""
    receipts = max(1, basis.receipts.height)
    fitting = SIMULATION_CELL_BUDGET // receipts
    return max(SIMULATION_MIN_PATHS, min(SIMULATION_PATHS, fitting))


def simulation_for(*, data: ForecastData, scenario: Scenario = BASE) -> SimulationResult:
    """The core's Monte Carlo of the basis under `scenario`, seeded and cached."""
    basis = data.basis
    assert basis is not None
    paths = simulation_paths(basis)

    def build() -> SimulationResult:
        return SimulationResult(
            simulation=simulate_cash(basis, scenario, paths=paths, seed=SIMULATION_SEED),
            reduced=paths < SIMULATION_PATHS,
        )

    digest = hashlib.sha256(repr(scenario).encode()).hexdigest()[:16]
    return _cached(data.key("simulation", paths, digest), build)


@dataclass(frozen=True)
class ForecastView:
    """The forecast page as it opens (no what-if), read from the cache on every request: the
    core's base calendar and its Monte Carlo, and the clients the what-if lists show first —
    not the cash basis, which a what-if reads."""

    first_day: date
    last_day: date
    horizon_days: int
    base: CashForecast  # the core's base forecast, its `receipts` left out (an empty frame)
    simulation: SimulationResult  # `simulation_for(data=...)` of the base
    clients: tuple[tuple[int, str, float], ...]  # the first scenario_clients the lists show


def forecast_view(*, data: ForecastData) -> ForecastView | None:
    """The base forecast page's figures (None without an opening balance), cached."""
    if not data.has_basis:
        return None

    def build() -> ForecastView:
        basis = data.basis
        assert basis is not None
        base = forecast_for(data=data)
        return ForecastView(
            first_day=basis.first_day,
            last_day=basis.last_day,
            horizon_days=basis.horizon_days,
            # What each of ~430,000 documents brings in stays out: the page shows the days.
            base=replace(base, receipts=base.receipts.clear()),
            simulation=simulation_for(data=data),
            clients=tuple(scenario_clients(data=data)[:shown]),
        )

    # The simulation's paths depend on the cell budget: a new budget, a new entry.
    shown = forecast_forms.SCENARIO_CLIENTS_SHOWN
    return _cached(data.key("view", SIMULATION_CELL_BUDGET, SIMULATION_PATHS, shown), build)


def chart_days(forecast: CashForecast) -> list[dict[str, object]]:
    """The calendar as rows for a Vega-Lite dataset: ISO dates and plain numbers."""
    return [
        {
            "date": day.isoformat(),
            "inflow": inflow,
            "outflow": outflow,
            "balance": balance,
            "below": balance < forecast.reserve,
        }
        for day, inflow, outflow, balance in forecast.days.iter_rows()
    ]


# --- Risk ------------------------------------------------------------------------------------


def risk_periods(*, as_of: date) -> StabilityPeriods:
    """The last 12 full months at `as_of` the stress test and the plan are taken over."""
    return stability_periods(as_of)


KEY_MARKED = "marked"  # the KAISM page's key clients (key_client_keys)
KEY_CLASS_A = "class_a"  # none there: the class A clients by LTM revenue


@dataclass(frozen=True)
class RiskData:
    as_of: date
    stress: StressTest  # every client with LTM revenue (the core's order)
    plan: DiversificationPlan
    key_clients: pl.DataFrame  # the stress rows of the key clients, with client_id
    key_source: str  # KEY_MARKED | KEY_CLASS_A
    company_margin: float | None  # the setting as a fraction, for clients without cost data


def risk_data(*, data: ForecastData) -> RiskData | None:
    """The stress test (with the cash basis, when there is one), the diversification plan
    against the company's targets, and the key clients' rows; None without any sales."""
    as_of = data.as_of
    if as_of is None or data.sales.is_empty:
        return None
    abc = insights_selectors.concentration_settings(company=data.company)
    marked = key_client_keys(sales=data.sales)
    digest = hashlib.sha256(repr((abc.cache_key, sorted(marked))).encode()).hexdigest()[:16]
    return _cached(
        data.key("risk", as_of.isoformat(), digest), lambda: _risk(data, as_of, abc, marked)
    )


def _risk(
    data: ForecastData,
    as_of: date,
    abc: insights_selectors.ConcentrationSettings,
    marked: frozenset[str],
) -> RiskData:
    settings = data.settings
    sales = sales_months(sales=data.sales)
    margin = (
        None
        if settings.gross_margin_percent is None
        else float(settings.gross_margin_percent) / 100
    )
    stress = loss_stress_test(sales, as_of=as_of, company_margin=margin, basis=data.basis)
    plan = diversification_plan(
        sales,
        as_of=as_of,
        target_top1_share=float(settings.target_top1_share),
        target_hhi=float(settings.target_hhi),
    )
    if marked:
        keys, source = marked, KEY_MARKED
    else:
        periods = stability_periods(as_of)
        revenue = client_revenue(sales, date_from=periods.ltm_from, date_to=periods.ltm_to)
        shares = client_shares(revenue, a=abc.abc_a, b=abc.abc_b)
        keys = frozenset(shares.filter(pl.col("abc") == "A").get_column("client_key").to_list())
        source = KEY_CLASS_A
    ids = _clients(data.sales).select("client_id", "client_key")
    key_rows = stress.clients.filter(pl.col("client_key").is_in(list(keys))).join(
        ids, on="client_key", how="left", maintain_order="left"
    )
    return RiskData(
        as_of=as_of,
        stress=stress,
        plan=plan,
        key_clients=key_rows,
        key_source=source,
        company_margin=margin,
    )

"""Reads behind the dashboards: SQL aggregates in, the core's figures out.

The web app computes no metric of its own. One SQL GROUP BY sums a company's sales per client
and month; the result becomes a Polars frame with the core's column names (`client_key`,
`client`, `date` = first day of the month, `amount`), and `keyclients.core.analytics` computes
every share, rank, ABC class, HHI and trend from it.

Everything is cached (Django's cache) per company under `data_version`, a fingerprint of its
imports and clients read in one small query: an import, an undo or a client edit changes it, so
the next page shows fresh figures and the stale entries simply expire.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import polars as pl
from django.db import connection

from keyclients.core.analytics.concentration import (
    DEFAULT_A,
    DEFAULT_B,
    EPSILON,
    MONO_SHARE,
    Concentration,
    client_revenue,
    client_share_trend,
    client_shares,
    concentration,
    concentration_trend,
)
from keyclients.web.accounts.models import Company, Role
from keyclients.web.accounts.selectors import member_list
from keyclients.web.cache_once import cached_once
from keyclients.web.insights.models import ScoreEntry
from keyclients.web.insights.periods import Period
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale

CACHE_TIMEOUT = 60 * 60  # stale versions are never read again; this only frees the memory
CACHE_PREFIX = "insights"

TOP1_AMBER_FROM = 0.20  # top-1 share from 20% is amber...
TOP1_RED_ABOVE = MONO_SHARE  # ... and above 50% (a mono-client) red
BAND_GREEN = "green"
BAND_AMBER = "amber"
BAND_RED = "red"

TOP_CLIENTS = 10
PARETO_POINTS = 400  # the curve of 10,000 clients drawn with this many points at most

# Columns of the frames built here; the core's own columns keep the core's names.
SALES_MONTH_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "date": pl.Date(),  # the first day of the month
    "amount": pl.Float64(),  # net revenue of the client in the month
    "first_sale": pl.Date(),  # the first and last line dates of the client in the month
    "last_sale": pl.Date(),
}
CLIENT_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "client_key": pl.String(),
    "client": pl.String(),  # display name
    "inn": pl.String(),
    "status": pl.String(),
    "manager_id": pl.Int64(),
    "manager": pl.String(),  # the manager's full name, else username; null when unassigned
}

T = TypeVar("T")


# --- Settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcentrationSettings:
    """Company.settings["concentration"], each value checked, defaults where missing or bad."""

    top1_amber: float = TOP1_AMBER_FROM
    top1_red: float = TOP1_RED_ABOVE
    abc_a: float = DEFAULT_A
    abc_b: float = DEFAULT_B

    @property
    def cache_key(self) -> str:
        return f"{self.top1_amber}:{self.top1_red}:{self.abc_a}:{self.abc_b}"


def concentration_settings(*, company: Company) -> ConcentrationSettings:
    raw = company.settings.get("concentration") if isinstance(company.settings, dict) else None
    values = raw if isinstance(raw, dict) else {}

    def fraction(name: str, default: float) -> float:
        value = values.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default
        return float(value) if 0 < value <= 1 else default

    amber = fraction("top1_amber", TOP1_AMBER_FROM)
    red = fraction("top1_red", TOP1_RED_ABOVE)
    a = fraction("abc_a", DEFAULT_A)
    b = fraction("abc_b", DEFAULT_B)
    if amber > red:
        amber, red = TOP1_AMBER_FROM, TOP1_RED_ABOVE
    if a > b:
        a, b = DEFAULT_A, DEFAULT_B
    return ConcentrationSettings(top1_amber=amber, top1_red=red, abc_a=a, abc_b=b)


def share_band(
    share: float | None, *, amber_from: float = TOP1_AMBER_FROM, red_above: float = TOP1_RED_ABOVE
) -> str:
    """The colour of a top-1 share: green below `amber_from`, red above `red_above`, else amber."""
    if share is None:
        return ""
    if share > red_above + EPSILON:
        return BAND_RED
    if share >= amber_from - EPSILON:
        return BAND_AMBER
    return BAND_GREEN


# --- The SQL bridge -------------------------------------------------------------------------


def data_version(*, company: Company) -> str:
    """A fingerprint of the company's imports, clients and manual scores, in one query.

    Batch count and last id change on every import and undo, the number of done batches and
    the last finish time when an import completes, client count and last update on client
    edits, the last score change on every manual score or flag (`ScoreEntry` rows are only
    ever added). Cache entries of the company are keyed by it.
    """
    batch = connection.ops.quote_name(ImportBatch._meta.db_table)
    client = connection.ops.quote_name(Client._meta.db_table)
    scores = connection.ops.quote_name(ScoreEntry._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {batch} WHERE company_id = %s),"
        f" (SELECT MAX(id) FROM {batch} WHERE company_id = %s),"
        f" (SELECT COUNT(*) FROM {batch} WHERE company_id = %s AND status = %s),"
        f" (SELECT MAX(finished_at) FROM {batch} WHERE company_id = %s),"
        f" (SELECT COUNT(*) FROM {client} WHERE company_id = %s),"
        f" (SELECT MAX(updated_at) FROM {client} WHERE company_id = %s),"
        f" (SELECT MAX(id) FROM {scores} WHERE company_id = %s)"
    )
    pk = company.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, pk, pk, ImportStatus.DONE.value, pk, pk, pk, pk])
        row = cursor.fetchone()
    # Hashed: cache keys must be short and free of spaces (memcached, Redis).
    return hashlib.sha256(repr(tuple(str(value) for value in row)).encode()).hexdigest()[:16]


# Month and day of a DateField as text, per database: one GROUP BY for SQLite and PostgreSQL.
_MONTH_SQL = {"sqlite": "substr({}, 1, 7)", "postgresql": "to_char({}, 'YYYY-MM')"}
_DAY_SQL = {"sqlite": "{}", "postgresql": "to_char({}, 'YYYY-MM-DD')"}
# SQLite would walk the (company, client, date) index and fetch every line's amount from the
# table by a random read: twice as slow as reading the table straight through (bench/
# dashboard.py, 1M lines). The unary + keeps it off the index; the embedded database holds a
# few companies, so the extra lines of the others cost little. PostgreSQL's planner chooses.
_COMPANY_SQL = {"sqlite": "+company_id = %s", "postgresql": "company_id = %s"}


def client_month_revenue(
    *, company: Company, date_from: date | None = None, date_to: date | None = None
) -> pl.DataFrame:
    """Net revenue per client and month in SQL, as a frame of SALES_MONTH_SCHEMA.

    One GROUP BY over the sales table (its rows never come to Python); the dates of the first
    and last lines of each client-month come along for the clients list.
    """
    vendor = connection.vendor
    month = _MONTH_SQL[vendor].format("date")
    first = _DAY_SQL[vendor].format("MIN(date)")
    last = _DAY_SQL[vendor].format("MAX(date)")
    where, params = _COMPANY_SQL[vendor], [company.pk]
    if date_from is not None:
        where, params = f"{where} AND date >= %s", [*params, date_from]
    if date_to is not None:
        where, params = f"{where} AND date <= %s", [*params, date_to]
    sql = (
        f"SELECT client_id, {month}, CAST(SUM(amount) AS DOUBLE PRECISION), {first}, {last}"
        f" FROM {connection.ops.quote_name(Sale._meta.db_table)}"
        f" WHERE {where} GROUP BY client_id, {month}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema={
            "client_id": pl.Int64,
            "month": pl.String,
            "amount": pl.Float64,
            "first_sale": pl.String,
            "last_sale": pl.String,
        },
        orient="row",
    )
    return raw.select(
        "client_id",
        (pl.col("month") + "-01").str.to_date("%Y-%m-%d").alias("date"),
        "amount",
        pl.col("first_sale").str.to_date("%Y-%m-%d"),
        pl.col("last_sale").str.to_date("%Y-%m-%d"),
    ).sort("client_id", "date")


def client_frame(*, company: Company) -> pl.DataFrame:
    """Every client of the company (with sales or not), as a frame of CLIENT_SCHEMA."""
    rows = (
        Client.objects.filter(company=company)
        .order_by()
        .values_list(
            "id",
            "key",
            "name",
            "inn",
            "status",
            "manager_id",
            "manager__username",
            "manager__first_name",
            "manager__last_name",
        )
    )
    records = [
        (pk, key, name, inn, status, manager_id, _person(username, first_name, last_name))
        for pk, key, name, inn, status, manager_id, username, first_name, last_name in rows
    ]
    return pl.DataFrame(records, schema=CLIENT_SCHEMA, orient="row")


def _person(username: str | None, first_name: str | None, last_name: str | None) -> str | None:
    if username is None:
        return None
    full = f"{first_name or ''} {last_name or ''}".strip()
    return full or username


# --- Cached company data --------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySales:
    """What the pages need to know before any figure: the data version and its months."""

    company: Company
    version: str
    months: tuple[date, ...]  # months with at least one sales line, ascending

    @property
    def is_empty(self) -> bool:
        return not self.months

    def key(self, *parts: object) -> str:
        return ":".join(str(part) for part in (CACHE_PREFIX, self.company.pk, self.version, *parts))


def _cached(key: str, build: Callable[[], T]) -> T:
    # One thread computes a missing entry, the others wait for it (keyclients.web.cache_once).
    return cached_once(key, build, CACHE_TIMEOUT)


def company_sales(*, company: Company) -> CompanySales:
    """The company's data version and months with sales: one query when cached."""
    version = data_version(company=company)
    probe = CompanySales(company=company, version=version, months=())
    months = _cached(probe.key("months"), lambda: _months_with_sales(probe))
    return CompanySales(company=company, version=version, months=months)


def _months_with_sales(sales: CompanySales) -> tuple[date, ...]:
    dates: list[date] = _sales_months(sales)["date"].unique().sort().to_list()
    return tuple(dates)


def _sales_months(sales: CompanySales) -> pl.DataFrame:
    return _cached(sales.key("sales"), lambda: client_month_revenue(company=sales.company))


def _clients(sales: CompanySales) -> pl.DataFrame:
    return _cached(sales.key("clients"), lambda: client_frame(company=sales.company))


def cached_value(key: str, build: Callable[[], T]) -> T:
    """`build()` cached under `key` (made by `CompanySales.key`), for the other pages' reads."""
    return _cached(key, build)


def client_frame_cached(*, sales: CompanySales) -> pl.DataFrame:
    """`client_frame` of the company, cached under its data version."""
    return _clients(sales)


def company_clients(*, sales: CompanySales) -> pl.DataFrame:
    """Every client of the company (CLIENT_SCHEMA), cached under the data version."""
    return _clients(sales)


def cached(key: str, build: Callable[[], T]) -> T:
    """`build()`, kept in Django's cache under `key` (a `CompanySales.key`)."""
    return _cached(key, build)


def sales_frame(*, sales: CompanySales) -> pl.DataFrame:
    """The core's sales frame of the company: one line per client and month (whole history).

    Columns client_key, client, date, amount as in SALES_SCHEMA, plus client_id, first_sale,
    last_sale.
    """
    names = _clients(sales).select("client_id", "client_key", "client")
    return _sales_months(sales).join(names, on="client_id", how="inner")


# --- Overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopClient:
    client_id: int
    name: str
    revenue: float
    share: float
    cumulative_share: float
    rank: int
    abc: str


@dataclass(frozen=True)
class OverviewData:
    period: Period
    settings: ConcentrationSettings
    figures: Concentration
    top1_band: str
    top_clients: tuple[TopClient, ...]
    # Chart data, ready for Vega-Lite datasets: plain dicts of numbers, names and ISO dates.
    pareto: tuple[dict[str, Any], ...]
    trend: tuple[dict[str, Any], ...]


def overview(
    *, sales: CompanySales, period: Period, settings: ConcentrationSettings
) -> OverviewData:
    key = sales.key("overview", period.cache_key, settings.cache_key)
    return _cached(key, lambda: _overview(sales=sales, period=period, settings=settings))


def _overview(
    *, sales: CompanySales, period: Period, settings: ConcentrationSettings
) -> OverviewData:
    frame = sales_frame(sales=sales)
    revenue = client_revenue(frame, date_from=period.date_from, date_to=period.date_to)
    figures = concentration(revenue, a=settings.abc_a, b=settings.abc_b)
    shares = client_shares(revenue, a=settings.abc_a, b=settings.abc_b)
    ranked = shares.filter(pl.col("rank").is_not_null())
    ids = dict(_clients(sales).select("client_key", "client_id").iter_rows())
    top = tuple(
        TopClient(
            client_id=ids[row["client_key"]],
            name=row["client"],
            revenue=row["revenue"],
            share=row["share"],
            cumulative_share=row["cumulative_share"],
            rank=row["rank"],
            abc=row["abc"],
        )
        for row in ranked.head(TOP_CLIENTS).iter_rows(named=True)
    )
    trend = concentration_trend(frame, date_from=period.date_from, date_to=period.date_to)
    return OverviewData(
        period=period,
        settings=settings,
        figures=figures,
        top1_band=share_band(
            figures.top1_share, amber_from=settings.top1_amber, red_above=settings.top1_red
        ),
        top_clients=top,
        pareto=_pareto_points(ranked),
        trend=tuple(
            {
                "month_end": row["month_end"].isoformat(),
                "top1_share": row["top1_share"],
                "hhi": row["hhi"],
                "effective_clients": row["effective_clients"],
                "clients_positive": row["clients_positive"],
            }
            for row in trend.iter_rows(named=True)
        ),
    )


def _pareto_points(ranked: pl.DataFrame) -> tuple[dict[str, Any], ...]:
    """The Pareto curve (cumulative share by rank) with at most PARETO_POINTS points.

    Thinning only drops points of the core's curve: the first ranks, where the curve bends,
    are all kept, then evenly spaced ranks and always the last one.
    """
    n = ranked.height
    if n > PARETO_POINTS:
        head = PARETO_POINTS // 4
        step = math.ceil((n - head) / (PARETO_POINTS - head))
        keep = pl.int_range(pl.len())
        ranked = ranked.filter((keep < head) | ((keep - head) % step == 0) | (keep == n - 1))
    return tuple(
        {"rank": rank, "cumulative_share": cumulative, "client": name}
        for rank, cumulative, name in ranked.select(
            "rank", "cumulative_share", "client"
        ).iter_rows()
    )


# --- Clients --------------------------------------------------------------------------------

# ?sort= values: a name, "-" in front for descending. Nulls (no revenue, no sales) go last.
SORT_COLUMNS = {
    "rank": "rank",
    "revenue": "revenue",
    "share": "share",
    "name": "client",
    "first_sale": "first_sale",
    "last_sale": "last_sale",
    "growth": "growth",  # a KAISM annotation (kaism_selectors.list_annotations)
}
DEFAULT_SORT = "rank"
ABC_NONE = "none"  # the ABC filter value for clients without revenue in the period
MANAGER_NONE = "none"  # the manager filter value for unassigned clients


@dataclass(frozen=True)
class ClientFilters:
    search: str = ""
    abc: str = ""  # "A", "B", "C", ABC_NONE or "" for all
    status: str = ""
    manager: str = ""  # a user id, MANAGER_NONE or "" for all
    sort: str = DEFAULT_SORT
    # These need the KAISM annotations: XYZ class, key, prospective, any early warning.
    xyz: str = ""  # "X", "Y", "Z" or "" for all
    key: bool = False
    prospective: bool = False
    at_risk: bool = False


def client_table(
    *, sales: CompanySales, period: Period, settings: ConcentrationSettings
) -> pl.DataFrame:
    """Every client with the core's figures for the period, in rank order.

    Columns of CLIENT_SCHEMA, then revenue, share, cumulative_share, rank, abc, major (the
    core's `client_shares`; clients without revenue in the period have 0 and nulls), and
    first_sale, last_sale over the whole history.
    """
    key = sales.key("client-table", period.cache_key, settings.cache_key)
    return _cached(key, lambda: _client_table(sales=sales, period=period, settings=settings))


def _client_table(
    *, sales: CompanySales, period: Period, settings: ConcentrationSettings
) -> pl.DataFrame:
    clients = _clients(sales)
    revenue = client_revenue(
        sales_frame(sales=sales), date_from=period.date_from, date_to=period.date_to
    )
    # Clients without lines in the period are in the table too: revenue 0, no share.
    every_client = (
        clients.select("client_key", "client")
        .join(revenue.select("client_key", "revenue"), on="client_key", how="left")
        .with_columns(pl.col("revenue").fill_null(0.0))
    )
    shares = client_shares(every_client, a=settings.abc_a, b=settings.abc_b)
    lifetime = (
        _sales_months(sales)
        .group_by("client_id")
        .agg(pl.col("first_sale").min(), pl.col("last_sale").max())
    )
    return (
        shares.drop("client")
        .join(clients, on="client_key", how="left", maintain_order="left")
        .join(lifetime, on="client_id", how="left", maintain_order="left")
        .select(
            *CLIENT_SCHEMA,
            *[c for c in shares.columns if c not in CLIENT_SCHEMA],
            "first_sale",
            "last_sale",
        )
    )


def client_list(
    *,
    sales: CompanySales,
    period: Period,
    settings: ConcentrationSettings,
    filters: ClientFilters,
    annotations: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`client_table` searched, filtered and sorted as the clients page asks.

    `annotations` (columns keyed by client_id, e.g. the KAISM ones) are joined to the rows
    first, so the filters and sorts that need them work.
    """
    table = client_table(sales=sales, period=period, settings=settings)
    if annotations is not None:
        table = table.join(annotations, on="client_id", how="left", maintain_order="left")
    search = filters.search.strip()
    if search:
        matches = pl.col("client").str.to_lowercase().str.contains(search.lower(), literal=True)
        digits = "".join(ch for ch in search if ch.isdigit())
        if digits and digits == search.replace(" ", ""):
            matches = matches | pl.col("inn").str.contains(digits, literal=True)
        table = table.filter(matches)
    if filters.abc == ABC_NONE:
        table = table.filter(pl.col("abc").is_null())
    elif filters.abc:
        table = table.filter(pl.col("abc") == filters.abc)
    if filters.status:
        table = table.filter(pl.col("status") == filters.status)
    if filters.manager == MANAGER_NONE:
        table = table.filter(pl.col("manager_id").is_null())
    elif filters.manager.isdigit():
        table = table.filter(pl.col("manager_id") == int(filters.manager))
    if annotations is not None:
        if filters.xyz:
            table = table.filter(pl.col("xyz") == filters.xyz)
        if filters.key:
            table = table.filter(pl.col("is_key"))
        if filters.prospective:
            table = table.filter(pl.col("prospective"))
        if filters.at_risk:
            table = table.filter(pl.col("risk").is_not_null())
    descending = filters.sort.startswith("-")
    column = SORT_COLUMNS.get(filters.sort.lstrip("-"), SORT_COLUMNS[DEFAULT_SORT])
    if column not in table.columns:
        column = SORT_COLUMNS[DEFAULT_SORT]
    # Ties (and clients without revenue) keep rank order, then go by name.
    by = [column, "rank", "client", "client_id"]
    return table.sort(
        by, descending=[descending, False, False, False], nulls_last=True, maintain_order=True
    )


@dataclass(frozen=True)
class ClientFigures:
    """One client in the period, through the core; months and trend ready for the charts."""

    revenue: float
    share: float | None
    rank: int | None
    abc: str | None
    major: bool | None
    clients_positive: int
    first_sale: date | None
    last_sale: date | None
    monthly: tuple[dict[str, Any], ...]  # month (ISO, first day), revenue
    share_trend: tuple[dict[str, Any], ...]  # month_end (ISO), share, revenue, base


def client_figures(
    *, sales: CompanySales, client: Client, period: Period, settings: ConcentrationSettings
) -> ClientFigures:
    key = sales.key("client", client.pk, period.cache_key, settings.cache_key)
    return _cached(
        key,
        lambda: _client_figures(sales=sales, client=client, period=period, settings=settings),
    )


def _client_figures(
    *, sales: CompanySales, client: Client, period: Period, settings: ConcentrationSettings
) -> ClientFigures:
    table = client_table(sales=sales, period=period, settings=settings)
    row = table.filter(pl.col("client_id") == client.pk).row(0, named=True)
    own = _sales_months(sales).filter(
        (pl.col("client_id") == client.pk)
        & pl.col("date").is_between(period.date_from, period.date_to)
    )
    months = pl.DataFrame(
        {"date": pl.date_range(period.date_from, period.date_to, "1mo", eager=True)}
    )
    monthly = months.join(own.select("date", "amount"), on="date", how="left").with_columns(
        pl.col("amount").fill_null(0.0)
    )
    trend = client_share_trend(
        sales_frame(sales=sales),
        client.key,
        date_from=period.date_from,
        date_to=period.date_to,
    )
    return ClientFigures(
        revenue=row["revenue"],
        share=row["share"],
        rank=row["rank"],
        abc=row["abc"],
        major=row["major"],
        clients_positive=table.filter(pl.col("rank").is_not_null()).height,
        first_sale=row["first_sale"],
        last_sale=row["last_sale"],
        monthly=tuple(
            {"month": month.isoformat(), "revenue": amount}
            for month, amount in monthly.select("date", "amount").iter_rows()
        ),
        share_trend=tuple(
            {
                "month_end": row["month_end"].isoformat(),
                "share": row["share"],
                "revenue": row["revenue"],
                "base": row["base"],
            }
            for row in trend.iter_rows(named=True)
        ),
    )


def manager_choices(*, company: Company, assignable: bool = True) -> list[tuple[int, str]]:
    """Members as (user id, name): those a client can be assigned to (everyone but viewers),
    or with `assignable=False` every member (a viewer may still hold clients from an earlier
    role, and the list filters by them)."""
    return [
        (m.user_id, _person(m.user.username, m.user.first_name, m.user.last_name) or "")
        for m in member_list(company=company)
        if not assignable or m.role != Role.VIEWER
    ]


def client_manager_name(*, client: Client) -> str | None:
    manager = client.manager
    if manager is None:
        return None
    return _person(manager.username, manager.first_name, manager.last_name)

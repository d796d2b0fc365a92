"""Everything a report shows, read once: SQL aggregates and providers in, the core's figures out.

`report_data` is the one entry point the XLSX, the PDF, the monthly command and the API's
receivables and forecast endpoints share. It computes nothing itself: sales come from the same
monthly GROUP BY as the dashboards (`insights.selectors`), documents from one GROUP BY per
document (`sale_documents`), the data of models on other branches from `providers`, and every
figure from `keyclients.core`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from keyclients.core.analytics.abc_xyz import client_stability
from keyclients.core.analytics.cashflow import (
    BASE,
    CashBasis,
    CashForecast,
    Loss,
    Scenario,
    cash_basis,
    cash_forecast,
    loss_impacts,
)
from keyclients.core.analytics.concentration import Concentration, concentration_trend
from keyclients.core.analytics.key_clients import DEVELOPMENT, REPUTATION, key_clients
from keyclients.core.analytics.receivables import Settlement, settle
from keyclients.core.analytics.scenarios import (
    DiversificationPlan,
    StressTest,
    diversification_plan,
    loss_stress_test,
)
from keyclients.core.ingest.schema import SALES_SCHEMA
from keyclients.web.accounts.models import Company
from keyclients.web.insights import selectors as insights
from keyclients.web.insights.periods import Period, ltm_period
from keyclients.web.ledger.models import Client, Sale
from keyclients.web.reports import providers

CLIENT_COLUMNS = (
    "client_id",
    "client_key",
    "client",
    "inn",
    "status",
    "manager",
    "revenue",
    "share",
    "cumulative_share",
    "rank",
    "abc",
    "major",
    "xyz",
    "cv",
    "growth",
    "is_new",
    "dormant",
    "prospective",
    "is_key",
    "key_reasons",
    "quadrant",
    "signals",
    "first_sale",
    "last_sale",
)

_DAY_SQL = {"sqlite": "{}", "postgresql": "to_char({}, 'YYYY-MM-DD')"}


# --- Documents ------------------------------------------------------------------------------


def sale_documents(*, company: Company, as_of: date) -> pl.DataFrame:
    """The company's sales up to `as_of`, one row per document, as SALES_SCHEMA for `settle`.

    A document is the lines of one client with one number (DESIGN §4): SQL sums them and keeps
    the earliest date and due date, the paid date when every line has one (the latest), and
    the first line's id as `row`; a line without a number is a document of its own. The core
    groups the same way, so settling these rows equals settling the lines.
    """
    vendor = connection.vendor
    day = _DAY_SQL[vendor]
    table = connection.ops.quote_name(Sale._meta.db_table)
    paid = "CASE WHEN COUNT(paid_date) = COUNT(*) THEN MAX(paid_date) END"
    sql = (
        f"SELECT client_id, document, {day.format('MIN(date)')}, {day.format('MIN(due_date)')},"
        f" CAST(SUM(amount) AS DOUBLE PRECISION), {day.format(paid)}, MIN(id)"
        f" FROM {table} WHERE company_id = %s AND date <= %s AND document <> ''"
        " GROUP BY client_id, document"
        " UNION ALL"
        f" SELECT client_id, NULL, {day.format('date')}, {day.format('due_date')},"
        f" CAST(amount AS DOUBLE PRECISION), {day.format('paid_date')}, id"
        f" FROM {table} WHERE company_id = %s AND date <= %s AND document = ''"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk, as_of, company.pk, as_of])
        rows = cursor.fetchall()
    raw = pl.DataFrame(
        rows,
        schema={
            "client_id": pl.Int64,
            "document": pl.String,
            "date": pl.String,
            "due_date": pl.String,
            "amount": pl.Float64,
            "paid_date": pl.String,
            "row": pl.Int64,
        },
        orient="row",
    )
    names = insights.client_frame(company=company).select("client_id", "client_key", "client")
    documents = raw.join(names, on="client_id", how="inner").with_columns(
        pl.col(name).str.to_date("%Y-%m-%d") for name in ("date", "due_date", "paid_date")
    )
    return documents.with_columns(
        pl.lit(None, SALES_SCHEMA[name]).alias(name)
        for name in SALES_SCHEMA
        if name not in documents.columns
    ).select(pl.col(name).cast(dtype) for name, dtype in SALES_SCHEMA.items())


def client_terms(*, company: Company) -> dict[str, int]:
    """client_key -> payment terms in days, for the clients that have terms."""
    return dict(
        Client.objects.filter(company=company, payment_terms_days__isnull=False)
        .order_by()
        .values_list("key", "payment_terms_days")
    )


def company_settlement(
    *, company: Company, as_of: date, default_terms: int = 0
) -> Settlement | None:
    """Receivables at `as_of` through the core; None when nothing says what was paid (no
    payments and no paid dates): every invoice would look unpaid, which is not receivables."""
    documents = sale_documents(company=company, as_of=as_of)
    payments = providers.payments_frame(company=company)
    if payments.is_empty() and documents.get_column("paid_date").null_count() == documents.height:
        return None
    return settle(
        documents,
        payments,
        as_of=as_of,
        terms=client_terms(company=company),
        default_terms=default_terms,
    )


# --- Cash forecast --------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastPart:
    settings: providers.ForecastSettings
    basis: CashBasis
    base: CashForecast
    lose_top: CashForecast | None  # the top client leaves on as_of + 1; None: not in the basis
    top_client: str | None
    lost_receipts: float | None  # what the top client would no longer pay within the horizon
    open_documents_known: bool  # False: no payment data, receipts of open invoices are missing


def forecast_basis(
    *,
    company: Company,
    sales: pl.DataFrame,
    settlement: Settlement | None,
    as_of: date,
    settings: providers.ForecastSettings,
    horizon: int | None = None,
) -> CashBasis | None:
    """The core's cash basis, or None while the forecast is not set up (no opening balance)."""
    if settings.opening_balance is None:
        return None
    documents = settlement.documents if settlement is not None else _no_documents()
    return cash_basis(
        documents,
        sales.select("client_key", "client", "date", "amount"),
        providers.plan_frame(company=company),
        as_of=as_of,
        opening_balance=settings.opening_balance,
        horizon=horizon or settings.horizon_days,
        reserve=settings.reserve,
        default_terms=settings.default_terms,
    )


def _no_documents() -> pl.DataFrame:
    """No open invoices and no days-late history: the forecast has future sales and the plan."""
    return pl.DataFrame(
        schema={
            "client_key": pl.String,
            "client": pl.String,
            "document": pl.String,
            "date": pl.Date,
            "due_date": pl.Date,
            "amount": pl.Float64,
            "days_late": pl.Int64,
            "outstanding": pl.Float64,
        }
    )


def _forecast_part(
    basis: CashBasis,
    settings: providers.ForecastSettings,
    *,
    top_key: str | None,
    top_name: str | None,
    open_documents_known: bool,
) -> ForecastPart:
    known = set(basis.clients.get_column("client_key").to_list())
    in_basis = top_key is not None and top_key in known
    lose_top = cash_forecast(basis, Scenario(losses=(Loss(top_key),))) if in_basis else None
    lost = loss_impacts(basis, [top_key]).get_column("lost_receipts")[0] if in_basis else None
    return ForecastPart(
        settings=settings,
        basis=basis,
        base=cash_forecast(basis, BASE),
        lose_top=lose_top,
        top_client=top_name,
        lost_receipts=lost,
        open_documents_known=open_documents_known,
    )


# --- The report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportData:
    company: Company
    period: Period
    as_of: date  # receivables and cash: the opening balance's date, else the period's end
    settings: insights.ConcentrationSettings
    overview: insights.OverviewData
    trend: pl.DataFrame  # core TREND_SCHEMA over the period
    clients: pl.DataFrame  # CLIENT_COLUMNS, in rank order
    receivables: Settlement | None
    forecast: ForecastPart | None
    forecast_settings: providers.ForecastSettings
    stress: StressTest
    diversification: DiversificationPlan
    kaism: pl.DataFrame
    signals: pl.DataFrame
    created_at: datetime = field(default_factory=timezone.now)

    @property
    def figures(self) -> Concentration:
        return self.overview.figures

    @property
    def key_clients(self) -> int:
        return int(self.clients.get_column("is_key").sum())

    @property
    def top_client(self) -> dict[str, Any] | None:
        ranked = self.clients.filter(pl.col("rank") == 1)
        return ranked.row(0, named=True) if ranked.height else None


def concentration_trend_frame(*, sales: insights.CompanySales, period: Period) -> pl.DataFrame:
    """The core's concentration at every month-end of the period (rolling 12 months)."""
    return concentration_trend(
        insights.sales_frame(sales=sales), date_from=period.date_from, date_to=period.date_to
    )


def report_period(*, company: Company, today: date | None = None) -> Period | None:
    """The default report period: LTM, as on the overview; None without sales."""
    sales = insights.company_sales(company=company)
    return ltm_period(sales.months, today=today or timezone.localdate())


def report_data(*, company: Company, period: Period | None = None) -> ReportData | None:
    """The whole report of a company for `period` (default LTM); None when it has no sales."""
    sales = insights.company_sales(company=company)
    if sales.is_empty:
        return None
    period = period or ltm_period(sales.months, today=timezone.localdate())
    assert period is not None
    settings = insights.concentration_settings(company=company)
    frame = insights.sales_frame(sales=sales)
    overview = insights.overview(sales=sales, period=period, settings=settings)
    fsettings = providers.forecast_settings(company=company)
    as_of = fsettings.balance_date or period.date_to
    settlement = company_settlement(
        company=company, as_of=as_of, default_terms=fsettings.default_terms
    )
    kaism = providers.kaism_positions(company=company, as_of=as_of)
    signals = providers.client_signals(company=company, as_of=as_of)
    clients = _client_rows(
        company=company,
        sales=sales,
        frame=frame,
        period=period,
        settings=settings,
        kaism=kaism,
        signals=signals,
    )
    top = clients.filter(pl.col("rank") == 1)
    top_key = top.get_column("client_key")[0] if top.height else None
    top_name = top.get_column("client")[0] if top.height else None
    basis = forecast_basis(
        company=company, sales=frame, settlement=settlement, as_of=as_of, settings=fsettings
    )
    forecast = (
        None
        if basis is None
        else _forecast_part(
            basis,
            fsettings,
            top_key=top_key,
            top_name=top_name,
            open_documents_known=settlement is not None,
        )
    )
    stress_basis = basis if basis is not None and basis.as_of == period.date_to else None
    return ReportData(
        company=company,
        period=period,
        as_of=as_of,
        settings=settings,
        overview=overview,
        trend=concentration_trend_frame(sales=sales, period=period),
        clients=clients,
        receivables=settlement,
        forecast=forecast,
        forecast_settings=fsettings,
        stress=loss_stress_test(
            frame,
            as_of=period.date_to,
            company_margin=fsettings.company_margin,
            basis=stress_basis,
        ),
        diversification=diversification_plan(
            frame,
            as_of=period.date_to,
            target_top1_share=fsettings.target_top1_share,
            target_hhi=fsettings.target_hhi,
        ),
        kaism=kaism,
        signals=signals,
    )


def manual_scores(*, company: Company) -> dict[str, dict[str, float | None]]:
    """client_key -> the reputation and development scores given by hand (Client fields)."""
    rows = (
        Client.objects.filter(company=company)
        .exclude(reputation_score__isnull=True, development_score__isnull=True)
        .order_by()
        .values_list("key", "reputation_score", "development_score")
    )
    return {
        key: {REPUTATION: reputation, DEVELOPMENT: development}
        for key, reputation, development in rows
    }


def prospective_keys(*, company: Company) -> list[str]:
    return list(
        Client.objects.filter(company=company, prospective=True)
        .order_by()
        .values_list("key", flat=True)
    )


def _client_rows(
    *,
    company: Company,
    sales: insights.CompanySales,
    frame: pl.DataFrame,
    period: Period,
    settings: insights.ConcentrationSettings,
    kaism: pl.DataFrame,
    signals: pl.DataFrame,
) -> pl.DataFrame:
    """The clients table with the period's shares and ABC (as the clients page), XYZ and growth
    over the LTM at the period's end, the key reasons, the KAISM quadrant and the signals."""
    table = insights.client_table(sales=sales, period=period, settings=settings)
    stability = client_stability(
        frame,
        as_of=period.date_to,
        manual_prospective=prospective_keys(company=company),
        a=settings.abc_a,
        b=settings.abc_b,
    ).select("client_key", "xyz", "cv", "growth", "is_new", "dormant", "prospective")
    keys = key_clients(
        table.select("client_key", "abc"),
        positions=kaism,
        manual=manual_scores(company=company),
        manual_key=providers.manual_key_marks(company=company),
    ).select("client_key", "is_key", "key_reasons")
    fired = signals.group_by("client_key").agg(pl.col("signal").alias("signals"))
    return (
        table.join(stability, on="client_key", how="left", maintain_order="left")
        .join(keys, on="client_key", how="left", maintain_order="left")
        .join(
            kaism.select("client_key", "quadrant"),
            on="client_key",
            how="left",
            maintain_order="left",
        )
        .join(fired, on="client_key", how="left", maintain_order="left")
        .with_columns(
            pl.col("signals").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("is_key").fill_null(False),
            pl.col("prospective").fill_null(False),
        )
        .select(CLIENT_COLUMNS)
    )

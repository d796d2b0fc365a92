"""Everything a report shows, read once: the pages' selectors in, the core's figures out.

`report_data` is the one entry point the XLSX, the PDF and the monthly command share. It
computes nothing itself and reads what the pages read, so a report never disagrees with the
screen: the sales by month of the dashboards (`insights.selectors`), the receivables page's
settlement, the forecast page's cash basis, the KAISM page's key clients and warnings (all
through `providers`), and every figure from `keyclients.core`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from django.utils import timezone

from keyclients.core.analytics.cashflow import (
    BASE,
    CashBasis,
    CashForecast,
    Loss,
    Scenario,
    loss_impacts,
)
from keyclients.core.analytics.concentration import Concentration, concentration_trend
from keyclients.core.analytics.receivables import Settlement
from keyclients.core.analytics.scenarios import (
    DiversificationPlan,
    StressTest,
    diversification_plan,
    loss_stress_test,
)
from keyclients.web.accounts.models import Company
from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import kaism_selectors
from keyclients.web.insights import selectors as insights
from keyclients.web.insights.periods import Period, ltm_period
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


def _forecast_part(
    data: forecast_selectors.ForecastData,
    settings: providers.ForecastSettings,
    *,
    top_key: str | None,
    top_name: str | None,
    open_documents_known: bool,
) -> ForecastPart | None:
    """The forecast page's calendar, and the same with the top client gone; None while the
    forecast is not set up (no opening balance)."""
    basis = data.basis
    if basis is None:
        return None
    known = set(basis.clients.get_column("client_key").to_list())
    in_basis = top_key is not None and top_key in known
    lose_top = (
        forecast_selectors.forecast_for(data=data, scenario=Scenario(losses=(Loss(top_key),)))
        if in_basis
        else None
    )
    lost = loss_impacts(basis, [top_key]).get_column("lost_receipts")[0] if in_basis else None
    return ForecastPart(
        settings=settings,
        basis=basis,
        base=forecast_selectors.forecast_for(data=data, scenario=BASE),
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
    kaism: pl.DataFrame  # the KAISM page's clients (positions, key status, stability)
    signals: pl.DataFrame  # the KAISM page's warnings: client_id, client, signal, since, ...
    kaism_as_of: date | None  # the end of the LTM the key status and warnings are taken at
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
    overview = insights.overview(sales=sales, period=period, settings=settings)
    fsettings = providers.forecast_settings(company=company)
    as_of = fsettings.balance_date or period.date_to
    settlement = providers.settlement_at(sales=sales, as_of=as_of)
    kaism = providers.kaism_data(sales=sales)
    clients = _client_rows(sales=sales, period=period, settings=settings, kaism=kaism)
    top = clients.filter(pl.col("rank") == 1)
    top_key = top.get_column("client_key")[0] if top.height else None
    top_name = top.get_column("client")[0] if top.height else None
    fdata = forecast_selectors.forecast_data(company=company)
    forecast = _forecast_part(
        fdata,
        fsettings,
        top_key=top_key,
        top_name=top_name,
        open_documents_known=settlement is not None,
    )
    # The risk page's inputs (revenue and cost by client and month), at the period's end; the
    # cash part of the stress test only when the forecast starts there.
    months = forecast_selectors.sales_months(sales=sales)
    basis = fdata.basis
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
            months,
            as_of=period.date_to,
            company_margin=fsettings.company_margin,
            basis=stress_basis,
        ),
        diversification=diversification_plan(
            months,
            as_of=period.date_to,
            target_top1_share=fsettings.target_top1_share,
            target_hhi=fsettings.target_hhi,
        ),
        kaism=kaism.clients,
        signals=kaism.signals,
        kaism_as_of=kaism.as_of,
    )


def _client_rows(
    *,
    sales: insights.CompanySales,
    period: Period,
    settings: insights.ConcentrationSettings,
    kaism: kaism_selectors.KaismData,
) -> pl.DataFrame:
    """The clients table with the period's shares and ABC (as the clients page), and the KAISM
    page's XYZ, growth, key status and reasons, quadrant (complete positions only) and signals,
    as of the end of the LTM."""
    table = insights.client_table(sales=sales, period=period, settings=settings)
    positions = kaism.clients.select(
        "client_key",
        "xyz",
        "cv",
        "growth",
        "is_new",
        "dormant",
        "prospective",
        "is_key",
        "key_reasons",
        pl.when(pl.col("complete")).then(pl.col("quadrant")).alias("quadrant"),
        "signals",
    )
    return (
        table.join(positions, on="client_key", how="left", maintain_order="left")
        .with_columns(
            pl.col("signals").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("key_reasons").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("is_key").fill_null(False),
            pl.col("prospective").fill_null(False),
        )
        .select(CLIENT_COLUMNS)
    )

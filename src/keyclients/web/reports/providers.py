"""What the reports and the API read from the other apps, in one place.

The reports show what the pages show: the receivables page's settlement
(`insights.receivables`), the forecast page's cash basis and settings (`forecast.selectors`),
the KAISM page's positions, key clients and early warnings (`insights.kaism_selectors`). This
module adapts them to the report's needs and computes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from keyclients.core.analytics.cashflow import DEFAULT_HORIZON
from keyclients.core.analytics.kaism import score_column
from keyclients.core.analytics.receivables import Settlement
from keyclients.core.analytics.scenarios import DEFAULT_TARGET_HHI, DEFAULT_TARGET_TOP1
from keyclients.web.accounts.models import Company
from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import kaism_selectors
from keyclients.web.insights import receivables as receivables_selectors
from keyclients.web.insights.criteria import kaism_settings
from keyclients.web.insights.selectors import CompanySales


@dataclass(frozen=True)
class ForecastSettings:
    """What the cash forecast starts from. Without an opening balance there is no forecast:
    receipts alone can never show a gap, and a forecast that cannot fail says nothing."""

    opening_balance: float | None = None
    balance_date: date | None = None  # the day the opening balance was counted (the as_of)
    reserve: float = 0.0
    horizon_days: int = DEFAULT_HORIZON
    default_terms: int = 0
    company_margin: float | None = None  # gross margin for the stress test when no cost data
    target_top1_share: float = DEFAULT_TARGET_TOP1
    target_hhi: float = DEFAULT_TARGET_HHI

    @property
    def is_set_up(self) -> bool:
        return self.opening_balance is not None


def forecast_settings(*, company: Company) -> ForecastSettings:
    """The forecast page's settings (opening balance, reserve, horizon, targets, margin) and the
    receivables page's default payment terms, as plain numbers."""
    stored = forecast_selectors.forecast_settings(company=company)
    terms = receivables_selectors.receivables_settings(company=company).default_terms
    margin = stored.gross_margin_percent
    return ForecastSettings(
        opening_balance=None if stored.opening_balance is None else float(stored.opening_balance),
        balance_date=stored.balance_date,
        reserve=float(stored.reserve),
        horizon_days=int(stored.horizon_days),
        default_terms=terms,
        company_margin=None if margin is None else float(margin) / 100,
        target_top1_share=float(stored.target_top1_share),
        target_hhi=float(stored.target_hhi),
    )


def settlement_at(*, sales: CompanySales, as_of: date) -> Settlement | None:
    """The receivables page's settlement at `as_of` (its payments, terms and loss rates); None
    when nothing says what was paid — no payments and no paid dates on the sales: every invoice
    would look unpaid, which is not receivables."""
    if not receivables_selectors.receivables_span(sales=sales).payment_data:
        return None
    settings = receivables_selectors.receivables_settings(company=sales.company)
    return receivables_selectors.receivables_settlement(sales=sales, as_of=as_of, settings=settings)


def kaism_data(*, sales: CompanySales) -> kaism_selectors.KaismData:
    """The KAISM page's data: positions, key clients and reasons, stability and warnings, as of
    the end of the company's LTM (a client's key status does not change with a report's
    period)."""
    return kaism_selectors.company_kaism_data(sales=sales)


def score_columns(*, company: Company, frame: pl.DataFrame) -> list[str]:
    """The criterion score columns of a KAISM frame, in the company's criteria order."""
    criteria = kaism_settings(company=company).core_criteria
    names = [score_column(criterion) for criterion in criteria]
    return [name for name in names if name in frame.columns]

"""The data the reports and the API need from models that live on other branches.

Each function here stands for a model or setting another app brings with the next merge
(`ledger.Payment`, the `forecast` app's PlannedPayment and settings, the KAISM criteria and
scores of `insights`, the signals of the `clients` dossier). Until then each returns an empty
frame of the core's schema or the defaults, so every report and API endpoint already calls the
core through them and shows "no data yet" honestly; after the merge only the bodies change.

Wire after the merge:
- `payments_frame`   -> the company's ledger.Payment rows as PAYMENTS_SCHEMA (client_key by the
                        payer's client), the receivables page's selector if it has one;
- `plan_frame`       -> forecast.PlannedPayment rows as PLAN_SCHEMA (`row` = the payment's id);
- `forecast_settings`-> the forecast app's opening balance (and its date), reserve, horizon,
                        default terms, company margin and diversification targets;
- `kaism_positions`  -> the company's criteria/weights and manual scores through
                        core.analytics.kaism (`kaism_metrics` + `kaism_positions`);
- `client_signals`   -> core.analytics.signals.client_signals with the dossier's interactions
                        and contacts (and the payments' days late);
- `manual_key_marks` -> clients marked key by hand, with the reason.
Tests patch these functions to feed the reports real payments, a plan and positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from keyclients.core.analytics.cashflow import DEFAULT_HORIZON
from keyclients.core.analytics.kaism import positions_schema
from keyclients.core.analytics.scenarios import DEFAULT_TARGET_HHI, DEFAULT_TARGET_TOP1
from keyclients.core.analytics.signals import SIGNALS_SCHEMA
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, PLAN_SCHEMA
from keyclients.web.accounts.models import Company


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


def payments_frame(*, company: Company) -> pl.DataFrame:
    """Client payments as PAYMENTS_SCHEMA (ledger.Payment, not on this branch yet)."""
    return pl.DataFrame(schema=PAYMENTS_SCHEMA)


def plan_frame(*, company: Company) -> pl.DataFrame:
    """Planned payments as PLAN_SCHEMA (forecast.PlannedPayment, not on this branch yet)."""
    return pl.DataFrame(schema=PLAN_SCHEMA)


def forecast_settings(*, company: Company) -> ForecastSettings:
    """The cash forecast's settings (the forecast app's, not on this branch yet)."""
    return ForecastSettings()


def kaism_positions(*, company: Company, as_of: date) -> pl.DataFrame:
    """KAISM positions as `positions_schema()` (criteria and scores of insights, not here yet)."""
    return pl.DataFrame(schema=positions_schema())


def client_signals(*, company: Company, as_of: date) -> pl.DataFrame:
    """Early-warning signals as SIGNALS_SCHEMA (the dossier's signals, not here yet)."""
    return pl.DataFrame(schema=SIGNALS_SCHEMA)


def manual_key_marks(*, company: Company) -> Mapping[str, str]:
    """client_key -> the reason a client was marked key by hand (the dossier, not here yet)."""
    return {}

"""The cash forecast in the shape every interface shows (DESIGN §6 `keyclients cashflow`).

Pure: a `CashForecast` (and a `CashSimulation`, when one was run) in, a JSON-ready dict out,
with exactly the documented keys. The CLI prints it; the web app and the API will serve it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .analytics.cashflow import CashForecast, CashSimulation

MONEY_DIGITS = 2
SHARE_DIGITS = 6


def _money(value: float) -> float:
    return round(value, MONEY_DIGITS) + 0.0  # + 0.0: never a "-0.0"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def cashflow_summary(
    forecast: CashForecast, simulation: CashSimulation | None = None
) -> dict[str, Any]:
    """`{"as_of", "horizon_days", "opening_balance", "reserve", "days", "first_gap_date",
    "min_balance", "min_balance_date", "days_below_reserve", "simulation"}` as DESIGN §6 lists
    them: amounts in roubles (two decimals), outflow a positive number, balance the end-of-day
    balance, dates ISO, `simulation` null when none was run."""
    return {
        "as_of": forecast.as_of.isoformat(),
        "horizon_days": forecast.horizon_days,
        "opening_balance": _money(forecast.opening_balance),
        "reserve": _money(forecast.reserve),
        "days": [
            {
                "date": day.isoformat(),
                "inflow": _money(inflow),
                "outflow": _money(outflow),
                "balance": _money(balance),
            }
            for day, inflow, outflow, balance in forecast.days.iter_rows()
        ],
        "first_gap_date": _day(forecast.first_gap_date),
        "min_balance": _money(forecast.min_balance),
        "min_balance_date": _day(forecast.min_balance_date),
        "days_below_reserve": forecast.days_below_reserve,
        "simulation": None if simulation is None else simulation_summary(simulation),
    }


def simulation_summary(simulation: CashSimulation) -> dict[str, Any]:
    """`{"paths", "seed", "probability_gap", "min_balance_p5", "min_balance_p50",
    "min_balance_p95", "reserve_needed_95"}`."""
    return {
        "paths": simulation.paths,
        "seed": simulation.seed,
        "probability_gap": round(simulation.probability_gap, SHARE_DIGITS) + 0.0,
        "min_balance_p5": _money(simulation.min_balance_p5),
        "min_balance_p50": _money(simulation.min_balance_p50),
        "min_balance_p95": _money(simulation.min_balance_p95),
        "reserve_needed_95": _money(simulation.reserve_needed_95),
    }

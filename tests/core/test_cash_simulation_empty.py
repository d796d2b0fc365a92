"""Monte Carlo of a calendar with nothing to draw: only planned payments, no receipt."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from keyclients.core.analytics.cashflow import cash_basis, simulate_cash
from keyclients.core.analytics.receivables import DOCUMENTS_SCHEMA
from keyclients.core.ingest.schema import PLAN_SCHEMA


def test_a_calendar_without_receipts_simulates_as_itself() -> None:
    """Only planned payments, no document to draw: every path is the plain calendar."""
    plan = pl.DataFrame(
        [(1, date(2026, 1, 5), -500.0, "Rent", "none", None)], schema=PLAN_SCHEMA, orient="row"
    )
    empty = pl.DataFrame(schema=DOCUMENTS_SCHEMA)
    basis = cash_basis(empty, None, plan, as_of=date(2025, 12, 31), opening_balance=400.0)
    simulation = simulate_cash(basis, paths=50, seed=3)
    assert simulation.probability_gap == 1.0
    assert simulation.min_balance_p5 == simulation.min_balance_p95 == -100.0
    assert simulation.reserve_needed_95 == 100.0
    rich = cash_basis(empty, None, plan, as_of=date(2025, 12, 31), opening_balance=600.0)
    assert simulate_cash(rich, paths=50, seed=3).probability_gap == 0.0
    assert np.isclose(simulate_cash(rich, paths=50).min_balance_p50, 100.0)


def test_the_empty_draw_gives_every_path_the_plain_minimum() -> None:
    from keyclients.core.analytics.cashflow import simulate_minimum_balances

    none = np.array([], dtype=np.int64)
    minimum = simulate_minimum_balances(
        fixed_balance=np.array([500, -200, 300], dtype=np.int64),
        due_index=none,
        shift=none,
        cents=none,
        pool=np.array([0], dtype=np.int16),
        pool_start=none,
        pool_size=none,
        paths=4,
        seed=0,
    )
    assert minimum.tolist() == [-200, -200, -200, -200]

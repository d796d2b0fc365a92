"""Loss-of-client stress test and diversification plan (DESIGN §4), against hand computations."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.analytics.cashflow import Loss, Scenario, cash_basis, cash_forecast
from keyclients.core.analytics.concentration import hhi
from keyclients.core.analytics.receivables import settle
from keyclients.core.analytics.scenarios import (
    MARGIN_INVALID,
    TARGET_HHI_INVALID,
    TARGET_TOP1_INVALID,
    clients_needed,
    diversification_plan,
    extra_revenue_for_hhi,
    extra_revenue_for_top1,
    hhi_with_new_clients,
    loss_stress_test,
    new_client_capacity,
)
from keyclients.core.ingest.schema import SALES_SCHEMA

AS_OF = date(2025, 12, 31)  # LTM: 2025; the last 24 months: 2024–2025


def sales(*lines: tuple[str, str, float] | tuple[str, str, float, float]) -> pl.DataFrame:
    """Sales lines (client, ISO date, amount[, cost]), due on their date."""
    rows: list[dict[str, Any]] = []
    for i, line in enumerate(lines, start=2):
        client, day, amount = line[0], date.fromisoformat(line[1]), float(line[2])
        rows.append(
            {
                "row": i,
                "client_key": "name:" + client.casefold(),
                "client": client,
                "inn": None,
                "date": day,
                "document": f"N-{i}",
                "amount": amount,
                "cost": float(line[3]) if len(line) > 3 else None,
                "product": None,
                "manager": None,
                "due_date": day,
                "paid_date": None,
            }
        )
    return pl.DataFrame(rows, schema=SALES_SCHEMA)


def company() -> pl.DataFrame:
    """A (600, with cost: margin 40%), B (300, no cost), C (100): old clients; D (50) won in
    March 2025, E (150) won in June 2024: new; F bought only in 2024: no LTM revenue."""
    return sales(
        ("A", "2022-03-01", 10, 6),
        *[("A", f"2025-{m:02d}-05", 50, 30) for m in range(1, 13)],
        ("B", "2023-05-01", 10),
        *[("B", f"2025-{m:02d}-07", 100) for m in (2, 6, 10)],
        ("C", "2023-01-10", 10),
        ("C", "2025-04-01", 100),
        ("D", "2025-03-10", 50),
        ("E", "2024-06-01", 20),
        ("E", "2025-08-01", 150),
        ("F", "2024-02-01", 70),
    )


def rows_by_client(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["client"]: row for row in frame.iter_rows(named=True)}


# --- Plain arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenue", "typical", "expected"),
    [(600, 100, 6), (601, 100, 7), (50, 100, 1), (0, 100, 0), (300, None, None), (300, 0, None)],
)
def test_clients_needed(revenue: float, typical: float | None, expected: int | None) -> None:
    assert clients_needed(revenue, typical) == expected


def test_clients_needed_ignores_float_noise() -> None:
    assert clients_needed(0.1 + 0.2, 0.1) == 3


@pytest.mark.parametrize(
    ("revenues", "target", "expected"),
    [
        ([50, 30, 20], 0.2, 150),
        ([50, 30, 20], 0.5, 0),
        ([20] * 5, 0.2, 0),
        ([90, 10, -5], 0.3, 200),
    ],
)
def test_extra_revenue_for_top1(revenues: list[float], target: float, expected: float) -> None:
    assert extra_revenue_for_top1(revenues, target) == pytest.approx(expected)


def test_extra_revenue_for_hhi_by_hand() -> None:
    # 50/30/20: HHI 3,800. New clients of 10: T(1 + x)² = 10,000(0.38 + 0.1x) at T = 1,500
    # gives 1,500x² + 2,000x − 2,300 = 0, x = (−2,000 + √17,800,000) / 3,000.
    extra = extra_revenue_for_hhi([50, 30, 20], 1500, 10)
    assert extra == pytest.approx(100 * (-2000 + math.sqrt(17_800_000)) / 3000)
    assert hhi_with_new_clients([50, 30, 20], extra, 10) == pytest.approx(1500)
    # In whole clients: 8 of 10 bring 3,800 → 10,000·4,600/180² = 1,419.8; 7 are not enough.
    assert clients_needed(extra, 10) == 8
    assert hhi_with_new_clients([50, 30, 20], 80, 10) == pytest.approx(10_000 * 4600 / 180**2)
    assert hhi_with_new_clients([50, 30, 20], 70, 10) > 1500


def test_hhi_with_new_clients_is_the_hhi_of_the_clients_it_adds() -> None:
    assert hhi_with_new_clients([50, 30, 20], 30, 10) == pytest.approx(
        hhi([50 / 130, 30 / 130, 20 / 130, *[10 / 130] * 3])
    )


def test_a_target_already_met_needs_nothing() -> None:
    assert extra_revenue_for_hhi([10] * 10, 1500, 10) == 0
    assert extra_revenue_for_hhi([], 1500, 10) == 0


@settings(max_examples=200, deadline=None)
@given(
    revenues=st.lists(st.floats(1, 1e9), min_size=1, max_size=30),
    target=st.floats(100, 9_000),
    typical_share=st.floats(0.001, 3),
)
def test_the_hhi_solution_is_the_least_extra_revenue_that_meets_the_target(
    revenues: list[float], target: float, typical_share: float
) -> None:
    typical = typical_share * max(revenues)
    extra = extra_revenue_for_hhi(revenues, target, typical)
    assert extra >= 0
    assert hhi_with_new_clients(revenues, extra, typical) <= target * (1 + 1e-9)
    if extra > 0:
        assert hhi_with_new_clients(revenues, extra * (1 - 1e-6), typical) > target * (1 - 1e-9)
        # Beyond it the target stays met (a whole number of clients is never short of it).
        needed = clients_needed(extra, typical)
        assert needed is not None
        assert hhi_with_new_clients(revenues, needed * typical, typical) <= target * (1 + 1e-9)


@settings(max_examples=200, deadline=None)
@given(
    revenues=st.lists(st.floats(1, 1e9), min_size=1, max_size=30),
    target=st.floats(0.01, 1),
)
def test_the_top1_extra_revenue_brings_the_share_to_the_target(
    revenues: list[float], target: float
) -> None:
    extra = extra_revenue_for_top1(revenues, target)
    share = max(revenues) / (math.fsum(revenues) + extra)
    assert share <= target * (1 + 1e-9)
    if extra > 0:
        assert share == pytest.approx(target)


@pytest.mark.parametrize("target", [0, -0.1, 1.5])
def test_a_top1_target_outside_0_1_is_refused(target: float) -> None:
    with pytest.raises(ValueError) as error:
        extra_revenue_for_top1([1, 2], target)
    assert str(error.value) == TARGET_TOP1_INVALID


@pytest.mark.parametrize("target", [0, 10_001])
def test_an_hhi_target_outside_0_10000_is_refused(target: float) -> None:
    with pytest.raises(ValueError) as error:
        extra_revenue_for_hhi([1, 2], target, 1)
    assert str(error.value) == TARGET_HHI_INVALID


# --- The stress test -------------------------------------------------------------------------


def test_new_client_capacity() -> None:
    capacity = new_client_capacity(company(), as_of=AS_OF)
    # D and E were won in the last 24 months (F too, but has no LTM revenue): median(50, 150).
    assert capacity.typical_revenue == 100
    assert (capacity.typical_basis, capacity.typical_of) == ("new", 2)
    assert capacity.won_last_12_months == 1  # D
    assert capacity.acquisition_rate == pytest.approx(1 / 12)


def test_without_new_clients_the_typical_revenue_is_of_all_active_clients() -> None:
    old = sales(
        ("A", "2020-01-01", 1),
        ("A", "2025-02-01", 600),
        ("B", "2020-01-01", 1),
        ("B", "2025-02-01", 300),
        ("C", "2020-01-01", 1),
        ("C", "2025-02-01", 100),
    )
    capacity = new_client_capacity(old, as_of=AS_OF)
    assert (capacity.typical_revenue, capacity.typical_basis, capacity.typical_of) == (
        300,
        "active",
        3,
    )
    assert capacity.acquisition_rate == 0
    test = loss_stress_test(old, as_of=AS_OF)
    a = rows_by_client(test.clients)["A"]
    assert a["clients_needed"] == 2
    assert a["months_to_replace"] is None  # no client won in a year: never, at this rate


def test_the_stress_test_by_hand() -> None:
    test = loss_stress_test(company(), as_of=AS_OF, company_margin=0.25)
    assert test.clients.get_column("client").to_list() == ["A", "B", "E", "C", "D"]
    assert test.revenue == 1200
    assert test.top1_share == 0.5
    clients = rows_by_client(test.clients)
    a, b, d = clients["A"], clients["B"], clients["D"]
    assert (a["lost_revenue"], a["share"]) == (600, 0.5)
    assert (a["margin"], a["margin_source"]) == (pytest.approx(0.4), "client")
    assert a["lost_gross_profit"] == pytest.approx(240)
    # Without A: 300, 100, 50, 150 of 600.
    assert a["top1_share_after"] == pytest.approx(0.5)
    assert a["hhi_after"] == pytest.approx(10_000 * (300**2 + 100**2 + 50**2 + 150**2) / 600**2)
    assert (a["clients_needed"], a["months_to_replace"]) == (6, pytest.approx(72))
    assert (b["margin"], b["margin_source"], b["lost_gross_profit"]) == (0.25, "company", 75)
    assert b["top1_share_after"] == pytest.approx(600 / 900)
    assert b["hhi_after"] == pytest.approx(10_000 * (600**2 + 100**2 + 50**2 + 150**2) / 900**2)
    assert (b["clients_needed"], b["months_to_replace"]) == (3, pytest.approx(36))
    assert (d["clients_needed"], d["months_to_replace"]) == (1, pytest.approx(12))
    assert "F" not in clients  # no LTM revenue: nothing to lose
    assert a["first_gap_date"] is None and a["min_balance"] is None  # no cash basis given


def test_without_a_company_margin_the_lost_profit_of_a_client_without_cost_is_unknown() -> None:
    clients = rows_by_client(loss_stress_test(company(), as_of=AS_OF).clients)
    assert clients["B"]["margin"] is None and clients["B"]["lost_gross_profit"] is None
    assert clients["B"]["margin_source"] is None
    assert clients["A"]["lost_gross_profit"] == pytest.approx(240)


@given(lost=st.sampled_from(["A", "B", "C", "D", "E"]))
def test_concentration_after_a_loss_is_the_concentration_of_the_rest(lost: str) -> None:
    test = loss_stress_test(company(), as_of=AS_OF)
    ltm = {"A": 600.0, "B": 300.0, "C": 100.0, "D": 50.0, "E": 150.0}
    rest = [revenue for client, revenue in ltm.items() if client != lost]
    row = rows_by_client(test.clients)[lost]
    assert row["hhi_after"] == pytest.approx(hhi(r / sum(rest) for r in rest))
    assert row["top1_share_after"] == pytest.approx(max(rest) / sum(rest))


def test_a_single_client_leaves_nothing_to_share() -> None:
    row = loss_stress_test(sales(("A", "2025-03-01", 10)), as_of=AS_OF).clients.row(0, named=True)
    assert row["top1_share_after"] is None and row["hhi_after"] is None


def test_the_company_margin_is_checked() -> None:
    with pytest.raises(ValueError) as error:
        loss_stress_test(company(), as_of=AS_OF, company_margin=1.5)
    assert str(error.value) == MARGIN_INVALID


def test_the_cash_impact_is_the_forecast_without_the_client() -> None:
    lines = company()
    # Nothing is owed; future sales at the run-rates of Jun–Nov 2025 (A 300 / 6 = 50,
    # B 200 / 6 = 33.33, E 150 / 6 = 25) come on every 15th, and 150 goes out on every 20th:
    # 200 → 308.33 → 158.33 → 266.66 → 116.66 → 224.99 → 74.99 (20 Mar). Without A's 50 a
    # month: 74.99 − 150 = −75.01 on 20 Mar.
    documents = settle(lines, as_of=AS_OF).documents.with_columns(outstanding=pl.lit(0.0))
    plan = pl.DataFrame(
        {"date": [date(2026, 1, 20)], "amount": [-150.0], "repeat": ["monthly"]},
    )
    basis = cash_basis(documents, lines, plan, as_of=AS_OF, opening_balance=200, horizon=90)
    test = loss_stress_test(lines, as_of=AS_OF, basis=basis)
    base = cash_forecast(basis)
    assert (test.base_first_gap_date, test.base_min_balance) == (
        base.first_gap_date,
        base.min_balance,
    )
    for row in test.clients.iter_rows(named=True):
        alone = cash_forecast(basis, Scenario(losses=(Loss(row["client_key"]),)))
        assert (row["first_gap_date"], row["min_balance"], row["days_below_reserve"]) == (
            alone.first_gap_date,
            alone.min_balance,
            alone.days_below_reserve,
        )
    assert (base.first_gap_date, base.min_balance) == (None, 74.99)
    a = rows_by_client(test.clients)["A"]
    assert (a["first_gap_date"], a["min_balance"]) == (date(2026, 3, 20), -75.01)


# --- The diversification plan ----------------------------------------------------------------


def test_the_diversification_plan_by_hand() -> None:
    plan = diversification_plan(company(), as_of=AS_OF)
    assert (plan.top_client, plan.revenue) == ("A", 1200)
    # Top-1 to 20%: 600 / 0.2 − 1,200 = 1,800, 18 typical clients of 100, 216 months at 1/12.
    assert plan.top1.current == 0.5
    assert plan.top1.extra_revenue == pytest.approx(1800)
    assert (plan.top1.new_clients, plan.top1.months) == (18, pytest.approx(216))
    # HHI to 1,500 with new clients of 100: the least whole number of them, by brute force.
    revenues = [600, 300, 150, 100, 50]
    assert plan.hhi.current == pytest.approx(hhi(r / 1200 for r in revenues))
    brute = next(
        k for k in range(1000) if hhi_with_new_clients(revenues, 100 * k, 100) <= 1500 + 1e-9
    )
    assert plan.hhi.new_clients == brute == 8
    assert plan.hhi.months == pytest.approx(96)
    assert hhi_with_new_clients(revenues, plan.hhi.extra_revenue or 0, 100) == pytest.approx(1500)


def test_targets_already_met_take_no_months() -> None:
    plan = diversification_plan(company(), as_of=AS_OF, target_top1_share=0.6, target_hhi=5000)
    assert (plan.top1.extra_revenue, plan.top1.new_clients, plan.top1.months) == (0, 0, 0)
    assert (plan.hhi.extra_revenue, plan.hhi.new_clients, plan.hhi.months) == (0, 0, 0)


def test_no_revenue_gives_an_empty_plan() -> None:
    plan = diversification_plan(sales(("A", "2020-01-01", 5)), as_of=AS_OF)
    assert plan.top_client is None
    assert plan.top1.current is None and plan.hhi.extra_revenue is None

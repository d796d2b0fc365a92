"""Cash forecast (DESIGN §4 "Cash forecast"): calendars computed by hand, repeats, expected
delays, future sales, reserve, scenarios and the Monte Carlo.

Documents are given as `Settlement.documents` would hold them (client, dates, amount, days
late of paid ones, outstanding of open ones), so each case reads as its calendar.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.analytics.cashflow import (
    CLIENT_TWICE,
    DELAY_NEGATIVE,
    HORIZON_INVALID,
    MAX_HORIZON,
    PATHS_INVALID,
    PLAN_AMOUNT_ZERO,
    PLAN_INCOMPLETE,
    REPEAT_INVALID,
    UNKNOWN_CLIENT,
    UNKNOWN_PLAN_ROW,
    CashBasis,
    Delay,
    Loss,
    PlanChange,
    Scenario,
    add_months,
    cash_basis,
    cash_forecast,
    invoice_days,
    loss_impacts,
    median_days,
    occurrences,
    simulate_cash,
    simulate_minimum_balances,
)
from keyclients.core.analytics.receivables import DOCUMENTS_SCHEMA

AS_OF = date(2026, 1, 10)


def d(text: str) -> date:
    return date.fromisoformat(text)


def documents(*items: dict[str, Any]) -> pl.DataFrame:
    """Documents: client, date, due (date), amount; `late` (days late) makes one paid,
    `open` (outstanding, default the amount) one open."""
    rows = []
    for i, item in enumerate(items):
        paid = "late" in item
        rows.append(
            {
                "document_id": i,
                "client_key": "name:" + item["client"].casefold(),
                "client": item["client"],
                "document": item.get("document", f"D-{i}"),
                "date": item["date"],
                "due_date": item.get("due", item["date"]),
                "amount": float(item.get("amount", 100.0)),
                "paid_date": item["due"] + timedelta(days=item["late"]) if paid else None,
                "days_late": item["late"] if paid else None,
                "days_past_due": None,
                "bucket": None,
                "outstanding": 0.0 if paid else float(item.get("open", item.get("amount", 100))),
                "row": i + 2,
            }
        )
    return pl.DataFrame(rows, schema=DOCUMENTS_SCHEMA)


PAID_DUE = date(2025, 6, 1)


def paid(client: str, *lates: int, terms: int = 0) -> list[dict[str, Any]]:
    """Paid documents of a client, issued `terms` days before their due date and paid late
    by each of `lates` days."""
    issued = PAID_DUE - timedelta(days=terms)
    return [{"client": client, "date": issued, "due": PAID_DUE, "late": late} for late in lates]


def sales(*lines: tuple[str, str, float]) -> pl.DataFrame:
    """Sales lines (client, ISO date, amount)."""
    return pl.DataFrame(
        {
            "client_key": ["name:" + c.casefold() for c, _, _ in lines],
            "client": [c for c, _, _ in lines],
            "date": [d(day) for _, day, _ in lines],
            "amount": [float(a) for _, _, a in lines],
        },
        schema={
            "client_key": pl.String(),
            "client": pl.String(),
            "date": pl.Date(),
            "amount": pl.Float64(),
        },
    )


def plan(*rows: tuple[str, float, str, str | None]) -> pl.DataFrame:
    """Plan rows (ISO date, amount, repeat, until); rows numbered from 2 as in a file."""
    return pl.DataFrame(
        {
            "row": list(range(2, len(rows) + 2)),
            "date": [d(r[0]) for r in rows],
            "amount": [float(r[1]) for r in rows],
            "category": [f"c{i}" for i in range(len(rows))],
            "repeat": [r[2] for r in rows],
            "until": [d(r[3]) if r[3] else None for r in rows],
        }
    )


def basis(
    docs: pl.DataFrame,
    sales_frame: pl.DataFrame | None = None,
    plan_frame: pl.DataFrame | None = None,
    **options: Any,
) -> CashBasis:
    options.setdefault("as_of", AS_OF)
    options.setdefault("opening_balance", 1000.0)
    options.setdefault("horizon", 10)
    return cash_basis(docs, sales_frame, plan_frame, **options)


def balances(forecast: Any) -> list[float]:
    return list(forecast.days.get_column("balance"))


# --- Plain rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "repeat", "until", "first", "last", "expected"),
    [
        ("2026-01-05", "none", None, "2026-01-01", "2026-01-31", ["2026-01-05"]),
        ("2026-01-05", "none", "2026-01-01", "2026-01-01", "2026-01-31", ["2026-01-05"]),
        ("2026-02-05", "none", None, "2026-01-01", "2026-01-31", []),
        (
            "2026-01-05",
            "weekly",
            None,
            "2026-01-01",
            "2026-01-31",
            ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"],
        ),
        # A weekly series that began before the calendar keeps its weekday.
        ("2025-12-29", "weekly", None, "2026-01-01", "2026-01-13", ["2026-01-05", "2026-01-12"]),
        # The 31st falls on February's last day and comes back to the 31st after.
        (
            "2026-01-31",
            "monthly",
            None,
            "2026-01-01",
            "2026-05-31",
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"],
        ),
        ("2024-01-31", "monthly", None, "2024-02-01", "2024-03-31", ["2024-02-29", "2024-03-31"]),
        (
            "2025-10-31",
            "monthly",
            None,
            "2026-01-01",
            "2026-03-31",
            ["2026-01-31", "2026-02-28", "2026-03-31"],
        ),
        (
            "2026-01-28",
            "quarterly",
            None,
            "2026-01-01",
            "2026-12-31",
            ["2026-01-28", "2026-04-28", "2026-07-28", "2026-10-28"],
        ),
        (
            "2025-08-31",
            "quarterly",
            None,
            "2025-09-01",
            "2026-08-31",
            ["2025-11-30", "2026-02-28", "2026-05-31", "2026-08-31"],
        ),
        # `until` is inclusive.
        (
            "2026-01-12",
            "monthly",
            "2026-03-12",
            "2026-01-01",
            "2026-12-31",
            ["2026-01-12", "2026-02-12", "2026-03-12"],
        ),
        (
            "2026-01-12",
            "monthly",
            "2026-03-11",
            "2026-01-01",
            "2026-12-31",
            ["2026-01-12", "2026-02-12"],
        ),
        (
            "2026-01-05",
            "weekly",
            "2026-01-12",
            "2026-01-01",
            "2026-01-31",
            ["2026-01-05", "2026-01-12"],
        ),
    ],
)
def test_occurrences(
    start: str, repeat: str, until: str | None, first: str, last: str, expected: list[str]
) -> None:
    got = occurrences(d(start), repeat, d(until) if until else None, d(first), d(last))
    assert got == [d(x) for x in expected]


def test_a_plan_row_without_a_date_is_a_clear_error() -> None:
    incomplete = pl.DataFrame(
        {"date": [None], "amount": [-5.0]}, schema={"date": pl.Date, "amount": pl.Float64}
    )
    with pytest.raises(ValueError) as error:
        basis(documents(), plan_frame=incomplete)
    assert str(error.value) == PLAN_INCOMPLETE


def test_an_unknown_repeat_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="is not one of none, weekly"):
        occurrences(d("2026-01-01"), "daily", None, d("2026-01-01"), d("2026-02-01"))
    with pytest.raises(ValueError) as error:
        basis(documents(), plan_frame=plan(("2026-01-12", -5, "yearly", None)))
    assert str(error.value) == REPEAT_INVALID.format(repeat="yearly")


@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    months=st.integers(1, 40),
    step=st.sampled_from(["monthly", "quarterly"]),
)
def test_monthly_repeats_keep_their_day_or_the_months_last(
    start: date, months: int, step: str
) -> None:
    last = add_months(start, months)
    got = occurrences(start, step, None, start, last)
    stride = 1 if step == "monthly" else 3
    assert got[0] == start
    for k, day in enumerate(got):
        assert day == add_months(start, k * stride)
        month_days = (add_months(date(day.year, day.month, 1), 1) - timedelta(days=1)).day
        assert day.day == min(start.day, month_days)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([], None),
        ([0], 0),
        ([1, 2], 2),
        ([2, 3], 3),
        ([1, 2, 3, 4], 3),
        ([5, 1, 9], 5),
        ([4, 4], 4),
    ],
)
def test_median_days_rounds_halves_up(days: list[int], expected: int | None) -> None:
    assert median_days(days) == expected


@pytest.mark.parametrize(
    ("as_of", "last", "expected"),
    [
        ("2026-01-10", "2026-03-11", ["2026-01-15", "2026-02-15"]),
        ("2026-01-15", "2026-03-15", ["2026-02-15", "2026-03-15"]),  # strictly after as_of
        ("2026-01-14", "2026-01-15", ["2026-01-15"]),
        ("2026-01-16", "2026-02-14", []),
    ],
)
def test_future_sales_are_invoiced_on_every_15th_after_as_of(
    as_of: str, last: str, expected: list[str]
) -> None:
    assert invoice_days(d(as_of), d(last)) == [d(x) for x in expected]


# --- Calendars by hand -----------------------------------------------------------------------


def test_one_invoice_and_one_planned_payment() -> None:
    # Opening 1,000 at 10 Jan. A pays 500 on its due date, 15 Jan (no history: 0 days late);
    # rent of 1,200 goes out on 12 Jan: the balance is −200 on 12–14 Jan.
    forecast = cash_forecast(
        basis(
            documents(
                {"client": "A", "date": d("2026-01-05"), "due": d("2026-01-15"), "amount": 500}
            ),
            plan_frame=plan(("2026-01-12", -1200, "none", None)),
        )
    )
    assert forecast.days.get_column("date").to_list() == [
        AS_OF + timedelta(days=i) for i in range(1, 11)
    ]
    assert forecast.days.get_column("inflow").to_list() == [0, 0, 0, 0, 500, 0, 0, 0, 0, 0]
    assert forecast.days.get_column("outflow").to_list() == [0, 1200, 0, 0, 0, 0, 0, 0, 0, 0]
    assert balances(forecast) == [1000, -200, -200, -200, 300, 300, 300, 300, 300, 300]
    assert forecast.first_gap_date == d("2026-01-12")
    assert forecast.min_balance == -200
    assert forecast.min_balance_date == d("2026-01-12")
    assert forecast.days_below_reserve == 3
    assert forecast.opening_balance == 1000


def test_planned_receipts_and_payments_with_repeats_in_the_calendar() -> None:
    forecast = cash_forecast(
        basis(
            documents(),
            plan_frame=plan(
                ("2026-01-11", -100, "weekly", "2026-01-18"),
                ("2025-12-12", 50, "monthly", None),  # began before as_of: 12 Jan counts
                ("2026-01-09", -999, "none", None),  # before the calendar: not counted
            ),
        )
    )
    assert forecast.days.get_column("outflow").to_list() == [100, 0, 0, 0, 0, 0, 0, 100, 0, 0]
    assert forecast.days.get_column("inflow").to_list() == [0, 50, 0, 0, 0, 0, 0, 0, 0, 0]
    assert balances(forecast)[-1] == 1000 - 200 + 50
    assert forecast.planned.get_column("row").to_list() == [2, 3, 2]


def test_an_overdue_document_is_expected_on_the_day_after_as_of() -> None:
    forecast = cash_forecast(
        basis(
            documents(
                *paid("A", 5, 5, 5),
                {"client": "A", "date": d("2025-11-01"), "due": d("2025-12-01"), "amount": 70},
            )
        )
    )
    receipt = forecast.receipts.row(0, named=True)
    assert receipt["expected_delay"] == 5
    assert receipt["expected_date"] == AS_OF + timedelta(days=1)
    assert forecast.days.get_column("inflow")[0] == 70


def test_a_client_with_fewer_than_3_paid_documents_gets_the_company_median() -> None:
    # A's own: 1, 2, 10 -> 2. B has two paid documents (30, 40): it gets the company median
    # over all five, 10. C has none: 10 too.
    forecast_basis = basis(
        documents(
            *paid("A", 1, 2, 10),
            *paid("B", 30, 40),
            {"client": "A", "date": d("2026-01-01"), "due": d("2026-01-11")},
            {"client": "B", "date": d("2026-01-01"), "due": d("2026-01-11")},
            {"client": "C", "date": d("2026-01-01"), "due": d("2026-01-11")},
        ),
        horizon=30,
    )
    clients = {row["client"]: row for row in forecast_basis.clients.iter_rows(named=True)}
    assert (clients["A"]["expected_delay"], clients["A"]["delay_source"]) == (2, "client")
    assert (clients["B"]["expected_delay"], clients["B"]["delay_source"]) == (10, "company")
    assert (clients["C"]["expected_delay"], clients["C"]["delay_source"]) == (10, "company")
    assert forecast_basis.company_delay == 10
    expected = dict(forecast_basis.receipts.select("client", "expected_date").iter_rows())
    assert expected == {"A": d("2026-01-13"), "B": d("2026-01-21"), "C": d("2026-01-21")}


def test_a_partly_paid_document_brings_its_outstanding_amount() -> None:
    forecast = cash_forecast(
        basis(
            documents(
                {
                    "client": "A",
                    "date": d("2026-01-01"),
                    "due": d("2026-01-12"),
                    "amount": 100,
                    "open": 40,
                }
            )
        )
    )
    assert forecast.days.get_column("inflow").sum() == 40


def test_the_future_sales_rule() -> None:
    # A: revenue Jul–Dec 2025 = 600,000 -> run-rate 100,000 (June and January do not count).
    # Terms: due − date over its documents 10, 20, 30 -> 20 days. Days late 0, 5, 7 -> 5.
    # Invoiced 15 Jan and 15 Feb; received 15 Jan + 20 + 5 = 9 Feb, and 12 Mar: past the
    # horizon (11 Mar). B's revenue nets to 0: no future sales.
    docs = documents(
        {"client": "A", "date": d("2025-07-01"), "due": d("2025-07-11"), "late": 0},
        {"client": "A", "date": d("2025-08-01"), "due": d("2025-08-21"), "late": 5},
        {"client": "A", "date": d("2025-09-01"), "due": d("2025-10-01"), "late": 7},
    )
    lines = sales(
        ("A", "2025-06-30", 1_000_000),
        *[("A", f"2025-{m:02d}-10", 100_000) for m in range(7, 13)],
        ("A", "2026-01-05", 999),
        ("B", "2025-09-01", 500),
        ("B", "2025-10-01", -500),
    )
    forecast_basis = basis(docs, lines, horizon=60)
    clients = {row["client"]: row for row in forecast_basis.clients.iter_rows(named=True)}
    assert clients["A"]["run_rate"] == 100_000
    assert (clients["A"]["terms"], clients["A"]["terms_source"]) == (20, "client")
    assert clients["A"]["expected_delay"] == 5
    assert clients["B"]["run_rate"] == 0
    assert (clients["B"]["terms"], clients["B"]["terms_source"]) == (0, "default")
    future = forecast_basis.receipts.filter(pl.col("kind") == "future")
    assert future.select("client", "date", "due_date", "amount", "expected_date").rows() == [
        ("A", d("2026-01-15"), d("2026-02-04"), 100_000.0, d("2026-02-09")),
        ("A", d("2026-02-15"), d("2026-03-07"), 100_000.0, d("2026-03-12")),
    ]
    forecast = cash_forecast(forecast_basis)
    inflow = forecast.days.filter(pl.col("inflow") > 0)
    assert inflow.select("date", "inflow").rows() == [(d("2026-02-09"), 100_000.0)]
    without = cash_forecast(basis(docs, lines, horizon=60, future_sales=False))
    assert without.days.get_column("inflow").sum() == 0


def test_future_sales_without_own_documents_use_the_default_terms() -> None:
    forecast_basis = basis(
        documents(), sales(("A", "2025-12-01", 600)), horizon=20, default_terms=3
    )
    future = forecast_basis.receipts.row(0, named=True)
    assert (future["date"], future["due_date"], future["expected_date"]) == (
        d("2026-01-15"),
        d("2026-01-18"),
        d("2026-01-18"),
    )
    assert future["amount"] == 100


def test_run_rates_round_to_the_kopeck() -> None:
    forecast_basis = basis(documents(), sales(("A", "2025-12-01", 100)), horizon=20)
    assert forecast_basis.clients.get_column("run_rate").to_list() == [16.67]


@pytest.mark.parametrize(
    ("reserve", "first_gap", "below"),
    [(0.0, None, 0), (1000.0, None, 0), (1000.01, "2026-01-11", 10), (1500.0, "2026-01-11", 10)],
)
def test_a_reserve_above_zero(reserve: float, first_gap: str | None, below: int) -> None:
    # The balance stays at 1,000: at the reserve is not below it.
    forecast = cash_forecast(basis(documents(), reserve=reserve))
    assert forecast.first_gap_date == (d(first_gap) if first_gap else None)
    assert forecast.days_below_reserve == below
    assert forecast.reserve == reserve


def test_a_reserve_finds_the_gap_earlier_than_zero() -> None:
    docs = documents()
    rent = plan(("2026-01-12", -700, "none", None), ("2026-01-14", -400, "none", None))
    assert cash_forecast(basis(docs, plan_frame=rent)).first_gap_date == d("2026-01-14")
    with_reserve = cash_forecast(basis(docs, plan_frame=rent, reserve=500))
    assert with_reserve.first_gap_date == d("2026-01-12")
    assert with_reserve.days_below_reserve == 9


def test_the_minimum_is_the_first_day_it_is_reached() -> None:
    forecast = cash_forecast(
        basis(
            documents(),
            plan_frame=plan(
                ("2026-01-12", -100, "none", None),
                ("2026-01-13", 100, "none", None),
                ("2026-01-14", -100, "none", None),
            ),
        )
    )
    assert (forecast.min_balance, forecast.min_balance_date) == (900, d("2026-01-12"))


@pytest.mark.parametrize("horizon", [0, MAX_HORIZON + 1])
def test_the_horizon_is_checked(horizon: int) -> None:
    with pytest.raises(ValueError) as error:
        basis(documents(), horizon=horizon)
    assert str(error.value) == HORIZON_INVALID.format(max=MAX_HORIZON)


def test_documents_after_as_of_are_not_known_yet() -> None:
    forecast = cash_forecast(
        basis(documents({"client": "A", "date": d("2026-01-11"), "due": d("2026-01-12")}))
    )
    assert forecast.days.get_column("inflow").sum() == 0


# --- Scenarios -------------------------------------------------------------------------------


def _two_clients() -> CashBasis:
    docs = documents(
        *paid("A", 0, 0, 0, 0, 0, terms=11),
        *paid("B", 10, 20, 30, 40, 50, terms=17),
        {"client": "A", "date": d("2026-01-01"), "due": d("2026-01-12"), "amount": 300},
        {"client": "B", "date": d("2025-11-01"), "due": d("2025-11-20"), "amount": 500},
        {"client": "B", "date": d("2026-01-05"), "due": d("2026-01-20"), "amount": 200},
    )
    lines = sales(
        *[("A", f"2025-{m:02d}-03", 600) for m in range(7, 13)],
        *[("B", f"2025-{m:02d}-03", 1200) for m in range(7, 13)],
    )
    return basis(
        docs,
        lines,
        plan(("2026-01-20", -1500, "monthly", None), ("2026-01-25", -200, "none", None)),
        horizon=70,
    )


def test_lose_removes_exactly_that_clients_future_sales_from_its_date() -> None:
    base_basis = _two_clients()
    base = cash_forecast(base_basis)
    lost = cash_forecast(base_basis, Scenario(losses=(Loss("name:b", d("2026-02-01")),)))
    removed = base.receipts.join(
        lost.receipts.select("client_key", "kind", "date", "document"),
        on=["client_key", "kind", "date", "document"],
        how="anti",
        nulls_equal=True,
    )
    assert removed.select("client", "kind", "date").rows() == [
        ("B", "future", d("2026-02-15")),
        ("B", "future", d("2026-03-15")),
    ]
    # Its open documents are still collected; A is untouched.
    assert lost.receipts.filter(pl.col("kind") == "open").height == 3
    written_off = cash_forecast(
        base_basis, Scenario(losses=(Loss("name:b", d("2026-02-01"), write_off=True),))
    )
    assert written_off.receipts.filter(pl.col("client") == "B").select("kind", "date").rows() == [
        ("future", d("2026-01-15"))
    ]
    # The default date is the day after as_of: every future sale stops.
    gone = cash_forecast(base_basis, Scenario(losses=(Loss("name:b"),)))
    assert gone.receipts.filter((pl.col("client") == "B") & (pl.col("kind") == "future")).is_empty()


def test_delay_moves_every_receipt_of_the_client_by_its_days() -> None:
    base_basis = _two_clients()
    base = cash_forecast(base_basis)
    late = cash_forecast(base_basis, Scenario(delays=(Delay("name:b", 7),)))
    joined = base.receipts.join(
        late.receipts, on=["client_key", "kind", "date", "document"], nulls_equal=True
    )
    moved = joined.select(
        "client", (pl.col("receipt_date_right") - pl.col("receipt_date")).dt.total_days()
    ).rows()
    assert {row for row in moved} == {("A", 0), ("B", 7)}
    # The overdue document of B came on as_of + 1 and now comes 7 days later.
    assert late.receipts.filter(pl.col("document") == "D-11").get_column("receipt_date")[0] == (
        AS_OF + timedelta(days=8)
    )


@settings(max_examples=60, deadline=None)
@given(
    dues=st.lists(st.integers(-40, 80), min_size=1, max_size=12),
    delays=st.lists(st.integers(0, 30), min_size=1, max_size=12),
    client_delay=st.integers(0, 60),
    opening=st.integers(-5_000, 5_000),
)
def test_a_delay_never_moves_money_earlier(
    dues: list[int], delays: list[int], client_delay: int, opening: int
) -> None:
    docs = documents(
        *[
            {"client": "B" if i % 2 else "A", "date": AS_OF - timedelta(days=50), "late": late}
            | {"due": AS_OF - timedelta(days=50)}
            for i, late in enumerate(delays)
        ],
        *[
            {"client": "B" if i % 2 else "A", "date": AS_OF, "due": AS_OF + timedelta(days=due)}
            for i, due in enumerate(dues)
        ],
    )
    forecast_basis = basis(
        docs,
        plan_frame=plan(("2026-01-15", -300, "weekly", None)),
        opening_balance=opening,
        horizon=60,
    )
    base = cash_forecast(forecast_basis)
    late = cash_forecast(forecast_basis, Scenario(delays=(Delay("name:a", client_delay),)))
    pairs = base.receipts.join(late.receipts, on=["client_key", "document"], suffix="_late").select(
        "receipt_date", "receipt_date_late"
    )
    assert all(after >= before for before, after in pairs.rows())
    # So by every day, no more money has come in than in the base.
    base_in = np.cumsum(base.days.get_column("inflow").to_numpy())
    late_in = np.cumsum(late.days.get_column("inflow").to_numpy())
    assert np.all(late_in <= base_in + 1e-6)
    assert np.all(balances(late) <= np.array(balances(base)) + 1e-6)


def test_combined_scenarios_add_up() -> None:
    base_basis = _two_clients()
    base = cash_forecast(base_basis)
    combined = Scenario(
        delays=(Delay("name:a", 3),),
        losses=(Loss("name:b", d("2026-02-01")),),
        opening_balance=5000,
        plan_changes=(PlanChange(row=3, remove=True), PlanChange(row=2, amount=-1000)),
    )
    both = cash_forecast(base_basis, combined)
    assert both.opening_balance == 5000
    assert both.planned.select("row", "amount").unique().rows() == [(2, -1000.0)]
    # The receipts are those of the delay and of the loss, each on its own client.
    only_delay = cash_forecast(base_basis, Scenario(delays=(Delay("name:a", 3),)))
    only_loss = cash_forecast(base_basis, Scenario(losses=(Loss("name:b", d("2026-02-01")),)))
    expected = pl.concat(
        [
            only_delay.receipts.filter(pl.col("client") == "A"),
            only_loss.receipts.filter(pl.col("client") == "B"),
        ]
    ).sort("client_key", "date", "document", nulls_last=True)
    assert both.receipts.sort("client_key", "date", "document", nulls_last=True).equals(expected)
    # Balance = the new opening + this scenario's inflows − its outflows, day by day.
    flows = np.cumsum(both.days.get_column("inflow") - both.days.get_column("outflow"))
    assert np.allclose(balances(both), 5000 + flows)
    assert not np.allclose(balances(both), balances(base))


def test_a_planned_payment_can_move() -> None:
    base_basis = _two_clients()
    moved = cash_forecast(
        base_basis, Scenario(plan_changes=(PlanChange(row=3, date=d("2026-02-25")),))
    )
    assert moved.planned.filter(pl.col("row") == 3).get_column("date").to_list() == [
        d("2026-02-25")
    ]


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (Scenario(delays=(Delay("name:zz", 3),)), UNKNOWN_CLIENT.format(client="name:zz")),
        (Scenario(losses=(Loss("ООО Нет"),)), UNKNOWN_CLIENT.format(client="ООО Нет")),
        (Scenario(delays=(Delay("name:a", -1),)), DELAY_NEGATIVE.format(client="name:a", days=-1)),
        (
            Scenario(delays=(Delay("name:a", 1), Delay("name:a", 2))),
            CLIENT_TWICE.format(client="name:a", what="delayed"),
        ),
        (
            Scenario(plan_changes=(PlanChange(row=99, remove=True),)),
            UNKNOWN_PLAN_ROW.format(row=99),
        ),
        (Scenario(plan_changes=(PlanChange(row=2, amount=0.001),)), PLAN_AMOUNT_ZERO),
    ],
)
def test_a_bad_scenario_is_a_clear_error(scenario: Scenario, message: str) -> None:
    base_basis = _two_clients()
    for run in (cash_forecast, simulate_cash):
        with pytest.raises(ValueError) as error:
            run(base_basis, scenario)
        assert str(error.value) == message


def test_loss_impacts_are_the_loss_scenario_of_each_client() -> None:
    base_basis = _two_clients()
    impacts = loss_impacts(base_basis)
    for row in impacts.iter_rows(named=True):
        alone = cash_forecast(base_basis, Scenario(losses=(Loss(row["client_key"]),)))
        assert row["first_gap_date"] == alone.first_gap_date
        assert row["min_balance"] == alone.min_balance
        assert row["min_balance_date"] == alone.min_balance_date
        assert row["days_below_reserve"] == alone.days_below_reserve
    # B's future sales in the horizon: the 1,200 of 3 Mar.
    assert impacts.filter(pl.col("client") == "B").get_column("lost_receipts")[0] == 1200.0


def test_the_base_of_the_two_clients_by_hand() -> None:
    forecast = cash_forecast(_two_clients())
    # Horizon 11 Jan – 21 Mar. A (delay 0, terms 11): open 300 due 12 Jan; run-rate 600
    # invoiced 15 Jan, 15 Feb, 15 Mar, due 26 Jan, 26 Feb, 26 Mar (past the horizon).
    # B (delay 30 = median of 10..50; terms 17 = median of 17 ×5, 19, 15): open 500 due
    # 20 Nov -> 20 Dec, before as_of: 11 Jan; open 200 due 20 Jan -> 19 Feb; run-rate 1,200
    # invoiced 15 Jan -> due 1 Feb -> 3 Mar, the later ones past the horizon.
    got = forecast.days.filter(pl.col("inflow") > 0).select("date", "inflow").rows()
    assert got == [
        (d("2026-01-11"), 500.0),
        (d("2026-01-12"), 300.0),
        (d("2026-01-26"), 600.0),
        (d("2026-02-19"), 200.0),
        (d("2026-02-26"), 600.0),
        (d("2026-03-03"), 1200.0),
    ]
    outflows = forecast.days.filter(pl.col("outflow") > 0).select("date", "outflow").rows()
    assert outflows == [
        (d("2026-01-20"), 1500.0),
        (d("2026-01-25"), 200.0),
        (d("2026-02-20"), 1500.0),
        (d("2026-03-20"), 1500.0),
    ]
    # 1,000 → 1,500 → 1,800 → 300 → 100 → 700 → 900 → −600 (20 Feb) → 0 (26 Feb, not below)
    # → 1,200 → −300 (20 and 21 Mar).
    assert forecast.first_gap_date == d("2026-02-20")
    assert (forecast.min_balance, forecast.min_balance_date) == (-600, d("2026-02-20"))
    assert forecast.days_below_reserve == 6 + 2
    assert balances(forecast)[-1] == -300


# --- Monte Carlo -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_answer() -> None:
    base_basis = _two_clients()
    one = simulate_cash(base_basis, paths=500, seed=11)
    two = simulate_cash(base_basis, paths=500, seed=11)
    assert one == two
    assert one.paths == 500 and one.seed == 11
    assert one.min_balance_p5 <= one.min_balance_p50 <= one.min_balance_p95


def test_a_client_that_always_pays_on_time_never_makes_a_gap() -> None:
    docs = documents(
        *paid("A", 0, 0, 0, 0, 0, 0),
        {"client": "A", "date": d("2026-01-01"), "due": d("2026-01-12"), "amount": 300},
        {"client": "A", "date": d("2025-12-01"), "due": d("2025-12-11"), "amount": 300},
    )
    forecast_basis = basis(docs, plan_frame=plan(("2026-01-13", -1500, "none", None)))
    base = cash_forecast(forecast_basis)
    assert base.first_gap_date is None
    simulation = simulate_cash(forecast_basis, paths=1000, seed=3)
    assert simulation.probability_gap == 0
    assert simulation.min_balance_p5 == simulation.min_balance_p95 == base.min_balance
    assert simulation.reserve_needed_95 == 0


def _big_client(lates: list[int]) -> CashBasis:
    docs = documents(
        *paid("Big", *lates),
        *paid("Small", 0, 1, 2, 3, 4),
        {"client": "Big", "date": d("2026-01-01"), "due": d("2026-01-12"), "amount": 2000},
        {"client": "Small", "date": d("2026-01-01"), "due": d("2026-01-12"), "amount": 100},
    )
    return basis(docs, plan_frame=plan(("2026-01-25", -2500, "none", None)), horizon=40)


def test_the_probability_rises_when_a_big_clients_history_gets_later() -> None:
    on_time = simulate_cash(_big_client([0, 0, 2, 5, 8, 10]), paths=4000, seed=5)
    later = simulate_cash(_big_client([0, 5, 10, 15, 20, 30]), paths=4000, seed=5)
    latest = simulate_cash(_big_client([10, 20, 25, 30, 40, 60]), paths=4000, seed=5)
    assert on_time.probability_gap == 0
    assert 0 < later.probability_gap < latest.probability_gap
    assert latest.min_balance_p5 <= later.min_balance_p5


def test_the_simulation_draws_from_the_clients_history() -> None:
    # One document of 2,000 due 12 Jan; its client paid 0 or 20 days late: half the paths
    # get it on 12 Jan, before the payment of 25 Jan, half on 1 Feb, after it.
    docs = documents(
        *paid("Big", 0, 0, 0, 20, 20, 20),
        {"client": "Big", "date": d("2026-01-01"), "due": d("2026-01-12"), "amount": 2000},
    )
    forecast_basis = basis(docs, plan_frame=plan(("2026-01-25", -2500, "none", None)), horizon=40)
    simulation = simulate_cash(forecast_basis, paths=10_000, seed=1)
    assert abs(simulation.probability_gap - 0.5) < 0.03  # 6 standard errors
    assert simulation.min_balance_p5 == -1500
    assert simulation.min_balance_p95 == 1000 + 2000 - 2500
    assert simulation.reserve_needed_95 == 1500


def test_a_client_with_fewer_than_5_paid_documents_draws_from_the_company() -> None:
    docs = documents(
        *paid("Steady", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        *paid("Few", 0, 0, 0, 0),  # its own four say "on time", the company mostly too
        *paid("Late", 90, 90, 90, 90, 90),
        {"client": "Few", "date": d("2026-01-01"), "due": d("2026-01-12"), "amount": 2000},
    )
    forecast_basis = basis(docs, plan_frame=plan(("2026-01-25", -2500, "none", None)), horizon=40)
    assert dict(forecast_basis.clients.select("client", "history_source").iter_rows()) == {
        "Steady": "client",
        "Few": "company",
        "Late": "client",
    }
    simulation = simulate_cash(forecast_basis, paths=10_000, seed=2)
    assert abs(simulation.probability_gap - 5 / 19) < 0.03


def test_the_scenario_applies_to_the_simulation() -> None:
    base_basis = _big_client([0, 0, 0, 0, 0, 0])
    assert simulate_cash(base_basis, paths=200, seed=1).probability_gap == 0
    late = simulate_cash(base_basis, Scenario(delays=(Delay("name:big", 20),)), paths=200, seed=1)
    assert late.probability_gap == 1
    poorer = simulate_cash(base_basis, Scenario(opening_balance=0), paths=200, seed=1)
    assert poorer.probability_gap == 1


@settings(max_examples=40, deadline=None)
@given(
    dues=st.lists(st.integers(-30, 50), min_size=1, max_size=8),
    late=st.integers(0, 20),
    opening=st.integers(-3000, 3000),
)
def test_with_one_delay_in_every_history_the_simulation_is_the_forecast(
    dues: list[int], late: int, opening: int
) -> None:
    docs = documents(
        *paid("A", late, late, late, late, late),
        *[
            {"client": "A", "date": AS_OF, "due": AS_OF + timedelta(days=due), "amount": 100 + i}
            for i, due in enumerate(dues)
        ],
    )
    forecast_basis = basis(
        docs,
        plan_frame=plan(("2026-01-14", -700, "weekly", None)),
        opening_balance=opening,
        horizon=45,
    )
    forecast = cash_forecast(forecast_basis)
    simulation = simulate_cash(forecast_basis, paths=50, seed=0)
    assert simulation.min_balance_p5 == simulation.min_balance_p95 == forecast.min_balance
    assert simulation.probability_gap == (1.0 if forecast.first_gap_date else 0.0)


def test_the_vectorized_paths_have_the_distribution_of_a_plain_calendar() -> None:
    # Four documents whose delays come from three small histories: enumerate every draw, lay
    # out each calendar the plain way, and compare the distribution of minimums with the one
    # of 40,000 vectorized paths (each outcome within 5 standard errors).
    pool = np.array([0, 9, 2, 4, 30, 1, 1, 6], dtype=np.int16)
    pool_start = np.array([0, 2, 2, 5], dtype=np.int64)
    pool_size = np.array([2, 3, 3, 3], dtype=np.int64)
    due = np.array([-3, 2, 10, 20], dtype=np.int64)
    shift = np.array([0, 0, 4, 0], dtype=np.int64)
    cents = np.array([500, 300, 800, 100], dtype=np.int64)
    horizon = 30
    fixed = 100 + np.cumsum(np.where(np.arange(horizon) % 6 == 5, -400, 0))

    def plain(picks: tuple[int, ...]) -> int:
        inflow = [0] * horizon
        for j, pick in enumerate(picks):
            day = max(int(due[j]) + int(pool[pool_start[j] + pick]), 0) + int(shift[j])
            if day < horizon:
                inflow[day] += int(cents[j])
        balance = [int(f) + sum(inflow[: t + 1]) for t, f in enumerate(fixed)]
        return min(balance)

    outcomes: dict[int, float] = {}
    for picks in itertools.product(*(range(n) for n in pool_size)):
        value = plain(picks)
        outcomes[value] = outcomes.get(value, 0.0) + 1 / math.prod(int(n) for n in pool_size)
    paths = 40_000
    minimum = simulate_minimum_balances(
        fixed_balance=fixed,
        due_index=due,
        shift=shift,
        cents=cents,
        pool=pool,
        pool_start=pool_start,
        pool_size=pool_size,
        paths=paths,
        seed=9,
    )
    values, counts = np.unique(minimum, return_counts=True)
    assert set(values.tolist()) <= set(outcomes)
    for value, probability in outcomes.items():
        share = counts[values == value].sum() / paths
        assert abs(share - probability) < 5 * math.sqrt(probability * (1 - probability) / paths)


def test_paths_must_be_positive() -> None:
    with pytest.raises(ValueError) as error:
        simulate_cash(_two_clients(), paths=0)
    assert str(error.value) == PATHS_INVALID

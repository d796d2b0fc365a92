"""Receivables and DSO at month-ends from one settlement equal a settlement at each month-end."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.analytics.receivables import DSO_DAYS_INVALID, settle
from keyclients.core.analytics.receivables_trend import (
    TREND_AFTER_AS_OF,
    TREND_SCHEMA,
    month_ends,
    receivables_trend,
)
from keyclients.core.demo import generate_company
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, SALES_SCHEMA

D0 = date(2025, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def sales(*lines: tuple[str, str | None, int, float, int | None]) -> pl.DataFrame:
    """(client, document, day, amount, terms in days or None)."""
    return pl.DataFrame(
        [
            {
                "row": i,
                "client_key": f"name:{c}",
                "client": c,
                "inn": None,
                "date": day(d),
                "document": n,
                "amount": a,
                "cost": None,
                "product": None,
                "manager": None,
                "due_date": None if t is None else day(d + t),
                "paid_date": None,
            }
            for i, (c, n, d, a, t) in enumerate(lines, 2)
        ],
        schema=SALES_SCHEMA,
    )


def payments(*items: tuple[str, int, float, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "row": i,
                "client_key": f"name:{c}",
                "client": c,
                "inn": None,
                "date": day(d),
                "amount": a,
                "document": None,
                "purpose": p,
                "source": "file",
            }
            for i, (c, d, a, p) in enumerate(items, 2)
        ],
        schema=PAYMENTS_SCHEMA,
    )


def test_month_ends() -> None:
    assert month_ends(date(2024, 12, 15), date(2025, 3, 30)) == [
        date(2024, 12, 31),
        date(2025, 1, 31),
        date(2025, 2, 28),
    ]
    assert month_ends(date(2025, 1, 1), date(2025, 1, 31)) == [date(2025, 1, 31)]
    assert month_ends(date(2025, 2, 1), date(2025, 1, 31)) == []


def test_an_invoice_paid_in_two_parts_shows_at_each_month_end() -> None:
    lines = sales(("A", "1", 10, 1000.0, 30), ("B", "2", 40, 500.0, 10))
    paid = payments(("A", 45, 400.0, None), ("A", 70, 600.0, None))
    settlement = settle(lines, paid, as_of=day(89))
    trend = receivables_trend(lines, settlement, dates=[day(30), day(58), day(89)], dso_days=30)
    assert trend.schema == pl.Schema(TREND_SCHEMA)
    rows = trend.to_dicts()
    # 31 Jan: A's invoice open, not due. 28 Feb: A owes 600 (due 10 Feb), B 500 (due 22 Feb).
    # 31 Mar: only B's 500, 37 days overdue.
    assert [(r["outstanding"], r["overdue"]) for r in rows] == [
        (1000.0, 0.0),
        (1100.0, 1100.0),
        (500.0, 500.0),
    ]
    assert [r["revenue"] for r in rows] == [1000.0, 500.0, 0.0]
    assert rows[0]["dso"] == pytest.approx(30.0)
    assert rows[1]["dso"] == pytest.approx(1100 / 500 * 30)
    assert rows[2]["dso"] is None


def test_dates_after_the_settlement_are_refused() -> None:
    settlement = settle(sales(("A", "1", 0, 10.0, 0)), None, as_of=day(10))
    with pytest.raises(ValueError, match="after the settlement"):
        receivables_trend(sales(), settlement, dates=[day(11)], dso_days=30)
    assert "as_of" in TREND_AFTER_AS_OF
    with pytest.raises(ValueError, match=DSO_DAYS_INVALID):
        receivables_trend(sales(), settlement, dates=[day(1)], dso_days=0)


def _check_against_settle(
    lines: pl.DataFrame, paid: pl.DataFrame, as_of: date, dso_days: int
) -> None:
    settlement = settle(lines, paid, as_of=as_of, dso_days=dso_days, terms={"name:B": 5})
    ends = month_ends(D0, as_of)
    trend = receivables_trend(lines, settlement, dates=ends, dso_days=dso_days)
    for row in trend.iter_rows(named=True):
        then = settle(lines, paid, as_of=row["month_end"], dso_days=dso_days, terms={"name:B": 5})
        assert round(row["outstanding"] * 100) == round(then.totals.outstanding * 100)
        assert round(row["overdue"] * 100) == round(then.totals.overdue * 100)
        assert round(row["revenue"] * 100) == round(then.totals.dso_revenue * 100)
        if then.totals.dso is None:
            assert row["dso"] is None
        else:
            assert row["dso"] == pytest.approx(then.totals.dso)


documents = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.integers(0, 120),  # day
        st.one_of(st.integers(-2_000, 30_000), st.just(0)),  # kopecks... in roubles
        st.one_of(st.none(), st.integers(0, 45)),  # terms given on the line
        st.booleans(),  # numbered
    ),
    max_size=25,
)
paid_items = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "Nobody"]),
        st.integers(0, 130),
        st.integers(1, 30_000),
        st.sampled_from([None, "Оплата по счету № D3", "Оплата по счету № D7"]),
    ),
    max_size=25,
)


@settings(deadline=None, max_examples=120)
@given(documents, paid_items, st.integers(30, 130), st.sampled_from([30, 45, 90]))
def test_the_trend_equals_a_settlement_at_every_month_end(
    raw_documents: list[Any], raw_paid: list[Any], as_of_day: int, dso_days: int
) -> None:
    # One document per number (each with its own date), as invoices are.
    lines = sales(
        *(
            (c, f"D{i}" if numbered else None, d, a / 100 * 7, t)
            for i, (c, d, a, t, numbered) in enumerate(raw_documents)
        )
    )
    paid = payments(*((c, d, a / 100 * 7, p) for c, d, a, p in raw_paid))
    _check_against_settle(lines, paid, day(as_of_day), dso_days)


def test_the_demo_company_trend_ends_with_its_totals() -> None:
    demo = generate_company(seed=3, clients=40, years=2)
    lines = demo.sales.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        pl.lit(None, pl.Date()).alias("paid_date"),
    ).select(list(SALES_SCHEMA))
    paid = demo.payments.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        "client_key",
        pl.col("payer").alias("client"),
        pl.col("payer_inn").alias("inn"),
        "date",
        "amount",
        "document",
        "purpose",
        pl.lit("file").alias("source"),
    )
    as_of = demo.end
    settlement = settle(lines, paid, as_of=as_of)
    ends = month_ends(as_of.replace(month=1, day=1), as_of)
    trend = receivables_trend(lines, settlement, dates=ends, dso_days=90)
    last = trend.row(-1, named=True)
    assert last["month_end"] == as_of
    assert last["outstanding"] == pytest.approx(settlement.totals.outstanding, abs=0.005)
    assert last["dso"] == pytest.approx(settlement.totals.dso)
    middle = trend.row(5, named=True)
    then = settle(lines, paid, as_of=middle["month_end"])
    assert middle["outstanding"] == pytest.approx(then.totals.outstanding, abs=0.005)
    assert middle["overdue"] == pytest.approx(then.totals.overdue, abs=0.005)

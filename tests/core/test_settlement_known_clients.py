"""`settle(..., known_clients=...)`: a client with no sales yet pays in advance; a payer who is
nobody's client stays unmatched."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.analytics.receivables import settle
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA, SALES_SCHEMA

D0 = date(2025, 1, 1)


def sales(*lines: tuple[str, int, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "row": i,
                "client_key": c,
                "client": c,
                "date": D0 + timedelta(days=d),
                "document": f"D{i}",
                "amount": a,
                "due_date": D0 + timedelta(days=d + 10),
            }
            for i, (c, d, a) in enumerate(lines, 2)
        ],
        schema=SALES_SCHEMA,
    )


def payments(*items: tuple[str, int, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"row": i, "client_key": c, "client": c, "date": D0 + timedelta(days=d), "amount": a}
            for i, (c, d, a) in enumerate(items, 2)
        ],
        schema=PAYMENTS_SCHEMA,
    )


def test_a_known_client_without_sales_has_an_advance_not_an_unmatched_payment() -> None:
    lines = sales(("A", 0, 100.0))
    paid = payments(("A", 5, 100.0), ("B", 6, 40.0), ("C", 7, 10.0))
    plain = settle(lines, paid, as_of=D0 + timedelta(days=30))
    assert plain.unmatched.get_column("client_key").to_list() == ["B", "C"]
    known = settle(lines, paid, as_of=D0 + timedelta(days=30), known_clients=["A", "B"])
    assert known.unmatched.get_column("client_key").to_list() == ["C"]
    b = known.clients.filter(pl.col("client_key") == "B").row(0, named=True)
    assert (b["invoiced"], b["paid"], b["advance"], b["outstanding"]) == (0.0, 40.0, 40.0, 0.0)
    assert known.totals.advance == 40.0
    assert known.totals.unmatched_amount == 10.0
    # Clients with sales are unchanged by being named again.
    a_plain = plain.clients.filter(pl.col("client_key") == "A").to_dicts()
    assert known.clients.filter(pl.col("client_key") == "A").to_dicts() == a_plain


ledger = st.tuples(
    st.lists(
        st.tuples(st.sampled_from("AB"), st.integers(0, 40), st.integers(1, 5_000)), max_size=15
    ),
    st.lists(
        st.tuples(st.sampled_from("ABCD"), st.integers(0, 50), st.integers(1, 5_000)), max_size=15
    ),
    st.lists(st.sampled_from("ABCD"), max_size=4),
)


@settings(deadline=None, max_examples=100)
@given(ledger)
def test_known_clients_take_their_payments_out_of_the_unmatched(case: Any) -> None:
    raw_lines, raw_paid, known = case
    lines = sales(*((c, d, a / 100) for c, d, a in raw_lines))
    paid = payments(*((c, d, a / 100) for c, d, a in raw_paid))
    as_of = D0 + timedelta(days=45)
    result = settle(lines, paid, as_of=as_of, known_clients=known)
    clients = set(lines.get_column("client_key").to_list()) | set(known)
    assert set(result.unmatched.get_column("client_key").to_list()).isdisjoint(clients)
    for row in result.clients.to_dicts():
        assert round(row["invoiced"] * 100) - round(row["paid"] * 100) == round(
            row["outstanding"] * 100
        ) - round(row["advance"] * 100)
    in_time = paid.filter(pl.col("date") <= as_of)
    total = round(in_time.get_column("amount").sum() * 100)
    assert round(result.totals.paid * 100) + round(result.totals.unmatched_amount * 100) == total

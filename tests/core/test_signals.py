"""DESIGN §4 "Early-warning signals": each signal fires on a constructed history, with its
evidence, and stays silent on the opposite one; then the combined frame and properties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from random import Random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from keyclients.core.analytics.signals import (
    COLUMNS_MISSING,
    CONTACT_DAYS_INVALID,
    SIGNALS_SCHEMA,
    client_signals,
    evidence_dict,
    signal_since,
)

AS_OF = date(2025, 12, 31)
Sale = tuple[str, date, float]  # client_key, date, amount


def _sales(sales: Sequence[Sale]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_key": [client for client, _, _ in sales],
            "date": [day for _, day, _ in sales],
            "amount": [amount for _, _, amount in sales],
        },
        schema={"client_key": pl.String, "date": pl.Date, "amount": pl.Float64},
    )


NO_SALES = _sales([])


def _fired(signals: pl.DataFrame, signal: str) -> dict[str, dict[str, float | None]]:
    """client_key -> evidence of one kind of signal."""
    rows = signals.filter(pl.col("signal") == signal).to_dicts()
    return {row["client_key"]: evidence_dict(row["evidence"]) for row in rows}


# --- revenue_drop -----------------------------------------------------------------------------


def test_revenue_drop_fires_below_70_percent_of_the_same_months_a_year_before() -> None:
    sales = _sales(
        [
            # Oct-Dec 2024: 300; Oct-Dec 2025: 180 (60%).
            *[("falling", date(2024, month, 10), 100.0) for month in (10, 11, 12)],
            *[("falling", date(2025, month, 10), 60.0) for month in (10, 11, 12)],
            # Exactly 70% is not below 70%.
            ("holding", date(2024, 11, 1), 300.0),
            ("holding", date(2025, 11, 1), 210.0),
            # Nothing a year before: no base to drop from.
            ("new", date(2025, 11, 1), 50.0),
            # Stopped buying: 0 of 100.
            ("stopped", date(2024, 12, 1), 100.0),
        ]
    )

    fired = _fired(client_signals(as_of=AS_OF, sales=sales), "revenue_drop")

    assert fired == {
        "falling": {"revenue_last_3_months": 180.0, "revenue_year_before": 300.0, "ratio": 0.6},
        "stopped": {"revenue_last_3_months": 0.0, "revenue_year_before": 100.0, "ratio": 0.0},
    }


def test_revenue_drop_looks_at_full_months_only() -> None:
    # As of 15 December the last 3 full months are September-November.
    sales = _sales(
        [
            ("c", date(2024, 9, 5), 100.0),
            ("c", date(2024, 12, 5), 900.0),  # December 2024 is outside the year-before window
            ("c", date(2025, 9, 5), 50.0),
            ("c", date(2025, 12, 5), 900.0),  # December 2025 is not over yet
        ]
    )

    fired = _fired(client_signals(as_of=date(2025, 12, 15), sales=sales), "revenue_drop")

    assert fired == {
        "c": {"revenue_last_3_months": 50.0, "revenue_year_before": 100.0, "ratio": 0.5}
    }


def test_revenue_drop_stays_silent_when_revenue_holds() -> None:
    sales = _sales(
        [
            *[("steady", date(2024, month, 10), 100.0) for month in (10, 11, 12)],
            *[("steady", date(2025, month, 10), 100.0) for month in (10, 11, 12)],
        ]
    )

    assert client_signals(as_of=AS_OF, sales=sales).is_empty()


# --- silence ----------------------------------------------------------------------------------


def _every(client: str, start: date, days: int, count: int) -> list[Sale]:
    return [(client, start + timedelta(days=days * i), 100.0) for i in range(count)]


def test_silence_fires_beyond_twice_the_median_interval_and_30_days() -> None:
    # Buys every 10 days, last on 20 November: 41 days silent > 2 × 10 and > 30.
    sales = _sales(_every("quiet", date(2025, 8, 22), 10, 10))

    fired = _fired(client_signals(as_of=AS_OF, sales=sales), "silence")

    assert sales["date"].max() == date(2025, 11, 20)
    assert fired == {"quiet": {"days_since_last_sale": 41.0, "median_interval_days": 10.0}}


@pytest.mark.parametrize(
    "sales",
    [
        pytest.param(_every("c", date(2025, 9, 1), 10, 11), id="21 days since: not above 30"),
        pytest.param(_every("c", date(2025, 4, 5), 30, 8), id="60 days, monthly: not above 60"),
        pytest.param(_every("c", date(2025, 8, 22), 20, 6), id="31 days, every 20: not above 40"),
        pytest.param([("c", date(2025, 1, 1), 100.0)], id="one sale: no interval yet"),
        pytest.param(_every("c", date(2023, 1, 1), 7, 20), id="silent for years: lost"),
    ],
)
def test_silence_stays_silent_within_the_clients_rhythm(sales: list[Sale]) -> None:
    assert _fired(client_signals(as_of=AS_OF, sales=_sales(sales)), "silence") == {}


def test_silence_counts_sale_days_not_returns() -> None:
    # Sales every 5 days until 1 November; a return on 20 December is no sale.
    sales = _sales([*_every("c", date(2025, 10, 7), 5, 6), ("c", date(2025, 12, 20), -50.0)])

    fired = _fired(client_signals(as_of=AS_OF, sales=sales), "silence")

    assert fired == {"c": {"days_since_last_sale": 60.0, "median_interval_days": 5.0}}


def test_silence_takes_the_median_of_intervals() -> None:
    # Intervals 2, 4, 30: median 4, so 31 days silent fires.
    days = [date(2025, 10, 25), date(2025, 10, 27), date(2025, 10, 31), date(2025, 11, 30)]
    sales = _sales([("c", day, 10.0) for day in days])

    fired = _fired(client_signals(as_of=AS_OF, sales=sales), "silence")

    assert fired == {"c": {"days_since_last_sale": 31.0, "median_interval_days": 4.0}}


# --- paying_later -----------------------------------------------------------------------------

PAID_SCHEMA = {"client_key": pl.String, "paid_date": pl.Date, "days_late": pl.Int64}


def _paid(rows: list[tuple[str, date, int, float]], *, amounts: bool = True) -> pl.DataFrame:
    schema = {**PAID_SCHEMA, "amount": pl.Float64} if amounts else PAID_SCHEMA
    return pl.DataFrame([row if amounts else row[:3] for row in rows], schema=schema, orient="row")


# The last 90 days at 31 December 2025 are 3 October - 31 December; the 90 before them,
# 5 July - 2 October.
LATER = [
    ("later", date(2025, 8, 10), 5, 100.0),
    ("later", date(2025, 10, 2), 15, 300.0),  # last day of the earlier window
    ("later", date(2025, 10, 3), 30, 100.0),  # first day of the last window
    ("later", date(2025, 12, 31), 25, 100.0),
    ("later", date(2025, 7, 4), 500, 100.0),  # 180 days ago: in neither window
]


def test_paying_later_fires_when_days_late_rise_by_15_weighted_by_amount() -> None:
    fired = _fired(
        client_signals(as_of=AS_OF, sales=NO_SALES, paid_documents=_paid(LATER)), "paying_later"
    )

    # Earlier: (5·100 + 15·300) / 400 = 12.5; last: (30 + 25) / 2 = 27.5.
    assert fired == {
        "later": {
            "avg_days_late_last_90_days": 27.5,
            "avg_days_late_prior_90_days": 12.5,
            "increase_days": 15.0,
            "documents_last_90_days": 2.0,
            "documents_prior_90_days": 2.0,
        }
    }


def test_paying_later_counts_each_document_once_without_amounts() -> None:
    paid = _paid(LATER, amounts=False)

    fired = _fired(client_signals(as_of=AS_OF, sales=NO_SALES, paid_documents=paid), "paying_later")

    assert fired["later"]["avg_days_late_prior_90_days"] == 10.0
    assert fired["later"]["increase_days"] == 17.5


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(
            [("c", date(2025, 9, 1), 10, 1.0), ("c", date(2025, 11, 1), 24, 1.0)],
            id="up by 14 days",
        ),
        pytest.param(
            [("c", date(2025, 9, 1), 40, 1.0), ("c", date(2025, 11, 1), 10, 1.0)],
            id="paying earlier",
        ),
        pytest.param([("c", date(2025, 11, 1), 60, 1.0)], id="nothing paid before"),
        pytest.param([("c", date(2025, 9, 1), 60, 1.0)], id="nothing paid lately"),
    ],
)
def test_paying_later_stays_silent_otherwise(rows: list[tuple[str, date, int, float]]) -> None:
    signals = client_signals(as_of=AS_OF, sales=NO_SALES, paid_documents=_paid(rows))

    assert signals.is_empty()


# --- overdue ----------------------------------------------------------------------------------


def test_overdue_fires_for_documents_more_than_30_days_past_due() -> None:
    open_documents = pl.DataFrame(
        [
            ("late", 31, 100.0),
            ("late", 45, 50.0),
            ("late", 30, 1_000.0),  # exactly 30: not more than 30
            ("late", -5, 7.0),  # not due yet
            ("on_time", 30, 500.0),
            ("settled", 120, 0.0),  # nothing outstanding
        ],
        schema={"client_key": pl.String, "days_past_due": pl.Int64, "outstanding": pl.Float64},
        orient="row",
    )

    signals = client_signals(as_of=AS_OF, sales=NO_SALES, open_documents=open_documents)

    assert _fired(signals, "overdue") == {
        "late": {"overdue_amount": 150.0, "documents": 2.0, "max_days_past_due": 45.0}
    }
    assert signals["severity"].to_list() == ["danger"]


# --- no_touch ---------------------------------------------------------------------------------


def test_no_touch_fires_after_the_quadrants_contact_frequency() -> None:
    quadrants = pl.DataFrame(
        {
            "client_key": ["key_31", "key_30", "status_90", "streamline_181", "never", "none"],
            "quadrant": ["key", "key", "maintenance", "opportunistic", "key_development", None],
        }
    )
    last_interactions = pl.DataFrame(
        {
            "client_key": ["key_31", "key_30", "status_90", "streamline_181", "none", "key_31"],
            "last_interaction": [
                AS_OF - timedelta(days=31),
                AS_OF - timedelta(days=30),
                AS_OF - timedelta(days=90),
                AS_OF - timedelta(days=181),
                AS_OF - timedelta(days=999),
                AS_OF - timedelta(days=40),  # an older one for the same client
            ],
        }
    )

    signals = client_signals(
        as_of=AS_OF, sales=NO_SALES, last_interactions=last_interactions, quadrants=quadrants
    )

    assert _fired(signals, "no_touch") == {
        "key_31": {"days_since_last_interaction": 31.0, "contact_days": 30.0},
        "never": {"days_since_last_interaction": None, "contact_days": 45.0},
        "streamline_181": {"days_since_last_interaction": 181.0, "contact_days": 180.0},
    }


def test_no_touch_frequencies_can_be_a_companys_own() -> None:
    quadrants = pl.DataFrame({"client_key": ["c"], "quadrant": ["maintenance"]})
    last = pl.DataFrame({"client_key": ["c"], "last_interaction": [AS_OF - timedelta(days=61)]})

    default = client_signals(
        as_of=AS_OF, sales=NO_SALES, last_interactions=last, quadrants=quadrants
    )
    own = client_signals(
        as_of=AS_OF,
        sales=NO_SALES,
        last_interactions=last,
        quadrants=quadrants,
        contact_days={"maintenance": 60},
    )

    assert default.is_empty()
    assert _fired(own, "no_touch") == {
        "c": {"days_since_last_interaction": 61.0, "contact_days": 60.0}
    }
    with pytest.raises(ValueError, match=CONTACT_DAYS_INVALID):
        client_signals(
            as_of=AS_OF,
            sales=NO_SALES,
            last_interactions=last,
            quadrants=quadrants,
            contact_days={"key": 0},
        )


def test_no_touch_needs_both_interactions_and_quadrants() -> None:
    quadrants = pl.DataFrame({"client_key": ["c"], "quadrant": ["key"]})

    assert client_signals(as_of=AS_OF, sales=NO_SALES, quadrants=quadrants).is_empty()


# --- no_decision_maker, single_threaded -------------------------------------------------------


def test_dossier_signals_fire_without_a_decision_maker_or_with_one_contact() -> None:
    contacts = pl.DataFrame(
        [
            ("lonely", True, 1),
            ("headless", False, 3),
            ("empty", False, 0),
            ("both", False, 1),
            ("healthy", True, 3),
            ("unknown", None, None),
        ],
        schema={
            "client_key": pl.String,
            "decision_maker_known": pl.Boolean,
            "active_contacts": pl.Int64,
        },
        orient="row",
    )

    signals = client_signals(as_of=AS_OF, sales=NO_SALES, contacts=contacts)

    assert _fired(signals, "no_decision_maker") == {
        "both": {"active_contacts": 1.0},
        "empty": {"active_contacts": 0.0},
        "headless": {"active_contacts": 3.0},
    }
    assert _fired(signals, "single_threaded") == {
        "both": {"active_contacts": 1.0},
        "lonely": {"active_contacts": 1.0},
    }


# --- The combined frame -----------------------------------------------------------------------


def test_client_signals_gives_one_row_per_fired_signal_sorted_by_client_then_kind() -> None:
    sales = _sales([("b", date(2024, 11, 1), 100.0), *_every("a", date(2025, 8, 22), 10, 10)])
    contacts = pl.DataFrame(
        {"client_key": ["a", "b"], "decision_maker_known": [False, True], "active_contacts": [1, 2]}
    )
    open_documents = pl.DataFrame(
        {"client_key": ["a"], "days_past_due": [60], "outstanding": [5.0]}
    )

    signals = client_signals(
        as_of=AS_OF, sales=sales, contacts=contacts, open_documents=open_documents
    )

    assert signals.schema == pl.Schema(SIGNALS_SCHEMA)
    assert signals.select("client_key", "signal", "severity", "fired_on", "message_key").rows() == [
        ("a", "silence", "warning", AS_OF, "signal.silence"),
        ("a", "overdue", "danger", AS_OF, "signal.overdue"),
        ("a", "no_decision_maker", "warning", AS_OF, "signal.no_decision_maker"),
        ("a", "single_threaded", "warning", AS_OF, "signal.single_threaded"),
        ("b", "revenue_drop", "danger", AS_OF, "signal.revenue_drop"),
    ]
    # Evidence keeps its order, for display.
    assert [item["name"] for item in signals["evidence"][0]] == [
        "days_since_last_sale",
        "median_interval_days",
    ]


def test_client_signals_without_any_signal_is_empty_with_the_columns() -> None:
    signals = client_signals(as_of=AS_OF, sales=NO_SALES)

    assert signals.is_empty()
    assert signals.schema == pl.Schema(SIGNALS_SCHEMA)


def test_sales_after_as_of_are_not_known_yet() -> None:
    sales = _sales([*_every("c", date(2025, 8, 22), 10, 10), ("c", date(2026, 1, 5), 100.0)])

    assert _fired(client_signals(as_of=AS_OF, sales=sales), "silence") != {}


@pytest.mark.parametrize(
    "inputs",
    [
        {"sales": pl.DataFrame({"client_key": ["a"], "amount": [1.0]})},
        {"sales": NO_SALES, "paid_documents": pl.DataFrame({"client_key": ["a"]})},
        {"sales": NO_SALES, "open_documents": pl.DataFrame({"client_key": ["a"]})},
        {"sales": NO_SALES, "contacts": pl.DataFrame({"client_key": ["a"]})},
        {
            "sales": NO_SALES,
            "quadrants": pl.DataFrame({"client_key": ["a"]}),
            "last_interactions": pl.DataFrame({"client_key": ["a"]}),
        },
    ],
)
def test_client_signals_names_missing_columns(inputs: dict[str, pl.DataFrame]) -> None:
    with pytest.raises(ValueError, match=COLUMNS_MISSING):
        client_signals(as_of=AS_OF, **inputs)


# --- Properties -------------------------------------------------------------------------------

sale_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.integers(min_value=0, max_value=800),  # days before as_of
        st.floats(min_value=-1e4, max_value=1e6, allow_nan=False),
    ),
    max_size=40,
)


@settings(deadline=None, max_examples=50)
@given(sale_rows, st.randoms())
def test_permuting_sales_changes_no_signal(
    rows: list[tuple[str, int, float]], random: Random
) -> None:
    sales = [(client, AS_OF - timedelta(days=days), amount) for client, days, amount in rows]
    shuffled = list(sales)
    random.shuffle(shuffled)

    assert_frame_equal(
        client_signals(as_of=AS_OF, sales=_sales(shuffled)),
        client_signals(as_of=AS_OF, sales=_sales(sales)),
    )


@settings(deadline=None, max_examples=50)
@given(sale_rows)
def test_sales_alone_fire_only_sales_signals(rows: list[tuple[str, int, float]]) -> None:
    sales = _sales(
        [(client, AS_OF - timedelta(days=days), amount) for client, days, amount in rows]
    )

    signals = client_signals(as_of=AS_OF, sales=sales)

    assert set(signals["signal"].to_list()) <= {"revenue_drop", "silence"}
    for row in signals.filter(pl.col("signal") == "revenue_drop").to_dicts():
        ratio = evidence_dict(row["evidence"])["ratio"]
        assert ratio is not None
        assert ratio < 0.7


# --- Since when -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "evidence", "since"),
    [
        # Last sale 20 Nov, every 10 days: silent for more than 30 days from 21 Dec.
        (
            "silence",
            {"days_since_last_sale": 41.0, "median_interval_days": 10.0},
            date(2025, 12, 21),
        ),
        # Every 20.5 days (a median of two intervals): more than 41 days from 42 days on.
        (
            "silence",
            {"days_since_last_sale": 50.0, "median_interval_days": 20.5},
            date(2025, 12, 23),
        ),
        # The oldest document 45 days past due was 31 days past due on 17 December.
        (
            "overdue",
            {"overdue_amount": 1.0, "documents": 1.0, "max_days_past_due": 45.0},
            date(2025, 12, 17),
        ),
        ("overdue", {"overdue_amount": 1.0, "documents": 1.0, "max_days_past_due": 31.0}, AS_OF),
        # Last touched 40 days ago, every 30 days: overdue for a contact from the 31st day.
        (
            "no_touch",
            {"days_since_last_interaction": 40.0, "contact_days": 30.0},
            date(2025, 12, 22),
        ),
        ("no_touch", {"days_since_last_interaction": None, "contact_days": 30.0}, AS_OF),
        (
            "revenue_drop",
            {"revenue_last_3_months": 1.0, "revenue_year_before": 2.0, "ratio": 0.5},
            AS_OF,
        ),
        ("single_threaded", {"active_contacts": 1.0}, AS_OF),
    ],
)
def test_signal_since_reads_the_first_day_from_the_evidence(
    signal: str, evidence: dict[str, float | None], since: date
) -> None:
    assert signal_since(signal, evidence, as_of=AS_OF) == since


@settings(deadline=None, max_examples=100)
@given(
    st.lists(st.integers(min_value=1, max_value=120), min_size=1, max_size=12),
    st.integers(min_value=0, max_value=400),
)
def test_silence_fires_from_its_since_day_and_not_the_day_before(
    gaps: list[int], silent_days: int
) -> None:
    last = AS_OF - timedelta(days=silent_days)
    days = [last]
    for gap in gaps:
        days.append(days[-1] - timedelta(days=gap))
    sales = _sales([("c", day, 100.0) for day in days])
    fired = _fired(client_signals(as_of=AS_OF, sales=sales), "silence")
    if "c" not in fired:
        return

    since = signal_since("silence", fired["c"], as_of=AS_OF)

    assert last < since <= AS_OF
    assert "c" in _fired(client_signals(as_of=since, sales=sales), "silence")
    before = since - timedelta(days=1)
    assert "c" not in _fired(client_signals(as_of=before, sales=sales), "silence")


@settings(deadline=None, max_examples=100)
@given(st.lists(st.integers(min_value=-60, max_value=400), min_size=1, max_size=8))
def test_overdue_fires_from_its_since_day_and_not_the_day_before(days_past_due: list[int]) -> None:
    def open_at(day: date) -> pl.DataFrame:
        shift = (AS_OF - day).days  # the documents were this many days less past due then
        return pl.DataFrame(
            {
                "client_key": ["c"] * len(days_past_due),
                "days_past_due": [days - shift for days in days_past_due],
                "outstanding": [10.0] * len(days_past_due),
            }
        )

    fired = _fired(
        client_signals(as_of=AS_OF, sales=NO_SALES, open_documents=open_at(AS_OF)), "overdue"
    )
    if "c" not in fired:
        return

    since = signal_since("overdue", fired["c"], as_of=AS_OF)

    assert since <= AS_OF
    assert "c" in _fired(
        client_signals(as_of=since, sales=NO_SALES, open_documents=open_at(since)), "overdue"
    )
    before = since - timedelta(days=1)
    assert "c" not in _fired(
        client_signals(as_of=before, sales=NO_SALES, open_documents=open_at(before)), "overdue"
    )

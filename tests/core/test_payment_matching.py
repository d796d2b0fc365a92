"""Payers matched to the clients a company already has, and payments read from several files
counted once."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from keyclients.core.ingest.clients import KNOWN_CLIENTS_SCHEMA, match_known_clients
from keyclients.core.ingest.identity import inn_with_checksum
from keyclients.core.ingest.payments import distinct_payments

INN_A = inn_with_checksum("770708389")
INN_B = inn_with_checksum("500100732")
INN_C = inn_with_checksum("668124158")


def known(*clients: tuple[int, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"client_id": i, "key": k, "name": n, "inn": inn} for i, k, n, inn in clients],
        schema=KNOWN_CLIENTS_SCHEMA,
    )


def lines(*payers: tuple[str | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"row": i, "client_raw": name, "inn_raw": inn} for i, (name, inn) in enumerate(payers, 2)],
        schema={"row": pl.Int64(), "client_raw": pl.String(), "inn_raw": pl.String()},
    )


def matched(result: pl.DataFrame) -> list[Any]:
    return result.sort("row").get_column("client_id").to_list()


CLIENTS = known(
    (1, f"inn:{INN_A}", "ООО «Альфа»", INN_A),
    (2, 'name:ооо "бета"', "ООО «Бета»", ""),
    (3, "name:ип старое имя", "ИП Новое Имя", ""),
    (4, f"inn:{INN_B}", "АО «Гамма»", INN_B),
    (5, f"inn:{INN_C}", "АО «Гамма»", INN_C),
)


def test_a_payer_is_its_clients_by_inn_or_by_name() -> None:
    result = match_known_clients(
        lines(
            ("Альфа ООО (другое написание)", INN_A),  # the INN decides
            ('ооо "альфа"', None),  # a name spelled like exactly one INN client
            ("ООО «Бета»", None),  # a client without an INN, by name
            ("ИП Старое имя", None),  # a renamed client, by the name in its key
            ("ООО «Дельта»", None),  # nobody
        ),
        CLIENTS,
    )
    assert matched(result) == [1, 1, 2, 3, None]
    assert result.sort("row").get_column("client_key").to_list()[:2] == [f"inn:{INN_A}"] * 2


def test_a_name_shared_by_two_inn_clients_matches_neither() -> None:
    result = match_known_clients(lines(("АО «Гамма»", None)), CLIENTS)
    assert matched(result) == [None]


def test_another_inn_under_a_known_name_is_another_payer() -> None:
    result = match_known_clients(lines(("ООО «Альфа»", INN_B.replace(INN_B, INN_C))), CLIENTS)
    assert matched(result) == [5]  # INN_C is АО «Гамма» (id 5), whatever the name says
    other = inn_with_checksum("123456789")
    assert matched(match_known_clients(lines(("ООО «Альфа»", other)), CLIENTS)) == [None]


def test_a_payer_with_an_inn_finds_the_client_known_only_by_its_name() -> None:
    result = match_known_clients(lines(("ООО «Бета»", INN_B[:-1] + "0")), CLIENTS)
    # An invalid INN falls back to the name.
    assert matched(result) == [2]
    new_inn = inn_with_checksum("781234567")
    assert matched(match_known_clients(lines(("ооо бета", new_inn)), CLIENTS)) == [None]
    assert matched(match_known_clients(lines(('ооо "бета"', new_inn)), CLIENTS)) == [2]


def test_no_known_clients_match_nothing() -> None:
    result = match_known_clients(lines(("ООО «Альфа»", INN_A)), known())
    assert matched(result) == [None]
    assert result.get_column("client_key").to_list() == [f"inn:{INN_A}"]


@settings(deadline=None, max_examples=80)
@given(st.lists(st.sampled_from([INN_A, INN_B, INN_C, None]), min_size=1, max_size=10))
def test_a_payer_with_a_known_clients_inn_always_matches_it(inns: list[str | None]) -> None:
    payers = lines(*((f"Плательщик {i}", inn) for i, inn in enumerate(inns)))
    result = match_known_clients(payers, CLIENTS).sort("row")
    by_inn = {INN_A: 1, INN_B: 4, INN_C: 5}
    for inn, client_id in zip(inns, result.get_column("client_id").to_list(), strict=True):
        assert client_id == (by_inn[inn] if inn else None)


def payments(*rows: tuple[int, str, int, float]) -> pl.DataFrame:
    """(source, payer, day of January, amount)."""
    return pl.DataFrame(
        [
            {"source": s, "row": i, "client_key": k, "date": date(2025, 1, d), "amount": a}
            for i, (s, k, d, a) in enumerate(rows, 2)
        ],
        schema={
            "source": pl.Int64(),
            "row": pl.Int64(),
            "client_key": pl.String(),
            "date": pl.Date(),
            "amount": pl.Float64(),
        },
    )


def test_a_statement_repeating_a_payments_file_adds_nothing() -> None:
    frame = payments(
        (1, "A", 5, 100.0),
        (1, "A", 5, 100.0),  # paid twice that day: both count
        (1, "B", 6, 50.5),
        (2, "A", 5, 100.0),  # the statement has them too
        (2, "A", 5, 100.0),
        (2, "A", 5, 100.0),  # ... and a third one the first file did not have
        (2, "B", 6, 50.51),  # another amount
        (2, "B", 7, 50.5),  # another day
    )
    result = distinct_payments(frame)
    assert result.get_column("duplicate").to_list() == [
        False,
        False,
        False,
        True,
        True,
        False,
        False,
        False,
    ]


def test_one_file_alone_has_no_duplicates() -> None:
    frame = payments(*[(1, "A", 5, 100.0)] * 4)
    assert not distinct_payments(frame).get_column("duplicate").any()


payment_rows = st.lists(
    st.tuples(
        st.integers(1, 3),
        st.sampled_from(["A", "B"]),
        st.integers(1, 3),
        st.sampled_from([10.0, 20.0, 20.004]),
    ),
    max_size=30,
)


@settings(deadline=None, max_examples=150)
@given(payment_rows)
def test_each_payment_counts_as_often_as_the_file_that_has_it_most(rows: list[Any]) -> None:
    frame = payments(*rows)
    kept = distinct_payments(frame).filter(~pl.col("duplicate"))
    cents = (pl.col("amount") * 100).round().cast(pl.Int64).alias("cents")
    per_file = frame.group_by("client_key", "date", cents, "source").len()
    most = per_file.group_by("client_key", "date", "cents").agg(pl.col("len").max())
    got = kept.group_by("client_key", "date", cents).len()
    assert dict(
        zip(most.select("client_key", "date", "cents").rows(), most["len"], strict=True)
    ) == dict(zip(got.select("client_key", "date", "cents").rows(), got["len"], strict=True))


@settings(deadline=None, max_examples=80)
@given(payment_rows)
def test_a_file_imported_twice_counts_once(rows: list[Any]) -> None:
    once = payments(*[(1, *r[1:]) for r in rows])
    twice = pl.concat([once, once.with_columns(pl.lit(2, pl.Int64()).alias("source"))])
    kept = distinct_payments(twice).filter(~pl.col("duplicate"))
    assert kept.height == once.height
    assert (kept.get_column("source") == 1).all()

"""Receivables on the shared samples and on real late-payment data, end to end."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from receivables_reference import Line, Payment, reference_settle

from keyclients.core.analytics.receivables import BUCKETS, aging_bucket, settle
from keyclients.core.ingest import read_sales, read_sales_and_payments

AS_OF = date(2025, 12, 31)


def _kopecks(text: str) -> int:
    return round(float(text.replace("\u00a0", "").replace(" ", "").replace(",", ".")) * 100)


def _independent_sample_figures(samples: Path) -> dict[str, dict[str, int]]:
    """Every client's figures from the raw CSVs (csv module, INN as the client) settled by the
    plain reference: what `settle` must reproduce through ingest, keys and the heap."""
    with (samples / "sales_cp1251.csv").open(encoding="cp1251", newline="") as fh:
        lines = [
            Line(
                client=row["ИНН"],
                number=row["Документ"],
                day=datetime.strptime(row["Дата"], "%d.%m.%Y").date(),
                cents=_kopecks(row["Сумма"]),
                due=datetime.strptime(row["Срок оплаты"], "%d.%m.%Y").date(),
                row=i,
            )
            for i, row in enumerate(csv.DictReader(fh, delimiter=";"), start=2)
        ]
    with (samples / "payments.csv").open(encoding="utf-8-sig", newline="") as fh:
        paid = [
            Payment(
                client=row["Payer INN"],
                day=date.fromisoformat(row["Date"]),
                cents=_kopecks(row["Amount"]),
                purpose=row["Purpose"],
                row=i,
            )
            for i, row in enumerate(csv.DictReader(fh), start=2)
        ]
    reference = reference_settle(lines, paid, as_of=AS_OF)
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for doc in reference.documents:
        client = figures["inn:" + doc.client]
        if doc.cents > 0:
            client["invoiced"] += doc.cents
        client["outstanding"] += doc.remaining
        if doc.remaining:
            past_due = (AS_OF - doc.due).days
            client[aging_bucket(past_due)] += doc.remaining
            if past_due > 0:
                client["overdue"] += doc.remaining
    for inn, advance in reference.advance.items():
        figures["inn:" + inn]["advance"] = advance
        figures["inn:" + inn]["paid"] = reference.paid[inn]
    return figures


def test_every_sample_client_settles_as_the_independent_computation(samples: Path) -> None:
    sales_file, payments_file = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / "payments.csv"
    )
    result = settle(sales_file.frame, payments_file.frame, as_of=AS_OF)
    expected = _independent_sample_figures(samples)
    assert result.clients.height == len(expected) == 25
    assert result.unmatched.height == 0
    for row in result.clients.to_dicts():
        want = expected[row["client_key"]]
        for name in ("invoiced", "paid", "outstanding", "overdue", "advance", *BUCKETS):
            assert round(row[name] * 100) == want[name], (row["client"], name)
    totals = result.totals
    assert round(totals.outstanding * 100) == sum(c["outstanding"] for c in expected.values())
    assert totals.documents_open == result.documents.filter(pl.col("outstanding") > 0).height


def test_sample_payment_discipline_follows_the_generators_truth(samples: Path) -> None:
    truth = {
        c["inn"]: c for c in json.loads((samples / "clients_truth.json").read_text())["clients"]
    }
    sales_file, payments_file = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / "payments.csv"
    )
    result = settle(sales_file.frame, payments_file.frame, as_of=AS_OF)
    for row in result.clients.to_dicts():
        client = truth[row["client_key"].removeprefix("inn:")]
        if client["mean_delay"] == 0:
            assert row["avg_days_late"] == 0 and row["share_paid_late"] == 0, row["client"]
        elif client["mean_delay"] >= 18:
            assert row["share_paid_late"] > 0.5 and row["avg_days_late"] > 10, row["client"]
    terms = sales_file.frame.select(
        "client_key", (pl.col("due_date") - pl.col("date")).dt.total_days().alias("terms")
    ).unique()
    for key, days in terms.iter_rows():
        assert truth[key.removeprefix("inn:")]["terms"] == days


def test_the_bank_statement_pays_the_sample_clients(samples: Path) -> None:
    sales_file, payments_file = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / "bank_statement_1c.txt"
    )
    result = settle(sales_file.frame, payments_file.frame, as_of=AS_OF)
    assert result.unmatched.height == 0
    assert result.totals.paid >= payments_file.frame.get_column("amount").sum() - 0.005
    paid_by_purpose = result.allocations.filter(pl.col("credit") == "payment")
    assert paid_by_purpose.height >= payments_file.frame.height


def test_real_late_payment_history_days_late_match_its_own_column(real: Path) -> None:
    """IBM's accounts-receivable sample carries its own DaysLate: with its SettledDate as the
    paid date, every invoice's days late must come out the same."""
    path = real / "WA_Fn-UseC_-Accounts-Receivable.csv"
    sales_file = read_sales(path)
    assert sales_file.report.mapping["paid_date"] == "SettledDate"
    last_settled = sales_file.frame.get_column("paid_date").max()
    assert isinstance(last_settled, date)
    result = settle(sales_file.frame, None, as_of=last_settled)
    with path.open(newline="") as fh:
        expected = {row["invoiceNumber"]: int(row["DaysLate"]) for row in csv.DictReader(fh)}
    got = dict(result.documents.select("document", "days_late").iter_rows())
    assert len(got) == len(expected) == 2466
    assert got == expected
    assert result.totals.outstanding == 0
    late = [v for v in expected.values() if v > 0]
    assert result.totals.share_paid_late == pytest.approx(len(late) / len(expected))
    assert result.totals.max_days_late == max(expected.values())


def test_real_history_aged_in_the_middle_of_it(real: Path) -> None:
    path = real / "WA_Fn-UseC_-Accounts-Receivable.csv"
    as_of = date(2013, 6, 30)
    result = settle(read_sales(path).frame, None, as_of=as_of)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))

    def day(text: str) -> date:
        return datetime.strptime(text, "%m/%d/%Y").date()

    open_rows = [r for r in rows if day(r["InvoiceDate"]) <= as_of < day(r["SettledDate"])]
    expected_buckets: dict[str, int] = defaultdict(int)
    for r in open_rows:
        expected_buckets[aging_bucket((as_of - day(r["DueDate"])).days)] += _kopecks(
            r["InvoiceAmount"]
        )
    assert result.totals.documents_open == len(open_rows)
    for bucket in BUCKETS:
        assert round(result.totals.buckets[bucket] * 100) == expected_buckets[bucket]
    revenue = sum(
        _kopecks(r["InvoiceAmount"])
        for r in rows
        if as_of - timedelta(days=90) < day(r["InvoiceDate"]) <= as_of
    )
    assert result.totals.dso == pytest.approx(
        sum(expected_buckets.values()) / revenue * 90, rel=1e-9
    )

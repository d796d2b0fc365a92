"""Key clients everywhere: the clients list's KAISM columns and filters, the ABC × XYZ matrix,
the overview's key clients and early warnings — each equal to the core's answer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest
from django.core.cache import cache

from keyclients.core.analytics.receivables import settle
from keyclients.core.analytics.signals import evidence_dict, signal_since
from keyclients.core.ingest.schema import SALES_SCHEMA
from keyclients.web.insights.models import FlagKind
from keyclients.web.ledger.models import ImportBatch, ImportStatus, Sale

from .kaism_fixtures import AS_OF, FAMOUS_RANK, KaismTestCase, expected, matrix, today


class ClientListKaismTests(KaismTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.mark(self.ranked[14], FlagKind.KEY, "Референс для отрасли")
        self.mark(self.ranked[16], FlagKind.PROSPECTIVE, "Открывает филиал")
        self.core = expected(
            self.lines,
            manual=self.manual(),
            manual_key={self.ranked[14].key: "Референс для отрасли"},
            prospective=[self.ranked[16].key],
        )

    def rows(self, **params: str) -> list[dict[str, object]]:
        response = self.get("/clients/", **params)
        return list(response.context["clients"])

    def test_key_reasons_on_the_list_are_exactly_the_cores(self) -> None:
        reasons = self.core.reasons()

        rows = self.rows()

        assert len(rows) == 30
        for row in rows:
            assert row["key_reasons"] == reasons[row["client_key"]], row["client"]
        famous = next(r for r in rows if r["client_key"] == self.ranked[FAMOUS_RANK].key)
        assert famous["abc"] == "C"
        assert famous["key_reasons"] == ["reputation"]
        assert [r["short"] for r in famous["reasons"]] == ["репутация"]

    def test_xyz_growth_and_quadrant_columns_are_the_cores(self) -> None:
        stability = {row["client_key"]: row for row in self.core.stability.to_dicts()}
        placed = dict(self.core.complete().select("client_key", "quadrant").iter_rows())

        for row in self.rows():
            core = stability[row["client_key"]]
            assert row["xyz"] == core["xyz"]
            assert row["growth"] == pytest.approx(core["growth"], nan_ok=True)
            assert row["is_new"] == core["is_new"]
            assert row["quadrant"] == placed.get(row["client_key"]) or not row["complete"]

    def test_the_key_prospective_and_risk_filters(self) -> None:
        key = set(self.core.key.filter(pl.col("is_key"))["client_key"].to_list())
        prospective = set(self.core.stability.filter(pl.col("prospective"))["client_key"].to_list())
        at_risk = set(self.core.signals["client_key"].to_list())
        assert key and prospective and at_risk

        assert {r["client_key"] for r in self.rows(key="on")} == key
        assert {r["client_key"] for r in self.rows(prospective="on")} == prospective
        assert {r["client_key"] for r in self.rows(risk="on")} == at_risk
        both = {r["client_key"] for r in self.rows(key="on", risk="on")}
        assert both == key & at_risk
        z = {r["client_key"] for r in self.rows(xyz="Z")}
        assert z == set(self.core.stability.filter(pl.col("xyz") == "Z")["client_key"].to_list())

    def test_the_list_sorts_by_growth(self) -> None:
        growth = [r["growth"] for r in self.rows(sort="-growth") if r["growth"] is not None]

        assert growth == sorted(growth, reverse=True)

    def test_the_abc_xyz_matrix_counts_the_cores_cells(self) -> None:
        expected_cells = matrix(self.lines).to_dicts()

        response = self.get("/clients/")

        cells = [cell for line in response.context["abc_xyz"] for cell in line["cells"]]
        assert [(c["abc"], c["xyz"], c["clients"]) for c in cells] == [
            (c["abc"], c["xyz"], c["clients"]) for c in expected_cells
        ]
        assert [c["revenue"] for c in cells] == pytest.approx(
            [c["revenue"] for c in expected_cells]
        )
        self.assertContains(response, 'data-cell="AZ"')
        self.assertContains(response, "?abc=A&amp;xyz=Z")

    def test_the_warm_list_with_filters_needs_no_more_queries(self) -> None:
        self.get("/clients/")
        with today(), self.assertNumQueries(5):
            self.client.get("/clients/", {"key": "on", "risk": "on", "sort": "-growth"})


class OverviewKaismTests(KaismTestCase):
    def test_the_key_clients_panel_lists_the_cores_key_clients_with_reasons(self) -> None:
        core = expected(self.lines, manual=self.manual())
        ordered = core.stability.join(core.key, on="client_key").filter(pl.col("is_key"))

        response = self.get("/")

        panel = response.context["key_clients"]
        assert [c["client_key"] for c in panel] == ordered["client_key"].to_list()[:10]
        assert response.context["key_count"] == ordered.height
        assert panel[0]["reasons"][0] == "класс A по выручке"
        self.assertContains(response, 'id="key-clients"')
        self.assertContains(response, f'href="/clients/{panel[0]["client_id"]}/"')

    def test_early_warnings_are_the_cores_newest_first_with_evidence_in_words(self) -> None:
        core = expected(self.lines, manual=self.manual())
        fired = {
            (key, signal): signal_since(signal, evidence_dict(evidence), as_of=AS_OF)
            for key, signal, evidence in core.signals.select(
                "client_key", "signal", "evidence"
            ).iter_rows()
        }
        keys = {c.pk: c.key for c in self.ranked}

        response = self.get("/")

        warnings = response.context["warnings"]
        assert response.context["warning_count"] == len(fired)
        assert len(warnings) == min(10, len(fired))
        shown = [w["since"] for w in warnings]
        assert shown == sorted(shown, reverse=True)
        assert shown[0] == max(fired.values())
        for warning in warnings:
            assert fired[(keys[warning["client_id"]], warning["signal"])] == warning["since"]
            assert warning["evidence"]
        drop = next(w for w in warnings if w["signal"] == "revenue_drop")
        assert drop["evidence"].startswith("Выручка за последние 3 месяца")
        self.assertContains(response, f'href="/clients/{drop["client_id"]}/"')


class PaidDatesTests(KaismTestCase):
    """Sales that carry their paid dates settle themselves: days late, overdue, paying later."""

    scored = False

    def setUp(self) -> None:
        super().setUp()
        self.batch = ImportBatch.objects.create(
            company=self.company_a,
            kind="sales",
            file_name="paid.csv",
            sha256="f" * 64,
            status=ImportStatus.DONE,
        )
        late, on_time = self.ranked[0], self.ranked[1]
        documents = []
        # The late payer: paid 5 days late until September, then 40 days late; one invoice
        # of October still open, 61 days past due on 31 December.
        for month in range(1, 13):
            day = date(2025, month, 3)
            delay = 5 if month < 9 else 40
            paid = None if month == 10 else day + timedelta(days=14 + delay)
            documents.append((late, f"L-{month}", day, day + timedelta(days=14), paid))
            documents.append((on_time, f"T-{month}", day, day + timedelta(days=14), day))
        self.documents = documents
        Sale.objects.bulk_create(
            Sale(
                company=self.company_a,
                client=client,
                batch=self.batch,
                row=row,
                document=number,
                date=day,
                amount=Decimal("1000.00"),
                due_date=due,
                paid_date=paid if paid is None or paid <= AS_OF else None,
            )
            for row, (client, number, day, due, paid) in enumerate(documents, start=1)
        )
        cache.clear()

    def core_settlement(self) -> object:
        """The core's settlement of every sales *line* of the company, read line by line."""
        lines = pl.DataFrame(
            [
                (
                    pk,
                    key,
                    name,
                    None,
                    day,
                    document or None,
                    float(amount),
                    None,
                    None,
                    None,
                    due,
                    paid,
                )
                for pk, key, name, day, document, amount, due, paid in Sale.objects.filter(
                    company=self.company_a
                ).values_list(
                    "pk",
                    "client__key",
                    "client__name",
                    "date",
                    "document",
                    "amount",
                    "due_date",
                    "paid_date",
                )
            ],
            schema=SALES_SCHEMA,
            orient="row",
        )
        return settle(lines, as_of=AS_OF)

    def test_days_late_and_payment_signals_come_from_the_settlement(self) -> None:
        settlement = self.core_settlement()
        late = self.ranked[0]
        avg = settlement.clients.filter(pl.col("client_key") == late.key)["avg_days_late"][0]

        response = self.get(f"/clients/{late.pk}/")

        kaism = response.context["kaism"]
        discipline = next(c for c in kaism["criteria"] if c["label"] == "Платёжная дисциплина")
        assert discipline["score"] == pytest.approx(max(0.0, 10 * (1 - avg / 60)))
        signals = {s["signal"] for s in kaism["signals"]}
        assert {"overdue", "paying_later"} <= signals
        on_time = self.get(f"/clients/{self.ranked[1].pk}/").context["kaism"]
        score = next(c for c in on_time["criteria"] if c["label"] == "Платёжная дисциплина")
        assert score["score"] == 10.0

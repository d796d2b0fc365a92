"""The risk page: the core's stress test and diversification plan for the company's targets,
the key clients' rows, plain words in both languages, the targets form and the query count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from keyclients.core.analytics.abc_xyz import stability_periods
from keyclients.core.analytics.concentration import client_revenue, client_shares
from keyclients.core.analytics.scenarios import diversification_plan, loss_stress_test
from keyclients.core.words import hhi_plan_words, top1_plan_words
from keyclients.web import demo
from keyclients.web.accounts.models import AuditAction, AuditEvent, Company
from keyclients.web.forecast import selectors
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment

from .forecast_fixtures import add_cash_company
from .insights_fixtures import InsightsTestCase

TODAY = date(2026, 1, 15)
# Session, user, memberships, data version, settings, plan: a warm page needs nothing else.
RISK_QUERIES_WARM = 6
# ... and on a cold cache: the months (insights), the clients, the month aggregate, the
# documents.
# + 5 since the forecast settles with the stored payments (receivables input, cached).
# + 10 since the key clients are the KAISM page's (its sales by day, documents, manual scores,
# flags, dossier facts and interactions; cached, and shared with that page and the overview).
RISK_QUERIES_COLD = 25


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


class RiskPageTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cash = add_cash_company(self.company_a, clients=40, years=3)
        self.login(self.alice)

    def get(self, url: str = "/risk/", **params: str):  # type: ignore[no-untyped-def]
        with today():
            return self.client.get(url, params)

    def test_the_figures_are_the_cores_stress_test_and_plan(self) -> None:
        basis = self.cash.basis()
        stress = loss_stress_test(self.cash.lines, as_of=self.cash.as_of, basis=basis)
        plan = diversification_plan(self.cash.lines, as_of=self.cash.as_of)

        response = self.get()

        risk = response.context["risk"]
        assert risk.as_of == self.cash.as_of
        assert_frame_equal(risk.stress.clients, stress.clients, check_exact=False, rel_tol=1e-9)
        assert risk.stress.base_first_gap_date == stress.base_first_gap_date
        assert risk.plan.top1.extra_revenue == pytest.approx(plan.top1.extra_revenue, rel=1e-9)
        assert risk.plan.top1.new_clients == plan.top1.new_clients
        assert risk.plan.hhi.extra_revenue == pytest.approx(plan.hhi.extra_revenue, rel=1e-9)
        assert risk.plan.hhi.new_clients == plan.hhi.new_clients
        assert risk.plan.new_clients == plan.new_clients
        html = response.content.decode()
        assert response.context["top1_words"] == top1_plan_words(plan, "ru")
        assert top1_plan_words(plan, "ru") in html
        assert hhi_plan_words(plan, "ru") in html

    def test_the_loss_table_lists_the_kaism_key_clients_class_a_here(self) -> None:
        periods = stability_periods(self.cash.as_of)
        shares = client_shares(
            client_revenue(self.cash.lines, date_from=periods.ltm_from, date_to=periods.ltm_to)
        )
        class_a = shares.filter(pl.col("abc") == "A")["client_key"].to_list()

        response = self.get()

        rows = response.context["key_rows"]
        # No scores or marks: the KAISM page's key clients are the class A ones.
        assert [row["client_key"] for row in rows] == class_a  # the core's order: revenue
        assert response.context["risk"].key_source == selectors.KEY_MARKED
        html = response.content.decode()
        for row in rows:
            assert f'data-client-key="{row["client_key"]}"' in html
            assert f'href="/clients/{row["client_id"]}/"' in html
            assert f'href="/forecast/?lose={row["client_id"]}"' in html

    def test_without_key_clients_class_a_stands_in(self) -> None:
        with mock.patch.object(selectors, "key_client_keys", return_value=frozenset()):
            response = self.get()
        assert response.context["risk"].key_source == selectors.KEY_CLASS_A
        assert response.context["key_rows"]

    def test_marked_key_clients_take_the_place_of_class_a(self) -> None:
        key = self.cash.lines["client_key"][0]
        with mock.patch.object(selectors, "key_client_keys", return_value=frozenset({key})):
            response = self.get()
        assert [row["client_key"] for row in response.context["key_rows"]] == [key]
        assert response.context["risk"].key_source == selectors.KEY_MARKED

    def test_the_company_targets_and_margin_reach_the_core(self) -> None:
        ForecastSettings.objects.filter(company=self.company_a).update(
            target_top1_share=Decimal("0.3"), target_hhi=1200, gross_margin_percent=Decimal("25")
        )
        lines = self.cash.lines.with_columns(pl.lit(None, pl.Float64).alias("cost"))
        stress = loss_stress_test(lines, as_of=self.cash.as_of, company_margin=0.25)
        plan = diversification_plan(
            self.cash.lines, as_of=self.cash.as_of, target_top1_share=0.3, target_hhi=1200
        )

        response = self.get()

        risk = response.context["risk"]
        assert risk.plan.top1.target == 0.3
        assert risk.plan.hhi.target == 1200
        assert risk.plan.top1.extra_revenue == pytest.approx(plan.top1.extra_revenue, rel=1e-9)
        assert risk.company_margin == 0.25
        # The fixture's lines all have a cost: each client's own margin wins over the company's.
        assert set(risk.stress.clients["margin_source"].to_list()) == {"client"}
        assert stress.clients["margin_source"].unique().to_list() == ["company"]

    def test_an_owner_sets_the_targets(self) -> None:
        # Russian is the default language: a decimal comma.
        response = self.client.post(
            "/risk/targets/",
            {"target_top1_percent": "25", "target_hhi": "1800", "gross_margin_percent": "22,5"},
        )
        assert response.status_code == 302
        settings = ForecastSettings.objects.get(company=self.company_a)
        assert (settings.target_top1_share, settings.target_hhi, settings.gross_margin_percent) == (
            Decimal("0.2500"),
            1800,
            Decimal("22.50"),
        )
        assert AuditEvent.objects.filter(action=AuditAction.RISK_TARGETS_CHANGED).exists()
        for bad in (
            {"target_top1_percent": "0", "target_hhi": "1500"},
            {"target_top1_percent": "20", "target_hhi": "10001"},
            {"target_top1_percent": "20", "target_hhi": "1500", "gross_margin_percent": "100"},
        ):
            assert self.client.post("/risk/targets/", bad).status_code == 400

    def test_without_a_balance_the_table_has_no_cash_column(self) -> None:
        ForecastSettings.objects.filter(company=self.company_a).update(
            opening_balance=None, balance_date=None
        )
        stress = loss_stress_test(self.cash.lines, as_of=self.cash.as_of)

        response = self.get()

        risk = response.context["risk"]
        assert risk.as_of == self.cash.as_of  # the end of the last full month with sales
        assert_frame_equal(risk.stress.clients, stress.clients, check_exact=False, rel_tol=1e-9)
        assert 'data-figure="gap-after"' not in response.content.decode()

    def test_english_speaks_english(self) -> None:
        plan = diversification_plan(self.cash.lines, as_of=self.cash.as_of)
        self.client.cookies["django_language"] = "en"
        html = self.get().content.decode()
        assert top1_plan_words(plan, "en") in html
        assert "What losing a key client costs" in html

    def test_the_risk_page_runs_a_fixed_number_of_queries(self) -> None:
        self.get()
        with self.assertNumQueries(RISK_QUERIES_WARM):
            self.get()

    def test_a_cold_risk_page_runs_a_fixed_number_of_queries(self) -> None:
        self.get()
        from django.core.cache import cache

        cache.clear()
        with self.assertNumQueries(RISK_QUERIES_COLD):
            self.get()


class EmptyRiskTests(InsightsTestCase):
    def test_a_company_without_sales_is_told_to_import_them(self) -> None:
        self.login(self.alice)
        response = self.client.get("/risk/")
        assert response.status_code == 200
        assert response.context["risk"] is None
        assert "/imports/" in response.content.decode()

    def test_a_company_without_sales_gets_a_forecast_of_its_plan(self) -> None:
        self.login(self.alice)
        ForecastSettings.objects.create(
            company=self.company_a, opening_balance=Decimal(1000), balance_date=date(2026, 1, 1)
        )
        PlannedPayment.objects.create(
            company=self.company_a, date=date(2026, 1, 10), amount=Decimal(-2000)
        )
        response = self.client.get("/forecast/")
        base = response.context["base"]
        assert base.first_gap_date == date(2026, 1, 10)
        assert base.min_balance == -1000


@pytest.mark.django_db
def test_the_demo_gets_its_plan_and_opening_balance(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UPLOADS_DIR = tmp_path / "uploads"
    demo.demo_setup(files_dir=tmp_path / "files")
    company = Company.objects.get(name=demo.DEMO_COMPANY)
    generated = demo.generate_company(seed=demo.DEMO_SEED, clients=300, name=company.name)
    stored = ForecastSettings.objects.get(company=company)
    assert stored.balance_date == generated.end
    assert float(stored.opening_balance or 0) == generated.opening_balance
    plan = [
        (p.date, float(p.amount), p.category, p.repeat, p.until)
        for p in PlannedPayment.objects.filter(company=company).order_by("pk")
    ]
    assert plan == [
        (row["date"], row["amount"], row["category"], row["repeat"], row["until"])
        for row in generated.plan.iter_rows(named=True)
    ]
    assert AuditEvent.objects.filter(company=company, action=AuditAction.PLAN_IMPORTED).exists()
    # A second run reuses it all.
    demo.demo_setup(files_dir=tmp_path / "files")
    assert PlannedPayment.objects.filter(company=company).count() == len(plan)

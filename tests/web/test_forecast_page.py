"""The cash forecast page: who may see and change what, the core's calendar on the page, the
what-if partial that saves nothing, and the query count."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import polars as pl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from polars.testing import assert_frame_equal

from keyclients.core.analytics.cashflow import (
    Delay,
    Loss,
    Scenario,
    cash_forecast,
    simulate_cash,
)
from keyclients.core.words import headline
from keyclients.web.accounts.models import AuditEvent, Role
from keyclients.web.forecast import selectors
from keyclients.web.forecast.access import EDITORS
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment
from keyclients.web.ledger.models import Client

from .forecast_fixtures import add_cash_company
from .insights_fixtures import InsightsTestCase

TODAY = date(2026, 1, 15)
# Session, user, memberships, data version, settings, plan: a warm page needs nothing else.
FORECAST_QUERIES_WARM = 6
# ... and on a cold cache: the months of the dashboards (insights), the clients, the month
# aggregate and the documents.
# + 5 since the forecast settles with the stored payments (receivables input, cached).
FORECAST_QUERIES_COLD = 15


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


class ForecastPermissionTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cash = add_cash_company(self.company_a, clients=20)
        self.payment = PlannedPayment.objects.filter(company=self.company_a).first()
        assert self.payment is not None
        self.client_id = next(iter(self.cash.ids.values()))

    def test_every_member_sees_the_forecast_the_risk_page_and_the_cards(self) -> None:
        with today():
            self.assert_access(
                "/forecast/", "/forecast/card/", "/risk/", roles=list(Role), of_company_a=False
            )
            # The what-if partial answers HTMX; opened in a tab, it sends to the full page.
            self.assert_access(
                "/forecast/scenario/?lose=1", roles=list(Role), ok=302, of_company_a=False
            )
            self.assert_access(f"/forecast/client/{self.client_id}/", roles=list(Role))

    def test_only_owners_and_finance_change_the_plan_and_the_settings(self) -> None:
        pk = self.payment.pk
        payment = {"date": "2026-02-01", "amount": "-1 000", "repeat": "none"}
        with today():
            self.assert_access(
                "/forecast/settings/",
                method="post",
                data={"opening_balance": "1000", "balance_date": "2025-12-31", "horizon_days": 90},
                roles=EDITORS,
                ok=302,
                of_company_a=False,
            )
            self.assert_access(
                "/forecast/plan/add/",
                method="post",
                data=payment,
                roles=EDITORS,
                ok=302,
                of_company_a=False,
            )
            self.assert_access(f"/forecast/plan/{pk}/", roles=EDITORS)
            self.assert_access(
                f"/forecast/plan/{pk}/", method="post", data=payment, roles=EDITORS, ok=302
            )
            self.assert_access(f"/forecast/plan/{pk}/delete/", method="post", roles=EDITORS, ok=302)
            # No file: an editor gets the form back with its error, the others a 403.
            self.assert_access(
                "/forecast/plan/upload/", method="post", roles=EDITORS, ok=400, of_company_a=False
            )
            # Nothing previewed yet: back to the plan.
            self.assert_access("/forecast/plan/import/", roles=EDITORS, ok=302, of_company_a=False)
            for url in ("/forecast/plan/import/confirm/", "/forecast/plan/import/cancel/"):
                self.assert_access(url, method="post", roles=EDITORS, ok=302, of_company_a=False)
            self.assert_access(
                "/risk/targets/",
                method="post",
                data={"target_top1_percent": "25", "target_hhi": "1800"},
                roles=EDITORS,
                ok=302,
                of_company_a=False,
            )

    def test_the_forecast_pages_accept_only_their_methods(self) -> None:
        self.login(self.alice)
        assert self.client.post("/forecast/").status_code == 405
        assert self.client.post("/forecast/scenario/").status_code == 405
        assert self.client.get("/forecast/settings/").status_code == 405
        assert self.client.get(f"/forecast/plan/{self.payment.pk}/delete/").status_code == 405

    def test_a_viewer_sees_the_plan_without_the_editor(self) -> None:
        self.set_bob_role(Role.VIEWER)
        self.login(self.bob)
        with today():
            response = self.client.get("/forecast/")
        html = response.content.decode()
        assert "plan-table" in html
        assert "plan-add-form" not in html
        assert "/forecast/settings/" not in html
        assert 'id="scenario-form"' in html  # what-ifs are for everyone


class ForecastFigureTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cash = add_cash_company(self.company_a, clients=30)
        self.login(self.alice)

    def get(self, url: str, **params: str):  # type: ignore[no-untyped-def]
        headers = {"HX-Request": "true"} if url.startswith("/forecast/scenario/") else {}
        with today():
            return self.client.get(url, params, headers=headers)

    def test_the_page_shows_the_cores_forecast(self) -> None:
        expected = cash_forecast(self.cash.basis())

        response = self.get("/forecast/")

        assert response.status_code == 200
        shown = response.context["base"]
        assert_frame_equal(shown.days, expected.days)
        assert shown.first_gap_date == expected.first_gap_date
        assert shown.min_balance == expected.min_balance
        assert shown.min_balance_date == expected.min_balance_date
        assert shown.days_below_reserve == expected.days_below_reserve
        assert response.context["base_headline"] == headline(expected, "ru")
        assert headline(expected, "ru") in response.content.decode()
        spec = response.context["charts"]["balance"]
        assert [row["balance"] for row in spec["datasets"]["watched"]] == expected.days[
            "balance"
        ].to_list()

    def test_the_reserve_and_horizon_of_the_settings_reach_the_core(self) -> None:
        ForecastSettings.objects.filter(company=self.company_a).update(
            reserve=Decimal("2000000"), horizon_days=120
        )
        expected = cash_forecast(self.cash.basis(horizon=120, reserve=2_000_000))

        response = self.get("/forecast/")

        shown = response.context["base"]
        assert_frame_equal(shown.days, expected.days)
        assert shown.first_gap_date == expected.first_gap_date
        assert response.context["base_headline"] == headline(expected, "ru")

    def test_the_simulation_is_the_cores_seeded_one(self) -> None:
        basis = self.cash.basis()
        expected = simulate_cash(
            basis, paths=selectors.SIMULATION_PATHS, seed=selectors.SIMULATION_SEED
        )

        response = self.get("/forecast/")

        result = response.context["base_simulation"]
        assert result.simulation == expected
        assert not result.reduced

    def test_a_large_company_gets_fewer_paths_and_the_page_says_so(self) -> None:
        with mock.patch.object(selectors, "SIMULATION_CELL_BUDGET", 100_000):
            response = self.get("/forecast/")
        result = response.context["base_simulation"]
        assert result.reduced
        assert selectors.SIMULATION_MIN_PATHS <= result.simulation.paths < 10_000
        assert "10 000" in response.content.decode() or "10,000" in response.content.decode()

    def test_the_what_if_partial_shows_base_and_scenario_and_saves_nothing(self) -> None:
        basis = self.cash.basis()
        top = basis.clients.sort(["run_rate", "client"], descending=[True, False]).row(
            0, named=True
        )
        top_id = self.cash.ids[top["client_key"]]
        other = basis.clients.sort("run_rate", descending=True).row(1, named=True)
        other_id = self.cash.ids[other["client_key"]]
        scenario = Scenario(
            delays=(Delay(other["client_key"], 30),),
            losses=(Loss(top["client_key"], None, True),),
        )
        expected_base = cash_forecast(basis)
        expected = cash_forecast(basis, scenario)
        counts = (
            PlannedPayment.objects.count(),
            ForecastSettings.objects.count(),
            AuditEvent.objects.count(),
            Client.objects.count(),
        )

        with CaptureQueriesContext(connection) as queries, today():
            response = self.client.get(
                "/forecast/scenario/",
                {
                    "lose_client_1": str(top_id),
                    "lose_write_off_1": "on",
                    "delay_client_1": str(other_id),
                    "delay_days_1": "30",
                },
                headers={"HX-Request": "true"},
            )

        assert response.status_code == 200
        assert_frame_equal(response.context["base"].days, expected_base.days)
        assert_frame_equal(response.context["scenario"].days, expected.days)
        assert response.context["scenario"].scenario == scenario
        html = response.content.decode()
        assert "<html" not in html  # the partial alone
        assert headline(expected_base, "ru") in html
        assert headline(expected, "ru") in html
        assert 'data-headline="scenario"' in html
        lines = response.context["charts"]["balance"]["datasets"]["balance"]
        assert {row["series"] for row in lines} == {"База", "Что если"}
        assert response["HX-Push-Url"].startswith("/forecast/?")
        assert "lose_client_1=" in response["HX-Push-Url"]
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and "django_session" not in q["sql"]
        ]
        assert writes == []
        assert counts == (
            PlannedPayment.objects.count(),
            ForecastSettings.objects.count(),
            AuditEvent.objects.count(),
            Client.objects.count(),
        )

    def test_the_client_cards_link_opens_the_forecast_without_the_client(self) -> None:
        basis = self.cash.basis()
        key = basis.clients.sort("run_rate", descending=True)["client_key"][0]
        expected = cash_forecast(basis, Scenario(losses=(Loss(key),)))

        response = self.get("/forecast/", lose=str(self.cash.ids[key]))

        assert_frame_equal(response.context["scenario"].days, expected.days)
        assert response.context["scenario_form"]["lose_client_1"].value() == str(self.cash.ids[key])

    def test_the_partial_opened_in_a_tab_sends_to_the_full_page(self) -> None:
        with today():
            response = self.client.get("/forecast/scenario/", {"lose": "5"})
        assert response.status_code == 302
        assert response["Location"] == "/forecast/?lose=5"

    def test_a_client_named_twice_is_refused_and_the_base_still_shows(self) -> None:
        pk = str(next(iter(self.cash.ids.values())))
        response = self.get("/forecast/scenario/", lose_client_1=pk, lose_client_2=pk)
        assert response.status_code == 200
        assert response.context["scenario"] is None
        assert 'data-headline="base"' in response.content.decode()
        assert response.context["scenario_form"].non_field_errors()

    def test_another_companys_client_is_not_in_the_scenario(self) -> None:
        other = Client.objects.create(company=self.company_b, key="name:x", name="X")
        response = self.get("/forecast/scenario/", lose_client_1=str(other.pk))
        assert response.context["scenario"] is None
        assert response.context["scenario_form"].errors  # not one of the choices

    def test_without_an_opening_balance_the_page_asks_for_it(self) -> None:
        ForecastSettings.objects.filter(company=self.company_a).delete()
        response = self.get("/forecast/")
        assert response.status_code == 200
        assert "base" not in response.context
        assert 'id="no-balance"' in response.content.decode()

    def test_the_forecast_page_runs_a_fixed_number_of_queries(self) -> None:
        self.get("/forecast/")  # warm the session and the cache
        with self.assertNumQueries(FORECAST_QUERIES_WARM):
            self.get("/forecast/")
        # A scenario adds no query: the clients and the basis are cached.
        with self.assertNumQueries(FORECAST_QUERIES_WARM):
            self.get("/forecast/scenario/", lose=str(next(iter(self.cash.ids.values()))))

    def test_a_cold_forecast_page_runs_a_fixed_number_of_queries(self) -> None:
        self.get("/forecast/")
        from django.core.cache import cache

        cache.clear()
        with self.assertNumQueries(FORECAST_QUERIES_COLD):
            self.get("/forecast/")

    def test_a_new_planned_payment_shows_at_once(self) -> None:
        before = self.get("/forecast/").context["base"]
        PlannedPayment.objects.create(
            company=self.company_a,
            date=self.cash.as_of + timedelta(days=3),
            amount=Decimal("-123456.78"),
        )
        after = self.get("/forecast/").context["base"]
        assert after.days["balance"][-1] == round(before.days["balance"][-1] - 123456.78, 2)

    def test_the_overview_card_shows_the_gap_or_no_gap(self) -> None:
        expected = cash_forecast(self.cash.basis())
        response = self.get("/forecast/card/")
        html = response.content.decode()
        assert headline(expected, "ru") in html
        assert 'href="/forecast/"' in html

    def test_the_overview_includes_the_cash_card(self) -> None:
        html = self.get("/").content.decode()
        assert 'data-lazy-src="/forecast/card/"' in html

    def test_the_client_card_says_what_losing_the_client_does(self) -> None:
        basis = self.cash.basis()
        key = basis.clients.sort("run_rate", descending=True)["client_key"][0]
        pk = self.cash.ids[key]
        expected = cash_forecast(basis, Scenario(losses=(Loss(key),)))

        card = self.get(f"/clients/{pk}/").content.decode()
        response = self.get(f"/forecast/client/{pk}/")

        assert f'data-lazy-src="/forecast/client/{pk}/"' in card
        html = response.content.decode()
        assert headline(expected, "ru") in html
        assert f'href="/forecast/?lose={pk}"' in html
        assert response.context["row"]["client_key"] == key

    def test_english_speaks_english(self) -> None:
        expected = cash_forecast(self.cash.basis())
        self.client.cookies["django_language"] = "en"
        response = self.get("/forecast/")
        assert headline(expected, "en") in response.content.decode()
        assert response.context["base_headline"].startswith(("Cash runs out", "No cash gap"))


def test_plan_frame_keeps_the_ids_as_rows() -> None:
    payment = PlannedPayment(
        pk=7, date=date(2026, 1, 5), amount=Decimal("-10.50"), category="Rent", repeat="monthly"
    )
    frame = selectors.plan_frame(payments=[payment])
    assert frame.row(0) == (7, date(2026, 1, 5), -10.5, "Rent", "monthly", None)
    assert frame.schema == pl.Schema(
        {
            "row": pl.Int64,
            "date": pl.Date,
            "amount": pl.Float64,
            "category": pl.String,
            "repeat": pl.String,
            "until": pl.Date,
        }
    )

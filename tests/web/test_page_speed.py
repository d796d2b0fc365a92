"""What keeps the receivables and forecast pages fast at a million sales lines
(docs/performance.md): a warm page reads a small cached view, never the settlement's documents
or the cash basis; the what-if lists show the first clients and still take any other; the
list widget writes the same HTML as Django's."""

from __future__ import annotations

from typing import ClassVar
from unittest import mock

import polars as pl
from django import forms
from django.test import SimpleTestCase
from polars.testing import assert_frame_equal

from keyclients.core.analytics.cashflow import cash_forecast
from keyclients.web.forecast import forms as forecast_forms
from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import receivables, views
from keyclients.web.widgets import ListSelect

from .forecast_fixtures import add_cash_company
from .insights_fixtures import InsightsTestCase
from .receivables_fixtures import core_settlement
from .test_forecast_page import today as forecast_today
from .test_imports import SAMPLES
from .test_receivables import ReceivablesTestCase

NOT_ON_A_WARM_PAGE = AssertionError("computed on a warm page")


class ListSelectTests(SimpleTestCase):
    def test_it_writes_what_djangos_select_writes(self) -> None:
        choices = [("", "—"), ("1", 'ООО «Ромашка» & <Сыр> "1"'), ("2", "ИП O'Brien")]
        for value in ("", "1", "2", None):
            attrs = {"id": "id_client", "class": "wide"}
            expected = forms.Select(choices=choices).render("client", value, attrs)
            self.assertHTMLEqual(
                ListSelect(choices=choices).render("client", value, attrs), expected
            )


class ScenarioListTests(SimpleTestCase):
    CLIENTS: ClassVar[list[tuple[int, str]]] = [(pk, f"Client {pk}") for pk in range(1, 11)]

    def test_the_lists_show_the_first_clients_only(self) -> None:
        with mock.patch.object(forecast_forms, "SCENARIO_CLIENTS_SHOWN", 3):
            form = forecast_forms.ScenarioForm(None, clients=self.CLIENTS)
            html = str(form["lose_client_1"])
        self.assertIn("Client 3", html)
        self.assertNotIn("Client 4", html)

    def test_a_client_beyond_them_can_be_named_and_is_listed_chosen(self) -> None:
        with mock.patch.object(forecast_forms, "SCENARIO_CLIENTS_SHOWN", 3):
            form = forecast_forms.ScenarioForm({"lose": "9"}, clients=self.CLIENTS)
            self.assertTrue(form.is_valid(), form.errors)
            self.assertEqual(form.choice().losses[0][0], 9)
            self.assertIn(
                '<option value="9" selected>Client 9</option>', str(form["lose_client_1"])
            )

    def test_a_client_outside_the_basis_is_refused(self) -> None:
        form = forecast_forms.ScenarioForm({"delay_client_1": "99"}, clients=self.CLIENTS)
        self.assertFalse(form.is_valid())
        self.assertIn("delay_client_1", form.errors)

    def test_a_query_names_a_client_or_not(self) -> None:
        self.assertTrue(forecast_forms.ScenarioForm.names_a_client({"lose": "3"}))
        self.assertTrue(forecast_forms.ScenarioForm.names_a_client({"delay_client_2": "3"}))
        self.assertFalse(forecast_forms.ScenarioForm.names_a_client({"delay_days_1": "30"}))


class ReceivablesWarmPageTests(ReceivablesTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")

    def test_a_warm_page_settles_nothing_and_reads_no_input_frames(self) -> None:
        first = self.page()
        with (
            mock.patch.object(receivables, "settle", side_effect=NOT_ON_A_WARM_PAGE),
            mock.patch.object(receivables, "_input", side_effect=NOT_ON_A_WARM_PAGE),
            mock.patch.object(
                receivables, "receivables_settlement", side_effect=NOT_ON_A_WARM_PAGE
            ),
        ):
            second = self.page()
        self.assertEqual(second.context["data"].totals, first.context["data"].totals)
        self.assertEqual(second.context["overdue"], first.context["overdue"])

    def test_the_overdue_list_beyond_the_cached_head_is_the_cores_order(self) -> None:
        expected = (
            core_settlement(SAMPLES / "sales_cp1251.csv", SAMPLES / "payments.csv")
            .documents.filter(pl.col("days_past_due") > 0)
            .sort(["days_past_due", "outstanding"], descending=[True, True], maintain_order=True)
        )
        self.assertGreaterEqual(expected.height, 4)
        with (
            mock.patch.object(receivables, "OVERDUE_HEAD", 2),
            mock.patch.object(views, "OVERDUE_PER_PAGE", 2),
        ):
            first, second = self.page(), self.page(opage="2")
        self.assertEqual(first.context["data"].overdue_head.height, 2)
        self.assertEqual(first.context["data"].overdue_count, expected.height)
        for response, rows in ((first, expected[0:2]), (second, expected[2:4])):
            shown = [(doc["client_key"], doc["document"]) for doc in response.context["overdue"]]
            self.assertEqual(shown, list(rows.select("client_key", "document").iter_rows()))


class ForecastWarmPageTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cash = add_cash_company(self.company_a, clients=30)
        self.login(self.alice)

    def test_the_page_as_it_opens_reads_no_cash_basis_when_warm(self) -> None:
        with forecast_today():
            assert self.client.get("/forecast/").status_code == 200
            with (
                mock.patch.object(
                    forecast_selectors.ForecastData,
                    "basis",
                    new_callable=mock.PropertyMock,
                    side_effect=NOT_ON_A_WARM_PAGE,
                ),
                mock.patch.object(
                    forecast_selectors, "cash_forecast", side_effect=NOT_ON_A_WARM_PAGE
                ),
            ):
                response = self.client.get("/forecast/")
        assert response.status_code == 200
        shown = response.context["base"]
        expected = cash_forecast(self.cash.basis())
        assert_frame_equal(shown.days, expected.days)
        assert shown.first_gap_date == expected.first_gap_date
        assert shown.receipts.is_empty()  # the view keeps the days, not each document's receipt

    def test_a_what_if_still_reads_the_basis_and_names_any_of_its_clients(self) -> None:
        with forecast_today(), mock.patch.object(forecast_forms, "SCENARIO_CLIENTS_SHOWN", 1):
            clients = forecast_selectors.scenario_clients(
                data=forecast_selectors.forecast_data(company=self.company_a)
            )
            last_id = clients[-1][0]
            response = self.client.get("/forecast/", {"lose": str(last_id)})
        assert response.status_code == 200
        assert response.context["scenario"] is not None
        assert response.context["scenario_form"]["lose_client_1"].value() == str(last_id)

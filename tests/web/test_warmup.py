"""After an import the worker warms the dashboards, so the first overview and clients list
are served from the cache (docs/performance.md)."""

from __future__ import annotations

from django.test import override_settings

from keyclients.web.warmup import company_pages_warm

from .insights_fixtures import InsightsTestCase, add_demo_sales
from .test_insights_overview import OVERVIEW_QUERIES_COLD, OVERVIEW_QUERIES_WARM, today


class WarmUpTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        add_demo_sales(self.company_a)
        self.login(self.alice)
        self.client.get("/members/")  # the session knows the current company

    def test_the_overview_after_a_warm_up_costs_what_a_warm_page_costs(self) -> None:
        with today(), override_settings(WARM_CACHE_AFTER_IMPORT=True):
            assert company_pages_warm(company=self.company_a) is not None
            with self.assertNumQueries(OVERVIEW_QUERIES_WARM):
                assert self.client.get("/").status_code == 200
            assert self.client.get("/clients/").status_code == 200

    def test_without_the_warm_up_the_first_overview_computes(self) -> None:
        with today():
            assert company_pages_warm(company=self.company_a) is None  # off in the tests
            with self.assertNumQueries(OVERVIEW_QUERIES_COLD):
                assert self.client.get("/").status_code == 200

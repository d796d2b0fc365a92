"""After an import the worker warms the dashboards, so the first overview, clients list,
receivables page and cash forecast are served from the cache (docs/performance.md)."""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.test import override_settings

from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import receivables
from keyclients.web.warmup import company_pages_warm

from .forecast_fixtures import add_cash_company
from .insights_fixtures import InsightsTestCase, add_demo_sales
from .test_forecast_page import FORECAST_QUERIES_WARM
from .test_forecast_page import today as forecast_today
from .test_insights_overview import OVERVIEW_QUERIES_COLD, OVERVIEW_QUERIES_WARM, today
from .test_receivables import PAGE_QUERIES_WARM, ReceivablesTestCase
from .test_receivables import today as receivables_today

COMPUTED = AssertionError("computed after the warm-up")


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


class ReceivablesWarmUpTests(ReceivablesTestCase):
    def test_the_receivables_page_after_a_warm_up_settles_nothing(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        self.client.get("/members/")  # the session knows the current company
        cache.clear()
        with receivables_today(), override_settings(WARM_CACHE_AFTER_IMPORT=True):
            assert company_pages_warm(company=self.company_a) is not None
            with (
                mock.patch.object(receivables, "settle", side_effect=COMPUTED),
                mock.patch.object(receivables, "_input", side_effect=COMPUTED),
                self.assertNumQueries(PAGE_QUERIES_WARM),
            ):
                response = self.client.get("/receivables/")
        assert response.status_code == 200
        assert response.context["data"].has_documents


class ForecastWarmUpTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        add_cash_company(self.company_a, clients=30)
        self.login(self.alice)
        self.client.get("/members/")  # the session knows the current company

    def test_the_forecast_with_a_balance_after_a_warm_up_computes_nothing(self) -> None:
        cache.clear()
        with forecast_today(), override_settings(WARM_CACHE_AFTER_IMPORT=True):
            assert company_pages_warm(company=self.company_a) is not None
            with (
                mock.patch.object(forecast_selectors, "_basis", side_effect=COMPUTED),
                mock.patch.object(forecast_selectors, "cash_forecast", side_effect=COMPUTED),
                mock.patch.object(forecast_selectors, "simulate_cash", side_effect=COMPUTED),
                self.assertNumQueries(FORECAST_QUERIES_WARM),
            ):
                response = self.client.get("/forecast/")
        assert response.status_code == 200
        assert response.context["base"] is not None


def test_one_build_per_key_and_a_process_memory_in_front_of_the_shared_cache() -> None:
    import threading

    from django.core.cache import cache, caches

    from keyclients.web.cache_once import cached_once

    two_layers = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "l"},
    }
    builds: list[int] = []
    started = threading.Barrier(8)

    def build() -> int:
        builds.append(1)
        return 42

    def ask() -> None:
        started.wait()
        assert cached_once("version-1:overview", build, 60) == 42

    with override_settings(CACHES=two_layers):
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(builds) == 1  # the other seven waited for the first one's result
        cache.clear()  # the shared cache lost it: this process still has it
        assert cached_once("version-1:overview", build, 60) == 42
        assert len(builds) == 1
        caches["local"].clear()
        cache.clear()
        assert cached_once("version-1:overview", build, 60) == 42
        assert len(builds) == 2


def test_the_shared_file_cache_reads_back_what_it_wrote(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl
    from django.core.cache import caches
    from polars.testing import assert_frame_equal

    files = {
        "default": {"BACKEND": "keyclients.web.file_cache.FileCache", "LOCATION": str(tmp_path)}
    }
    frame = pl.DataFrame({"client": ["ООО «Ромашка»"] * 1000, "amount": [1.5] * 1000})
    with override_settings(CACHES=files):
        caches["default"].set("version-1:frame", frame, 60)
        assert_frame_equal(caches["default"].get("version-1:frame"), frame)
        (written,) = tmp_path.glob("*.djcache")
        assert written.stat().st_size < frame.estimated_size()  # compressed

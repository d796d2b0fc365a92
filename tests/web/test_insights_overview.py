"""The overview dashboard shows the core's figures, for the right period, fast."""

from __future__ import annotations

import json
from datetime import date
from unittest import mock

import polars as pl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from keyclients.core.analytics.concentration import (
    client_revenue,
    client_shares,
    concentration,
    concentration_trend,
)
from keyclients.web.accounts.models import Role
from keyclients.web.formatting import format_money
from keyclients.web.insights import charts, selectors
from keyclients.web.insights.periods import PeriodKind
from keyclients.web.insights.selectors import (
    BAND_AMBER,
    BAND_GREEN,
    BAND_RED,
    ConcentrationSettings,
    concentration_settings,
    share_band,
)
from keyclients.web.ledger.models import Client, ImportBatch

from .insights_fixtures import InsightsTestCase, add_demo_sales, add_sales

# The demo data ends on 31 December 2025; in January 2026 LTM is the calendar year 2025.
TODAY = date(2026, 1, 15)
LTM = (date(2025, 1, 1), date(2025, 12, 31))

# Session, user, the user's memberships, the data version: a warm page needs nothing else.
OVERVIEW_QUERIES_WARM = 4
# ... and on a cold cache the month aggregate and the clients, and for the key clients and
# warnings the manual scores, the company's own criteria scores, the flags, the day aggregate.
# + 8 on a cold cache: KAISM reads the stored payments (receivables input) and the
# dossier (contacts, interactions, client ids), all cached per data version.
OVERVIEW_QUERIES_COLD = 18


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


class OverviewTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.sales = add_demo_sales(self.company_a)

    def get(self, url: str = "/", **params: str):  # type: ignore[no-untyped-def]
        if "_auth_user_id" not in self.client.session:
            self.login(self.alice)
        with today():
            return self.client.get(url, params)

    def test_every_member_sees_the_overview(self) -> None:
        self.assert_access("/", roles=list(Role), of_company_a=False)

    def test_the_figures_are_the_cores_over_ltm(self) -> None:
        expected = concentration(client_revenue(self.sales, date_from=LTM[0], date_to=LTM[1]))

        response = self.get()

        data = response.context["data"]
        figures = data.figures
        assert (data.period.kind, data.period.date_from, data.period.date_to) == (
            PeriodKind.LTM,
            *LTM,
        )
        for name in [
            "revenue_total",
            "revenue_positive",
            "top1_share",
            "top3_share",
            "top5_share",
            "top10_share",
            "hhi",
            "effective_clients",
            "gini",
        ]:
            assert getattr(figures, name) == pytest.approx(getattr(expected, name)), name
        assert figures.clients_positive == expected.clients_positive
        assert figures.level == expected.level
        assert figures.mono_client == expected.mono_client
        assert figures.abc_counts == expected.abc_counts
        # And the page prints them, in Russian by default.
        self.assertContains(response, format_money(expected.revenue_total, language="ru"))
        self.assertContains(response, f"{expected.top1_share * 100:.1f}".replace(".", ","))
        self.assertContains(response, f"{expected.clients_positive}</span>")

    def test_the_top_clients_and_the_charts_come_from_the_core(self) -> None:
        revenue = client_revenue(self.sales, date_from=LTM[0], date_to=LTM[1])
        shares = client_shares(revenue).filter(pl.col("rank").is_not_null())
        trend = concentration_trend(self.sales, date_from=LTM[0], date_to=LTM[1])

        data = self.get().context["data"]

        assert [c.name for c in data.top_clients] == shares["client"].head(10).to_list()
        assert [c.share for c in data.top_clients] == pytest.approx(
            shares["share"].head(10).to_list()
        )
        assert [p["cumulative_share"] for p in data.pareto] == pytest.approx(
            shares["cumulative_share"].to_list()
        )
        assert [t["month_end"] for t in data.trend] == [d.isoformat() for d in trend["month_end"]]
        assert [t["hhi"] for t in data.trend] == pytest.approx(trend["hhi"].to_list())
        assert [t["top1_share"] for t in data.trend] == pytest.approx(trend["top1_share"].to_list())

    def test_the_page_embeds_the_chart_specs_and_the_local_bundle(self) -> None:
        response = self.get()

        content = response.content.decode()
        for name in ["pareto", "top_clients", "top1_trend", "hhi_trend"]:
            assert f'id="chart-{name}"' in content
            assert f'data-chart="chart-{name}"' in content
        assert "/static/vendor/vega/vega-bundle.js" in content
        assert "cdn" not in content.lower()
        pareto = json.loads(
            content.split('id="chart-pareto" type="application/json">')[1].split("</script>")[0]
        )
        assert pareto["$schema"].endswith(f"{charts.VEGA_LITE_VERSION}.1.json")
        assert pareto["datasets"]["pareto"][0]["rank"] == 1

    def test_a_year_from_the_data_and_a_custom_range_are_periods_too(self) -> None:
        for params, (date_from, date_to) in [
            ({"period": "2024"}, (date(2024, 1, 1), date(2024, 12, 31))),
            (
                {"period": "custom", "date_from": "2025-03", "date_to": "2025-05"},
                (date(2025, 3, 1), date(2025, 5, 31)),
            ),
        ]:
            expected = concentration(
                client_revenue(self.sales, date_from=date_from, date_to=date_to)
            )
            data = self.get(**params).context["data"]
            assert (data.period.date_from, data.period.date_to) == (date_from, date_to)
            assert data.figures.revenue_total == pytest.approx(expected.revenue_total)
            assert data.figures.hhi == pytest.approx(expected.hhi)
            assert data.figures.clients_positive == expected.clients_positive

    def test_the_selector_lists_the_years_with_data(self) -> None:
        response = self.get()

        self.assertContains(response, '<option value="2025">2025</option>', html=True)
        self.assertContains(response, '<option value="2024">2024</option>', html=True)
        self.assertNotContains(response, '<option value="2023">')

    def test_a_reversed_custom_range_shows_ltm_and_says_why(self) -> None:
        response = self.get(period="custom", date_from="2025-05", date_to="2025-03")

        assert response.context["data"].period.date_from == LTM[0]
        self.assertContains(response, "errorlist")

    def test_the_query_count_is_pinned(self) -> None:
        self.get()  # the first page of a session stores the current company in it
        cache.clear()
        with today(), self.assertNumQueries(OVERVIEW_QUERIES_COLD):
            self.client.get("/")
        with today(), self.assertNumQueries(OVERVIEW_QUERIES_WARM):
            self.client.get("/")
        with today(), self.assertNumQueries(OVERVIEW_QUERIES_WARM):
            self.client.get("/", {"period": "2024"})  # a new period needs no new query

    def test_an_import_shows_at_once(self) -> None:
        before = self.get().context["data"].figures.revenue_total
        add_sales(self.company_a, [("Новый клиент", date(2025, 6, 1), "1000000")])

        after = self.get().context["data"].figures.revenue_total

        assert after == pytest.approx(before + 1_000_000)

    def test_an_undone_import_shows_at_once(self) -> None:
        add_sales(self.company_a, [("Новый клиент", date(2025, 6, 1), "1000000")])
        with_import = self.get().context["data"].figures.revenue_total
        batch = ImportBatch.objects.filter(company=self.company_a).latest("pk")
        batch.sales.all().delete()
        batch.delete()

        assert self.get().context["data"].figures.revenue_total == pytest.approx(
            with_import - 1_000_000
        )

    def test_a_renamed_client_shows_at_once(self) -> None:
        top = self.get().context["data"].top_clients[0]
        Client.objects.filter(pk=top.client_id).update(name="Переименован")
        client = Client.objects.get(pk=top.client_id)
        client.save()  # bumps updated_at, as every edit through the card does

        assert self.get().context["data"].top_clients[0].name == "Переименован"

    def test_another_companys_data_never_shows(self) -> None:
        add_sales(self.company_b, [("Чужой", date(2025, 6, 1), "99999999")])
        self.login(self.charlie)
        data = self.get().context["data"]

        assert [c.name for c in data.top_clients] == ["Чужой"]


class OverviewStatesTests(InsightsTestCase):
    def test_a_company_without_sales_gets_the_empty_state_with_a_link_to_imports(self) -> None:
        self.login(self.alice)

        response = self.client.get("/")

        self.assertContains(response, 'href="/imports/"')
        self.assertContains(response, "data-empty-state")
        self.assertNotContains(response, "vega-bundle.js")

    def test_a_mono_client_is_red_and_called_out(self) -> None:
        add_sales(
            self.company_a,
            [("Гигант", date(2025, 3, 1), "500"), ("Малыш", date(2025, 3, 2), "500")],
        )
        self.login(self.alice)

        with today():
            response = self.client.get("/")

        assert response.context["data"].top1_band == BAND_AMBER  # exactly 50% is not above
        self.assertNotContains(response, 'data-alert="mono-client"')
        add_sales(self.company_a, [("Гигант", date(2025, 4, 1), "100")])
        with today():
            response = self.client.get("/")
        assert response.context["data"].figures.mono_client
        assert response.context["data"].top1_band == BAND_RED
        self.assertContains(response, 'data-alert="mono-client"')
        self.assertContains(response, "Гигант")

    def test_thresholds_come_from_the_company_settings(self) -> None:
        self.company_a.settings = {"concentration": {"top1_amber": 0.7, "top1_red": 0.9}}
        self.company_a.save()
        add_sales(
            self.company_a,
            [("Гигант", date(2025, 3, 1), "600"), ("Малыш", date(2025, 3, 2), "400")],
        )
        self.login(self.alice)

        with today():
            response = self.client.get("/")

        assert response.context["data"].top1_band == BAND_GREEN
        self.assertContains(response, 'data-band="green"')


@pytest.mark.parametrize(
    ("share", "band"),
    [
        (0.0, BAND_GREEN),
        (0.1999, BAND_GREEN),
        (0.2, BAND_AMBER),
        (0.2 - 1e-15, BAND_AMBER),  # float noise around a threshold goes to the paper value
        (0.5, BAND_AMBER),
        (0.5 + 1e-15, BAND_AMBER),
        (0.5001, BAND_RED),
        (1.0, BAND_RED),
        (None, ""),
    ],
)
def test_top1_share_bands(share: float | None, band: str) -> None:
    assert share_band(share) == band


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({}, ConcentrationSettings()),
        (
            {"concentration": {"top1_amber": 0.3, "top1_red": 0.6, "abc_a": 0.7, "abc_b": 0.9}},
            ConcentrationSettings(top1_amber=0.3, top1_red=0.6, abc_a=0.7, abc_b=0.9),
        ),
        # Nonsense falls back to the defaults rather than breaking the dashboard.
        ({"concentration": {"top1_amber": "x", "abc_a": 5}}, ConcentrationSettings()),
        ({"concentration": {"top1_amber": 0.6, "top1_red": 0.5}}, ConcentrationSettings()),
        ({"concentration": {"abc_a": 0.96, "abc_b": 0.95}}, ConcentrationSettings()),
        ({"concentration": "high"}, ConcentrationSettings()),
    ],
)
def test_concentration_settings(stored: dict[str, object], expected: ConcentrationSettings) -> None:
    company = mock.Mock(settings=stored)
    assert concentration_settings(company=company) == expected


def test_the_committed_vega_bundle_is_the_pinned_one() -> None:
    try:
        call_command("vega_bundle", "--check")
    except CommandError as error:  # pragma: no cover - the message says what to run
        pytest.fail(str(error))
    folder = charts.VEGA_BUNDLE_PATH.parent
    for name in ["LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed"]:
        text = (folder / name).read_text(encoding="utf-8")
        assert "University of Washington Interactive Data Lab" in text
        assert "Redistribution and use in source and binary forms" in text


class SqlBridgeTests(InsightsTestCase):
    def test_the_month_aggregate_equals_the_lines_summed_by_client_and_month(self) -> None:
        lines = add_sales(
            self.company_a,
            [
                ("Альфа", date(2025, 1, 31), "100.10"),
                ("Альфа", date(2025, 1, 1), "0.20"),
                ("Альфа", date(2025, 2, 1), "-50"),  # a return nets off in its own month
                ("Бета", date(2024, 12, 31), "7"),
                ("Бета", date(2025, 2, 14), "1234567.89"),
            ],
        )
        add_sales(self.company_b, [("Альфа", date(2025, 1, 15), "999")])

        frame = selectors.client_month_revenue(company=self.company_a)
        names = dict(Client.objects.filter(company=self.company_a).values_list("pk", "key"))
        got = {
            (names[row["client_id"]], row["date"]): (
                row["amount"],
                row["first_sale"],
                row["last_sale"],
            )
            for row in frame.iter_rows(named=True)
        }
        expected = (
            lines.with_columns(month=pl.col("date").dt.truncate("1mo"))
            .group_by("client_key", "month")
            .agg(
                pl.col("amount").sum(),
                pl.col("date").min().alias("first"),
                pl.col("date").max().alias("last"),
            )
        )
        assert len(got) == expected.height == 4
        for key, month, amount, first, last in expected.iter_rows():
            assert got[(key, month)][0] == pytest.approx(amount, abs=1e-9)
            assert got[(key, month)][1:] == (first, last)
        assert frame.schema == pl.Schema(selectors.SALES_MONTH_SCHEMA)

    def test_the_month_aggregate_takes_an_inclusive_period(self) -> None:
        add_sales(
            self.company_a,
            [("Альфа", date(2025, 1, 31), "1"), ("Альфа", date(2025, 2, 1), "2")],
        )

        frame = selectors.client_month_revenue(
            company=self.company_a, date_from=date(2025, 1, 31), date_to=date(2025, 1, 31)
        )

        assert frame["amount"].to_list() == [1.0]

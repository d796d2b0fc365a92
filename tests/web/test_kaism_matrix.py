"""The KAISM page: the core's positions and quadrants, the bubble chart, the strategies, the
clients still to be scored, the naming schemes, the threshold; fast and for every member."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from keyclients.core.analytics.kaism import QUADRANTS
from keyclients.web.accounts.models import Role
from keyclients.web.insights import words
from keyclients.web.insights.criteria import SETTINGS_KEY

from .kaism_fixtures import KaismTestCase, expected, today

# Session, user, memberships, the data version: the warm page needs nothing else ...
MATRIX_QUERIES_WARM = 4
# ... and cold the month aggregate (the months with data), the clients, the manual scores,
# the company's own criteria scores, the flags and the day aggregate.
# + 8 on a cold cache: KAISM reads the stored payments (receivables input) and the
# dossier (contacts, interactions, client ids), all cached per data version.
MATRIX_QUERIES_COLD = 18


class KaismMatrixTests(KaismTestCase):
    def test_every_member_sees_the_matrix(self) -> None:
        self.assert_access("/kaism/", roles=list(Role), of_company_a=False)

    def test_positions_and_quadrants_are_the_cores(self) -> None:
        core = expected(self.lines, manual=self.manual())
        placed = core.complete()

        response = self.get("/kaism/")

        shown = {
            row["client_key"]: (quadrant["key"], row["vertical"], row["horizontal"])
            for quadrant in response.context["quadrants"]
            for row in quadrant["clients"]
        }
        assert set(shown) == set(placed["client_key"].to_list())
        for key, quadrant, vertical, horizontal in placed.select(
            "client_key", "quadrant", "vertical", "horizontal"
        ).iter_rows():
            assert shown[key][0] == quadrant
            assert shown[key][1] == pytest.approx(vertical)
            assert shown[key][2] == pytest.approx(horizontal)
        # The fixture spreads the scored clients over all four quadrants.
        assert {q for q, _, _ in shown.values()} == set(QUADRANTS)

    def test_each_quadrant_shows_its_strategy_and_contact_frequency(self) -> None:
        response = self.get("/kaism/")

        quadrants = response.context["quadrants"]
        assert [q["key"] for q in quadrants] == list(QUADRANTS)
        assert [q["contact_days"] for q in quadrants] == [30, 45, 90, 180]
        self.assertContains(response, "Инвестировать выборочно")
        self.assertContains(response, "Управлять ради денежного потока")

    def test_the_chart_has_a_bubble_per_placed_client_opening_its_card(self) -> None:
        core = expected(self.lines, manual=self.manual())

        response = self.get("/kaism/")

        spec = response.context["charts"]["kaism"]
        points = spec["datasets"]["clients"]
        assert len(points) == core.complete().height
        ids = {c.pk for c in self.ranked}
        for point in points:
            client_id = int(point["url"].strip("/").split("/")[-1])
            assert client_id in ids
            assert point["url"] == f"/clients/{client_id}/"
            assert set(point) >= {"vertical", "horizontal", "revenue", "quadrant", "score_revenue"}
        bubbles = spec["layer"][-1]
        assert bubbles["encoding"]["href"] == {"field": "url", "type": "nominal"}
        assert bubbles["encoding"]["x"]["field"] == "horizontal"
        assert bubbles["encoding"]["y"]["field"] == "vertical"
        assert bubbles["encoding"]["size"]["field"] == "revenue"
        tooltips = [t["field"] for t in bubbles["encoding"]["tooltip"]]
        assert "score_reputation" in tooltips and "score_share_of_wallet" in tooltips
        rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
        assert [r["data"]["values"] for r in rules] == [[{"level": 5.0}], [{"level": 5.0}]]
        self.assertContains(response, 'id="kaism-matrix"')
        self.assertContains(response, "vendor/vega/vega-bundle.js")

    def test_the_names_switch_shows_the_cranfield_names(self) -> None:
        classic = self.get("/kaism/").context["quadrants"]
        cranfield = self.get("/kaism/", names="cranfield").context["quadrants"]

        with translation.override("ru"):
            assert classic[0]["label"] == words.quadrant_label("key")
            assert cranfield[0]["label"] == words.quadrant_label("key", names="cranfield")
        assert cranfield[0]["label"] == "Ключевые (стратегические)"
        assert classic[0]["label"] == "Ключевые"

    def test_the_page_speaks_english_after_the_switch(self) -> None:
        self.login(self.alice)
        self.client.post("/i18n/setlang/", {"language": "en"})

        response = self.get("/kaism/", names="cranfield")
        overview = self.get("/")

        self.assertContains(response, "Key (strategic)")
        self.assertContains(response, "Invest selectively")
        self.assertContains(response, "class A by revenue")
        self.assertContains(overview, "Revenue of the last 3 months")
        spec = response.context["charts"]["kaism"]
        assert spec["layer"][-1]["encoding"]["x"]["title"] == "Our importance to the client"

    def test_clients_with_too_few_scores_are_listed_for_scoring(self) -> None:
        core = expected(self.lines, manual=self.manual())
        placed = set(core.complete()["client_key"].to_list())
        with_revenue = core.stability.filter(core.stability["ltm_revenue"] > 0)
        to_score = [key for key in with_revenue["client_key"].to_list() if key not in placed]

        response = self.get("/kaism/")

        listed = [row["client_key"] for row in response.context["incomplete"]]
        assert listed == to_score[:20]
        assert response.context["incomplete_count"] == len(to_score)
        first = response.context["incomplete"][0]["client_id"]
        self.assertContains(response, f'href="/clients/{first}/#kaism"')

    def test_the_companys_threshold_moves_the_lines_and_the_quadrants(self) -> None:
        self.company_a.settings = {SETTINGS_KEY: {"threshold": 7.5}}
        self.company_a.save()
        core = expected(self.lines, manual=self.manual(), threshold=7.5)

        response = self.get("/kaism/")

        shown = {
            row["client_key"]: quadrant["key"]
            for quadrant in response.context["quadrants"]
            for row in quadrant["clients"]
        }
        assert shown == dict(core.complete().select("client_key", "quadrant").iter_rows())
        rules = [
            layer
            for layer in response.context["charts"]["kaism"]["layer"]
            if layer["mark"]["type"] == "rule"
        ]
        assert rules[0]["data"]["values"] == [{"level": 7.5}]

    def test_a_new_score_moves_the_client_at_once(self) -> None:
        client = self.ranked[2]  # LOW: opportunistic
        self.get("/kaism/")  # warm the cache

        self.score(client, **{key: 10 for key in ("reputation", "development", "criticality")})
        self.score(client, share_of_wallet=100, satisfaction=10)
        response = self.get("/kaism/")

        key_rows = response.context["quadrants"][0]["clients"]
        assert client.key in {row["client_key"] for row in key_rows}

    def test_the_query_count_is_pinned(self) -> None:
        self.get("/kaism/")
        cache.clear()
        with today(), self.assertNumQueries(MATRIX_QUERIES_COLD):
            self.client.get("/kaism/")
        with today(), self.assertNumQueries(MATRIX_QUERIES_WARM):
            self.client.get("/kaism/", {"names": "cranfield"})


class EmptyCompanyTests(KaismTestCase):
    scored = False

    def test_a_company_without_sales_gets_an_empty_matrix(self) -> None:
        self.login(self.charlie)

        response = self.get("/kaism/")

        assert response.status_code == 200
        assert all(not q["clients"] for q in response.context["quadrants"])
        assert response.context["data"].as_of is None

    def test_without_manual_scores_nothing_is_placed(self) -> None:
        response = self.get("/kaism/")

        assert all(not q["clients"] for q in response.context["quadrants"])
        assert response.context["incomplete_count"] == 28  # every client with revenue

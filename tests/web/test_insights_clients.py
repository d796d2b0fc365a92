"""The clients list (sort, filter, search, pages, XLSX) and the client card (figures, editing)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from unittest import mock

import polars as pl
import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from keyclients.core.analytics.concentration import (
    client_revenue,
    client_share_trend,
    client_shares,
)
from keyclients.core.ingest.identity import inn_with_checksum
from keyclients.web.accounts.models import Role
from keyclients.web.formatting import format_money
from keyclients.web.insights import services
from keyclients.web.insights.selectors import ABC_NONE, MANAGER_NONE
from keyclients.web.ledger.models import Client, ClientStatus
from keyclients.web.ledger.services import INVALID_INN, client_create

from .insights_fixtures import InsightsTestCase, add_sales

TODAY = date(2026, 1, 15)  # LTM = 2025
INJECTION = '=HYPERLINK("http://x","y")'

# Session, user, memberships, data version, the managers for the filter.
LIST_QUERIES_WARM = 5
# + the month aggregate and the clients; for KAISM the manual scores, the company's own
# criteria scores, the flags and the day aggregate.
# + 8 on a cold cache: KAISM reads the stored payments (receivables input) and the
# dossier (contacts, interactions, client ids), all cached per data version.
LIST_QUERIES_COLD = 19
# Session, user, memberships, the client, the data version, the managers for the form, the
# client's score history.
CARD_QUERIES_WARM = 7
# + the month aggregate and the clients; the payment discipline: sales lines, payments, terms;
# KAISM's scores, criteria scores, flags and day aggregate.
CARD_QUERIES_COLD = 21  # + 5: the stored payments behind KAISM (cached)


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


def _lines(count: int) -> list[tuple[str, date, str]]:
    """`count` clients "Клиент 001".. with revenues 1000, 2000, ... in 2025 and a 2024 line."""
    lines = []
    for i in range(1, count + 1):
        lines.append((f"Клиент {i:03d}", date(2025, 1 + i % 12, 1 + i % 28), f"{i * 1000}"))
        lines.append((f"Клиент {i:03d}", date(2024, 6, 1 + i % 28), "10"))
    return lines


class ClientsBase(InsightsTestCase):
    def get(self, url: str, **params: str):  # type: ignore[no-untyped-def]
        if "_auth_user_id" not in self.client.session:
            self.login(self.alice)
        with today():
            return self.client.get(url, params)

    def names(self, response) -> list[str]:  # type: ignore[no-untyped-def]
        return [row["client"] for row in response.context["clients"]]


class ClientListTests(ClientsBase):
    def setUp(self) -> None:
        super().setUp()
        self.sales = add_sales(self.company_a, _lines(120))

    def test_every_member_sees_the_list_and_its_export(self) -> None:
        self.assert_access("/clients/", "/clients/export/", roles=list(Role), of_company_a=False)

    def test_figures_are_the_cores_in_rank_order(self) -> None:
        shares = client_shares(
            client_revenue(self.sales, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
        )

        rows = self.get("/clients/").context["clients"]

        assert len(rows) == 50
        expected = shares.head(50)
        assert [r["client"] for r in rows] == expected["client"].to_list()
        assert [r["revenue"] for r in rows] == pytest.approx(expected["revenue"].to_list())
        assert [r["share"] for r in rows] == pytest.approx(expected["share"].to_list())
        assert [r["rank"] for r in rows] == expected["rank"].to_list()
        assert [r["abc"] for r in rows] == expected["abc"].to_list()

    def test_it_pages_by_50(self) -> None:
        third = self.get("/clients/", page="3")

        assert third.context["page"].paginator.num_pages == 3
        assert [r["rank"] for r in third.context["clients"]] == list(range(101, 121))
        self.assertContains(third, 'rel="prev"')
        self.assertNotContains(third, 'rel="next"')
        # Past the end: the last page, not an error.
        assert self.get("/clients/", page="99").context["page"].number == 3

    def test_it_sorts_by_each_column_both_ways(self) -> None:
        by_name = self.names(self.get("/clients/", sort="name"))
        assert by_name[:2] == ["Клиент 001", "Клиент 002"]
        assert self.names(self.get("/clients/", sort="-name"))[0] == "Клиент 120"
        assert self.names(self.get("/clients/", sort="revenue"))[0] == "Клиент 001"
        assert self.names(self.get("/clients/", sort="-revenue"))[0] == "Клиент 120"
        assert self.names(self.get("/clients/", sort="-share"))[0] == "Клиент 120"
        assert self.names(self.get("/clients/", sort="-rank"))[0] == "Клиент 001"
        first = self.get("/clients/", sort="first_sale").context["clients"]
        assert [r["first_sale"] for r in first] == sorted(r["first_sale"] for r in first)
        last = self.get("/clients/", sort="-last_sale").context["clients"]
        assert last[0]["last_sale"] == max(r["last_sale"] for r in last)
        # An unknown sort is the default (rank), not an error.
        assert self.names(self.get("/clients/", sort="password"))[0] == "Клиент 120"

    def test_the_sorted_header_links_to_the_reverse_order(self) -> None:
        response = self.get("/clients/", sort="-revenue", q="Клиент")

        self.assertContains(response, "?sort=revenue&amp;q=%D0%9A")
        self.assertContains(response, 'aria-sort="descending"')

    def test_it_searches_by_name_and_inn(self) -> None:
        inn = inn_with_checksum("770708389")
        client = Client.objects.get(company=self.company_a, name="Клиент 007")
        client.inn = inn
        client.save()

        assert self.names(self.get("/clients/", q="клиент 11")) == [
            f"Клиент {i}" for i in (119, 118, 117, 116, 115, 114, 113, 112, 111, 110)
        ]
        assert self.names(self.get("/clients/", q=inn[:6])) == ["Клиент 007"]
        assert self.names(self.get("/clients/", q="нет такого")) == []

    def test_it_filters_by_abc_status_and_manager(self) -> None:
        client = Client.objects.get(company=self.company_a, name="Клиент 005")
        client.status, client.manager = ClientStatus.DORMANT, self.bob  # a viewer now
        client.save()
        add_sales(self.company_a, [("Без выручки", date(2024, 3, 1), "5")])
        rows = self.get("/clients/").context["page"].paginator.count
        a_rows = self.get("/clients/", abc="A").context["clients"]

        assert rows == 121
        assert {r["abc"] for r in a_rows} == {"A"}
        assert self.names(self.get("/clients/", abc=ABC_NONE)) == ["Без выручки"]
        assert self.names(self.get("/clients/", status="dormant")) == ["Клиент 005"]
        assert self.names(self.get("/clients/", manager=str(self.bob.pk))) == ["Клиент 005"]
        unassigned = self.get("/clients/", manager=MANAGER_NONE).context["page"].paginator
        assert unassigned.count == 120

    def test_the_period_changes_the_figures(self) -> None:
        rows = self.get("/clients/", period="2024").context["clients"]

        assert {r["revenue"] for r in rows} == {10.0}

    def test_the_query_count_is_pinned(self) -> None:
        self.get("/clients/")
        cache.clear()
        with today(), self.assertNumQueries(LIST_QUERIES_COLD):
            self.client.get("/clients/")
        with today(), self.assertNumQueries(LIST_QUERIES_WARM):
            self.client.get("/clients/", {"sort": "name", "page": "2", "q": "1"})


class ClientExportTests(ClientsBase):
    def workbook(self, **params: str):  # type: ignore[no-untyped-def]
        response = self.get("/clients/export/", **params)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        return load_workbook(BytesIO(response.content)).active

    def test_it_exports_the_same_rows_and_figures_as_the_page(self) -> None:
        add_sales(self.company_a, _lines(60))
        page_rows = self.get("/clients/", sort="name", abc="A").context["clients"]

        sheet = self.workbook(sort="name", abc="A")

        header = [cell.value for cell in sheet[3]]
        assert header[:5] == ["Ранг", "Клиент", "ИНН", "Выручка, RUB", "Доля выручки"]
        body = list(sheet.iter_rows(min_row=4, values_only=True))
        assert len(body) == len(page_rows)  # every matching row, not one page
        for values, row in zip(body, page_rows, strict=True):
            rank, name, _inn, revenue, share, abc = values[:6]
            assert (rank, name, abc) == (row["rank"], row["client"], row["abc"])
            assert revenue == pytest.approx(row["revenue"], abs=0.005)
            assert share == pytest.approx(row["share"])
            assert format_money(revenue, language="ru") == format_money(
                row["revenue"], language="ru"
            )

    def test_formulas_in_names_stay_text(self) -> None:
        names = [INJECTION, "+7 (999) 123", "-минус", "@SUM(A1)", "\tтаб", "\rвозврат"]
        add_sales(self.company_a, [(name, date(2025, 3, 1), "100") for name in names])

        sheet = self.workbook(sort="name")

        cells = [row[1] for row in sheet.iter_rows(min_row=4)]
        # XML reads a carriage return back as a line feed; the text is otherwise intact.
        assert sorted(c.value for c in cells) == sorted(n.replace("\r", "\n") for n in names)
        for cell in cells:
            assert cell.data_type == "s", cell.value
            assert cell.quotePrefix or not cell.value.startswith(("=", "+", "-", "@"))


class ClientCardTests(ClientsBase):
    def setUp(self) -> None:
        super().setUp()
        self.sales = add_sales(
            self.company_a,
            [
                ("Альфа", date(2024, 3, 10), "300"),
                ("Альфа", date(2025, 2, 10), "600"),
                ("Бета", date(2025, 2, 11), "400"),
                ("Гамма", date(2025, 12, 1), "1000"),
            ],
        )
        self.alpha = Client.objects.get(company=self.company_a, name="Альфа")
        self.url = f"/clients/{self.alpha.pk}/"
        self.valid = {
            "name": "Альфа",
            "inn": "",
            "industry": "Логистика",
            "size": "",
            "regions": "Москва",
            "status": "active",
            "manager": "",
        }

    def test_every_member_sees_a_card_and_outsiders_get_404(self) -> None:
        self.assert_access(self.url, roles=list(Role))
        self.assertEqual(self.get("/clients/999999/").status_code, 404)

    def test_only_owners_and_finance_edit_any_client(self) -> None:
        self.assert_access(
            self.url, roles=[Role.OWNER, Role.FINANCE], method="post", data=self.valid, ok=302
        )

    def test_a_manager_edits_their_own_clients_but_does_not_reassign_them(self) -> None:
        self.set_bob_role(Role.MANAGER)
        self.alpha.manager = self.bob
        self.alpha.save()
        self.login(self.bob)

        response = self.client.post(self.url, {**self.valid, "manager": str(self.alice.pk)})

        self.assertEqual(response.status_code, 302)
        self.alpha.refresh_from_db()
        assert (self.alpha.industry, self.alpha.manager_id) == ("Логистика", self.bob.pk)

    def test_a_viewer_sees_no_form(self) -> None:
        self.login(self.bob)
        response = self.get(self.url)

        self.assertNotContains(response, 'name="industry"')
        self.assertContains(response, "Альфа")

    def test_the_figures_are_the_cores(self) -> None:
        ltm = (date(2025, 1, 1), date(2025, 12, 31))
        shares = client_shares(client_revenue(self.sales, date_from=ltm[0], date_to=ltm[1]))
        alpha = shares.filter(pl.col("client") == "Альфа").row(0, named=True)
        trend = client_share_trend(self.sales, self.alpha.key, date_from=ltm[0], date_to=ltm[1])

        response = self.get(self.url)

        figures = response.context["figures"]
        assert (figures.revenue, figures.rank, figures.abc) == (600.0, alpha["rank"], alpha["abc"])
        assert figures.share == pytest.approx(alpha["share"])
        assert figures.clients_positive == 3
        assert (figures.first_sale, figures.last_sale) == (date(2024, 3, 10), date(2025, 2, 10))
        assert [m["revenue"] for m in figures.monthly] == [0.0, 600.0] + [0.0] * 10
        shares = [t["share"] for t in figures.share_trend]
        assert shares == [pytest.approx(s) if s is not None else None for s in trend["share"]]
        assert shares[-1] == pytest.approx(600 / 2000)  # Alpha 600, Beta 400, Gamma 1,000
        self.assertContains(response, 'id="chart-revenue"')
        self.assertContains(response, 'id="chart-share"')

    def test_saving_validates_the_inn(self) -> None:
        self.login(self.alice)

        response = self.client.post(self.url, {**self.valid, "inn": "7707083894"})

        self.assertContains(response, str(INVALID_INN), status_code=400)

    def test_an_inn_becomes_the_key_imports_find_the_client_by(self) -> None:
        inn = inn_with_checksum("770708389")
        self.login(self.alice)

        self.client.post(self.url, {**self.valid, "inn": f" {inn} ", "name": "ООО Альфа"})

        self.alpha.refresh_from_db()
        assert (self.alpha.inn, self.alpha.key, self.alpha.name) == (inn, f"inn:{inn}", "ООО Альфа")

    def test_an_inn_of_another_client_is_refused(self) -> None:
        inn = inn_with_checksum("770708389")
        Client.objects.filter(company=self.company_a, name="Бета").update(inn=inn, key=f"inn:{inn}")
        self.login(self.alice)

        response = self.client.post(self.url, {**self.valid, "inn": inn})

        self.assertContains(response, str(services.INN_TAKEN), status_code=400)

    def test_a_manager_must_be_a_member(self) -> None:
        self.login(self.alice)

        response = self.client.post(self.url, {**self.valid, "manager": str(self.charlie.pk)})

        self.assertEqual(response.status_code, 400)
        self.alpha.refresh_from_db()
        assert self.alpha.manager_id is None

    def test_an_edit_shows_in_the_list_at_once(self) -> None:
        self.get("/clients/")
        self.client.post(self.url, {**self.valid, "name": "Альфа-Новая"})

        assert "Альфа-Новая" in self.names(self.get("/clients/"))

    def test_the_query_count_is_pinned(self) -> None:
        self.get(self.url)
        cache.clear()
        with today(), self.assertNumQueries(CARD_QUERIES_COLD):
            self.client.get(self.url)
        with today(), self.assertNumQueries(CARD_QUERIES_WARM):
            self.client.get(self.url)


class NoSalesTests(ClientsBase):
    def test_clients_without_sales_have_a_list_and_a_card(self) -> None:
        client = client_create(company=self.company_a, name="Новый")

        listing = self.get("/clients/")
        card = self.get(f"/clients/{client.pk}/")

        assert [(r["client"], r["revenue"], r["rank"]) for r in listing.context["clients"]] == [
            ("Новый", 0.0, None)
        ]
        figures = card.context["figures"]
        assert (figures.revenue, figures.share, figures.rank, figures.clients_positive) == (
            0.0,
            None,
            None,
            0,
        )
        self.assertContains(card, "Новый")

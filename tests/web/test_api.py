"""The REST API: tokens (hashed, shown once, revoked), every endpoint × role × other company,
errors as JSON with the field and the reason, and pushes of sales that are all or nothing and
idempotent by document number."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone

from keyclients.core.analytics.concentration import hhi
from keyclients.core.ingest.report import REASON_NOT_A_DATE, REASON_NOT_A_NUMBER
from keyclients.web.accounts.models import AuditEvent, Role
from keyclients.web.api import services
from keyclients.web.api.models import ApiPush, ApiToken
from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import kaism_selectors
from keyclients.web.insights import receivables as receivables_selectors
from keyclients.web.insights import selectors as insights
from keyclients.web.insights.criteria import kaism_settings
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale
from keyclients.web.ledger.services import sales_import_undo
from web.insights_fixtures import InsightsTestCase, add_sales

from .report_fixtures import END, add_cash, add_ledger

READ_URLS = [
    "/api/me",
    "/api/clients",
    "/api/concentration",
    "/api/kaism",
    "/api/signals",
]
FINANCE_URLS = ["/api/receivables", "/api/forecast?opening_balance=1000000"]
ROW = {
    "client": "ООО «Ромашка»",
    "inn": "7707083893",
    "date": "2025-11-03",
    "document": "API-1",
    "amount": 1200.5,
}


def push_rows(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "client": f"Клиент {n % 50}",
            "date": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "document": f"D-{n}",
            "amount": f"{1000 + n},50",
            "due_date": "2026-01-31",
        }
        for n in range(start, start + count)
    ]


class ApiTestCase(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.http = HttpClient()
        self.alpha = add_sales(
            self.company_a,
            [("ООО Альфа", date(2025, 3, 1), 100), ("Бета", date(2025, 4, 1), 50)],
        )
        self.alpha_client = Client.objects.get(company=self.company_a, name="ООО Альфа")
        add_sales(self.company_b, [("Гамма", date(2025, 5, 1), 70)])

    def token(self, user: Any, company: Any) -> str:
        membership = user.memberships.get(company=company)
        return services.token_create(membership=membership, name="test").raw

    def call(self, token: str | None, url: str, body: Any = None) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if body is None:
            return self.http.get(url, **headers)
        return self.http.post(url, body, content_type="application/json", **headers)


class TokenTests(ApiTestCase):
    def test_every_member_manages_their_own_tokens(self) -> None:
        self.assert_access("/profile/tokens/", roles=list(Role), of_company_a=False)

    def test_a_token_is_shown_once_and_stored_as_a_hash(self) -> None:
        self.login(self.bob)
        response = self.client.post("/profile/tokens/", {"name": "1C"})
        self.assertEqual(response.status_code, 200)
        raw = response.context["new_token"]
        self.assertTrue(raw.startswith(f"kc_{self.company_a.pk}_"))
        self.assertContains(response, raw)
        token = ApiToken.objects.get()
        self.assertEqual(token.key_hash, services.token_hash(raw))
        self.assertNotIn(raw, str(ApiToken.objects.values_list()))
        self.assertNotContains(self.client.get("/profile/tokens/"), raw)
        self.assertEqual(self.call(raw, "/api/me").json()["role"], Role.VIEWER)
        self.assertTrue(
            AuditEvent.objects.filter(action="api_token_created", company=self.company_a).exists()
        )

    def test_a_revoked_token_is_refused_and_others_tokens_are_not_found(self) -> None:
        raw = self.token(self.bob, self.company_a)
        token = ApiToken.objects.get()
        self.login(self.alice)
        self.assertEqual(self.client.post(f"/profile/tokens/{token.pk}/revoke/").status_code, 404)
        self.login(self.bob)
        self.assertRedirects(
            self.client.post(f"/profile/tokens/{token.pk}/revoke/"), "/profile/tokens/"
        )
        response = self.call(raw, "/api/me")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["errors"], [])

    def test_the_token_list_takes_a_fixed_number_of_queries(self) -> None:
        for _ in range(5):
            self.token(self.alice, self.company_a)
        self.login(self.alice)
        self.client.get("/profile/tokens/")
        # Session, user, memberships, tokens.
        with self.assertNumQueries(4):
            self.client.get("/profile/tokens/")

    def test_a_removed_member_or_role_change_takes_effect_at_once(self) -> None:
        self.set_bob_role(Role.FINANCE)
        raw = self.token(self.bob, self.company_a)
        self.assertEqual(self.call(raw, "/api/receivables").status_code, 200)
        self.set_bob_role(Role.VIEWER)
        self.assertEqual(self.call(raw, "/api/receivables").status_code, 403)
        self.bob_membership.delete()
        self.assertEqual(self.call(raw, "/api/me").status_code, 401)

    def test_the_command_prints_a_working_token(self) -> None:
        from io import StringIO

        out = StringIO()
        call_command("api_token", "alice", "--name", "cron", stdout=out)
        self.assertEqual(self.call(out.getvalue().strip(), "/api/me").json()["user"], "alice")


class AccessTests(ApiTestCase):
    def test_every_endpoint_needs_a_valid_token(self) -> None:
        for url in [*READ_URLS, *FINANCE_URLS, f"/api/clients/{self.alpha_client.pk}"]:
            for token in (None, "nope", f"kc_{self.company_a.pk}_forged"):
                response = self.call(token, url)
                self.assertEqual(response.status_code, 401, f"{token} {url}")
                self.assertIn("detail", response.json())
        self.assertEqual(self.call(None, "/api/sales", {"rows": [ROW]}).status_code, 401)

    def test_roles_decide_what_a_token_may_do(self) -> None:
        client_url = f"/api/clients/{self.alpha_client.pk}"
        for role in Role:
            self.set_bob_role(role)
            raw = self.token(self.bob, self.company_a)
            may_finance = role in (Role.OWNER, Role.FINANCE)
            for url in [*READ_URLS, client_url]:
                self.assertEqual(self.call(raw, url).status_code, 200, f"{role} {url}")
            for url in FINANCE_URLS:
                expected = 200 if may_finance else 403
                self.assertEqual(self.call(raw, url).status_code, expected, f"{role} {url}")
            row = {**ROW, "document": f"R-{role}"}
            response = self.call(raw, "/api/sales", {"rows": [row]})
            self.assertEqual(response.status_code, 200 if may_finance else 403, role)
            if not may_finance:
                self.assertEqual(response.json()["detail"], "Your role may not do this.")

    def test_another_companys_token_sees_nothing_of_company_a(self) -> None:
        raw = self.token(self.charlie, self.company_b)
        response = self.call(raw, f"/api/clients/{self.alpha_client.pk}")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            response.json()["detail"], f"No client {self.alpha_client.pk} in this company."
        )
        names = [c["name"] for c in self.call(raw, "/api/clients").json()["results"]]
        self.assertEqual(names, ["Гамма"])
        self.assertEqual(self.call(raw, "/api/me").json()["company_id"], self.company_b.pk)
        forecast = self.call(raw, f"/api/forecast?opening_balance=10&lose={self.alpha_client.pk}")
        self.assertEqual(forecast.status_code, 400)
        self.assertEqual(forecast.json()["errors"][0]["field"], "lose")
        # A token names its company: pointing it at another company finds nothing.
        forged = raw.replace(f"kc_{self.company_b.pk}_", f"kc_{self.company_a.pk}_")
        self.assertEqual(self.call(forged, "/api/me").status_code, 401)

    def test_the_clients_list_takes_a_fixed_number_of_queries(self) -> None:
        raw = self.token(self.alice, self.company_a)
        self.call(raw, "/api/clients")
        # The token (with its member, user and company), then the data version: the figures
        # themselves come from the cache; last_used_at is written at most once a minute.
        with self.assertNumQueries(2):
            self.call(raw, "/api/clients?page_size=1")


class ReadTests(ApiTestCase):
    def test_clients_are_paginated_and_filtered(self) -> None:
        raw = self.token(self.alice, self.company_a)
        page = self.call(raw, "/api/clients?page_size=1&page=2").json()
        self.assertEqual((page["count"], page["pages"], page["page"]), (2, 2, 2))
        self.assertEqual(page["results"][0]["name"], "Бета")
        self.assertEqual(page["period"], {"date_from": "2024-05-01", "date_to": "2025-04-30"})
        found = self.call(raw, "/api/clients?search=альф&abc=A").json()["results"]
        self.assertEqual([c["name"] for c in found], ["ООО Альфа"])
        self.assertEqual(found[0]["share"], 100 / 150)

    def test_errors_name_the_field_and_the_reason(self) -> None:
        raw = self.token(self.alice, self.company_a)
        for url, field in (
            ("/api/clients?page_size=100000", "page_size"),
            ("/api/clients?date_from=2025-13-01&date_to=2025-12-01", "date_from"),
            ("/api/clients?date_from=2025-05-01", "date_to"),
            ("/api/clients?sort=bogus", "sort"),
            ("/api/concentration?date_from=2025-06-01&date_to=2025-01-01", "date_from"),
            ("/api/forecast", "opening_balance"),
            ("/api/forecast?opening_balance=1&delay=1:x", "delay"),
            ("/api/forecast?opening_balance=1&lose=1@soon", "lose"),
            ("/api/receivables?documents=some", "documents"),
            ("/api/receivables?as_of=9999-12-31", "as_of"),
            ("/api/clients?date_from=2000-01-01&date_to=9999-12-01", "date_to"),
            ("/api/concentration?date_from=1990-01-01&date_to=2025-12-01", "date_to"),
        ):
            response = self.call(raw, url)
            self.assertEqual(response.status_code, 400, url)
            errors = response.json()["errors"]
            self.assertEqual(errors[0]["field"], field, url)
            self.assertTrue(errors[0]["reason"], url)

    def test_concentration_is_the_cores(self) -> None:
        raw = self.token(self.alice, self.company_a)
        body = self.call(raw, "/api/concentration?date_from=2025-03-01&date_to=2025-04-30").json()
        self.assertEqual(body["top1_share"], 100 / 150)
        self.assertEqual(body["hhi"], hhi([100 / 150, 50 / 150]))
        self.assertEqual(body["abc"], {"A": 2, "B": 0, "C": 0})
        self.assertEqual([p["month_end"] for p in body["trend"]], ["2025-03-31", "2025-04-30"])


class ReceivablesAndForecastTests(InsightsTestCase):
    def test_receivables_and_the_forecast_come_through_the_providers_and_the_core(self) -> None:
        from keyclients.core.analytics.receivables import settle
        from keyclients.core.receivables_summary import receivables_summary

        ledger = add_ledger(self.company_a)
        raw = services.token_create(
            membership=self.alice.memberships.get(company=self.company_a), name="t"
        ).raw
        http = HttpClient()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        add_cash(ledger)
        body = http.get("/api/receivables?documents=none", **headers).json()
        forecast = http.get("/api/forecast", **headers).json()
        top = Client.objects.get(company=self.company_a, key=ledger.lines["client_key"][0])
        lose = http.get(f"/api/forecast?lose={top.pk}&delay={top.pk}:10", **headers)
        expected = receivables_summary(settle(ledger.lines, ledger.payments, as_of=ledger.demo.end))
        self.assertTrue(body["payment_data"])
        self.assertEqual(body["totals"], expected["totals"])
        self.assertEqual(forecast["as_of"], "2025-12-31")
        self.assertEqual(forecast["opening_balance"], ledger.demo.opening_balance)
        self.assertEqual(len(forecast["days"]), 90)
        self.assertEqual(lose.status_code, 200, lose.content)
        self.assertLessEqual(lose.json()["min_balance"], forecast["min_balance"])


class PagesAgreeTests(InsightsTestCase):
    """The API answers what the pages show: the receivables page's settlement, the forecast
    page's calendar, the KAISM page's key clients and warnings."""

    def setUp(self) -> None:
        super().setUp()
        self.ledger = add_ledger(self.company_a)
        add_cash(self.ledger)
        raw = services.token_create(
            membership=self.alice.memberships.get(company=self.company_a), name="t"
        ).raw
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.http = HttpClient()
        self.sales = insights.company_sales(company=self.company_a)

    def get(self, url: str) -> Any:
        response = self.http.get(url, **self.headers)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_receivables_are_the_receivables_pages(self) -> None:
        body = self.get(f"/api/receivables?as_of={END.isoformat()}&documents=none")
        page = receivables_selectors.receivables(
            sales=self.sales,
            as_of=END,
            settings=receivables_selectors.receivables_settings(company=self.company_a),
        )
        self.assertEqual(body["totals"]["outstanding"], page.totals.outstanding)
        self.assertEqual(body["totals"]["overdue"], page.totals.overdue)

    def test_the_forecast_is_the_forecast_pages(self) -> None:
        body = self.get("/api/forecast")
        data = forecast_selectors.forecast_data(company=self.company_a)
        page = forecast_selectors.forecast_for(data=data)
        self.assertEqual(body["first_gap_date"], _iso(page.first_gap_date))
        self.assertEqual(body["min_balance"], page.min_balance)
        self.assertEqual([day["balance"] for day in body["days"]], page.days["balance"].to_list())

    def test_kaism_and_signals_are_the_kaism_pages_and_paginated(self) -> None:
        page = kaism_selectors.kaism_data(
            sales=self.sales,
            settings=insights.concentration_settings(company=self.company_a),
            kaism=kaism_settings(company=self.company_a),
            today=timezone.localdate(),
        )
        body = self.get("/api/kaism?page_size=500")
        keys = {row["client_key"] for row in body["positions"] if row["is_key"]}
        self.assertEqual(keys, set(page.clients.filter("is_key")["client_key"].to_list()))
        self.assertTrue(keys)
        for row in body["positions"]:
            if row["is_key"]:
                self.assertTrue(row["key_reasons"])
        first = self.get("/api/kaism?page_size=5")
        self.assertEqual((first["page_size"], len(first["positions"])), (5, 5))
        self.assertEqual(first["count"], body["count"])
        second = self.get("/api/kaism?page_size=5&page=2")
        self.assertEqual(
            [row["client_id"] for row in first["positions"] + second["positions"]],
            [row["client_id"] for row in body["positions"][:10]],
        )

        signals = self.get("/api/signals?page_size=500")
        self.assertEqual(signals["count"], page.signals.height)
        self.assertEqual(
            [(row["client_id"], row["signal"]) for row in signals["signals"]],
            list(page.signals.select("client_id", "signal").iter_rows())[:500],
        )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


class PushTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.raw = self.token(self.alice, self.company_a)

    def counts(self) -> tuple[int, int, int, int]:
        return (
            Sale.objects.count(),
            Client.objects.count(),
            ImportBatch.objects.count(),
            ApiPush.objects.count(),
        )

    def test_ten_thousand_rows_with_one_bad_row_write_nothing(self) -> None:
        rows = push_rows(10_000)
        rows[7_321]["amount"] = "двенадцать"
        before = self.counts()
        response = self.call(self.raw, "/api/sales", {"rows": rows})
        self.assertEqual(response.status_code, 400, response.content[:500])
        body = response.json()
        self.assertEqual(body["error_count"], 1)
        self.assertEqual(
            body["errors"],
            [
                {
                    "index": 7_321,
                    "field": "amount",
                    "value": "двенадцать",
                    "reason": REASON_NOT_A_NUMBER,
                }
            ],
        )
        self.assertEqual(self.counts(), before)

    def test_the_same_push_twice_changes_nothing(self) -> None:
        rows = push_rows(300)
        first = self.call(self.raw, "/api/sales", {"rows": rows}).json()
        self.assertEqual(
            (first["rows_imported"], first["documents_imported"], first["documents_known"]),
            (300, 300, 0),
        )
        self.assertEqual(first["clients_created"], 50)
        after_first = self.counts()
        second = self.call(self.raw, "/api/sales", {"rows": rows}).json()
        self.assertEqual((second["rows_imported"], second["documents_known"]), (0, 300))
        self.assertIsNone(second["batch_id"])
        self.assertEqual(self.counts(), after_first)
        # A push that overlaps writes only the new documents.
        third = self.call(self.raw, "/api/sales", {"rows": push_rows(20, start=290)}).json()
        self.assertEqual((third["rows_imported"], third["documents_known"]), (10, 10))

    def test_a_push_is_an_import_that_can_be_undone(self) -> None:
        body = self.call(
            self.raw, "/api/sales", {"rows": [ROW, {**ROW, "document": "API-2"}]}
        ).json()
        batch = ImportBatch.objects.get(pk=body["batch_id"])
        self.assertEqual((batch.status, batch.rows_imported), (ImportStatus.DONE, 2))
        self.assertEqual(batch.file_name, "API: test")
        self.assertEqual(ApiPush.objects.get().batch, batch)
        sale = Sale.objects.get(batch=batch, document="API-1")
        self.assertEqual((sale.client.key, str(sale.amount)), ("inn:7707083893", "1200.50"))
        self.assertTrue(
            AuditEvent.objects.filter(action="sales_imported", object_id=batch.pk).exists()
        )
        sales_import_undo(batch=batch, user=self.alice)
        self.assertFalse(Sale.objects.filter(batch=batch).exists())
        again = self.call(self.raw, "/api/sales", {"rows": [ROW]}).json()
        self.assertEqual(again["rows_imported"], 1)

    def test_rows_are_read_by_the_import_rules_and_every_bad_one_is_listed(self) -> None:
        rows = [
            {**ROW, "document": "A", "amount": "1 234,56 руб.", "date": "03.11.2025"},
            {**ROW, "document": "B", "date": "31.02.2025"},
            {**ROW, "document": "", "amount": 5},
            {**ROW, "document": "C", "client": "Итого"},
            {**ROW, "document": "D", "client": "\x00"},
            {**ROW, "document": "E", "date": "9999-12-31"},
        ]
        response = self.call(self.raw, "/api/sales", {"rows": rows[:4]})
        errors = response.json()["errors"]
        self.assertEqual(
            [(e["index"], e["field"]) for e in errors],
            [(1, "date"), (2, "document"), (3, "client")],
        )
        self.assertEqual(errors[0]["reason"], REASON_NOT_A_DATE)
        self.assertEqual(response.json()["error_count"], 3)
        broken = self.call(self.raw, "/api/sales", {"rows": rows[4:5]})
        self.assertEqual(broken.status_code, 400)
        far = self.call(self.raw, "/api/sales", {"rows": rows[5:]}).json()["errors"]
        self.assertEqual([(e["index"], e["field"]) for e in far], [(0, "date")])
        ok = self.call(self.raw, "/api/sales", {"rows": rows[:1]}).json()
        self.assertEqual(ok["rows_imported"], 1)
        self.assertEqual(str(Sale.objects.get(document="A").amount), "1234.56")

    def test_a_push_needs_no_csrf_token_a_bearer_token_is_not_a_cookie(self) -> None:
        strict = HttpClient(enforce_csrf_checks=True)
        response = strict.post(
            "/api/sales",
            {"rows": [ROW]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.raw}",
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_a_malformed_body_is_a_json_error(self) -> None:
        for body, field in (
            ({"rows": []}, "rows"),
            ({}, "rows"),
            ({"rows": [{"amount": {"x": 1}}]}, "amount"),
        ):
            response = self.call(self.raw, "/api/sales", body)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json()["errors"][0]["field"], field, body)
        response = self.http.post(
            "/api/sales",
            "{not json",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.raw}",
        )
        self.assertEqual(response.status_code, 400)

    def tearDown(self) -> None:
        cache.clear()
        super().tearDown()

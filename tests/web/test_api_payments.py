"""`POST /api/payments`: client payments pushed as JSON rows — roles, all or nothing, the
same push twice, an import that can be undone, payers matched like a payments file's, and the
receivables that follow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from keyclients.core.ingest.report import REASON_NOT_A_DATE, REASON_NOT_A_NUMBER
from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.api import payments
from keyclients.web.api.models import ApiPush
from keyclients.web.api.push import REASON_DATE_RANGE, REASON_NO_DOCUMENT, REASON_TOO_LARGE
from keyclients.web.insights import receivables, selectors
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Payment
from keyclients.web.ledger.services import client_create, import_undo

from .receivables_fixtures import PaymentsTestCase
from .test_api import ApiTestCase

INN = "7707083893"
PAYMENT = {
    "date": "2025-11-10",
    "payer": "ООО «Ромашка»",
    "inn": INN,
    "amount": "400,00",
    "document": "ПП-1",
    "purpose": "Оплата по счету № 1",
}


def payment_rows(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "date": f"{n % 28 + 1:02d}.{n % 12 + 1:02d}.2025",
            "payer": f"Плательщик {n % 50}",
            "amount": f"{1000 + n},50",
            "document": f"П-{n}",
            "purpose": "Оплата по договору",
        }
        for n in range(start, start + count)
    ]


class PaymentsPushCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.raw = self.token(self.alice, self.company_a)

    def push(self, rows: list[dict[str, Any]], token: str | None = "") -> Any:
        return self.call(self.raw if token == "" else token, "/api/payments", {"rows": rows})

    def counts(self) -> tuple[int, int, int, int, int]:
        return (
            Payment.objects.count(),
            Client.objects.count(),
            ImportBatch.objects.count(),
            ApiPush.objects.count(),
            AuditEvent.objects.count(),
        )

    def tearDown(self) -> None:
        cache.clear()
        super().tearDown()


class PaymentsAccessTests(PaymentsPushCase):
    def test_owners_and_finance_push_managers_and_viewers_may_not(self) -> None:
        for role in Role:
            self.set_bob_role(role)
            raw = self.token(self.bob, self.company_a)
            response = self.push([{**PAYMENT, "document": f"R-{role}"}], token=raw)
            may_push = role in (Role.OWNER, Role.FINANCE)
            self.assertEqual(response.status_code, 200 if may_push else 403, role)
            if not may_push:
                self.assertEqual(response.json()["detail"], "Your role may not do this.")
        self.assertEqual(Payment.objects.filter(company=self.company_a).count(), 2)

    def test_it_needs_a_valid_token(self) -> None:
        for token in (None, "nope", f"kc_{self.company_a.pk}_forged"):
            response = self.push([PAYMENT], token=token)
            self.assertEqual(response.status_code, 401, token)
            self.assertIn("detail", response.json())
        self.assertFalse(Payment.objects.exists())

    def test_a_token_pushes_into_its_own_company_only(self) -> None:
        raw = self.token(self.charlie, self.company_b)
        self.assertEqual(self.push([PAYMENT], token=raw).status_code, 200)
        self.assertEqual(Payment.objects.get().company, self.company_b)
        forged = raw.replace(f"kc_{self.company_b.pk}_", f"kc_{self.company_a.pk}_")
        self.assertEqual(self.push([PAYMENT], token=forged).status_code, 401)
        self.assertFalse(Payment.objects.filter(company=self.company_a).exists())


class PaymentsPushTests(PaymentsPushCase):
    def test_ten_thousand_rows_with_one_bad_row_write_nothing(self) -> None:
        rows = payment_rows(10_000)
        rows[7_321]["amount"] = "двенадцать"
        before = self.counts()
        response = self.push(rows)
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
        rows = payment_rows(300)
        first = self.push(rows).json()
        self.assertEqual((first["rows_imported"], first["payments_known"]), (300, 0))
        self.assertEqual((first["matched"], first["unmatched"]), (0, 300))
        after_first = self.counts()
        second = self.push(rows).json()
        self.assertEqual((second["rows_imported"], second["payments_known"]), (0, 300))
        self.assertIsNone(second["batch_id"])
        self.assertEqual(self.counts(), after_first)
        # A push that overlaps writes only the new payments.
        third = self.push(payment_rows(20, start=290)).json()
        self.assertEqual((third["rows_imported"], third["payments_known"]), (10, 10))
        self.assertEqual(Payment.objects.count(), 310)

    def test_a_payment_is_known_by_payer_document_and_date(self) -> None:
        self.push([PAYMENT])
        body = self.push(
            [
                PAYMENT,
                {**PAYMENT, "date": "2025-11-11"},  # the same number on another day
                {**PAYMENT, "inn": None, "payer": "ИП Сидоров"},  # another payer
            ]
        ).json()
        self.assertEqual((body["rows_imported"], body["payments_known"]), (2, 1))

    def test_a_push_is_an_import_that_can_be_undone_on_the_imports_page(self) -> None:
        body = self.push([PAYMENT, {**PAYMENT, "document": "ПП-2"}]).json()
        batch = ImportBatch.objects.get(pk=body["batch_id"])
        self.assertEqual(
            (batch.kind, batch.status, batch.rows_imported, batch.file_name),
            ("payments", ImportStatus.DONE, 2, "API: test"),
        )
        self.assertEqual(ApiPush.objects.get().batch, batch)
        event = AuditEvent.objects.get(action=AuditAction.PAYMENTS_IMPORTED, object_id=batch.pk)
        self.assertEqual((event.details["source"], event.details["token"]), ("api", "test"))
        self.login(self.alice)
        self.assertContains(self.client.get("/imports/"), "API: test")
        detail = self.client.get(f"/imports/{batch.pk}/")
        self.assertEqual(detail.context["report"]["payments"]["unmatched"], 2)
        response = self.client.post(f"/imports/{batch.pk}/undo/")
        self.assertRedirects(response, "/imports/", fetch_redirect_response=False)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.UNDONE)
        self.assertFalse(Payment.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.PAYMENTS_IMPORT_UNDONE))
        again = self.push([PAYMENT]).json()
        self.assertEqual(again["rows_imported"], 1)

    def test_the_queries_of_a_push_do_not_grow_with_its_rows(self) -> None:
        self.push(payment_rows(1, start=10_000))  # the token's last use is written once
        queries = []
        for start, count in ((0, 5), (1_000, 400)):
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.push(payment_rows(count, start=start)).status_code, 200)
            queries.append(len(captured))
        self.assertEqual(queries[0], queries[1])

    def test_a_payer_is_matched_to_a_client_by_inn(self) -> None:
        romashka = client_create(company=self.company_a, name="Ромашка", inn=INN)
        body = self.push([{**PAYMENT, "payer": "ООО Ромашка (Москва)"}]).json()
        self.assertEqual((body["matched"], body["unmatched"]), (1, 0))
        payment = Payment.objects.get()
        self.assertEqual(payment.client, romashka)
        self.assertEqual(
            (payment.payer_key, payment.payer_name, payment.amount, payment.document),
            (f"inn:{INN}", "ООО Ромашка (Москва)", Decimal("400.00"), "ПП-1"),
        )

    def test_an_unmatched_payer_is_stored_without_a_client_until_it_becomes_one(self) -> None:
        row = {**PAYMENT, "payer": "ИП Сидоров", "inn": None}
        body = self.push([row]).json()
        self.assertEqual((body["matched"], body["unmatched"]), (0, 1))
        payment = Payment.objects.get()
        self.assertIsNone(payment.client)
        self.assertEqual(payment.payer_key, "name:ип сидоров")
        self.assertEqual(Client.objects.filter(name="ИП Сидоров").count(), 0)
        # Sales pushed later create the client: the payment finds it, as after a sales file.
        sale = {"client": "ИП Сидоров", "date": "2025-11-01", "document": "S-1", "amount": 900}
        self.assertEqual(self.call(self.raw, "/api/sales", {"rows": [sale]}).status_code, 200)
        payment.refresh_from_db()
        self.assertEqual(payment.client, Client.objects.get(name="ИП Сидоров"))

    def test_the_receivables_of_the_client_reflect_the_payment(self) -> None:
        invoice = {
            "client": "ООО «Ромашка»",
            "inn": INN,
            "date": "2025-11-01",
            "document": "СЧ-1",
            "amount": "1 000,00",
            "due_date": "2025-11-30",
        }
        self.assertEqual(self.call(self.raw, "/api/sales", {"rows": [invoice]}).status_code, 200)
        romashka = Client.objects.get(company=self.company_a, key=f"inn:{INN}")
        self.assertEqual(self.client_receivables(romashka), (0.0, 1000.0))
        self.assertEqual(self.push([PAYMENT]).status_code, 200)
        self.assertEqual(self.client_receivables(romashka), (400.0, 600.0))

    def client_receivables(self, client: Client) -> tuple[float, float]:
        """(paid, outstanding) of the client on the receivables page at the year's end."""
        data = receivables.receivables(
            sales=selectors.company_sales(company=self.company_a),
            as_of=date(2025, 12, 31),
            settings=receivables.receivables_settings(company=self.company_a),
        )
        row = data.clients.filter(pl.col("client_id") == client.pk).row(0, named=True)
        return row["paid"], row["outstanding"]


class PaymentsRulesTests(PaymentsPushCase):
    def test_rows_are_read_by_the_payments_import_rules_and_every_bad_one_is_listed(self) -> None:
        rows = [
            {**PAYMENT, "document": "A", "amount": "1 234,56 руб.", "date": "03.11.2025"},
            {**PAYMENT, "document": "B", "date": "31.02.2025"},
            {**PAYMENT, "document": ""},
            {**PAYMENT, "document": "C", "payer": "Итого"},
            {**PAYMENT, "document": "D", "amount": "-70,00"},
            {**PAYMENT, "document": "E", "amount": "0,00"},
            {**PAYMENT, "document": "F", "amount": None},
            {**PAYMENT, "document": "G", "payer": None},
            {**PAYMENT, "document": "H", "amount": "1e16"},
        ]
        response = self.push(rows)
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertEqual(
            [(e["index"], e["field"], e["reason"]) for e in errors],
            [
                (1, "date", REASON_NOT_A_DATE),
                (2, "document", REASON_NO_DOCUMENT),
                (3, "payer", payments.REASON_TOTAL),
                (4, "amount", payments.REASON_NEGATIVE),
                (5, "amount", payments.REASON_ZERO),
                (6, "amount", payments.REASON_NO_AMOUNT),
                (7, "payer", "the client is empty"),
                (8, "amount", REASON_TOO_LARGE),
            ],
        )
        self.assertEqual(response.json()["error_count"], 8)
        # A column of ISO dates is read the fast way, which knows no years: the API's check.
        far = self.push([{**PAYMENT, "date": "2200-01-01"}]).json()["errors"]
        self.assertEqual([(e["index"], e["field"]) for e in far], [(0, "date")])
        self.assertEqual(far[0]["reason"], REASON_DATE_RANGE)
        self.assertFalse(Payment.objects.exists())
        ok = self.push(rows[:1]).json()
        self.assertEqual(ok["rows_imported"], 1)
        payment = Payment.objects.get()
        self.assertEqual((payment.amount, payment.date), (Decimal("1234.56"), date(2025, 11, 3)))

    def test_a_payment_twice_in_one_push_is_an_error(self) -> None:
        response = self.push([PAYMENT, {**PAYMENT, "payer": "ООО Ромашка"}])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["errors"],
            [
                {
                    "index": 1,
                    "field": "document",
                    "value": "ПП-1",
                    "reason": payments.REASON_REPEATED.format(index=0),
                }
            ],
        )

    def test_an_invalid_inn_is_a_warning_as_in_a_file(self) -> None:
        body = self.push([{**PAYMENT, "inn": "1234567890"}]).json()
        self.assertEqual(body["rows_imported"], 1)
        self.assertTrue(any("1234567890" in warning for warning in body["warnings"]))
        # Keyed by the name, as a file keys a payer whose INN is not valid.
        self.assertTrue(Payment.objects.get().payer_key.startswith("name:"))

    def test_text_that_does_not_fit_or_no_file_can_hold_is_refused(self) -> None:
        for row, field in (
            ({**PAYMENT, "document": "1" * 101}, "document"),
            ({**PAYMENT, "payer": "Я" * 301}, "payer"),
            ({**PAYMENT, "purpose": "a\x00b"}, "purpose"),
        ):
            response = self.push([row])
            self.assertEqual(response.status_code, 400, field)
            self.assertEqual(response.json()["errors"][0]["field"], field)
        self.assertFalse(Payment.objects.exists())

    def test_a_malformed_body_is_a_json_error(self) -> None:
        for body, field in (
            ({"rows": []}, "rows"),
            ({}, "rows"),
            ({"rows": [{"amount": {"x": 1}}]}, "amount"),
        ):
            response = self.call(self.raw, "/api/payments", body)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json()["errors"][0]["field"], field, body)


class SameAsAFileTests(PaymentsPushCase, PaymentsTestCase):
    def test_pushed_rows_are_stored_as_the_same_rows_of_a_payments_file(self) -> None:
        client_create(company=self.company_a, name="ООО «Ромашка»", inn=INN)
        lines = [
            ("15.01.2025", "ООО «Ромашка»", INN, "1 600,00", "101", "Оплата по счету № 1"),
            ("16.01.2025", 'ооо "ромашка"', "", "400,50", "102", "Оплата по счету № 1"),
            ("17.01.2025", "ИП Сидоров", "", "250", "103", ""),
        ]
        content = "\n".join(
            [
                "Дата;Плательщик;ИНН плательщика;Сумма;Номер документа;Назначение платежа",
                *(";".join(line) for line in lines),
            ]
        ).encode("utf-8")
        file_batch = self.import_kind(content, "payments.csv", "payments")
        fields = ("client_id", "payer_name", "payer_inn", "payer_key", "date", "amount")
        fields += ("document", "purpose", "source")
        from_file = list(Payment.objects.filter(batch=file_batch).values_list(*fields))
        self.assertEqual(len(from_file), 3)
        self.assertEqual(from_file[0][0], from_file[1][0])  # both Ромашка's
        rows = [
            dict(zip(("date", "payer", "inn", "amount", "document", "purpose"), line, strict=True))
            for line in lines
        ]
        # The file's payments are the pushed ones: known, not written twice.
        self.assertEqual(self.push(rows).json()["payments_known"], 3)
        import_undo(batch=file_batch, user=self.alice)
        body = self.push(rows).json()
        pushed = list(Payment.objects.filter(batch=body["batch_id"]).values_list(*fields))
        self.assertEqual(pushed, from_file)

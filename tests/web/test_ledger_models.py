from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.test import RequestFactory

from keyclients.core.ingest.identity import inn_with_checksum
from keyclients.web.accounts import access
from keyclients.web.accounts.access import CompanyRequest
from keyclients.web.accounts.models import User
from keyclients.web.ledger import access as ledger_access
from keyclients.web.ledger import services
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale

from .base import CompanyTestCase


def test_every_tenant_index_leads_with_the_company() -> None:
    for model in apps.get_app_config("ledger").get_models():
        assert any(f.name == "company" for f in model._meta.fields), model
        for index in model._meta.indexes:
            assert index.fields[0] == "company", (model, index.name)
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            assert not fields or fields[0] == "company", (model, constraint.name)
        for field in model._meta.fields:
            if field.is_relation and field.name != "company":
                assert not field.db_index, (model, field.name)


class LedgerModelTests(CompanyTestCase):
    def _batch(self, **fields: object) -> ImportBatch:
        values = {
            "company": self.company_a,
            "kind": "sales",
            "file_name": "s.csv",
            "sha256": "ab" * 32,
        }
        return ImportBatch.objects.create(**{**values, **fields})

    def _sale(self, client: Client, batch: ImportBatch, row: int, amount: str) -> Sale:
        return Sale.objects.create(
            company=self.company_a,
            client=client,
            batch=batch,
            row=row,
            date=dt.date(2025, 1, 15),
            amount=Decimal(amount),
        )

    def test_the_client_key_follows_the_core(self) -> None:
        inn = inn_with_checksum("770708389")
        by_inn = services.client_create(company=self.company_a, name="Ромашка", inn=f" {inn}.0")
        self.assertEqual((by_inn.inn, by_inn.key), (inn, f"inn:{inn}"))
        by_name = services.client_create(company=self.company_a, name="ООО «Лютик» ")
        self.assertEqual(by_name.key, 'name:ооо "лютик"')

    def test_it_rejects_an_invalid_inn(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            services.client_create(company=self.company_a, name="X", inn="7707083894")
        self.assertIn(str(services.INVALID_INN), str(caught.exception))

    def test_a_key_is_unique_per_company_only(self) -> None:
        services.client_create(company=self.company_a, name="Ромашка")
        services.client_create(company=self.company_b, name="Ромашка")
        with self.assertRaises(ValidationError):
            services.client_create(company=self.company_a, name="ромашка")
        with transaction.atomic(), self.assertRaises(IntegrityError):
            Client.objects.create(company=self.company_a, name="Ромашка", key="name:ромашка")

    def test_the_database_checks_scores_and_inn_length(self) -> None:
        for bad in [{"reputation_score": 11}, {"share_of_wallet": 101}, {"inn": "12345"}]:
            with transaction.atomic(), self.assertRaises(IntegrityError):
                Client.objects.create(company=self.company_a, name="Bad", key=f"bad:{bad}", **bad)

    def test_the_same_file_is_done_once(self) -> None:
        self._batch(status=ImportStatus.DONE)
        self._batch(status=ImportStatus.UNDONE)  # an undone or failed try may repeat
        self._batch(status=ImportStatus.FAILED)
        self._batch(status=ImportStatus.DONE, company=self.company_b)
        self._batch(status=ImportStatus.DONE, kind="payments")
        with transaction.atomic(), self.assertRaises(IntegrityError):
            self._batch(status=ImportStatus.DONE)

    def test_deleting_a_batch_removes_exactly_its_rows(self) -> None:
        client = services.client_create(company=self.company_a, name="Ромашка")
        first, second = self._batch(), self._batch(sha256="cd" * 32)
        self._sale(client, first, 2, "100.00")
        self._sale(client, first, 3, "-20.50")
        kept = self._sale(client, second, 2, "7.00")
        first.delete()
        self.assertEqual(list(Sale.objects.all()), [kept])

    def test_a_client_with_sales_is_protected(self) -> None:
        client = services.client_create(company=self.company_a, name="Ромашка")
        self._sale(client, self._batch(), 2, "1.00")
        with self.assertRaises(ProtectedError):
            client.delete()

    def test_a_row_of_a_batch_is_stored_once(self) -> None:
        client = services.client_create(company=self.company_a, name="Ромашка")
        batch = self._batch()
        self._sale(client, batch, 2, "1.00")
        with transaction.atomic(), self.assertRaises(IntegrityError):
            self._sale(client, batch, 2, "1.00")


class LedgerAccessTests(CompanyTestCase):
    def _request_as(self, user: User) -> CompanyRequest:
        request = RequestFactory().get("/")
        request.user = user
        request.session = {}  # type: ignore[assignment]
        company_request = cast(CompanyRequest, request)
        company_request.membership = access.get_membership(request)
        return company_request

    def test_objects_of_another_company_are_a_404(self) -> None:
        client = services.client_create(company=self.company_a, name="Ромашка")
        batch = ImportBatch.objects.create(
            company=self.company_a, kind="sales", file_name="s.csv", sha256="ab" * 32
        )
        bob = self._request_as(self.bob)
        self.assertEqual(ledger_access.get_client(bob, client.pk), client)
        self.assertEqual(ledger_access.get_import_batch(bob, batch.pk), batch)
        charlie = self._request_as(self.charlie)
        with self.assertRaises(Http404):
            ledger_access.get_client(charlie, client.pk)
        with self.assertRaises(Http404):
            ledger_access.get_import_batch(charlie, batch.pk)

"""Payments, 1C bank statements and 1C trial balances through the import page: kinds, preview,
matching to clients, all-or-nothing, the same file twice, overlapping files, undo."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from keyclients.core.ingest import read_payments
from keyclients.core.ingest.trial_balance import read_trial_balance_62
from keyclients.web.accounts.models import AuditAction, AuditEvent
from keyclients.web.ledger import services
from keyclients.web.ledger.models import (
    Client,
    ImportBatch,
    ImportStatus,
    Outflow,
    Payment,
    ReceivableBalance,
    Sale,
)
from keyclients.web.ledger.writers import TRIAL_BALANCE_PRODUCT

from .receivables_fixtures import PaymentsTestCase
from .test_imports import INN_A, INN_B, SAMPLES, csv_bytes, form_data

OSV_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "osv_62.xlsx"


def osv_sample(title: str | None = None) -> bytes:
    """The committed trial balance; with `title`, its title row replaced."""
    if title is None:
        return OSV_SAMPLE.read_bytes()
    book = openpyxl.load_workbook(OSV_SAMPLE)
    sheet = book.active
    assert sheet is not None
    sheet["A2"] = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SALES_CSV = csv_bytes(
    "Дата;Документ;Контрагент;ИНН;Сумма;Срок оплаты",
    f"10.01.2025;0001;ООО «Альфа»;{INN_A};1 000,00;20.01.2025",
    f"12.01.2025;0002;ООО «Бета»;{INN_B};500,00;22.01.2025",
)
PAYMENTS_CSV = csv_bytes(
    "Дата;Плательщик;ИНН плательщика;Сумма;Назначение платежа",
    f"15.01.2025;ООО «Альфа»;{INN_A};600,00;Оплата по счету № 0001",
    '16.01.2025;ооо "альфа";;400,00;Оплата по счету № 0001',  # no INN: found by its name
    "17.01.2025;ИП Сидоров;;250,00;Оплата за услуги",  # nobody
    f"18.01.2025;ООО «Поставщик»;{INN_B[:-1]}1;-70,00;Возврат",  # money paid out
)


class PaymentFileTests(PaymentsTestCase):
    def test_a_payments_file_is_matched_to_the_clients_and_its_refund_is_an_outflow(self) -> None:
        self.import_kind(SALES_CSV, "sales.csv", "sales")
        batch = self.upload_kind(PAYMENTS_CSV, "payments.csv", "payments")
        self.assertEqual(batch.kind, "payments")
        preview = self.detail(batch)
        self.assertContains(preview, 'name="role_purpose"')
        self.assertContains(preview, "ИП Сидоров")
        self.assertContains(preview, "data-unmatched")
        report = preview.context["report"]
        self.assertEqual((report["payments"]["matched"], report["payments"]["unmatched"]), (2, 1))
        self.assertEqual(report["payments"]["outflows"], 1)
        self.confirm(batch)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.rows_imported), (ImportStatus.DONE, 3))
        alpha = Client.objects.get(key=f"inn:{INN_A}")
        self.assertEqual(
            list(Payment.objects.filter(client=alpha).values_list("amount", flat=True)),
            [Decimal("600.00"), Decimal("400.00")],
        )
        stranger = Payment.objects.get(client__isnull=True)
        self.assertEqual(
            (stranger.payer_name, stranger.payer_key, stranger.source),
            ("ИП Сидоров", "name:ип сидоров", "file"),
        )
        outflow = Outflow.objects.get()
        self.assertEqual((outflow.payee, outflow.amount), ("ООО «Поставщик»", Decimal("70.00")))
        event = AuditEvent.objects.get(action=AuditAction.PAYMENTS_IMPORTED)
        self.assertEqual((event.details["rows"], event.details["unmatched"]), (3, 1))

    def test_payments_imported_before_the_sales_find_their_clients_later(self) -> None:
        self.import_kind(PAYMENTS_CSV, "payments.csv", "payments")
        self.assertEqual(Payment.objects.filter(client__isnull=True).count(), 3)
        self.import_kind(SALES_CSV, "sales.csv", "sales")
        self.assertEqual(Payment.objects.filter(client__isnull=True).count(), 1)
        self.assertEqual(
            Payment.objects.filter(client__key=f"inn:{INN_A}").aggregate(s=Sum("amount"))["s"],
            Decimal("1000.00"),
        )

    def test_a_payments_file_needs_a_payer_an_amount_and_a_date(self) -> None:
        batch = self.upload_kind(PAYMENTS_CSV, "payments.csv", "payments")
        data = form_data(self.detail(batch), role_date="")
        response = self.client.post(f"/imports/{batch.pk}/confirm/", data, follow=True)
        self.assertIn(
            "Choose a column for the payer, the amount and the date.",
            self.messages_of(response),
        )
        self.assertFalse(Payment.objects.exists())

    def test_a_bad_row_refuses_the_whole_file_unless_told_otherwise(self) -> None:
        bad = csv_bytes(
            "Дата;Плательщик;Сумма",
            "15.01.2025;ООО «Альфа»;100,00",
            "16.01.2025;ООО «Бета»;сто",
        )
        batch = self.upload_kind(bad, "bad.csv", "payments")
        self.confirm(batch)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.PREVIEW)
        self.assertFalse(Payment.objects.exists())
        self.confirm(batch, accept_partial="on")
        self.assertEqual(Payment.objects.count(), 1)


class BankStatementTests(PaymentsTestCase):
    def test_a_statement_is_recognized_whatever_kind_was_picked(self) -> None:
        batch = self.upload_kind(
            (SAMPLES / "bank_statement_1c.txt").read_bytes(), "statement.txt", "sales"
        )
        self.assertEqual(batch.kind, "bank")
        preview = self.detail(batch)
        self.assertContains(preview, "fixed fields")
        self.assertNotContains(preview, 'name="role_client"')
        self.assertContains(preview, 'id="statement-balances"')
        self.confirm(batch)
        batch.refresh_from_db()
        core = read_payments(SAMPLES / "bank_statement_1c.txt")
        self.assertEqual(batch.rows_imported, core.frame.height)
        self.assertEqual(Payment.objects.filter(source="bank").count(), core.frame.height)
        self.assertEqual(Outflow.objects.count(), core.outflows.height)
        total = Payment.objects.aggregate(s=Sum("amount"))["s"]
        self.assertEqual(total, Decimal(str(round(float(core.frame["amount"].sum()), 2))))

    def test_a_statement_repeating_imported_payments_says_so(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        batch = self.upload_kind(
            (SAMPLES / "bank_statement_1c.txt").read_bytes(), "statement.txt", "payments"
        )
        preview = self.detail(batch)
        statement = read_payments(SAMPLES / "bank_statement_1c.txt").frame
        # Every client payment of the statement is in payments.csv already.
        self.assertEqual(preview.context["report"]["payments"]["duplicates"], statement.height)
        self.assertContains(preview, f'data-duplicates="{statement.height}"')

    def test_the_same_statement_twice_changes_nothing(self) -> None:
        content = (SAMPLES / "bank_statement_1c.txt").read_bytes()
        self.import_kind(content, "statement.txt", "payments")
        before = list(Payment.objects.order_by("pk").values_list("pk", flat=True))
        response = self.client.post(
            "/imports/upload/",
            {"file": _file(content, "again.txt"), "kind": "payments"},
            follow=True,
        )
        self.assertIn("already imported", " ".join(self.messages_of(response)))
        self.assertEqual(list(Payment.objects.order_by("pk").values_list("pk", flat=True)), before)
        self.assertEqual(ImportBatch.objects.count(), 1)

    def test_undo_removes_the_statements_payments_and_outflows_only(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        csv_batch = self.import_sample("payments.csv")
        kept = Payment.objects.filter(batch=csv_batch).count()
        statement = self.import_sample("bank_statement_1c.txt")
        page = self.client.get(f"/imports/{statement.pk}/undo/")
        self.assertContains(page, "payments of bank_statement_1c.txt will be deleted")
        response = self.client.post(f"/imports/{statement.pk}/undo/", follow=True)
        self.assertIn("payments removed", " ".join(self.messages_of(response)))
        self.assertEqual(Payment.objects.count(), kept)
        self.assertFalse(Outflow.objects.exists())
        statement.refresh_from_db()
        self.assertEqual(statement.status, ImportStatus.UNDONE)
        event = AuditEvent.objects.get(action=AuditAction.PAYMENTS_IMPORT_UNDONE)
        self.assertEqual(event.details["payments_deleted"], statement.rows_imported)
        self.assertEqual(event.details["outflows_deleted"], 12)

    def test_undoing_the_sales_leaves_their_payments_unmatched(self) -> None:
        sales = self.import_kind(SALES_CSV, "sales.csv", "sales")
        self.import_kind(PAYMENTS_CSV, "payments.csv", "payments")
        self.client.post(f"/imports/{sales.pk}/undo/")
        self.assertFalse(Client.objects.exists())
        self.assertEqual(Payment.objects.filter(client__isnull=True).count(), 3)


def _file(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


class TrialBalanceImportTests(PaymentsTestCase):
    def test_a_trial_balance_stores_revenue_lines_and_balances_per_client(self) -> None:
        batch = self.upload_kind(osv_sample(), "osv.xlsx", "sales")
        self.assertEqual(batch.kind, "trial_balance")
        preview = self.detail(batch)
        self.assertContains(preview, 'id="trial-balance-summary"')
        self.assertContains(preview, "2025-01-01")
        self.confirm(batch)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.DONE, batch.report.get("error"))
        core = read_trial_balance_62(osv_sample())
        self.assertEqual(ReceivableBalance.objects.count(), core.frame.height)
        self.assertEqual(Client.objects.count(), core.frame.height)
        revenue = core.frame.filter(core.frame["revenue"] != 0)
        sales = Sale.objects.filter(batch=batch)
        self.assertEqual(sales.count(), revenue.height)
        self.assertEqual(
            set(sales.values_list("document", "product", "date")),
            {("ОСВ 62 01.01.2025–31.12.2025", TRIAL_BALANCE_PRODUCT, core.period_end)},
        )
        self.assertEqual(
            float(sales.aggregate(s=Sum("amount"))["s"]),
            round(float(revenue["revenue"].sum()), 2),
        )
        alfa = ReceivableBalance.objects.get(client__name="ООО «Альфа-Трейд»")
        self.assertEqual(
            (alfa.closing_debit, alfa.closing_credit, alfa.revenue),
            (Decimal("455000.00"), Decimal("300000.00"), Decimal("6845210.75")),
        )
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.TRIAL_BALANCE_IMPORTED))

    def test_undo_removes_the_balances_the_revenue_and_its_clients(self) -> None:
        batch = self.import_kind(osv_sample(), "osv.xlsx", "trial_balance")
        response = self.client.post(f"/imports/{batch.pk}/undo/", follow=True)
        self.assertIn("the balances of 6 clients", " ".join(self.messages_of(response)))
        self.assertFalse(ReceivableBalance.objects.exists())
        self.assertFalse(Sale.objects.exists())
        self.assertFalse(Client.objects.exists())

    def test_a_trial_balance_without_a_period_is_refused(self) -> None:
        content = osv_sample(title="Оборотно-сальдовая ведомость по счету 62")
        batch = self.upload_kind(content, "osv.xlsx", "trial_balance")
        response = self.client.post(
            f"/imports/{batch.pk}/confirm/", form_data(self.detail(batch)), follow=True
        )
        self.assertIn(str(services.NO_PERIOD), self.messages_of(response))
        self.assertFalse(Sale.objects.exists())

    def test_a_file_that_is_not_a_trial_balance_is_refused_as_one(self) -> None:
        response = self.client.post(
            "/imports/upload/",
            {"file": _file(SALES_CSV, "sales.csv"), "kind": "trial_balance"},
        )
        self.assertContains(response, "Excel workbook", status_code=400)
        self.assertFalse(ImportBatch.objects.exists())

"""The import page: permissions, samples end to end, bad files, partial imports, re-import,
undo, the column mapping, the progress partial and the history's query count."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.http import HttpResponse
from django.test import override_settings

from keyclients.core.ingest import read_sales
from keyclients.core.ingest.identity import inn_with_checksum
from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.ledger import services
from keyclients.web.ledger.forms import BAD_EXTENSION
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale

from .base import CompanyTestCase

IMPORTERS = {Role.OWNER, Role.FINANCE}
EVERYONE = set(Role)
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "samples"
INN_A = inn_with_checksum("770708389")
INN_B = inn_with_checksum("500100732")


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


GOOD_CSV = csv_bytes(
    "Дата;Контрагент;ИНН;Сумма;Себестоимость",
    f"15.01.2025;ООО «Альфа»;{INN_A};1 000,50;600",
    f"16.01.2025;ООО «Бета»;{INN_B};2 000,00;1 500",
    f'17.01.2025;ооо  "альфа";{INN_A};300,00;100',
)
ONE_BAD_ROW_CSV = csv_bytes(
    "Дата;Контрагент;Сумма",
    "15.01.2025;ООО «Альфа»;100,00",
    "16.01.2025;ООО «Бета»;сто рублей",
    "17.01.2025;ООО «Гамма»;300,00",
)


def form_data(response: HttpResponse, **changes: str) -> dict[str, str]:
    """What the preview form posts when the user changes nothing but `changes`."""
    form = response.context["form"]  # type: ignore[attr-defined]
    data = {name: form[name].value() or "" for name in form.fields if name.startswith("role_")}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


class ImportTestCase(CompanyTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Each test has its own upload folder: the database rolls back, files do not.
        uploads = tempfile.mkdtemp(prefix="keyclients-uploads-")
        self.addCleanup(shutil.rmtree, uploads, ignore_errors=True)
        self.enterContext(override_settings(UPLOADS_DIR=Path(uploads) / "uploads"))
        # Messages are asserted in English; RussianTests checks the translation.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.alice)

    def upload(self, content: bytes, name: str = "sales.csv") -> HttpResponse:
        file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        return self.client.post("/imports/upload/", {"file": file})  # type: ignore[return-value]

    def upload_ok(self, content: bytes, name: str = "sales.csv") -> ImportBatch:
        response = self.upload(content, name)
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:500])
        batch = ImportBatch.objects.latest("pk")
        self.assertRedirects(response, f"/imports/{batch.pk}/", fetch_redirect_response=False)
        return batch

    def detail(self, batch: ImportBatch) -> HttpResponse:
        return self.client.get(f"/imports/{batch.pk}/")  # type: ignore[return-value]

    def confirm(self, batch: ImportBatch, **changes: str) -> HttpResponse:
        data = form_data(self.detail(batch), **changes)
        return self.client.post(f"/imports/{batch.pk}/confirm/", data)  # type: ignore[return-value]

    def import_file(self, content: bytes, name: str = "sales.csv", **changes: str) -> ImportBatch:
        batch = self.upload_ok(content, name)
        self.confirm(batch, **changes)
        batch.refresh_from_db()
        return batch

    def messages_of(self, response: HttpResponse) -> list[str]:
        return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


class ImportPermissionTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.logout()  # assert_access logs each probe in itself
        self.batch = ImportBatch.objects.create(
            company=self.company_a,
            kind="sales",
            file_name="s.csv",
            sha256="ab" * 32,
            status=ImportStatus.PREVIEW,
            report={"columns": ["Клиент", "Сумма"], "mapping": {}, "rows_read": 0},
        )

    def test_the_history_is_for_every_member(self) -> None:
        self.assert_access("/imports/", roles=EVERYONE, of_company_a=False)

    def test_uploading_is_for_owners_and_finance(self) -> None:
        # No file in the form: a 400 for those who may upload, a 403 for the others.
        self.assert_access(
            "/imports/upload/", roles=IMPORTERS, method="post", ok=400, of_company_a=False
        )

    def test_the_pages_of_an_import_are_for_owners_and_finance_of_its_company(self) -> None:
        pk = self.batch.pk
        self.assert_access(
            f"/imports/{pk}/",
            f"/imports/{pk}/progress/",
            f"/imports/{pk}/undo/",
            roles=IMPORTERS,
        )

    def test_the_actions_on_an_import_are_for_owners_and_finance_of_its_company(self) -> None:
        pk = self.batch.pk
        self.assert_access(
            f"/imports/{pk}/preview/",
            f"/imports/{pk}/confirm/",
            f"/imports/{pk}/discard/",
            f"/imports/{pk}/undo/",
            roles=IMPORTERS,
            method="post",
            ok=302,
        )

    def test_it_only_allows_post_for_changes(self) -> None:
        self.login(self.alice)
        for action in ("preview", "confirm", "discard"):
            response = self.client.get(f"/imports/{self.batch.pk}/{action}/")
            self.assertEqual(response.status_code, 405, action)
        self.assertEqual(self.client.get("/imports/upload/").status_code, 405)

    def test_managers_and_viewers_see_the_history_without_actions(self) -> None:
        self.set_bob_role(Role.VIEWER)
        self.login(self.bob)
        response = self.client.get("/imports/")
        self.assertContains(response, "s.csv")
        self.assertNotContains(response, 'action="/imports/upload/"')
        self.assertNotContains(response, f'href="/imports/{self.batch.pk}/"')


class SampleImportTests(ImportTestCase):
    def assert_imported_like_the_core(self, name: str) -> None:
        content = (SAMPLES / name).read_bytes()
        batch = self.import_file(content, name)
        self.assertEqual(batch.status, ImportStatus.DONE, batch.report.get("error"))
        expected = read_sales(SAMPLES / name).frame
        sales = Sale.objects.filter(company=self.company_a, batch=batch)
        self.assertEqual(sales.count(), expected.height)
        self.assertEqual(batch.rows_imported, expected.height)
        total = sales.aggregate(total=Sum("amount"))["total"]
        self.assertEqual(
            Decimal(total).quantize(Decimal("0.01")),
            Decimal(str(round(float(expected.get_column("amount").sum()), 2))),
        )
        self.assertEqual(
            Client.objects.filter(company=self.company_a).count(),
            expected.get_column("client_key").n_unique(),
        )
        history = self.client.get("/imports/")
        self.assertContains(history, name)
        self.assertContains(history, f'href="/imports/{batch.pk}/undo/"')

    def test_the_1c_xlsx_sample_goes_in_with_the_cores_totals(self) -> None:
        self.assert_imported_like_the_core("sales_1c_analiz_prodazh.xlsx")

    def test_the_cp1251_csv_sample_goes_in_with_the_cores_totals(self) -> None:
        self.assert_imported_like_the_core("sales_cp1251.csv")

    def test_the_preview_shows_the_mapping_the_rows_and_the_counts(self) -> None:
        batch = self.upload_ok((SAMPLES / "sales_1c_analiz_prodazh.xlsx").read_bytes(), "1c.xlsx")
        response = self.detail(batch)
        self.assertEqual(batch.status, ImportStatus.PREVIEW)
        self.assertContains(response, 'name="role_client"')
        self.assertContains(response, '<option value="Контрагент" selected>', html=False)
        # The 1C document column gives the dates: the date select says "no column".
        self.assertEqual(response.context["form"]["role_date"].value(), "")
        self.assertEqual(len(response.context["report"]["preview"]), services.PREVIEW_ROWS)
        self.assertContains(response, 'id="preview-rows"')
        self.assertEqual(Sale.objects.count(), 0)


class UploadStorageTests(ImportTestCase):
    def test_the_upload_is_stored_under_a_generated_name_with_its_sha256(self) -> None:
        batch = self.upload_ok(GOOD_CSV, "../../etc/Продажи 2025.csv")
        path = services.upload_path(batch)
        self.assertEqual(path.parent, Path(settings.UPLOADS_DIR))
        self.assertRegex(path.name, r"^[0-9a-f]{32}$")
        self.assertEqual(path.read_bytes(), GOOD_CSV)
        self.assertEqual(batch.sha256, hashlib.sha256(GOOD_CSV).hexdigest())
        self.assertEqual(batch.file_name, "Продажи 2025.csv")

    def test_the_stored_file_is_removed_once_imported(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        path = services.upload_path(batch)
        self.confirm(batch)
        self.assertFalse(path.exists())

    def test_a_discarded_upload_leaves_nothing(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        path = services.upload_path(batch)
        response = self.client.post(f"/imports/{batch.pk}/discard/")
        self.assertRedirects(response, "/imports/", fetch_redirect_response=False)
        self.assertFalse(ImportBatch.objects.exists())
        self.assertFalse(path.exists())


class BadFileTests(ImportTestCase):
    def assert_nothing_written(self) -> None:
        self.assertFalse(ImportBatch.objects.exists())
        self.assertFalse(Sale.objects.exists())
        self.assertFalse(Client.objects.exists())
        uploads = Path(settings.UPLOADS_DIR)
        self.assertEqual(list(uploads.iterdir()) if uploads.exists() else [], [])

    def test_garbage_bytes_show_the_error_and_write_nothing(self) -> None:
        response = self.upload(bytes(range(256)) * 40, "sales.xlsx")
        self.assertContains(response, "cannot be imported", status_code=400)
        self.assertContains(response, "binary data", status_code=400)
        self.assert_nothing_written()

    def test_a_csv_without_an_amount_column_shows_the_error_and_writes_nothing(self) -> None:
        response = self.upload(csv_bytes("Дата;Контрагент", "15.01.2025;ООО «Альфа»"))
        self.assertContains(response, "no header row", status_code=400)
        self.assertContains(response, "amount", status_code=400)
        self.assert_nothing_written()

    def test_an_unknown_extension_is_refused(self) -> None:
        response = self.upload(GOOD_CSV, "sales.exe")
        self.assertContains(response, str(BAD_EXTENSION), status_code=400)
        self.assert_nothing_written()


class RejectedRowTests(ImportTestCase):
    def test_one_bad_row_refuses_the_import_by_default(self) -> None:
        batch = self.upload_ok(ONE_BAD_ROW_CSV)
        preview = self.detail(batch)
        self.assertContains(preview, 'id="rejected-rows"')
        self.assertContains(preview, "сто рублей")
        self.assertEqual(batch.rows_rejected, 1)
        response = self.client.post(
            f"/imports/{batch.pk}/confirm/", form_data(preview), follow=True
        )
        self.assertIn("1 row(s) cannot be read", " ".join(self.messages_of(response)))
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.PREVIEW)
        self.assertFalse(Sale.objects.exists())
        self.assertFalse(Client.objects.exists())

    def test_the_valid_rows_go_in_when_the_box_is_ticked(self) -> None:
        batch = self.import_file(ONE_BAD_ROW_CSV, accept_partial="on")
        self.assertEqual(batch.status, ImportStatus.DONE)
        self.assertEqual(
            sorted(Sale.objects.values_list("row", flat=True)), [2, 4]
        )  # file rows: header is row 1
        self.assertEqual((batch.rows_read, batch.rows_imported, batch.rows_rejected), (3, 2, 1))
        self.assertTrue(batch.accept_partial)

    def test_every_rejected_row_is_listed_page_by_page(self) -> None:
        lines = ["Дата;Контрагент;Сумма"] + [f"15.01.2025;Клиент {i};x{i}" for i in range(150)]
        batch = self.upload_ok(csv_bytes(*lines))
        first = self.detail(batch)
        self.assertEqual(first.context["rejected"].paginator.count, 150)
        self.assertContains(first, "x99")
        self.assertNotContains(first, "x149")
        second = self.client.get(f"/imports/{batch.pk}/?page=2")
        self.assertContains(second, "x149")


class ReimportTests(ImportTestCase):
    def test_the_same_file_again_changes_nothing_and_says_when_and_by_whom(self) -> None:
        first = self.import_file(GOOD_CSV)
        self.assertEqual(first.status, ImportStatus.DONE)
        sales_before = list(Sale.objects.order_by("pk").values_list("pk", flat=True))
        response = self.upload(GOOD_CSV, "again.csv")
        self.assertRedirects(response, "/imports/", fetch_redirect_response=False)
        page = self.client.get("/imports/")
        text = " ".join(self.messages_of(page))
        self.assertIn("already imported", text)
        self.assertIn("alice", text)
        self.assertEqual(ImportBatch.objects.count(), 1)
        self.assertEqual(
            list(Sale.objects.order_by("pk").values_list("pk", flat=True)), sales_before
        )

    def test_confirming_a_second_upload_of_an_imported_file_changes_nothing(self) -> None:
        waiting = self.upload_ok(GOOD_CSV)
        # A second upload of the same bytes goes in while the first one waits.
        done = self.import_file(GOOD_CSV, "copy.csv")
        self.assertEqual(done.status, ImportStatus.DONE)
        count = Sale.objects.count()
        response = self.confirm(waiting)
        self.assertEqual(response.status_code, 302)
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, ImportStatus.PREVIEW)
        self.assertEqual(Sale.objects.count(), count)

    def test_clients_are_matched_by_key_and_never_duplicated(self) -> None:
        self.import_file(GOOD_CSV)
        second = csv_bytes(
            "Дата;Контрагент;ИНН;Сумма",
            f"20.02.2025;Альфа (без кавычек);{INN_A};10,00",
            "21.02.2025;ООО «Новый»;;20,00",
        )
        self.import_file(second, "feb.csv")
        keys = sorted(Client.objects.values_list("key", flat=True))
        self.assertEqual(keys, sorted([f"inn:{INN_A}", f"inn:{INN_B}", 'name:ооо "новый"']))
        alpha = Client.objects.get(key=f"inn:{INN_A}")
        self.assertEqual(alpha.sales.count(), 3)
        self.assertEqual(alpha.inn, INN_A)


class UndoTests(ImportTestCase):
    def test_undo_removes_exactly_the_batch_sales_and_its_own_clients(self) -> None:
        first = self.import_file(GOOD_CSV)
        second = self.import_file(
            csv_bytes(
                "Дата;Контрагент;ИНН;Сумма",
                f"20.02.2025;ООО «Бета»;{INN_B};50,00",
                "21.02.2025;ООО «Гамма»;;70,00",
            ),
            "feb.csv",
        )
        kept = set(Sale.objects.filter(batch=second).values_list("pk", flat=True))
        confirm_page = self.client.get(f"/imports/{first.pk}/undo/")
        self.assertContains(confirm_page, "3 sales lines")
        response = self.client.post(f"/imports/{first.pk}/undo/")
        self.assertRedirects(response, "/imports/", fetch_redirect_response=False)
        self.assertEqual(set(Sale.objects.values_list("pk", flat=True)), kept)
        # Альфа came with the first import only; Бета has sales of the second one.
        self.assertEqual(
            sorted(Client.objects.values_list("name", flat=True)), ["ООО «Бета»", "ООО «Гамма»"]
        )
        first.refresh_from_db()
        self.assertEqual(first.status, ImportStatus.UNDONE)
        event = AuditEvent.objects.get(action=AuditAction.SALES_IMPORT_UNDONE)
        self.assertEqual((event.user, event.company), (self.alice, self.company_a))
        self.assertEqual(event.details["sales_deleted"], 3)
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditAction.SALES_IMPORTED, user=self.alice).exists()
        )

    def test_an_undone_file_can_be_imported_again(self) -> None:
        first = self.import_file(GOOD_CSV)
        self.client.post(f"/imports/{first.pk}/undo/")
        again = self.import_file(GOOD_CSV)
        self.assertEqual(again.status, ImportStatus.DONE)
        self.assertEqual(Sale.objects.count(), 3)

    def test_only_a_done_import_can_be_undone(self) -> None:
        batch = self.import_file(GOOD_CSV)
        self.client.post(f"/imports/{batch.pk}/undo/")
        response = self.client.post(f"/imports/{batch.pk}/undo/", follow=True)
        self.assertIn(str(services.NOT_UNDOABLE), self.messages_of(response))


class MappingTests(ImportTestCase):
    def test_a_mapping_change_in_the_preview_takes_effect(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        preview = self.detail(batch)
        self.assertEqual(preview.context["report"]["preview"][0]["amount"], 1000.5)
        data = form_data(preview, role_amount="Себестоимость", role_cost="")
        response = self.client.post(f"/imports/{batch.pk}/preview/", data)
        self.assertRedirects(response, f"/imports/{batch.pk}/", fetch_redirect_response=False)
        preview = self.detail(batch)
        self.assertEqual(preview.context["report"]["mapping"]["amount"], "Себестоимость")
        self.assertNotIn("cost", preview.context["report"]["mapping"])
        self.assertEqual(preview.context["report"]["preview"][0]["amount"], 600)
        self.client.post(f"/imports/{batch.pk}/confirm/", form_data(preview))
        self.assertEqual(Sale.objects.aggregate(total=Sum("amount"))["total"], Decimal(2200))
        self.assertFalse(Sale.objects.filter(cost__isnull=False).exists())

    def test_confirming_a_mapping_not_yet_previewed_shows_the_new_preview_first(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        response = self.confirm(batch, role_amount="Себестоимость")
        self.assertRedirects(response, f"/imports/{batch.pk}/", fetch_redirect_response=False)
        page = self.detail(batch)
        self.assertIn(str(services.MAPPING_CHANGED), self.messages_of(page))
        self.assertEqual(page.context["report"]["mapping"]["amount"], "Себестоимость")
        self.assertFalse(Sale.objects.exists())

    def test_the_client_and_the_amount_need_a_column(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        data = form_data(self.detail(batch), role_amount="")
        response = self.client.post(f"/imports/{batch.pk}/confirm/", data, follow=True)
        self.assertIn(
            "Choose a column for the client and for the amount.", self.messages_of(response)
        )
        self.assertFalse(Sale.objects.exists())


class ProgressTests(ImportTestCase):
    def test_the_partial_polls_while_the_import_waits_and_stops_when_done(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, progress=30)
        response = self.client.get(f"/imports/{batch.pk}/progress/")
        self.assertContains(response, f'hx-get="/imports/{batch.pk}/progress/"')
        self.assertContains(response, 'value="30"')
        page = self.detail(batch)
        self.assertContains(page, "vendor/htmx/htmx.min.js")
        self.assertContains(page, 'hx-trigger="every 1s"')
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.PREVIEW, progress=0)
        self.confirm(batch)
        response = self.client.get(f"/imports/{batch.pk}/progress/")
        self.assertNotContains(response, "hx-get")
        self.assertContains(response, 'data-status="done"')
        self.assertContains(response, 'value="100"')

    def test_an_import_left_running_by_a_stopped_server_is_marked_failed(self) -> None:
        batch = self.upload_ok(GOOD_CSV)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
        self.assertEqual(services.imports_fail_interrupted(), 1)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.FAILED)
        response = self.detail(batch)
        self.assertContains(response, "interrupted")
        # The file is still there: it can be confirmed again.
        self.confirm(batch)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.DONE)


class HistoryQueryTests(ImportTestCase):
    def test_the_history_query_count_does_not_grow_with_imports(self) -> None:
        for n in range(6):
            ImportBatch.objects.create(
                company=self.company_a,
                kind="sales",
                file_name=f"f{n}.csv",
                sha256=f"{n:064d}",
                status=ImportStatus.DONE,
                created_by=self.alice if n % 2 else self.bob,
                report={"big": "x" * 10_000},
            )
        self.client.get("/imports/")  # the first visit stores the current company
        # session, user, memberships of the user (top bar too), the history with its users
        with self.assertNumQueries(4):
            response = self.client.get("/imports/")
        self.assertContains(response, "f5.csv")
        self.assertContains(response, "bob")


class RussianTests(ImportTestCase):
    def test_the_import_page_speaks_russian(self) -> None:
        del self.client.cookies[settings.LANGUAGE_COOKIE_NAME]
        response = self.client.get("/imports/")
        self.assertContains(response, "Загрузить и проверить")
        batch = self.upload_ok(ONE_BAD_ROW_CSV)
        response = self.detail(batch)
        self.assertContains(response, "не число")  # the core's "not a number"
        self.assertContains(response, "Импортировать корректные строки")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_import_from_the_database_queue(tmp_path: Path) -> None:
    from django.core.management import call_command

    from keyclients.web import env
    from keyclients.web.accounts.models import Company, Membership, User

    user = User.objects.create_user("olga")
    company = Company.objects.create(name="Альфа")
    Membership.objects.create(company=company, user=user, role=Role.OWNER)
    with override_settings(TASKS=env.tasks_backends("database")):
        upload = services.sales_upload(
            company=company, user=user, file=_bytes_io(GOOD_CSV), file_name="s.csv"
        )
        batch = services.sales_import(
            company=company, user=user, upload=upload, mapping=None, accept_partial=False
        )
        assert batch.status == ImportStatus.PENDING
        assert not Sale.objects.exists()
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    batch.refresh_from_db()
    assert (batch.status, batch.progress, batch.rows_imported) == (ImportStatus.DONE, 100, 3)
    assert Sale.objects.filter(batch=batch).count() == 3


def _bytes_io(content: bytes) -> Any:
    import io

    return io.BytesIO(content)


def test_the_ledger_catalogue_is_complete_and_compiled() -> None:
    import gettext

    import keyclients.web.ledger

    from .test_i18n import _po_entries

    locale = Path(keyclients.web.ledger.__file__).parent / "locale" / "ru" / "LC_MESSAGES"
    po = (locale / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = _po_entries(po)
    assert not [key for key, value in entries.items() if not value]
    with (locale / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    assert not [key for key, value in entries.items() if catalog.get(key) != value]

"""An owner imports the 1C sample through the browser and watches the progress reach done."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from keyclients.web import env
from keyclients.web.accounts.models import Company, Membership
from keyclients.web.ledger.models import ImportBatch, ImportStatus, Sale

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = "sales_1c_analiz_prodazh.xlsx"


def test_an_owner_uploads_confirms_and_watches_the_import(  # type: ignore[no-untyped-def]
    live_server, page, samples: Path, settings, tmp_path: Path
) -> None:
    settings.UPLOADS_DIR = tmp_path / "uploads"
    # The database backend, as under `keyclients serve`: the import waits for a worker.
    settings.TASKS = env.tasks_backends("database")
    user = get_user_model().objects.create_user("olga", password="s3cret-pass")
    company = Company.objects.create(name="Альфа")
    Membership.objects.create(company=company, user=user, role="owner")

    login(page, live_server.url, "olga", "s3cret-pass")
    page.click("nav >> text=Загрузки")
    assert page.url.endswith("/imports/")
    page.set_input_files("input[name=file]", str(samples / SAMPLE))
    page.click("form[action$='/imports/upload/'] button[type=submit]")
    page.wait_for_selector("#preview-rows")
    assert page.locator("select[name=role_client]").input_value() == "Контрагент"
    screenshot(page, "imports-preview.png")

    page.click("#confirm-import")
    page.wait_for_selector("#import-progress[data-status=pending]")
    batch = ImportBatch.objects.get(company=company)
    assert batch.status == ImportStatus.PENDING and not Sale.objects.exists()

    # The worker picks the task up while the page polls the progress partial.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    page.wait_for_selector("#import-progress[data-status=done]", timeout=20_000)
    assert page.locator("#import-progress progress").get_attribute("value") == "100"
    screenshot(page, "imports-done.png")

    page.click("#import-progress >> text=История загрузок")
    row = page.locator(f"#import-history tr[data-batch='{batch.pk}']")
    assert SAMPLE in row.inner_text()
    assert "Готово" in row.inner_text()
    assert "364" in row.inner_text()
    screenshot(page, "imports-history.png")

"""An owner downloads the reports from the overview, and makes an API token on the profile page
and uses it. The PDF's first page is rendered to PNG (docs/screenshots/report-page1.png under
`make screenshots`): not blank, in Russian.

Payments, the plan and the opening balance come from models of other branches; here the
report providers are fed the demo generator's (tests/web/report_fixtures.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from keyclients.web.accounts.models import Company, Membership, User
from web.report_fixtures import add_cash, add_ledger
from web.test_reports import dark_share

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"


def _first_page_png(pdf: Path, name: str, tmp_path: Path) -> Path:
    folder = SCREENSHOTS if os.environ.get("KEYCLIENTS_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / Path(name).stem
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    return stem.with_suffix(".png")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils: make test installs it")
def test_an_owner_downloads_the_reports_and_uses_an_api_token(
    live_server,  # type: ignore[no-untyped-def]
    page,
    tmp_path: Path,
) -> None:
    cache.clear()
    user = User.objects.create_user("owner", password=PASSWORD)
    company = Company.objects.create(name="ООО «Демо-Логистик»")
    Membership.objects.create(company=company, user=user, role="owner")
    ledger = add_ledger(company, clients=80, seed=42)

    login(page, live_server.url, "owner", PASSWORD)
    page.goto(f"{live_server.url}/")
    add_cash(ledger)
    with page.expect_download(timeout=60_000) as pdf_download:
        page.click('[data-report="pdf"]')
    pdf = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf)
    with page.expect_download(timeout=60_000) as xlsx_download:
        page.click('[data-report="xlsx"]')
    workbook = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(workbook)

    assert pdf.name == "keyclients-report-2025-01-2025-12.pdf"
    png = _first_page_png(pdf, "report-page1.png", tmp_path)
    assert dark_share(png) > 0.01
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Демо-Логистик" in text
    assert "Кривая Парето" in text
    assert len(load_workbook(workbook).sheetnames) == 6

    page.click("[data-nav=api-tokens]")
    page.fill("input[name=name]", "1С")
    page.click("form.card button[type=submit]")
    token = page.inner_text("[data-token]").strip()
    assert token.startswith(f"kc_{company.pk}_")
    answer = page.request.get(
        f"{live_server.url}/api/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200
    assert answer.json()["company"] == "ООО «Демо-Логистик»"
    page.reload()
    assert token not in page.content()

"""The finance director opens Receivables in a real browser: the core's totals, the aging and
DSO charts drawn, then a client's card with its payment discipline. Saves
docs/screenshots/receivables.png and docs/screenshots/client-discipline.png."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.core.cache import cache

from keyclients.core.analytics.receivables import settle
from keyclients.core.demo import generate_company
from keyclients.web import demo
from keyclients.web.accounts.models import Company, Membership, User
from keyclients.web.formatting import format_money

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 21
CLIENTS = 25


def _expected(generated):  # type: ignore[no-untyped-def]
    """The core on the generator's own frames: what the page must show."""
    lines = generated.sales.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        pl.lit(None, pl.Date()).alias("paid_date"),
    )
    paid = generated.payments.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        "client_key",
        pl.col("payer").alias("client"),
        pl.col("payer_inn").alias("inn"),
        "date",
        "amount",
        "document",
        "purpose",
        pl.lit("file").alias("source"),
    )
    terms = dict(generated.clients.select("client_key", "payment_terms_days").iter_rows())
    return settle(lines, paid, as_of=generated.end, terms=terms)


def test_the_finance_director_reads_receivables_and_a_clients_discipline(
    live_server,  # type: ignore[no-untyped-def]
    page,
    tmp_path: Path,
    settings,
) -> None:
    cache.clear()
    settings.UPLOADS_DIR = tmp_path / "uploads"
    user = User.objects.create_user("finance", password="s3cret-pass")
    company = Company.objects.create(name="ООО «Демо-Логистик»")
    Membership.objects.create(company=company, user=user, role="finance")
    # Sales, the payments export up to the last quarter and the quarter's bank statement,
    # through the import services, as `keyclients demo` loads them.
    demo.company_load(company, user, seed=SEED, clients=CLIENTS, files_dir=tmp_path / "files")
    generated = generate_company(seed=SEED, clients=CLIENTS, name=company.name)
    expected = _expected(generated).totals

    login(page, live_server.url, "finance", "s3cret-pass")
    page.click("nav >> text=Дебиторская задолженность")
    page.wait_for_selector("#aging-chart svg")
    page.wait_for_selector("#dso-chart svg")

    def figure(name: str) -> str:
        return page.inner_text(f'[data-figure="{name}"]').strip()

    assert figure("outstanding") == format_money(expected.outstanding, language="ru")
    assert figure("overdue") == format_money(expected.overdue, language="ru")
    assert figure("invoiced") == format_money(expected.invoiced, language="ru")
    assert page.get_attribute("[data-as-of]", "data-as-of") == generated.end.isoformat()
    assert page.locator("#aging-chart svg path, #aging-chart svg rect").count() > 0
    assert page.locator("#aging-table tbody tr[data-bucket]").count() == 5
    # The bank's interest on the balance comes from a payer who is not a client.
    assert page.locator("#unmatched-payers [data-payer]").count() == 1
    screenshot(page, "receivables.png")

    first = page.locator("#receivables-clients tbody tr").first
    name = first.locator("td a").first.inner_text()
    first.locator("td a").first.click()
    page.wait_for_selector("#payment-discipline")
    page.wait_for_selector("#client-days-late svg")
    assert page.inner_text("[data-client-name]") == name
    assert page.locator("#payment-discipline [data-figure=client-avg-days-late]").count() == 1
    page.locator("#payment-discipline").scroll_into_view_if_needed()
    screenshot(page, "client-discipline.png")

"""An owner opens the dashboard in a real browser: the core's figures, drawn charts, a client
card from the list, and the switch to English. Saves docs/screenshots/overview.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from keyclients.core.analytics.concentration import client_revenue, concentration
from keyclients.web.accounts.models import Company, Membership, User
from keyclients.web.formatting import format_money
from keyclients.web.insights.periods import ltm_period
from web.insights_fixtures import add_demo_sales

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

NBSP = "\u00a0"
CHARTS = ["#pareto", "#top-clients", "#top1-trend", "#hhi-trend"]


def _russian(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", NBSP).replace(".", ",")


def test_an_owner_reads_the_dashboard_opens_a_client_and_switches_to_english(
    live_server,  # type: ignore[no-untyped-def]
    page,
) -> None:
    cache.clear()
    user = User.objects.create_user("owner", password="s3cret-pass")
    company = Company.objects.create(name="ООО «Демо-Логистик»")
    Membership.objects.create(company=company, user=user, role="owner")
    # Two years of a 30-client company ending last month, so LTM is its last twelve months.
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    sales = add_demo_sales(company, clients=30, years=2, end=end)
    months = sales["date"].dt.truncate("1mo").unique().to_list()
    period = ltm_period(months, today=timezone.localdate())
    assert period is not None
    expected = concentration(
        client_revenue(sales, date_from=period.date_from, date_to=period.date_to)
    )
    assert expected.top1_share is not None
    assert expected.hhi is not None

    login(page, live_server.url, "owner", "s3cret-pass")
    page.goto(f"{live_server.url}/")
    for chart in CHARTS:
        page.wait_for_selector(f"{chart} svg")

    def figure(name: str) -> str:
        return page.inner_text(f'[data-figure="{name}"]').strip()

    assert figure("revenue") == format_money(expected.revenue_total, language="ru").strip()
    assert figure("active-clients") == str(expected.clients_positive)
    assert figure("top1-share") == f"{_russian(expected.top1_share * 100, 1)}{NBSP}%"
    assert figure("hhi") == _russian(expected.hhi, 0)
    assert page.locator("#pareto svg path").count() > 0
    screenshot(page, "overview.png")

    page.click("nav >> text=Клиенты")
    page.wait_for_selector("#clients tbody tr")
    first = page.locator("#clients tbody tr").first
    name = first.locator("td:nth-child(2) a").inner_text()
    first.locator("td:nth-child(2) a").click()
    page.wait_for_selector("#client-share svg")
    page.wait_for_selector("#client-revenue svg")
    assert page.inner_text("[data-client-name]") == name
    assert page.inner_text('[data-figure="rank"]') == "1"

    page.click("button.lang-button[value=en]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#pareto svg")
    assert page.inner_text("h1") == "Overview"
    assert "Top-1 client's share" in page.content()
    assert figure("top1-share") == f"{expected.top1_share * 100:.1f}%"
    # The chart axes speak English too: month names from the English time locale.
    axis = page.locator("#top1-trend svg").text_content() or ""
    assert any(month in axis for month in ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul"])
    assert "янв" not in axis

"""An owner opens the cash forecast in a real browser, finds the top client, asks what losing
it does, and sees the what-if's headline and chart next to the base without the page
reloading; then the risk page. Saves docs/screenshots/forecast.png and risk.png."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from keyclients.core.analytics.cashflow import Loss, Scenario, cash_forecast
from keyclients.core.analytics.scenarios import diversification_plan
from keyclients.core.words import headline, top1_plan_words
from keyclients.web.accounts.models import Company, Membership, User
from web.forecast_fixtures import add_cash_company

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_applies_a_what_if_without_leaving_the_page(
    live_server,  # type: ignore[no-untyped-def]
    page,
) -> None:
    cache.clear()
    user = User.objects.create_user("owner", password="s3cret-pass")
    company = Company.objects.create(name="ООО «Демо-Логистик»")
    Membership.objects.create(company=company, user=user, role="owner")
    cash = add_cash_company(company, user=user, clients=60, years=3)
    basis = cash.basis()
    top = basis.clients.sort(["run_rate", "client"], descending=[True, False]).row(0, named=True)
    base = cash_forecast(basis)
    expected = cash_forecast(basis, Scenario(losses=(Loss(top["client_key"]),)))

    login(page, live_server.url, "owner", "s3cret-pass")
    page.goto(f"{live_server.url}/forecast/")
    page.wait_for_selector("#balance-chart svg")
    page.wait_for_selector("#flows-chart svg")
    base_text = page.inner_text('[data-headline="base"] [data-headline-text]')
    assert base_text == headline(base, "ru")
    assert page.locator('[data-headline="scenario"]').count() == 0

    # A flag on the window survives only if the page does not navigate.
    page.evaluate("window.__stayedOnPage = true")
    page.fill("[data-client-filter]", top["client"][5:12])
    visible = page.locator("select[name=lose_client_1] option:not([hidden])")
    assert top["client"] in visible.all_inner_texts()
    page.select_option("select[name=lose_client_1]", str(cash.ids[top["client_key"]]))
    page.click("#apply-scenario")
    page.wait_for_selector('[data-headline="scenario"]')
    page.wait_for_selector("#balance-chart[data-rendered=true] svg")

    assert page.evaluate("window.__stayedOnPage") is True
    assert page.inner_text('[data-headline="scenario"] [data-headline-text]') == headline(
        expected, "ru"
    )
    assert page.inner_text('[data-headline="base"] [data-headline-text]') == base_text
    assert top["client"] in page.inner_text('[data-headline="scenario"] .headline-words')
    # Both balance lines on one chart: the legend names them.
    legend = page.locator("#balance-chart svg").text_content() or ""
    assert "База" in legend
    assert "Что если" in legend
    assert page.locator('[data-figure="probability-scenario"]').count() == 1
    # The address bar holds the what-if, so it can be shared.
    assert "lose_client_1=" in page.url
    screenshot(page, "forecast.png")

    page.click("nav >> text=Риск")
    page.wait_for_selector("#stress-table tbody tr")
    plan = diversification_plan(cash.lines, as_of=cash.as_of)
    assert page.inner_text('[data-plan="top1"]') == f"{top1_plan_words(plan, 'ru')}."
    first = page.locator("#stress-table tbody tr").first
    assert first.get_attribute("data-client-key") == top["client_key"]
    screenshot(page, "risk.png")

    # The top client's forecast link from the risk page opens the same what-if.
    first.locator("a", has_text="прогноз").click()
    page.wait_for_selector('[data-headline="scenario"]')
    assert page.inner_text('[data-headline="scenario"] [data-headline-text]') == headline(
        expected, "ru"
    )

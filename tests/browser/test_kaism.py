"""An owner finds a client in the KAISM matrix, opens it from its bubble, raises its scores on
the card and watches it move to the key quadrant. Saves docs/screenshots/kaism.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from keyclients.web.accounts.models import Company, Membership, User
from keyclients.web.insights import kaism_selectors, kaism_services, selectors
from keyclients.web.insights.criteria import kaism_settings
from keyclients.web.insights.demo import demo_scores
from keyclients.web.ledger.models import Client
from web.insights_fixtures import add_demo_sales

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

LOW = {"reputation": 1, "development": 0, "share_of_wallet": 5, "criticality": 1, "satisfaction": 2}
HIGH = {"reputation": "10", "development": "10", "share_of_wallet": "90", "criticality": "10"}


def _quadrant(company: Company, client: Client) -> str | None:
    cache.clear()
    data = kaism_selectors.kaism_data(
        sales=selectors.company_sales(company=company),
        settings=selectors.concentration_settings(company=company),
        kaism=kaism_settings(company=company),
        today=timezone.localdate(),
    )
    row = kaism_selectors.client_row(data=data, client_id=client.pk) or {}
    return row.get("quadrant") if row.get("complete") else None


def _opportunistic_client(company: Company, owner: User) -> Client:
    """A mid-sized client that low scores put in the opportunistic quadrant."""
    settings = kaism_settings(company=company)
    data = kaism_selectors.kaism_data(
        sales=selectors.company_sales(company=company),
        settings=selectors.concentration_settings(company=company),
        kaism=settings,
        today=timezone.localdate(),
    )
    for client_id in kaism_selectors.scoring_rows(data=data)["client_id"].to_list()[8:]:
        client = Client.objects.get(pk=client_id)
        kaism_services.client_scores_update(client=client, user=owner, kaism=settings, values=LOW)
        if _quadrant(company, client) == "opportunistic":
            return client
    raise AssertionError("no client lands in the opportunistic quadrant")


def test_an_owner_scores_a_client_and_watches_it_move_to_the_key_quadrant(
    live_server,  # type: ignore[no-untyped-def]
    page,
) -> None:
    cache.clear()
    owner = User.objects.create_user("owner", password="s3cret-pass")
    company = Company.objects.create(name="ООО «Демо-Логистик»")
    Membership.objects.create(company=company, user=owner, role="owner")
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    add_demo_sales(company, clients=30, years=2, end=end)
    demo_scores(company=company, owner=owner, seed=42)
    client = _opportunistic_client(company, owner)
    cache.clear()

    login(page, live_server.url, "owner", "s3cret-pass")
    page.click("nav >> text=KAISM")
    page.wait_for_selector("#kaism-matrix svg")
    row = f'tr[data-client-id="{client.pk}"]'
    assert page.locator(f'[data-quadrant="opportunistic"] {row}').count() == 1
    assert page.locator(f'[data-quadrant="key"] {row}').count() == 0
    # Each bubble links to its client's card (Vega-Lite's href channel): click it.
    page.wait_for_selector("#kaism-matrix[data-rendered]")
    bubble = page.locator(f'#kaism-matrix svg path[aria-label$="url: /clients/{client.pk}/"]')
    assert bubble.count() == 1
    bubble.dispatch_event("click")
    page.wait_for_selector("#score-form")
    assert page.inner_text("[data-client-name]") == client.name

    for name, value in HIGH.items():
        page.fill(f"#score-form input[name={name}]", value)
    page.fill("#score-form input[name=satisfaction]", "9")
    page.click("#score-form button[type=submit]")
    page.wait_for_selector("#score-history")
    assert "owner" in page.inner_text("#score-history")
    assert page.inner_text('[data-figure="quadrant"]').startswith("Ключевые")

    page.click("nav >> text=KAISM")
    page.wait_for_selector("#kaism-matrix svg")
    assert page.locator(f'[data-quadrant="key"] {row}').count() == 1
    assert page.locator(f'[data-quadrant="opportunistic"] {row}').count() == 0
    page.click("[data-names=cranfield]")
    page.wait_for_selector("#kaism-matrix svg")
    assert "Ключевые (стратегические)" in page.inner_text('[data-quadrant="key"] h2')
    screenshot(page, "kaism.png")

"""Under the Content-Security-Policy every page still works in a real browser: the charts are
drawn (no inline script, no eval) and the browser reports no violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from keyclients.web.accounts.models import Company, Membership, User
from keyclients.web.ledger.models import Client
from web.insights_fixtures import add_demo_sales

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_draw_their_charts_without_a_policy_violation(live_server, page) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    user = User.objects.create_user("owner", password="s3cret-pass")
    company = Company.objects.create(name="ООО «Демо»")
    Membership.objects.create(company=company, user=user, role="owner")
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    add_demo_sales(company, clients=20, years=2, end=end)
    client = Client.objects.filter(company=company).first()
    assert client is not None

    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "unsafe-eval" in message.text
            else None
        ),
    )
    login(page, live_server.url, "owner", "s3cret-pass")
    for url, charts in [
        ("/", ["#pareto", "#top-clients", "#top1-trend", "#hhi-trend"]),
        (f"/clients/{client.pk}/", []),
        ("/clients/", []),
        ("/imports/", []),
        ("/members/", []),
        ("/receivables/", []),
        ("/forecast/", []),
        ("/risk/", []),
        ("/kaism/", []),
        ("/my/", []),
        ("/team/", []),
        ("/audit/", []),
        ("/privileges/", []),
    ]:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        for chart in charts:
            page.wait_for_selector(f"{chart} svg")
        page.wait_for_load_state("networkidle")
        rendered = page.eval_on_selector_all(
            "[data-chart]", "els => els.map(e => e.getAttribute('data-rendered'))"
        )
        assert all(state == "true" for state in rendered), (url, rendered)
    assert violations == []

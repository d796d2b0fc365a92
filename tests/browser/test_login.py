"""A person logs in through the browser and lands on the overview."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from keyclients.web.accounts.models import Company, Membership

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_in_a_real_browser(live_server, page) -> None:  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user("alice", password="s3cret-pass")
    company = Company.objects.create(name="Альфа")
    Membership.objects.create(company=company, user=user, role="owner")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    login(page, live_server.url, "alice", "s3cret-pass")
    assert page.url.rstrip("/") == live_server.url
    assert "Альфа" in page.content()

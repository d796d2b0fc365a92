"""Schemathesis against `/api/openapi.json`, in-process on Django's WSGI app: generated requests
to every operation, with a valid token, never make the server fail (no 5xx), and every answer
is JSON. Examples per operation are bounded so the run stays well under a minute."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from keyclients.web.accounts.models import Company, Membership, Role, User
from keyclients.web.api import services
from keyclients.web.wsgi import application
from web.insights_fixtures import add_sales

pytestmark = pytest.mark.django_db

EXAMPLES = 30
BUDGET_SECONDS = 60


@contextmanager
def transaction_kept_open() -> Iterator[None]:
    """Django closes a connection that is inside a transaction at each request's start and end;
    the test client switches that off, a bare WSGI call does not (PostgreSQL would lose the
    test's transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_generated_requests_never_make_the_api_fail() -> None:
    with transaction_kept_open():
        _run_schemathesis()


def _run_schemathesis() -> None:
    company = Company.objects.create(name="Schema")
    user = User.objects.create_user("schema", password="x")
    membership = Membership.objects.create(company=company, user=user, role=Role.OWNER)
    add_sales(
        company,
        [
            ("ООО Альфа", date(2025, 3, 1), 100),
            ("Бета", date(2025, 4, 1), 50),
            ("=HYPERLINK(1)", date(2025, 5, 1), 20),
        ],
    )
    token = services.token_create(membership=membership, name="schemathesis").raw
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500 or not response.headers.get("content-type", [""])[
                0
            ].startswith("application/json"):
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}"
                    f" -> {response.status_code} {response.text[:300]}"
                )

        check()
    assert not failures, "\n".join(failures[:10])
    assert time.monotonic() - started < BUDGET_SECONDS

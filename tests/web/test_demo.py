"""`keyclients demo`'s setup: two companies, five users, the sales loaded through the import
service, client details from the generator; a second run reuses everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Sum
from django.test import Client as DjangoClient

from keyclients.core.demo import generate_company
from keyclients.web import demo
from keyclients.web.accounts.models import Company, Membership, Role, User
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale

pytestmark = pytest.mark.django_db


def test_the_demo_setup_creates_the_companies_and_users_and_is_idempotent(
    tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.UPLOADS_DIR = tmp_path / "uploads"
    first = demo.demo_setup(files_dir=tmp_path / "files")
    assert [c.created for c in first.companies] == [True, True]
    counts = (
        User.objects.count(),
        Company.objects.count(),
        Membership.objects.count(),
        Client.objects.count(),
        Sale.objects.count(),
        ImportBatch.objects.count(),
    )
    second = demo.demo_setup(files_dir=tmp_path / "files")
    assert [c.created for c in second.companies] == [False, False]
    assert counts == (
        User.objects.count(),
        Company.objects.count(),
        Membership.objects.count(),
        Client.objects.count(),
        Sale.objects.count(),
        ImportBatch.objects.count(),
    )

    main = Company.objects.get(name=demo.DEMO_COMPANY)
    other = Company.objects.get(name=demo.SECOND_COMPANY)
    roles = dict(Membership.objects.filter(company=main).values_list("user__username", "role"))
    assert roles == {
        "owner": Role.OWNER,
        "finance": Role.FINANCE,
        "farmer1": Role.MANAGER,
        "farmer2": Role.MANAGER,
        "viewer": Role.VIEWER,
    }
    assert set(
        Membership.objects.filter(company=other).values_list("user__username", flat=True)
    ) == {
        "owner",
        "finance",
    }
    for username in roles:
        assert User.objects.get(username=username).check_password(demo.DEMO_PASSWORD)

    # The owner's well-known demo API token, made once and the same on the second run.
    assert first.api_token == second.api_token == f"kc_{main.pk}_{demo.DEMO_TOKEN_SECRET}"
    answer = DjangoClient().get(
        "/api/me", HTTP_AUTHORIZATION=f"Bearer {first.api_token}", SERVER_NAME="127.0.0.1"
    )
    assert answer.json()["user"] == "owner"

    # The sales went through the import service: one done batch each, the generator's totals.
    generated = generate_company(seed=demo.DEMO_SEED)
    batch = ImportBatch.objects.get(company=main)
    assert batch.status == ImportStatus.DONE
    assert batch.rows_imported == generated.sales.height
    total = Sale.objects.filter(company=main).aggregate(total=Sum("amount"))["total"]
    assert float(total) == pytest.approx(generated.sales.get_column("amount").sum(), abs=0.01)
    assert Client.objects.filter(company=main).count() == generated.clients.height
    assert Client.objects.filter(company=other).count() == demo.SECOND_CLIENTS

    # Details from the generator; farmers look after a share of the clients.
    key_client = Client.objects.get(company=main, key=generated.clients["client_key"][0])
    assert key_client.industry and key_client.regions and key_client.payment_terms_days is not None
    farmed = Client.objects.filter(company=main, manager__username__in=["farmer1", "farmer2"])
    assert 0 < farmed.count() < generated.clients.height
    assert set(farmed.values_list("manager__username", flat=True)) == {"farmer1", "farmer2"}

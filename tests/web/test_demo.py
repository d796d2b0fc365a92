"""`keyclients demo`'s setup: two companies, six users, the sales loaded through the import
service, client details from the generator; a second run reuses everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Sum

from keyclients.core.demo import generate_company
from keyclients.web import demo
from keyclients.web.accounts.models import Company, Membership, Role, User
from keyclients.web.clients.models import (
    AccountPlan,
    ClientProfile,
    Contact,
    ContactPersonal,
    Interaction,
    Need,
    Objective,
    PrivilegeTier,
)
from keyclients.web.clients.team import team_overview
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
        Contact.objects.count(),
        Interaction.objects.count(),
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
        Contact.objects.count(),
        Interaction.objects.count(),
    )

    main = Company.objects.get(name=demo.DEMO_COMPANY)
    other = Company.objects.get(name=demo.SECOND_COMPANY)
    roles = dict(Membership.objects.filter(company=main).values_list("user__username", "role"))
    assert roles == {
        "owner": Role.OWNER,
        "finance": Role.FINANCE,
        "farmer1": Role.MANAGER,
        "farmer2": Role.MANAGER,
        "hunter1": Role.MANAGER,
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

    # Full dossiers of the ten largest clients, all farmed by the demo farmers.
    dossiers = set(Contact.objects.filter(company=main).values_list("client_id", flat=True))
    assert len(dossiers) == 10
    dossier_managers = Client.objects.filter(pk__in=dossiers).values_list(
        "manager__username", flat=True
    )
    assert set(dossier_managers) == {"farmer1", "farmer2"}
    assert Interaction.objects.filter(company=main).count() >= 80
    assert Need.objects.filter(company=main).count() >= 20
    assert AccountPlan.objects.filter(company=main).count() == 10
    assert Objective.objects.filter(company=main).count() == 30
    assert ContactPersonal.objects.filter(company=main).count() > 0
    assert PrivilegeTier.objects.filter(company=main).count() == 3
    assert ClientProfile.objects.filter(company=main, tier__isnull=False).count() == 6
    assert not Contact.objects.filter(company=other).exists()
    # A hunter with new clients, some of them due for hand-off to a farmer.
    hunted = ClientProfile.objects.filter(company=main, hunter__username="hunter1")
    assert hunted.count() == 7
    assert set(hunted.values_list("client__manager__username", flat=True)) == {"hunter1"}
    overview = team_overview(company=main)
    assert len(overview.handoffs) == 3
    assert {name for _pk, name in overview.farmers} == {"farmer1", "farmer2"}

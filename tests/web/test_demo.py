"""`keyclients demo`'s setup: two companies, six users, the sales loaded through the import
service, client details from the generator; a second run reuses everything."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.db.models import Sum
from django.test import Client as DjangoClient

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
from keyclients.web.insights.models import ClientFlag, ScoreEntry
from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus, Sale

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_curls() -> list[list[str]]:
    """The curl commands of the README's API example, each split into its words."""
    text = README.read_text(encoding="utf-8")
    block = text.split("TOKEN=kc_1_demo-owner", 1)[1].split("```", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)
    # A quoted body may span lines in the README: join them before splitting into words.
    commands = re.split(r"\n(?=curl )", joined.strip())
    return [shlex.split(command.replace("\n", " ")) for command in commands]


def _readme_curls_work(company: Company, token: str) -> None:
    """Every curl of the README answers 200 on the demo (client ids as in a fresh database,
    where the demo company's clients are numbered from 1)."""
    first_client = Client.objects.filter(company=company).order_by("pk").first()
    assert first_client is not None
    http = DjangoClient()
    curls = readme_curls()
    assert len(curls) >= 5
    for words in curls:
        headers: dict[str, str] = {}
        body = None
        url = ""
        items = iter(words[1:])
        for word in items:
            if word == "-H":
                name, _sep, value = next(items).partition(": ")
                headers[name] = value.replace("$TOKEN", token)
            elif word == "-d":
                body = next(items)
            else:
                url = word
        url = url.removeprefix("http://127.0.0.1:8000")
        url = re.sub(
            r"(lose|delay)=(\d+)", lambda m: f"{m[1]}={int(m[2]) - 1 + first_client.pk}", url
        )
        extra = {"HTTP_AUTHORIZATION": headers["Authorization"], "SERVER_NAME": "127.0.0.1"}
        if body is None:
            answer = http.get(url, **extra)
        else:
            answer = http.post(url, body, content_type=headers["Content-Type"], **extra)
        assert answer.status_code == 200, (url, answer.content)


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
        ScoreEntry.objects.count(),
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
        ScoreEntry.objects.count(),
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

    # The owner's well-known demo API token, made once and the same on the second run.
    assert first.api_token == second.api_token == f"kc_{main.pk}_{demo.DEMO_TOKEN_SECRET}"
    answer = DjangoClient().get(
        "/api/me", HTTP_AUTHORIZATION=f"Bearer {first.api_token}", SERVER_NAME="127.0.0.1"
    )
    assert answer.json()["user"] == "owner"

    # The sales went through the import service: one done batch each, the generator's totals.
    generated = generate_company(seed=demo.DEMO_SEED)
    batch = ImportBatch.objects.get(company=main, kind="sales")
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

    # Last, as its push adds a sales import: the README's curl examples work on the demo.
    _readme_curls_work(main, first.api_token)


def test_the_demo_has_payments_from_a_file_and_a_statement_each_counted_once(
    tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    from keyclients.core.analytics.receivables import settle
    from keyclients.core.demo.bank import BANK_INN, last_quarter_start
    from keyclients.web.insights import receivables as receivables_selectors
    from keyclients.web.insights.selectors import company_sales
    from keyclients.web.ledger.models import Outflow, Payment

    settings.UPLOADS_DIR = tmp_path / "uploads"
    demo.demo_setup(files_dir=tmp_path / "files")
    main = Company.objects.get(name=demo.DEMO_COMPANY)
    generated = generate_company(seed=demo.DEMO_SEED)
    quarter = last_quarter_start(generated.end)
    kinds = dict(ImportBatch.objects.filter(company=main).values_list("kind", "file_name"))
    assert kinds == {
        "sales": "sales.csv",
        "payments": "payments_before_statement.csv",
        "bank": "bank_statement_1c.txt",
    }
    file_payments = Payment.objects.filter(company=main, source="file")
    bank_payments = Payment.objects.filter(company=main, source="bank")
    assert file_payments.filter(date__gte=quarter).count() == 0
    assert bank_payments.filter(date__lt=quarter).count() == 0
    clients_paid = bank_payments.exclude(payer_inn=BANK_INN).count() + file_payments.count()
    assert clients_paid == generated.payments.height
    # The bank's interest is the one payer who is not a client.
    assert set(
        Payment.objects.filter(company=main, client__isnull=True).values_list(
            "payer_inn", flat=True
        )
    ) == {BANK_INN}
    assert Outflow.objects.filter(company=main).exists()

    # The receivables page's figures are the core's on the generator's own frames.
    sales = company_sales(company=main)
    inputs = receivables_selectors.receivables_input(sales=sales)
    assert inputs.duplicates == 0
    data = receivables_selectors.receivables(
        sales=sales,
        as_of=generated.end,
        settings=receivables_selectors.receivables_settings(company=main),
    )
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
    expected = settle(lines, paid, as_of=generated.end, terms=terms).totals
    got = data.totals
    for name in ("invoiced", "paid", "outstanding", "overdue", "advance"):
        assert round(getattr(got, name) * 100) == round(getattr(expected, name) * 100), name
    assert got.dso == pytest.approx(expected.dso)
    assert got.unmatched_payments == 3  # a quarter of monthly interest


def test_the_demo_is_scored_so_kaism_key_clients_and_warnings_have_something_to_show(
    tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date
    from unittest import mock

    import polars as pl

    from keyclients.web.insights import kaism_selectors, selectors
    from keyclients.web.insights.criteria import kaism_settings

    settings.UPLOADS_DIR = tmp_path / "uploads"
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 1, 15)):
        demo.demo_setup(files_dir=tmp_path / "files")
        main = Company.objects.get(name=demo.DEMO_COMPANY)
        data = kaism_selectors.kaism_data(
            sales=selectors.company_sales(company=main),
            settings=selectors.concentration_settings(company=main),
            kaism=kaism_settings(company=main),
            today=date(2026, 1, 15),
        )

    # The top 30 by revenue have every built-in manual score, set by the owner.
    top = kaism_selectors.scoring_rows(data=data)["client_id"].to_list()
    assert len(top) == 30
    for client in Client.objects.filter(pk__in=top):
        assert None not in (
            client.reputation_score,
            client.development_score,
            client.share_of_wallet,
            client.criticality_score,
            client.satisfaction_score,
        )
    assert set(
        ScoreEntry.objects.filter(company=main).values_list("set_by__username", flat=True)
    ) == {"owner"}
    # A populated matrix: clients placed on complete data in the key quadrant and at least two
    # others. (Since payments are imported, payment discipline lifts the small clients' axis,
    # so which of the low quadrants fills depends on the generated payments.)
    placed = data.clients.filter(pl.col("complete"))
    assert placed.height >= 30
    quadrants = set(placed["quadrant"].to_list())
    assert "key" in quadrants and len(quadrants) >= 3
    # Key for a reason other than revenue: a small client with a famous name.
    not_by_revenue = data.clients.filter(
        pl.col("is_key") & ~pl.col("key_reasons").list.contains("revenue")
    )
    assert not_by_revenue.filter(pl.col("key_reasons").list.contains("reputation")).height >= 1
    assert not_by_revenue.filter(pl.col("abc") == "C").height >= 1
    assert ClientFlag.objects.filter(company=main, kind="key").count() == 1
    assert ClientFlag.objects.filter(company=main, kind="prospective").count() == 1
    # Early warnings with their evidence.
    assert data.signals.height > 0
    assert set(data.signals["signal"].to_list()) >= {"revenue_drop", "silence"}

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
    other = Company.objects.get(name=demo.SECOND_COMPANY)
    assert not Contact.objects.filter(company=other).exists()
    # A hunter with new clients, some of them due for hand-off to a farmer.
    hunted = ClientProfile.objects.filter(company=main, hunter__username="hunter1")
    assert hunted.count() == 7
    assert set(hunted.values_list("client__manager__username", flat=True)) == {"hunter1"}
    overview = team_overview(company=main)
    assert len(overview.handoffs) == 3
    assert {name for _pk, name in overview.farmers} == {"farmer1", "farmer2"}

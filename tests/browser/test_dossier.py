"""A farmer works a client's dossier in a real browser: adds a contact and an interaction with a
next step from the card's tabs, sees the next step on My clients; a second farmer cannot open
that client (404). Saves docs/screenshots/client-card.png and stakeholder-map.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from keyclients.web.accounts.models import Company, ManagerKind, Membership, Role, User
from keyclients.web.clients import services
from keyclients.web.ledger.models import Client
from web.insights_fixtures import add_demo_sales

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"
TEAM = (
    ("Генеральный директор", "Соколов Алексей Андреевич", "decision_maker", "supporter", 5, None),
    ("Финансовый директор", "Орлова Марина Сергеевна", "economic_buyer", "neutral", 4, 0),
    ("Директор по логистике", "Волков Дмитрий Игоревич", "technical_evaluator", "champion", 4, 0),
    ("Начальник склада", "Лебедева Ольга Викторовна", "user", "critic", 2, 2),
)


def _farmer(company: Company, username: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    Membership.objects.create(
        company=company, user=user, role=Role.MANAGER, manager_kind=ManagerKind.FARMER
    )
    return user


def _people(client: Client, by: User) -> None:
    """The client's people (a small org chart) and two earlier interactions with them."""
    made: list[object] = []
    for position, name, role, attitude, influence, boss in TEAM:
        made.append(
            services.contact_create(
                client=client,
                by=by,
                data=services.ContactFields(
                    full_name=name,
                    position=position,
                    buying_role=role,
                    attitude=attitude,
                    influence=influence,
                    reports_to=None if boss is None else made[boss],  # type: ignore[arg-type]
                    email="",
                    phone="",
                    last_contact_date=None,
                    active=True,
                ),
            )
        )
    today = timezone.localdate()
    for days, kind, summary in (
        (60, "meeting", "Встреча в офисе клиента: объёмы на квартал и качество доставки"),
        (20, "call", "Звонок: сверили график отгрузок, жалоб нет"),
    ):
        services.interaction_create(
            client=client,
            by=by,
            data=services.InteractionFields(
                date=today - timedelta(days=days),
                kind=kind,
                summary=summary,
                contacts=made[:2],  # type: ignore[arg-type]
                our_people=[by],
                next_step="",
                next_step_date=None,
            ),
        )


def test_a_farmer_logs_a_contact_and_an_interaction_and_a_second_farmer_gets_404(  # type: ignore[no-untyped-def]
    live_server, page
) -> None:
    cache.clear()
    company = Company.objects.create(name="ООО «Демо-Логистик»")
    owner = User.objects.create_user("owner", password=PASSWORD)
    Membership.objects.create(company=company, user=owner, role=Role.OWNER)
    farmer1, _farmer2 = _farmer(company, "farmer1"), _farmer(company, "farmer2")
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    add_demo_sales(company, clients=30, years=2, end=end)
    client = Client.objects.filter(company=company).order_by("pk").first()
    assert client is not None
    client.manager = farmer1
    client.save()
    _people(client, owner)
    next_day = timezone.localdate() + timedelta(days=3)

    login(page, live_server.url, "farmer1", PASSWORD)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.wait_for_selector("[data-tab-panel=general]")

    # A new contact, from the Contacts tab.
    page.click("[data-tab=contacts]")
    page.wait_for_selector("[data-tab-panel=contacts] #stakeholder-map")
    page.click("#add-contact")
    page.fill("#id_full_name", "Павлова Татьяна Михайловна")
    page.fill("#id_position", "Руководитель отдела закупок")
    page.select_option("#id_buying_role", "influencer")
    page.select_option("#id_attitude", "champion")
    page.select_option("#id_influence", "3")
    page.select_option("#id_reports_to", label="Орлова Марина Сергеевна")
    page.click(".dossier-form button[type=submit]")
    page.wait_for_selector(".contact-name:has-text('Павлова Татьяна Михайловна')")
    assert page.locator("#stakeholder-map .map-node").count() == 5

    # An interaction with a next step, from the Interactions tab.
    page.click("[data-tab=interactions]")
    page.click("#add-interaction")
    page.select_option("#id_kind", "negotiation")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.check("label:has-text('Павлова Татьяна Михайловна') input")
    page.fill("#id_summary", "Обсудили тарифы на следующий год")
    page.fill("#id_next_step", "Отправить коммерческое предложение")
    page.fill("#id_next_step_date", next_day.isoformat())
    page.click(".dossier-form button[type=submit]")
    page.wait_for_selector("#timeline >> text=Обсудили тарифы на следующий год")
    screenshot(page, "client-card.png")

    page.goto(f"{live_server.url}/clients/{client.pk}/dossier/contacts/")
    page.wait_for_selector("#stakeholder-map svg")
    screenshot(page, "stakeholder-map.png")

    page.click("nav >> text=Мои клиенты")
    page.wait_for_selector("#next-steps")
    steps = page.inner_text("#next-steps")
    assert "Отправить коммерческое предложение" in steps
    assert client.name in steps

    page.click("form[action*=logout] button")
    login(page, live_server.url, "farmer2", PASSWORD)
    response = page.goto(f"{live_server.url}/clients/{client.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{live_server.url}/clients/{client.pk}/dossier/contacts/")
    assert response is not None and response.status == 404
    assert "Павлова" not in page.content()

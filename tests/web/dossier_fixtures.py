"""Dossiers for the tests: company A with Bob's client (Bob as a manager looks after it), Dave's
client (another manager's), and company B's client (Charlie's company); each with a contact
who has personal data, an interaction with a next step, a need, a plan with an objective, and a
privilege tier of its company.

The personal data are sentinels, so a test can tell that they never reach a page or an export
of a role that may not see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from django.core.cache import cache
from django.utils import timezone

from keyclients.web.accounts.models import Company, ManagerKind, Membership, Role, User
from keyclients.web.clients import services
from keyclients.web.clients.models import (
    AccountPlan,
    Contact,
    Interaction,
    Need,
    Objective,
    PrivilegeTier,
)
from keyclients.web.ledger.models import Client
from keyclients.web.ledger.services import client_create

from .base import PASSWORD, CompanyTestCase

FAMILY = "SECRET-FAMILY-Жена-Ольга"
INTERESTS = "SECRET-INTERESTS-рыбалка"
NOTES = "SECRET-NOTES-не-звонить-по-пятницам"
BIRTHDAY = date(1971, 2, 3)
SENTINELS = (FAMILY, INTERESTS, NOTES)


@dataclass(frozen=True)
class Target:
    """One client and the ids of its dossier's parts."""

    client: Client
    contact: Contact
    interaction: Interaction
    need: Need
    plan: AccountPlan
    objective: Objective
    tier: PrivilegeTier


def contact_data(**changes: object) -> services.ContactFields:
    values: dict[str, object] = {
        "full_name": "Иван Петров",
        "position": "Директор",
        "buying_role": "decision_maker",
        "attitude": "supporter",
        "influence": 5,
        "reports_to": None,
        "email": "ivan@example.com",
        "phone": "+7 900 000-00-00",
        "last_contact_date": None,
        "active": True,
    }
    values.update(changes)
    return services.ContactFields(**values)  # type: ignore[arg-type]


def make_dossier(client: Client, by: User, tier_name: str) -> Target:
    today = timezone.localdate()
    contact = services.contact_create(client=client, by=by, data=contact_data())
    services.personal_update(
        contact=contact,
        by=by,
        ip="127.0.0.1",
        data=services.PersonalFields(
            birthday=BIRTHDAY, family=FAMILY, interests=INTERESTS, notes=NOTES
        ),
    )
    interaction = services.interaction_create(
        client=client,
        by=by,
        data=services.InteractionFields(
            date=today - timedelta(days=3),
            kind="meeting",
            summary="Обсудили поставки на год",
            contacts=[contact],
            our_people=[by],
            next_step="Отправить КП",
            next_step_date=today + timedelta(days=2),
        ),
    )
    need = services.need_create(
        client=client,
        by=by,
        data=services.NeedFields(
            need="Доставка за 24 часа", pain="Простои склада", solution="Экспресс", status="open"
        ),
    )
    plan = services.plan_create(
        client=client,
        by=by,
        data=services.PlanFields(
            period_start=date(today.year, 1, 1),
            period_end=date(today.year, 12, 31),
            goals="Рост на 20%",
            review_date=today + timedelta(days=30),
        ),
    )
    objective = services.objective_create(
        plan=plan,
        by=by,
        data=services.ObjectiveFields(
            title="Подписать рамочный договор",
            owner=by,
            due_date=today + timedelta(days=60),
            status="in_progress",
            progress=40,
        ),
    )
    tier = PrivilegeTier.objects.create(
        company_id=client.company_id, name=tier_name, discount_percent=5
    )
    return Target(client, contact, interaction, need, plan, objective, tier)


class DossierTestCase(CompanyTestCase):
    """Company A: Bob's client and Dave's; company B: Charlie's. Bob's role is set per check;
    Bob looks after `own` whenever he is a manager."""

    dave: ClassVar[User]
    own: ClassVar[Target]
    other: ClassVar[Target]
    foreign: ClassVar[Target]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.dave = User.objects.create_user("dave", "dave@example.com", PASSWORD)
        Membership.objects.create(
            company=cls.company_a,
            user=cls.dave,
            role=Role.MANAGER,
            manager_kind=ManagerKind.FARMER,
        )
        own = client_create(company=cls.company_a, name="Своя Ромашка", manager=cls.bob)
        other = client_create(company=cls.company_a, name="Чужой Василёк", manager=cls.dave)
        foreign = client_create(company=cls.company_b, name="Бета-Клиент", manager=cls.charlie)
        cls.own = make_dossier(own, cls.alice, "Золото")
        cls.other = make_dossier(other, cls.dave, "Серебро")
        cls.foreign = make_dossier(foreign, cls.charlie, "Платина")

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    @staticmethod
    def company(target: Target) -> Company:
        return target.client.company

"""The permission matrix of the dossier, generated: every dossier URL and action × every role
(owner, finance, manager of the client, manager of another's client, viewer, another
company's owner) × Bob's client / another manager's client / another company's client.

Exactly the allowed cells succeed (a page 200, a valid post a redirect); a client the member
may not open is a 404 (another company's; for a manager, another manager's); a part of the
dossier the role may not act on is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from django.urls import URLPattern

from keyclients.web.accounts.models import Role, User
from keyclients.web.clients import urls as clients_urls

from .base import LOGIN_URL
from .dossier_fixtures import DossierTestCase, Target

READ = "read"  # everyone who may open the client
EDIT = "edit"  # owners, finance, the client's manager
PERSONAL = "personal"  # owners, the client's manager
PRIVILEGES = "privileges"  # owners and finance

ALLOWED = {
    READ: {"owner", "finance", "manager-own", "viewer"},
    EDIT: {"owner", "finance", "manager-own"},
    PERSONAL: {"owner", "manager-own"},
    PRIVILEGES: {"owner", "finance"},
}


@dataclass(frozen=True)
class Action:
    name: str  # the URL name in the clients app
    method: str
    kind: str
    url: Callable[[Target], str]
    data: Callable[[Target, User], dict[str, Any]] | None = None


def _base(t: Target) -> str:
    return f"/clients/{t.client.pk}/dossier"


def _contact_post(t: Target, user: User) -> dict[str, Any]:
    return {
        "full_name": "Мария Сидорова",
        "position": "Закупки",
        "buying_role": "influencer",
        "attitude": "champion",
        "influence": "4",
        "reports_to": str(t.contact.pk),
        "email": "",
        "phone": "",
        "last_contact_date": "",
        "active": "on",
    }


def _interaction_post(t: Target, user: User) -> dict[str, Any]:
    return {
        "date": "2026-01-10",
        "kind": "call",
        "summary": "Созвон",
        "contacts": [str(t.contact.pk)],
        "our_people": [str(user.pk)],
        "next_step": "Встреча",
        "next_step_date": "2026-01-20",
    }


GENERAL = {
    "industry": "Логистика",
    "size": "крупный",
    "markets": "Москва, Казань",
    "strategy": "Рост",
    "website": "https://example.com",
    "status": "active",
}
FINANCIAL = {"budget": "1000000", "credit_limit": "500000", "payment_terms_days": "30"}
PERSONAL_DATA = {"birthday": "1980-05-17", "family": "", "interests": "шахматы", "notes": ""}
NEED = {"need": "Склад", "pain": "", "solution": "", "status": "open"}
PLAN = {"period_start": "2027-01-01", "period_end": "2027-12-31", "goals": "", "review_date": ""}
OBJECTIVE = {"title": "Цель", "owner": "", "due_date": "", "status": "planned", "progress": "10"}

TABS = ("general", "financial", "contacts", "interactions", "needs", "plan", "privileges")

ACTIONS: list[Action] = [
    *[Action("tab", "get", READ, lambda t, tab=tab: f"{_base(t)}/{tab}/") for tab in TABS],
    Action("tab", "get", READ, lambda t: f"{_base(t)}/history/"),
    Action("general_edit", "get", EDIT, lambda t: f"{_base(t)}/general/edit/"),
    Action(
        "general_edit", "post", EDIT, lambda t: f"{_base(t)}/general/edit/", lambda t, u: GENERAL
    ),
    Action("financial_edit", "get", EDIT, lambda t: f"{_base(t)}/financial/edit/"),
    Action(
        "financial_edit",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/financial/edit/",
        lambda t, u: FINANCIAL,
    ),
    Action("contact_new", "get", EDIT, lambda t: f"{_base(t)}/contacts/new/"),
    Action("contact_new", "post", EDIT, lambda t: f"{_base(t)}/contacts/new/", _contact_post),
    Action("contact_edit", "get", EDIT, lambda t: f"{_base(t)}/contacts/{t.contact.pk}/"),
    Action(
        "contact_edit",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/contacts/{t.contact.pk}/",
        lambda t, u: {**_contact_post(t, u), "reports_to": ""},
    ),
    Action("personal", "get", PERSONAL, lambda t: f"{_base(t)}/contacts/{t.contact.pk}/personal/"),
    Action(
        "personal_edit",
        "get",
        PERSONAL,
        lambda t: f"{_base(t)}/contacts/{t.contact.pk}/personal/edit/",
    ),
    Action(
        "personal_edit",
        "post",
        PERSONAL,
        lambda t: f"{_base(t)}/contacts/{t.contact.pk}/personal/edit/",
        lambda t, u: PERSONAL_DATA,
    ),
    Action(
        "personal_erase",
        "post",
        PERSONAL,
        lambda t: f"{_base(t)}/contacts/{t.contact.pk}/personal/erase/",
        lambda t, u: {},
    ),
    Action("interaction_new", "get", EDIT, lambda t: f"{_base(t)}/interactions/new/"),
    Action(
        "interaction_new",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/interactions/new/",
        _interaction_post,
    ),
    Action(
        "interaction_edit", "get", EDIT, lambda t: f"{_base(t)}/interactions/{t.interaction.pk}/"
    ),
    Action(
        "interaction_edit",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/interactions/{t.interaction.pk}/",
        _interaction_post,
    ),
    Action(
        "interaction_done",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/interactions/{t.interaction.pk}/done/",
        lambda t, u: {},
    ),
    Action("need_new", "get", EDIT, lambda t: f"{_base(t)}/needs/new/"),
    Action("need_new", "post", EDIT, lambda t: f"{_base(t)}/needs/new/", lambda t, u: NEED),
    Action("need_edit", "get", EDIT, lambda t: f"{_base(t)}/needs/{t.need.pk}/"),
    Action(
        "need_edit", "post", EDIT, lambda t: f"{_base(t)}/needs/{t.need.pk}/", lambda t, u: NEED
    ),
    Action("plan_new", "get", EDIT, lambda t: f"{_base(t)}/plans/new/"),
    Action("plan_new", "post", EDIT, lambda t: f"{_base(t)}/plans/new/", lambda t, u: PLAN),
    Action("plan_edit", "get", EDIT, lambda t: f"{_base(t)}/plans/{t.plan.pk}/"),
    Action(
        "plan_edit",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/plans/{t.plan.pk}/",
        lambda t, u: {**PLAN, "period_start": "2026-01-01", "period_end": "2026-12-31"},
    ),
    Action("objective_new", "get", EDIT, lambda t: f"{_base(t)}/plans/{t.plan.pk}/objectives/new/"),
    Action(
        "objective_new",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/plans/{t.plan.pk}/objectives/new/",
        lambda t, u: OBJECTIVE,
    ),
    Action("objective_edit", "get", EDIT, lambda t: f"{_base(t)}/objectives/{t.objective.pk}/"),
    Action(
        "objective_edit",
        "post",
        EDIT,
        lambda t: f"{_base(t)}/objectives/{t.objective.pk}/",
        lambda t, u: OBJECTIVE,
    ),
    Action("privileges_edit", "get", PRIVILEGES, lambda t: f"{_base(t)}/privileges/edit/"),
    Action(
        "privileges_edit",
        "post",
        PRIVILEGES,
        lambda t: f"{_base(t)}/privileges/edit/",
        lambda t, u: {"tier": str(t.tier.pk), "since": "2026-01-01"},
    ),
]

# The company-level pages, checked with the base's `assert_access` below.
COMPANY_PAGES = {
    "my",
    "team",
    "team_settings",
    "team_handoff",
    "audit",
    "privileges",
    "tier_new",
    "tier_edit",
    "tier_member_add",
    "client_new",
}


class DossierPermissionMatrixTests(DossierTestCase):
    # role name -> (the user, Bob's role or None)
    ROLES: ClassVar[dict[str, tuple[str, Role | None]]] = {
        "owner": ("alice", None),
        "finance": ("bob", Role.FINANCE),
        "manager": ("bob", Role.MANAGER),
        "viewer": ("bob", Role.VIEWER),
        "outsider": ("charlie", None),
    }

    def _expected(self, action: Action, role: str, target: str) -> int:
        if role == "outsider":
            if target != "foreign":
                return 404
            role = "owner"  # Charlie owns company B: its client is his own
        elif target == "foreign":
            return 404
        if role == "manager":
            if target == "other":
                return 404
            role = "manager-own"
        if role not in ALLOWED[action.kind]:
            return 403
        return 200 if action.method == "get" else 302

    def test_every_action_for_every_role_and_client(self) -> None:
        targets = {"own": self.own, "other": self.other, "foreign": self.foreign}
        users = {"alice": self.alice, "bob": self.bob, "charlie": self.charlie}
        cells = 0
        for action in ACTIONS:
            for role, (username, bob_role) in self.ROLES.items():
                for target_name, target in targets.items():
                    expected = self._expected(action, role, target_name)
                    with (
                        self.subTest(
                            action=action.name, method=action.method, role=role, target=target_name
                        ),
                        self.rolled_back(),
                    ):
                        if bob_role is not None:
                            self.set_bob_role(bob_role)
                        user = users[username]
                        self.login(user)
                        url = action.url(target)
                        data = action.data(target, user) if action.data else None
                        response = self.request(action.method, url, data)
                        self.assertEqual(
                            response.status_code,
                            expected,
                            f"{role} {action.method} {url} ({target_name}): "
                            f"{response.content[:300]!r}",
                        )
                        cells += 1
        assert cells == len(ACTIONS) * len(self.ROLES) * 3

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for action in ACTIONS:
            with self.subTest(action=action.name, method=action.method):
                data = action.data(self.own, self.alice) if action.data else None
                response = self.request(action.method, action.url(self.own), data)
                self.assertEqual(response.status_code, 302)
                assert response["Location"].startswith(LOGIN_URL)

    def test_the_matrix_covers_every_url_of_the_app(self) -> None:
        names = {p.name for p in clients_urls.urlpatterns if isinstance(p, URLPattern)}
        covered = {action.name for action in ACTIONS} | COMPANY_PAGES
        assert names == covered, names ^ covered

    def test_a_part_of_another_client_is_a_404(self) -> None:
        self.login(self.alice)
        own, other = self.own, self.other
        for url in (
            f"{_base(own)}/contacts/{other.contact.pk}/",
            f"{_base(own)}/contacts/{other.contact.pk}/personal/",
            f"{_base(own)}/interactions/{other.interaction.pk}/",
            f"{_base(own)}/needs/{other.need.pk}/",
            f"{_base(own)}/plans/{other.plan.pk}/",
            f"{_base(own)}/objectives/{other.objective.pk}/",
            f"{_base(own)}/nonsense/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)


class ClientCardVisibilityTests(DossierTestCase):
    def test_a_manager_opens_their_own_and_unassigned_clients_but_not_anothers(self) -> None:
        from keyclients.web.ledger.services import client_create

        free = client_create(company=self.company_a, name="Ничей")
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)

        assert self.client.get(f"/clients/{self.own.client.pk}/").status_code == 200
        assert self.client.get(f"/clients/{free.pk}/").status_code == 200
        assert self.client.get(f"/clients/{self.other.client.pk}/").status_code == 404
        # Every other role opens every card of the company.
        for role in (Role.OWNER, Role.FINANCE, Role.VIEWER):
            self.set_bob_role(role)
            assert self.client.get(f"/clients/{self.other.client.pk}/").status_code == 200

    def test_the_list_and_its_export_leave_out_anothers_clients_for_a_manager(self) -> None:
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)

        names = [row["client"] for row in self.client.get("/clients/").context["clients"]]

        assert names == ["Своя Ромашка"]
        self.set_bob_role(Role.FINANCE)
        names = [row["client"] for row in self.client.get("/clients/").context["clients"]]
        assert sorted(names) == ["Своя Ромашка", "Чужой Василёк"]

    def test_the_card_carries_the_dossier_tabs(self) -> None:
        self.login(self.alice)

        response = self.client.get(f"/clients/{self.own.client.pk}/")

        self.assertContains(response, 'id="dossier-tabs"')
        self.assertContains(response, f"/clients/{self.own.client.pk}/dossier/general/")


class CompanyPagesAccessTests(DossierTestCase):
    def test_my_clients_and_privileges_are_open_to_every_member(self) -> None:
        self.assert_access("/my/", "/privileges/", roles=list(Role), of_company_a=False)

    def test_the_team_is_for_owners_and_finance(self) -> None:
        self.assert_access("/team/", roles=[Role.OWNER, Role.FINANCE], of_company_a=False)

    def test_the_audit_log_is_for_owners(self) -> None:
        self.assert_access("/audit/", roles=[Role.OWNER], of_company_a=False)
        self.assert_access(
            "/team/settings/",
            roles=[Role.OWNER],
            method="post",
            data={"months": "9"},
            ok=302,
            of_company_a=False,
        )

    def test_owners_and_finance_manage_tiers(self) -> None:
        tier = self.own.tier
        self.assert_access("/privileges/new/", roles=[Role.OWNER, Role.FINANCE], of_company_a=False)
        self.assert_access(
            "/privileges/new/",
            roles=[Role.OWNER, Role.FINANCE],
            method="post",
            data={"name": "Новый", "benefits": "", "rule": "manual", "discount_percent": "3"},
            ok=302,
            of_company_a=False,
        )
        self.assert_access(f"/privileges/{tier.pk}/", roles=[Role.OWNER, Role.FINANCE])
        self.assert_access(
            f"/privileges/{tier.pk}/add/",
            roles=[Role.OWNER, Role.FINANCE],
            method="post",
            data={"client": str(self.other.client.pk)},
            ok=302,
        )

    def test_hand_offs_are_for_owners_and_finance(self) -> None:
        self.assert_access(
            f"/team/handoff/{self.own.client.pk}/",
            roles=[Role.OWNER, Role.FINANCE],
            method="post",
            data={"farmer": str(self.dave.pk)},
            ok=302,
        )

    def test_owners_finance_and_managers_add_clients(self) -> None:
        roles = [Role.OWNER, Role.FINANCE, Role.MANAGER]
        self.assert_access("/clients/new/", roles=roles, of_company_a=False)
        self.assert_access(
            "/clients/new/",
            roles=roles,
            method="post",
            data={"name": "Новый клиент", "inn": ""},
            ok=302,
            of_company_a=False,
        )

    def test_another_companys_tier_is_a_404(self) -> None:
        self.login(self.alice)
        foreign = self.foreign.tier
        assert self.client.get(f"/privileges/{foreign.pk}/").status_code == 404
        response = self.client.post(
            f"/privileges/{self.own.tier.pk}/add/", {"client": str(self.foreign.client.pk)}
        )
        assert response.status_code == 302
        self.own.client.refresh_from_db()
        from keyclients.web.clients.models import ClientProfile

        assert not ClientProfile.objects.filter(client=self.foreign.client, tier=self.own.tier)

    def test_the_plan_post_dates_are_checked(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            f"{_base(self.own)}/plans/new/",
            {**PLAN, "period_start": "2027-12-31", "period_end": str(date(2027, 1, 1))},
        )
        assert response.status_code == 422

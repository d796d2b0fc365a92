"""The dossier's tabs: editing with its history of changes, the stakeholder map and its
warnings, interactions and next steps, plans overdue for review, query counts."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone, translation

from keyclients.web.accounts.models import Role
from keyclients.web.clients import services
from keyclients.web.clients.models import Contact, FieldChange, Interaction
from keyclients.web.clients.selectors import plan_review_overdue
from keyclients.web.clients.stakeholders import Person, stakeholder_map
from keyclients.web.ledger.models import Client, ClientStatus

from .dossier_fixtures import DossierTestCase, contact_data
from .test_dossier_permissions import GENERAL

# Session, user, memberships, the client; then the tab's own reads.
TAB_QUERIES = {
    "general": 5,  # + the profile
    "contacts": 5,  # + the contacts with their superiors
    "interactions": 7,  # + interactions, their contacts, our people
    "needs": 5,
    "plan": 6,  # + plans, objectives with owners
    "history": 6,  # + count, the page with its users
}


class EditingTests(DossierTestCase):
    def test_an_edit_is_saved_and_its_history_says_who_when_old_and_new(self) -> None:
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)
        url = f"/clients/{self.own.client.pk}/dossier/general/edit/"

        response = self.client.post(url, {**GENERAL, "status": "dormant"})

        assert response.status_code == 302
        assert response["Location"].endswith("/dossier/general/")
        client = self.own.client
        client.refresh_from_db()
        assert (client.industry, client.status) == ("Логистика", "dormant")
        change = FieldChange.objects.get(client=client, field="status")
        assert (change.user_id, change.old_value, change.new_value) == (
            self.bob.pk,
            "active",
            "dormant",
        )
        history = self.client.get(f"/clients/{client.pk}/dossier/history/")
        self.assertContains(history, "Логистика")
        # Shown in the reader's language: the field's name and the choices' labels.
        with translation.override("ru"):
            field = str(Client._meta.get_field("status").verbose_name)
            labels = (str(ClientStatus.ACTIVE.label), str(ClientStatus.DORMANT.label))
        status = next(row for row in history.context["changes"] if row.field == field)
        assert (status.who, status.old, status.new) == ("bob", *labels)

    def test_the_cards_client_details_form_records_its_changes_too(self) -> None:
        self.login(self.alice)
        client = self.own.client

        self.client.post(
            f"/clients/{client.pk}/",
            {
                "name": "Своя Ромашка",
                "inn": "",
                "industry": "",
                "size": "",
                "regions": "Казань",
                "status": "active",
                "manager": str(self.dave.pk),
            },
        )

        changes = FieldChange.objects.filter(client=client, object_type="client")
        assert {(c.field, c.old_value, c.new_value) for c in changes} >= {
            ("regions", "", "Казань"),
            ("manager", "bob", "dave"),
        }

    def test_saving_the_same_values_records_nothing(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/general/edit/"
        self.client.post(url, GENERAL)
        count = FieldChange.objects.count()

        self.client.post(url, GENERAL)

        assert FieldChange.objects.count() == count

    def test_a_manager_sets_no_hunter_and_owners_set_a_hunting_manager_only(self) -> None:
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)
        url = f"/clients/{self.own.client.pk}/dossier/general/edit/"
        assert "hunter" not in self.client.get(url).context["form"].fields

        self.login(self.alice)
        response = self.client.post(url, {**GENERAL, "hunter": str(self.dave.pk)})

        assert response.status_code == 422  # Dave farms, he does not hunt
        self.bob_membership.manager_kind = "hunter"
        self.bob_membership.save()
        response = self.client.post(url, {**GENERAL, "hunter": str(self.bob.pk)})
        assert response.status_code == 302

    def test_a_refused_form_comes_back_with_422_and_htmx_gets_the_panel(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/needs/new/"

        response = self.client.post(url, {"need": "", "status": "open"}, HTTP_HX_REQUEST="true")

        assert response.status_code == 422
        text = response.content.decode()
        assert 'hx-swap-oob="true"' in text and "<html" not in text
        page = self.client.get(url)
        assert "<html" in page.content.decode()

    def test_a_contact_cannot_report_to_someone_below_them(self) -> None:
        client = self.own.client
        boss = self.own.contact
        deputy = services.contact_create(
            client=client, by=self.alice, data=contact_data(full_name="Зам", reports_to=boss)
        )
        self.login(self.alice)

        response = self.client.post(
            f"/clients/{client.pk}/dossier/contacts/{boss.pk}/",
            {
                "full_name": boss.full_name,
                "buying_role": "decision_maker",
                "attitude": "supporter",
                "influence": "5",
                "reports_to": str(deputy.pk),
                "active": "on",
            },
        )

        assert response.status_code == 422
        self.assertContains(response, str(services.REPORTS_TO_CYCLE), status_code=422)


class ContactsTests(DossierTestCase):
    def test_the_map_draws_the_tree_with_attitude_influence_and_decision_makers(self) -> None:
        client = self.own.client
        boss = self.own.contact
        services.contact_create(
            client=client,
            by=self.alice,
            data=contact_data(
                full_name="Анна Смирнова",
                buying_role="technical_evaluator",
                attitude="champion",
                influence=3,
                reports_to=boss,
            ),
        )
        self.login(self.alice)

        response = self.client.get(f"/clients/{client.pk}/dossier/contacts/")

        text = response.content.decode()
        assert text.count('class="map-node"') == 2
        assert text.count('class="map-edge"') == 1
        assert 'data-decision-maker="true"' in text
        assert 'data-attitude="champion"' in text and "#067647" in text
        # Drawn with dots, whatever the language's decimal separator.
        assert 'cx="115.0"' in text or 'cx="115"' in text
        assert response.context["warnings"] == []

    def test_warnings_when_no_decision_maker_or_one_person(self) -> None:
        client = self.own.client
        self.login(self.alice)
        url = f"/clients/{client.pk}/dossier/contacts/"

        assert self.client.get(url).context["warnings"] == ["single_threaded"]
        Contact.objects.filter(pk=self.own.contact.pk).update(buying_role="influencer")
        assert self.client.get(url).context["warnings"] == [
            "no_decision_maker",
            "single_threaded",
        ]
        Contact.objects.filter(pk=self.own.contact.pk).update(active=False)
        assert self.client.get(url).context["warnings"] == ["no_decision_maker"]

    def test_the_layout_centres_superiors_and_survives_a_circle(self) -> None:
        people = [
            Person(1, "Boss", "", "neutral", 5, True, None),
            Person(2, "A", "", "champion", 3, False, 1),
            Person(3, "B", "", "critic", 2, False, 1),
            Person(4, "X", "", "neutral", 1, False, 5),
            Person(5, "Y", "", "neutral", 1, False, 4),
        ]

        layout = stakeholder_map(people)

        nodes = {node.pk: node for node in layout.nodes}
        assert nodes[1].x == (nodes[2].x + nodes[3].x) / 2
        assert nodes[2].y == nodes[3].y > nodes[1].y
        assert nodes[2].radius > nodes[3].radius
        assert {nodes[4].y, nodes[5].y} == {nodes[1].y, nodes[2].y}
        assert len(layout.edges) == 3


class InteractionTests(DossierTestCase):
    def test_logging_an_interaction_updates_the_contacts_last_contact_and_my_next_steps(
        self,
    ) -> None:
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)
        client = self.own.client
        today = timezone.localdate()

        response = self.client.post(
            f"/clients/{client.pk}/dossier/interactions/new/",
            {
                "date": today.isoformat(),
                "kind": "negotiation",
                "summary": "Согласовали цену",
                "contacts": [str(self.own.contact.pk)],
                "our_people": [str(self.bob.pk)],
                "next_step": "Подписать договор",
                "next_step_date": (today + timedelta(days=5)).isoformat(),
            },
        )

        assert response.status_code == 302
        self.own.contact.refresh_from_db()
        assert self.own.contact.last_contact_date == today
        home = self.client.get("/my/")
        self.assertContains(home, "Подписать договор")
        step = Interaction.objects.get(next_step="Подписать договор")
        response = self.client.post(
            f"/clients/{client.pk}/dossier/interactions/{step.pk}/done/", {"next": "/my/"}
        )
        assert response["Location"] == "/my/"
        self.assertNotContains(self.client.get("/my/"), "Подписать договор")
        timeline = self.client.get(f"/clients/{client.pk}/dossier/interactions/")
        self.assertContains(timeline, "Согласовали цену")
        self.assertContains(timeline, "next-step-done")

    def test_an_unsafe_next_is_ignored(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/interactions/{self.own.interaction.pk}/done/"

        response = self.client.post(url, {"next": "https://evil.example/"})

        assert response["Location"].endswith("/dossier/interactions/")

    def test_participants_must_be_the_clients_contacts(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            f"/clients/{self.own.client.pk}/dossier/interactions/new/",
            {
                "date": "2026-01-01",
                "kind": "call",
                "summary": "x",
                "contacts": [str(self.other.contact.pk)],
            },
        )
        assert response.status_code == 422


class PlanTests(DossierTestCase):
    def test_a_plan_past_its_review_date_is_flagged(self) -> None:
        plan = self.own.plan
        today = timezone.localdate()
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/plan/"

        self.assertNotContains(self.client.get(url), "data-review-overdue")
        plan.review_date = today - timedelta(days=1)
        plan.save()

        self.assertContains(self.client.get(url), 'data-review-overdue="true"')
        assert plan_review_overdue(plan, today=today)
        plan.review_date = today
        assert not plan_review_overdue(plan, today=today)
        plan.review_date = None
        assert not plan_review_overdue(plan, today=today)

    def test_objectives_carry_owner_due_status_and_progress(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/objectives/{self.own.objective.pk}/"

        self.client.post(
            url,
            {
                "title": "Подписать рамочный договор",
                "owner": str(self.bob.pk),
                "due_date": "2026-12-01",
                "status": "done",
                "progress": "100",
            },
        )

        self.own.objective.refresh_from_db()
        assert (self.own.objective.status, self.own.objective.progress) == ("done", 100)
        assert self.own.objective.owner_id == self.bob.pk
        assert self.own.objective.due_date == date(2026, 12, 1)


class QueryCountTests(DossierTestCase):
    def test_the_tabs_query_counts_are_pinned(self) -> None:
        for index in range(5):
            services.contact_create(
                client=self.own.client,
                by=self.alice,
                data=contact_data(full_name=f"Контакт {index}", reports_to=self.own.contact),
            )
            services.interaction_create(
                client=self.own.client,
                by=self.alice,
                data=services.InteractionFields(
                    date=date(2026, 1, index + 1),
                    kind="call",
                    summary="звонок",
                    contacts=[self.own.contact],
                    our_people=[self.alice],
                    next_step="",
                    next_step_date=None,
                ),
            )
        self.login(self.alice)
        self.client.get(f"/clients/{self.own.client.pk}/dossier/general/")  # the session settles
        for name, queries in TAB_QUERIES.items():
            url = f"/clients/{self.own.client.pk}/dossier/{name}/"
            with self.subTest(tab=name), self.assertNumQueries(queries):
                self.client.get(url, HTTP_HX_REQUEST="true")

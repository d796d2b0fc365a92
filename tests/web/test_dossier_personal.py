"""Personal data of contacts: never on a page or in an export of a role that may not see it,
one audit event per view, the owner's audit log, and erasure that leaves the business history."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.clients import services
from keyclients.web.clients.history import OBJECT_PERSONAL
from keyclients.web.clients.models import (
    ContactPersonal,
    FieldChange,
    Interaction,
    InteractionContact,
)

from .dossier_fixtures import FAMILY, INTERESTS, NOTES, SENTINELS, DossierTestCase
from .test_dossier_permissions import ACTIONS

PERSONAL_URLS = {"personal", "personal_edit"}


def _views() -> int:
    return AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).count()


class SensitiveFieldsTests(DossierTestCase):
    def _pages(self) -> list[str]:
        """Every page of the dossier and around it that is not a view of personal data."""
        target = self.own
        pages = [
            action.url(target)
            for action in ACTIONS
            if action.method == "get" and action.name not in PERSONAL_URLS
        ]
        return [
            *pages,
            f"/clients/{target.client.pk}/",
            "/clients/",
            "/my/",
            "/team/",
            "/privileges/",
            "/audit/",
        ]

    def _assert_clean(self, content: bytes, where: str) -> None:
        text = content.decode()
        for sentinel in SENTINELS:
            assert sentinel not in text, f"{sentinel} on {where}"
        assert 'data-personal-field="' not in text, where

    def test_no_ordinary_page_or_export_shows_personal_data_to_any_role(self) -> None:
        for role in Role:
            with self.subTest(role=role), self.rolled_back():
                self.set_bob_role(role)
                self.login(self.bob)
                for url in self._pages():
                    response = self.client.get(url)
                    if response.status_code == 200:
                        self._assert_clean(response.content, f"{url} as {role}")
                    response = self.client.get(url, HTTP_HX_REQUEST="true")
                    if response.status_code == 200:
                        self._assert_clean(response.content, f"htmx {url} as {role}")
                export = self.client.get("/clients/export/")
                sheet = load_workbook(BytesIO(export.content)).active
                cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
                for sentinel in SENTINELS:
                    assert sentinel not in cells

    def test_only_owners_and_the_clients_manager_see_it_each_view_one_audit_event(self) -> None:
        url = f"/clients/{self.own.client.pk}/dossier/contacts/{self.own.contact.pk}/personal/"
        edit = f"{url}edit/"
        seen = {Role.OWNER: True, Role.MANAGER: True, Role.FINANCE: False, Role.VIEWER: False}
        for role, allowed in seen.items():
            with self.subTest(role=role), self.rolled_back():
                self.set_bob_role(role)
                self.login(self.alice if role == Role.OWNER else self.bob)
                for page in (url, edit):
                    before = _views()
                    response = self.client.get(page, HTTP_HX_REQUEST="true")
                    if allowed:
                        self.assertEqual(response.status_code, 200)
                        text = response.content.decode()
                        assert FAMILY in text and INTERESTS in text and NOTES in text
                        assert _views() == before + 1
                    else:
                        self.assertEqual(response.status_code, 403)
                        self._assert_clean(response.content, page)
                        assert _views() == before

    def test_the_audit_event_says_who_what_when_and_from_where(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/contacts/{self.own.contact.pk}/personal/"

        self.client.get(url, REMOTE_ADDR="203.0.113.7")

        event = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).latest("pk")
        assert (event.company_id, event.user_id, event.ip) == (
            self.company_a.pk,
            self.alice.pk,
            "203.0.113.7",
        )
        assert event.object_id == str(self.own.contact.pk)
        assert event.details["fields"] == ["birthday", "family", "interests", "notes"]
        # Values never go into the log, so erasing the data needs no scrubbing of it.
        assert all(s not in str(event.details) for s in SENTINELS)
        assert (timezone.now() - event.created_at) < timedelta(minutes=1)

    def test_a_change_is_audited_and_kept_in_the_personal_history_only(self) -> None:
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)
        base = f"/clients/{self.own.client.pk}/dossier/contacts/{self.own.contact.pk}/personal/"

        response = self.client.post(
            f"{base}edit/",
            {"birthday": "1971-02-03", "family": FAMILY, "interests": "теннис", "notes": NOTES},
        )

        assert response.status_code == 302
        event = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_CHANGED).latest("pk")
        assert (event.user_id, event.details["fields"]) == (self.bob.pk, ["interests"])
        history = self.client.get(f"/clients/{self.own.client.pk}/dossier/history/")
        assert "теннис" not in history.content.decode()
        personal = self.client.get(base).content.decode()
        assert f"{INTERESTS} → теннис" in personal

    def test_my_clients_shows_coming_birthdays_to_the_manager_and_audits_it(self) -> None:
        today = timezone.localdate()
        ContactPersonal.objects.filter(contact=self.own.contact).update(
            birthday=today.replace(year=1980) + timedelta(days=0)
            if not (today.month == 2 and today.day == 29)
            else today.replace(year=1980)
        )
        self.set_bob_role(Role.MANAGER)
        self.login(self.bob)
        before = _views()

        response = self.client.get("/my/")

        self.assertContains(response, f'data-birthday="{self.own.contact.pk}"')
        assert _views() == before + 1
        event = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).latest("pk")
        assert event.details["fields"] == ["birthday"] and event.details["where"] == "my"
        # A finance member holding the client sees no birthday, and nothing is logged.
        self.set_bob_role(Role.FINANCE)
        response = self.client.get("/my/")
        self.assertNotContains(response, "data-birthday")
        assert _views() == before + 1


class ErasureTests(DossierTestCase):
    def test_erasure_removes_the_fields_everywhere_and_keeps_the_business_history(self) -> None:
        contact = self.own.contact
        base = f"/clients/{self.own.client.pk}/dossier"
        assert FieldChange.objects.filter(object_type=OBJECT_PERSONAL, object_id=contact.pk)
        self.login(self.alice)

        response = self.client.post(f"{base}/contacts/{contact.pk}/personal/erase/")

        assert response.status_code == 302
        assert not ContactPersonal.objects.filter(contact=contact).exists()
        assert not FieldChange.objects.filter(object_type=OBJECT_PERSONAL, object_id=contact.pk)
        stored = " ".join(
            f"{c.old_value} {c.new_value} {c.object_label}"
            for c in FieldChange.objects.filter(client=self.own.client)
        )
        assert all(sentinel not in stored for sentinel in SENTINELS)
        # The pages, including the personal view, show nothing of it any more.
        for url in (
            f"{base}/contacts/{contact.pk}/personal/",
            f"{base}/contacts/{contact.pk}/personal/edit/",
            f"{base}/contacts/",
            f"{base}/history/",
        ):
            text = self.client.get(url).content.decode()
            assert all(sentinel not in text for sentinel in SENTINELS), url
        # The business history stays: the contact, its interaction, the erasure itself.
        contact.refresh_from_db()
        assert contact.full_name == "Иван Петров" and contact.personal_erased_at is not None
        assert Interaction.objects.filter(pk=self.own.interaction.pk).exists()
        assert InteractionContact.objects.filter(contact=contact).exists()
        self.assertContains(self.client.get(f"{base}/history/"), "Иван Петров")
        event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_ERASED)
        assert (event.user_id, event.object_id) == (self.alice.pk, str(contact.pk))

    def test_personal_data_may_be_recorded_again_after_erasure(self) -> None:
        contact = self.own.contact
        services.personal_erase(contact=contact, by=self.alice, ip=None)

        services.personal_update(
            contact=contact,
            by=self.alice,
            ip=None,
            data=services.PersonalFields(birthday=None, family="", interests="гольф", notes=""),
        )

        assert ContactPersonal.objects.get(contact=contact).interests == "гольф"


class AuditLogTests(DossierTestCase):
    def test_the_owner_filters_and_pages_the_audit_log(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/contacts/{self.own.contact.pk}/personal/"
        for _ in range(55):
            self.client.get(url)

        first = self.client.get("/audit/", {"action": AuditAction.PERSONAL_DATA_VIEWED})
        second = self.client.get("/audit/", {"action": AuditAction.PERSONAL_DATA_VIEWED, "page": 2})
        by_bob = self.client.get("/audit/", {"user": str(self.bob.pk)})

        assert first.context["page"].paginator.count == 55
        assert len(first.context["page"].object_list) == 50
        assert len(second.context["page"].object_list) == 5
        self.assertContains(first, "action=personal_data_viewed&amp;page=2")
        assert by_bob.context["page"].paginator.count == 0
        # Other companies' events never show.
        AuditEvent.objects.create(company=self.company_b, action=AuditAction.LOGIN)
        everything = self.client.get("/audit/").context["page"].paginator.count
        assert everything == AuditEvent.objects.filter(company=self.company_a).count()

    def test_the_audit_log_query_count_is_pinned(self) -> None:
        self.login(self.alice)
        self.client.get("/audit/")
        # Session, user, memberships, members for the filter, count, the page with its users.
        with self.assertNumQueries(6):
            self.client.get("/audit/")

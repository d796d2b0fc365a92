from __future__ import annotations

from keyclients.web.accounts.access import SESSION_KEY
from keyclients.web.accounts.models import AuditAction, AuditEvent, Membership, Role, User

from .base import CompanyTestCase


class SwitchCompanyTests(CompanyTestCase):
    def setUp(self) -> None:
        # Charlie, an outsourced CFO, is also the finance member of Alpha.
        Membership.objects.create(company=self.company_a, user=self.charlie, role=Role.FINANCE)
        self.login(self.charlie)

    def test_the_switcher_shows_only_for_several_companies(self) -> None:
        self.assertContains(self.client.get("/"), 'name="company"')
        self.login(self.bob)
        self.assertNotContains(self.client.get("/"), 'name="company"')

    def test_it_starts_in_the_first_company_alphabetically(self) -> None:
        response = self.client.get("/")
        self.assertEqual(response.context["current_membership"]().company, self.company_a)

    def test_it_switches_and_remembers_the_company(self) -> None:
        response = self.client.post(
            "/companies/switch/", {"company": self.company_b.pk, "next": "/members/"}
        )
        self.assertRedirects(response, "/members/", fetch_redirect_response=False)
        self.assertEqual(self.client.session[SESSION_KEY], self.company_b.pk)
        # Owner in Beta: the members page opens and lists Beta's members.
        response = self.client.get("/members/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "alice")
        # Finance in Alpha: switching back closes it.
        self.client.post("/companies/switch/", {"company": self.company_a.pk})
        self.assertEqual(self.client.get("/members/").status_code, 403)

    def test_it_refuses_a_company_the_user_is_not_a_member_of(self) -> None:
        self.login(self.bob)
        response = self.client.post("/companies/switch/", {"company": self.company_b.pk})
        self.assertEqual(response.status_code, 404)

    def test_it_ignores_an_unsafe_next(self) -> None:
        response = self.client.post(
            "/companies/switch/", {"company": self.company_b.pk, "next": "https://evil.example/"}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_a_stale_company_in_the_session_falls_back(self) -> None:
        session = self.client.session
        session[SESSION_KEY] = 999_999
        session.save()
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.client.session[SESSION_KEY], self.company_a.pk)


class CreateCompanyTests(CompanyTestCase):
    def test_a_user_without_a_company_is_sent_to_create_one(self) -> None:
        dora = User.objects.create_user("dora")
        self.login(dora)
        self.assertRedirects(self.client.get("/members/"), "/companies/new/")
        response = self.client.post("/companies/new/", {"name": "Gamma", "currency": "RUB"})
        self.assertRedirects(response, "/")
        membership = Membership.objects.get(user=dora)
        self.assertEqual((membership.company.name, membership.role), ("Gamma", Role.OWNER))
        self.assertTrue(
            AuditEvent.objects.filter(
                company=membership.company, action=AuditAction.COMPANY_CREATED
            ).exists()
        )
        self.assertContains(self.client.get("/"), "Gamma")

    def test_it_validates_the_name(self) -> None:
        self.login(self.alice)
        response = self.client.post("/companies/new/", {"name": "", "currency": "RUB"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Membership.objects.filter(user=self.alice).count(), 1)

from __future__ import annotations

from keyclients.web.accounts.models import AuditAction, AuditEvent, Role

from .base import LOGIN_URL, PASSWORD, CompanyTestCase


class LoginTests(CompanyTestCase):
    def test_every_page_requires_login(self) -> None:
        for url in ["/", "/members/", "/companies/new/", "/accounts/password/"]:
            response = self.client.get(url)
            self.assertRedirects(response, f"{LOGIN_URL}?next={url}", fetch_redirect_response=False)

    def test_the_login_page_renders(self) -> None:
        response = self.client.get(LOGIN_URL)
        self.assertContains(response, 'name="username"')
        self.assertContains(response, "app.css")

    def test_it_logs_in_and_records_the_login_in_the_users_company(self) -> None:
        response = self.client.post(
            LOGIN_URL, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
        )
        self.assertRedirects(response, "/")
        event = AuditEvent.objects.get(action=AuditAction.LOGIN)
        self.assertEqual(
            (event.company, event.user, event.ip), (self.company_a, self.alice, "10.0.0.7")
        )

    def test_it_refuses_a_wrong_password(self) -> None:
        response = self.client.post(LOGIN_URL, {"username": "alice", "password": "nope"})
        self.assertEqual(response.status_code, 200)
        # Only the failure is audited (tests/web/test_security.py), never a login.
        self.assertEqual(
            list(AuditEvent.objects.values_list("action", flat=True)), [AuditAction.LOGIN_FAILED]
        )
        self.assertRedirects(
            self.client.get("/"), f"{LOGIN_URL}?next=/", fetch_redirect_response=False
        )

    def test_it_only_logs_out_with_post(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get("/accounts/logout/").status_code, 405)
        response = self.client.post("/accounts/logout/")
        self.assertRedirects(response, LOGIN_URL, fetch_redirect_response=False)
        self.assertEqual(self.client.get("/").status_code, 302)


class OverviewTests(CompanyTestCase):
    def test_every_member_sees_the_overview(self) -> None:
        self.assert_access("/", roles=set(Role), of_company_a=False)

    def test_it_shows_the_company_and_the_role(self) -> None:
        self.login(self.bob)
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, "Alpha")
        self.assertContains(response, "Your role: Viewer")
        self.assertNotContains(response, "Beta")

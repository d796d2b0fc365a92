"""The permission test base: Alice and Bob in company A, Charlie in company B only.

Alice is the owner of A. Bob is a member of A whose role each check sets in turn. Charlie owns
company B and must never see anything of A. `assert_access` checks a URL for all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import ClassVar

from django.db import transaction
from django.http import HttpResponse
from django.test import TestCase

from keyclients.web.accounts.models import Company, Membership, Role, User

PASSWORD = "correct horse battery staple"
LOGIN_URL = "/accounts/login/"


class CompanyTestCase(TestCase):
    company_a: ClassVar[Company]
    company_b: ClassVar[Company]
    alice: ClassVar[User]
    bob: ClassVar[User]
    charlie: ClassVar[User]
    bob_membership: ClassVar[Membership]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.company_a = Company.objects.create(name="Alpha")
        cls.company_b = Company.objects.create(name="Beta")
        cls.alice = User.objects.create_user("alice", "alice@example.com", PASSWORD)
        cls.bob = User.objects.create_user("bob", "bob@example.com", PASSWORD)
        cls.charlie = User.objects.create_user("charlie", "charlie@example.com", PASSWORD)
        Membership.objects.create(company=cls.company_a, user=cls.alice, role=Role.OWNER)
        cls.bob_membership = Membership.objects.create(
            company=cls.company_a, user=cls.bob, role=Role.VIEWER
        )
        Membership.objects.create(company=cls.company_b, user=cls.charlie, role=Role.OWNER)

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def set_bob_role(self, role: Role) -> None:
        self.bob_membership.role = role
        self.bob_membership.manager_kind = "farmer" if role == Role.MANAGER else None
        self.bob_membership.save()

    def request(
        self, method: str, url: str, data: Mapping[str, object] | None = None
    ) -> HttpResponse:
        if method == "get":
            return self.client.get(url, data)  # type: ignore[return-value]
        return self.client.post(url, data or {})  # type: ignore[return-value]

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        # Each probe may change data (remove a member...): undo it before the next one.
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
        self.client.logout()

    def assert_access(
        self,
        *urls: str,
        roles: Collection[Role],
        method: str = "get",
        data: Mapping[str, object] | None = None,
        ok: int = 200,
        of_company_a: bool = True,
    ) -> None:
        """For each URL: anonymous -> the login page; Charlie -> 404 when the URL names an
        object of company A (`of_company_a`); Bob in each role of `roles` -> `ok`, in any other
        role -> 403. Every probe runs in a transaction that is rolled back."""
        for url in urls:
            with self.rolled_back():
                response = self.request(method, url, data)
                self.assertEqual(response.status_code, 302, f"anonymous {method} {url}")
                self.assertTrue(response["Location"].startswith(LOGIN_URL), response["Location"])
            if of_company_a:
                with self.rolled_back():
                    self.login(self.charlie)
                    response = self.request(method, url, data)
                    self.assertEqual(response.status_code, 404, f"charlie {method} {url}")
            for role in Role:
                with self.rolled_back():
                    self.set_bob_role(role)
                    self.login(self.bob)
                    response = self.request(method, url, data)
                    expected = ok if role in roles else 403
                    self.assertEqual(
                        response.status_code, expected, f"bob as {role} {method} {url}"
                    )

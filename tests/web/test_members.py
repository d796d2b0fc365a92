from __future__ import annotations

from keyclients.web.accounts import services
from keyclients.web.accounts.models import AuditAction, AuditEvent, Membership, Role, User

from .base import PASSWORD, CompanyTestCase

OWNERS = {Role.OWNER}


class MembersPermissionTests(CompanyTestCase):
    def test_the_members_page_is_for_owners(self) -> None:
        self.assert_access("/members/", roles=OWNERS, of_company_a=False)

    def test_member_changes_are_for_owners_of_the_same_company(self) -> None:
        alice_membership = Membership.objects.get(user=self.alice)
        urls = [f"/members/{m.pk}/remove/" for m in (alice_membership, self.bob_membership)]
        self.assert_access(*urls, roles=OWNERS, method="post", ok=302)

    def test_inviting_is_for_owners(self) -> None:
        data = {"username": "dora", "role": "viewer"}
        self.assert_access(
            "/members/invite/", roles=OWNERS, method="post", data=data, of_company_a=False
        )

    def test_changing_a_role_is_for_owners_of_the_same_company(self) -> None:
        alice_membership = Membership.objects.get(user=self.alice)
        url = f"/members/{alice_membership.pk}/role/"
        self.assert_access(url, roles=OWNERS, method="post", data={"role": "owner"}, ok=302)

    def test_removing_is_for_owners_of_the_same_company(self) -> None:
        url = f"/members/{self.bob_membership.pk}/remove/"
        self.assert_access(url, roles=OWNERS, method="post", ok=302)

    def test_it_only_allows_post_for_changes(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get("/members/invite/").status_code, 405)
        self.assertEqual(
            self.client.get(f"/members/{self.bob_membership.pk}/remove/").status_code, 405
        )


class MembersPageTests(CompanyTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def test_it_lists_the_members_of_the_current_company_only(self) -> None:
        response = self.client.get("/members/")
        self.assertContains(response, "alice")
        self.assertContains(response, "bob")
        self.assertNotContains(response, "charlie")

    def test_its_query_count_does_not_grow_with_members(self) -> None:
        for n in range(5):
            user = User.objects.create_user(f"member{n}")
            Membership.objects.create(company=self.company_a, user=user, role=Role.VIEWER)
        self.client.get("/members/")  # the first visit stores the current company
        # session, user, memberships of the user (top bar too), members with their users
        with self.assertNumQueries(4):
            response = self.client.get("/members/")
        self.assertContains(response, "member4")

    def test_it_invites_a_new_user_with_a_temporary_password_shown_once(self) -> None:
        response = self.client.post(
            "/members/invite/", {"username": "dora", "email": "dora@example.com", "role": "finance"}
        )
        self.assertEqual(response.status_code, 200)
        password = response.context["invitation"].temporary_password
        self.assertGreaterEqual(len(password), 12)
        self.assertContains(response, password)
        dora = User.objects.get(username="dora")
        self.assertTrue(dora.check_password(password))
        membership = Membership.objects.get(user=dora)
        self.assertEqual((membership.company, membership.role), (self.company_a, Role.FINANCE))
        self.assertTrue(
            AuditEvent.objects.filter(
                company=self.company_a, user=self.alice, action=AuditAction.MEMBER_INVITED
            ).exists()
        )
        # Shown once: the members page does not carry it.
        self.assertNotContains(self.client.get("/members/"), password)

    def test_it_adds_an_existing_user_without_touching_the_password(self) -> None:
        response = self.client.post("/members/invite/", {"username": "charlie", "role": "manager"})
        self.assertRedirects(response, "/members/")
        membership = Membership.objects.get(user=self.charlie, company=self.company_a)
        self.assertEqual(membership.role, Role.MANAGER)
        self.assertEqual(membership.manager_kind, "both")
        self.charlie.refresh_from_db()
        self.assertTrue(self.charlie.check_password(PASSWORD))
        self.assertTrue(
            AuditEvent.objects.filter(
                company=self.company_a, action=AuditAction.MEMBER_ADDED
            ).exists()
        )

    def test_it_refuses_to_add_a_member_twice(self) -> None:
        response = self.client.post("/members/invite/", {"username": "bob", "role": "viewer"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, str(services.ALREADY_MEMBER), status_code=400)

    def test_it_validates_the_invite_form(self) -> None:
        response = self.client.post("/members/invite/", {"username": "bad name!", "role": "boss"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(username="bad name!").exists())

    def test_it_changes_a_role(self) -> None:
        url = f"/members/{self.bob_membership.pk}/role/"
        response = self.client.post(url, {"role": "manager", "manager_kind": "hunter"})
        self.assertRedirects(response, "/members/")
        self.bob_membership.refresh_from_db()
        self.assertEqual(
            (self.bob_membership.role, self.bob_membership.manager_kind), ("manager", "hunter")
        )
        event = AuditEvent.objects.get(action=AuditAction.MEMBER_ROLE_CHANGED)
        self.assertEqual(event.details, {"username": "bob", "from": "viewer", "to": "manager"})

    def test_it_drops_the_manager_kind_for_other_roles(self) -> None:
        url = f"/members/{self.bob_membership.pk}/role/"
        self.client.post(url, {"role": "finance", "manager_kind": "hunter"})
        self.bob_membership.refresh_from_db()
        self.assertIsNone(self.bob_membership.manager_kind)

    def test_it_keeps_the_last_owner(self) -> None:
        alice_membership = Membership.objects.get(user=self.alice)
        response = self.client.post(f"/members/{alice_membership.pk}/role/", {"role": "viewer"})
        self.assertRedirects(response, "/members/")
        alice_membership.refresh_from_db()
        self.assertEqual(alice_membership.role, Role.OWNER)
        response = self.client.post(f"/members/{alice_membership.pk}/remove/", follow=True)
        self.assertContains(response, str(services.LAST_OWNER))
        self.assertTrue(Membership.objects.filter(pk=alice_membership.pk).exists())

    def test_an_owner_can_step_down_when_another_owner_remains(self) -> None:
        self.set_bob_role(Role.OWNER)
        alice_membership = Membership.objects.get(user=self.alice)
        self.client.post(f"/members/{alice_membership.pk}/role/", {"role": "finance"})
        alice_membership.refresh_from_db()
        self.assertEqual(alice_membership.role, Role.FINANCE)

    def test_it_removes_a_member(self) -> None:
        response = self.client.post(f"/members/{self.bob_membership.pk}/remove/")
        self.assertRedirects(response, "/members/")
        self.assertFalse(Membership.objects.filter(pk=self.bob_membership.pk).exists())
        self.assertTrue(User.objects.filter(pk=self.bob.pk).exists())  # the user stays
        event = AuditEvent.objects.get(action=AuditAction.MEMBER_REMOVED)
        self.assertEqual(
            (event.company, event.user, event.object_id),
            (self.company_a, self.alice, str(self.bob_membership.pk)),
        )

    def test_a_removed_member_loses_access(self) -> None:
        self.client.post(f"/members/{self.bob_membership.pk}/remove/")
        self.login(self.bob)
        self.assertRedirects(self.client.get("/"), "/companies/new/")

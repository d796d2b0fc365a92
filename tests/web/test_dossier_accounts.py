"""Key-account work around the dossier: privilege tiers and their suggestions, the margin after
privileges, the frames for signals and KAISM, hunters, farmers and the team, My clients."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import polars as pl
import pytest
from django.utils import timezone

from keyclients.core.analytics.kaism import kaism_metrics
from keyclients.core.analytics.key_accounts import margin_after_privileges
from keyclients.core.analytics.signals import client_signals
from keyclients.web.accounts.models import AuditAction, AuditEvent, ManagerKind, Role
from keyclients.web.clients import selectors, services
from keyclients.web.clients.models import ClientProfile, PrivilegeTier
from keyclients.web.ledger.models import Client, Sale

from .dossier_fixtures import DossierTestCase, contact_data
from .insights_fixtures import add_sales

TODAY = date(2026, 1, 15)  # LTM = 2025


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


def _quadrants(rows: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"client_key": pl.String, "quadrant": pl.String}, orient="row")


class TierTests(DossierTestCase):
    def setUp(self) -> None:
        super().setUp()
        add_sales(
            self.company_a,
            [
                ("Большой", date(2025, 3, 1), "3000000"),
                ("Средний", date(2025, 4, 1), "1000000"),
                ("Малый", date(2025, 5, 1), "100000"),
                ("Прошлый", date(2023, 5, 1), "9000000"),  # outside the LTM
            ],
        )
        self.gold = PrivilegeTier.objects.create(
            company=self.company_a,
            name="Премиум",
            rule="revenue",
            rule_revenue_min=Decimal("1000000"),
            discount_percent=Decimal("7.5"),
        )
        self.key = PrivilegeTier.objects.create(
            company=self.company_a,
            name="Стратегический",
            rule="quadrant",
            rule_quadrant="key",
            discount_percent=10,
        )
        self.login(self.alice)

    def _suggested(self, response, tier: PrivilegeTier) -> list[str]:  # type: ignore[no-untyped-def]
        row = next(r for r in response.context["rows"] if r.tier.pk == tier.pk)
        return [s.name for s in row.suggestions]

    def test_a_revenue_rule_suggests_the_clients_at_or_above_it_over_the_ltm(self) -> None:
        with today():
            response = self.client.get("/privileges/")

        assert self._suggested(response, self.gold) == ["Большой", "Средний"]
        assert self._suggested(response, self.key) == []  # no KAISM positions yet

    def test_a_quadrant_rule_takes_the_quadrants_from_the_provider(self) -> None:
        small = Client.objects.get(company=self.company_a, name="Малый")
        quadrants = _quadrants([(small.key, "key")])
        with (
            today(),
            mock.patch("keyclients.web.clients.providers.client_quadrants", return_value=quadrants),
        ):
            response = self.client.get("/privileges/")

        assert self._suggested(response, self.key) == ["Малый"]

    def test_adding_a_suggested_client_makes_it_a_member(self) -> None:
        big = Client.objects.get(company=self.company_a, name="Большой")

        with today():
            self.client.post(f"/privileges/{self.gold.pk}/add/", {"client": str(big.pk)})
            response = self.client.get("/privileges/")

        profile = ClientProfile.objects.get(client=big)
        assert (profile.tier_id, profile.tier_since) == (self.gold.pk, TODAY)
        assert self._suggested(response, self.gold) == ["Средний"]
        row = next(r for r in response.context["rows"] if r.tier.pk == self.gold.pk)
        assert row.members == 1

    def test_members_of_a_dearer_tier_are_not_suggested_for_a_cheaper_one(self) -> None:
        silver = PrivilegeTier.objects.create(
            company=self.company_a,
            name="Базовый",
            rule="revenue",
            rule_revenue_min=Decimal("100000"),
            discount_percent=2,
        )
        big = Client.objects.get(company=self.company_a, name="Большой")
        middle = Client.objects.get(company=self.company_a, name="Средний")
        services.client_tier_set(client=big, by=self.alice, tier=self.gold)
        services.client_tier_set(client=middle, by=self.alice, tier=silver)

        with today():
            response = self.client.get("/privileges/")

        assert self._suggested(response, silver) == ["Малый"]
        assert self._suggested(response, self.gold) == ["Средний"]  # an upgrade

    def test_a_rule_needs_its_parameter(self) -> None:
        response = self.client.post(
            "/privileges/new/",
            {"name": "Без порога", "rule": "revenue", "discount_percent": "1"},
        )
        assert response.status_code == 400
        self.assertContains(response, str(services.TIER_RULE_REVENUE), status_code=400)

    def test_the_privileges_page_query_count_is_pinned(self) -> None:
        with today():
            self.client.get("/privileges/")
            # Session, user, memberships, tiers, data version, member counts, current members,
            # clients (names for the suggestions).
            with self.assertNumQueries(8):
                self.client.get("/privileges/")


class MarginTests(DossierTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)
        self.client_obj = self.own.client
        add_sales(
            self.company_a,
            [
                ("Своя Ромашка", date(2025, 2, 1), "600000"),
                ("Своя Ромашка", date(2025, 8, 1), "400000"),
            ],
        )
        self.url = f"/clients/{self.client_obj.pk}/dossier/privileges/"

    def _margin(self):  # type: ignore[no-untyped-def]
        with today():
            return self.client.get(self.url).context["privileges"]

    def test_margin_from_cost_data_less_the_tiers_discount(self) -> None:
        Sale.objects.filter(client=self.client_obj).update(cost=Decimal("0"))
        Sale.objects.filter(client=self.client_obj, date=date(2025, 2, 1)).update(
            cost=Decimal("420000")
        )
        Sale.objects.filter(client=self.client_obj, date=date(2025, 8, 1)).update(
            cost=Decimal("280000")
        )
        services.client_tier_set(client=self.client_obj, by=self.alice, tier=self.own.tier)

        privileges = self._margin()

        expected = margin_after_privileges(revenue=1_000_000, cost=700_000, discount=0.05)
        assert privileges.margin == expected
        assert privileges.margin.margin == pytest.approx(0.30)
        assert privileges.margin.margin_after == pytest.approx(0.25)
        assert privileges.margin.gross_profit_after == pytest.approx(250_000)

    def test_without_complete_cost_data_the_company_setting_stands_in(self) -> None:
        Sale.objects.filter(client=self.client_obj, date=date(2025, 2, 1)).update(cost=1)
        self.company_a.settings = {"margin": 0.2}
        self.company_a.save()

        privileges = self._margin()

        assert privileges.margin.margin_source == "setting"
        assert privileges.margin.margin == pytest.approx(0.2)
        assert privileges.margin.margin_after == pytest.approx(0.2)  # no tier: no discount

    def test_without_either_the_margin_is_unknown(self) -> None:
        privileges = self._margin()

        assert privileges.margin.margin is None
        self.assertContains(self.client.get(self.url), 'data-figure="margin-after"')

    def test_the_eligible_tiers_are_shown(self) -> None:
        PrivilegeTier.objects.create(
            company=self.company_a,
            name="Миллионник",
            rule="revenue",
            rule_revenue_min=Decimal("1000000"),
        )
        assert [t.name for t in self._margin().eligible] == ["Миллионник"]


class FramesTests(DossierTestCase):
    def test_last_interactions_are_the_latest_per_client_up_to_as_of(self) -> None:
        today_ = timezone.localdate()
        services.interaction_create(
            client=self.own.client,
            by=self.alice,
            data=services.InteractionFields(
                date=today_ + timedelta(days=10),  # planned: not a touch yet
                kind="meeting",
                summary="Будущая встреча",
                contacts=[],
                our_people=[],
                next_step="",
                next_step_date=None,
            ),
        )

        frame = selectors.last_interactions(company=self.company_a)

        assert frame.schema == {"client_key": pl.String, "last_interaction": pl.Date}
        assert frame.rows() == sorted(
            [
                (self.own.client.key, today_ - timedelta(days=3)),
                (self.other.client.key, today_ - timedelta(days=3)),
            ]
        )

    def test_the_contacts_frame_feeds_the_cores_signals_and_kaism(self) -> None:
        services.contact_create(
            client=self.other.client,
            by=self.alice,
            data=contact_data(full_name="Чемпион", buying_role="user", attitude="champion"),
        )
        services.contact_create(
            client=self.other.client,
            by=self.alice,
            data=contact_data(full_name="Ушёл", active=False),
        )

        frame = selectors.contacts_frame(company=self.company_a)

        assert frame.rows() == sorted(
            [
                (self.own.client.key, True, False, 1),
                (self.other.client.key, True, True, 2),
            ]
        )
        signals = client_signals(
            as_of=timezone.localdate(),
            sales=pl.DataFrame(
                schema={"client_key": pl.String, "date": pl.Date, "amount": pl.Float64}
            ),
            contacts=frame,
            last_interactions=selectors.last_interactions(company=self.company_a),
            quadrants=_quadrants([(self.own.client.key, "key")]),
        )
        assert signals.select("client_key", "signal").rows() == [
            (self.own.client.key, "single_threaded")
        ]
        sales = pl.DataFrame(
            {
                "client_key": [self.own.client.key],
                "client": ["Своя"],
                "date": [date(2025, 6, 1)],
                "amount": [100.0],
            }
        )
        metrics = kaism_metrics(sales, as_of=date(2025, 12, 31), dossier=frame)
        assert metrics.select("decision_maker_known", "active_contacts").row(0) == (True, 1)


class HunterTests(DossierTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.set_bob_role(Role.MANAGER)
        self.bob_membership.manager_kind = ManagerKind.HUNTER
        self.bob_membership.save()

    def test_a_hunter_who_adds_a_client_looks_after_it_and_brought_it(self) -> None:
        self.login(self.bob)

        response = self.client.post("/clients/new/", {"name": "Новичок", "inn": ""})

        client = Client.objects.get(company=self.company_a, name="Новичок")
        assert response["Location"] == f"/clients/{client.pk}/"
        assert (client.manager_id, client.status) == (self.bob.pk, "prospect")
        assert ClientProfile.objects.get(client=client).hunter_id == self.bob.pk
        assert AuditEvent.objects.filter(action=AuditAction.CLIENT_CREATED).exists()
        self.assertContains(self.client.get("/my/"), "Новичок")

    def test_after_the_new_months_the_client_is_suggested_for_hand_off(self) -> None:
        add_sales(
            self.company_a,
            [
                ("Давний", date(2025, 1, 10), "500"),
                ("Свежий", date(2025, 11, 10), "700"),
            ],
            managers={"Давний": self.bob, "Свежий": self.bob},
        )
        for name in ("Давний", "Свежий"):
            client = Client.objects.get(company=self.company_a, name=name)
            ClientProfile.objects.create(company=self.company_a, client=client, hunter=self.bob)
        self.login(self.alice)

        with today():
            response = self.client.get("/team/")

        handoffs = [h.client_name for h in response.context["overview"].handoffs]
        assert handoffs == ["Давний"]
        rows = {row.name: row for row in response.context["overview"].rows}
        assert rows["bob"].new_clients == 1 and rows["bob"].clients == 3
        with today():
            self.login(self.bob)
            mine = self.client.get("/my/").context["home"].clients
        flags = {row.name: (row.is_new, row.handoff_due) for row in mine}
        assert flags["Давний"] == (False, True) and flags["Свежий"] == (True, False)

        self.login(self.alice)
        old = Client.objects.get(company=self.company_a, name="Давний")
        with today():
            self.client.post(f"/team/handoff/{old.pk}/", {"farmer": str(self.dave.pk)})
            response = self.client.get("/team/")
        old.refresh_from_db()
        assert old.manager_id == self.dave.pk
        assert response.context["overview"].handoffs == []
        assert ClientProfile.objects.get(client=old).hunter_id == self.bob.pk
        assert AuditEvent.objects.filter(action=AuditAction.CLIENT_HANDED_OFF).exists()

    def test_the_months_are_a_company_setting(self) -> None:
        self.login(self.alice)
        self.client.post("/team/settings/", {"months": "9"})
        self.company_a.refresh_from_db()
        assert self.company_a.settings["dossier"]["hunter_months"] == 9
        assert self.client.get("/team/").context["overview"].months == 9

    def test_a_hand_off_goes_to_a_farmer_only(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            f"/team/handoff/{self.own.client.pk}/", {"farmer": str(self.bob.pk)}
        )
        assert response.status_code == 302
        self.own.client.refresh_from_db()
        assert self.own.client.manager_id == self.bob.pk  # unchanged: Bob hunts


class TeamTests(DossierTestCase):
    def test_revenue_key_and_new_clients_per_manager_come_from_the_core(self) -> None:
        add_sales(
            self.company_a,
            [
                ("Своя Ромашка", date(2025, 3, 1), "800"),
                ("Чужой Василёк", date(2024, 3, 1), "50"),
                ("Чужой Василёк", date(2025, 3, 1), "150"),
                ("Ничья", date(2025, 10, 1), "50"),
            ],
        )
        Client.objects.filter(pk=self.other.client.pk).update(reputation_score=9)
        self.set_bob_role(Role.MANAGER)
        self.login(self.alice)

        with today():
            rows = {
                row.manager_id: row for row in self.client.get("/team/").context["overview"].rows
            }

        bob, dave, nobody = rows[self.bob.pk], rows[self.dave.pk], rows[None]
        assert (bob.clients, bob.revenue, bob.key_clients, bob.new_clients) == (1, 800.0, 1, 0)
        assert (dave.revenue, dave.key_clients, dave.new_clients) == (150.0, 1, 0)
        assert (nobody.clients, nobody.revenue, nobody.new_clients) == (1, 50.0, 1)
        assert bob.revenue_share == pytest.approx(0.8)

    def test_the_team_and_my_clients_query_counts_are_pinned(self) -> None:
        add_sales(self.company_a, [("Своя Ромашка", date(2025, 3, 1), "800")])
        self.set_bob_role(Role.MANAGER)
        self.login(self.alice)
        with today():
            self.client.get("/team/")
            # Session, user, memberships, data version, members, clients, hand-off profiles.
            with self.assertNumQueries(7):
                self.client.get("/team/")
        self.login(self.bob)
        with today():
            self.client.get("/my/")
            # Session, user, memberships, my clients, data version, last interactions, hunted,
            # day sales, contacts frame, next steps, birthdays; the birthdays shown are
            # personal data: their contacts and the audit event.
            with self.assertNumQueries(13):
                self.client.get("/my/")

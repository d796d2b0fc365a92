"""Scoring clients by hand — on the card, in the bulk table — and the key/prospective marks:
who may, what is stored, the history with who and when, the audit log."""

from __future__ import annotations

from typing import Any

from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.insights.kaism_forms import bulk_field_name
from keyclients.web.insights.kaism_services import REASON_REQUIRED
from keyclients.web.insights.models import ClientFlag, FlagKind, ScoreEntry
from keyclients.web.ledger.models import Client

from .kaism_fixtures import KaismTestCase, expected

CARD_SCORES = {
    "reputation": "8",
    "development": "6",
    "share_of_wallet": "40",
    "criticality": "7",
    "satisfaction": "9",
}


class CardScoringTests(KaismTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.target = self.ranked[6]  # unscored, unassigned
        self.url = f"/clients/{self.target.pk}/scores/"
        self.flags_url = f"/clients/{self.target.pk}/flags/"

    def test_owners_and_finance_score_any_client_others_get_403(self) -> None:
        self.assert_access(
            self.url, roles=[Role.OWNER, Role.FINANCE], method="post", data=CARD_SCORES, ok=302
        )
        self.assert_access(
            self.flags_url,
            roles=[Role.OWNER, Role.FINANCE],
            method="post",
            data={"key": "on", "key_reason": "Лидер отрасли"},
            ok=302,
        )

    def test_a_manager_scores_the_clients_assigned_to_them_only(self) -> None:
        self.set_bob_role(Role.MANAGER)
        self.target.manager = self.bob
        self.target.save()
        other = self.ranked[7]
        self.login(self.bob)

        own = self.post(self.url, CARD_SCORES)
        refused = self.post(f"/clients/{other.pk}/scores/", CARD_SCORES)
        refused_flag = self.post(f"/clients/{other.pk}/flags/", {"key": "on", "key_reason": "x"})

        assert (own.status_code, refused.status_code, refused_flag.status_code) == (302, 403, 403)
        self.target.refresh_from_db()
        other.refresh_from_db()
        assert self.target.reputation_score == 8
        assert other.reputation_score is None
        assert ScoreEntry.objects.filter(client=self.target, set_by=self.bob).count() == 5

    def test_a_viewer_scores_nothing_and_sees_no_form(self) -> None:
        self.login(self.bob)  # a viewer

        assert self.post(self.url, CARD_SCORES).status_code == 403
        card = self.get(f"/clients/{self.target.pk}/")

        self.assertNotContains(card, 'id="score-form"')
        self.assertContains(card, 'id="client-scores"')
        assert not ScoreEntry.objects.filter(client=self.target).exists()

    def test_scores_are_saved_with_who_and_when_and_audited(self) -> None:
        response = self.post(self.url, CARD_SCORES)

        assert response.status_code == 302
        assert response["Location"] == f"/clients/{self.target.pk}/#kaism"
        self.target.refresh_from_db()
        assert (
            self.target.reputation_score,
            self.target.development_score,
            self.target.share_of_wallet,
            self.target.criticality_score,
            self.target.satisfaction_score,
        ) == (8, 6, 40, 7, 9)
        entries = ScoreEntry.objects.filter(client=self.target)
        assert {(e.criterion, e.value, e.set_by_id) for e in entries} == {
            (key, int(value), self.alice.pk) for key, value in CARD_SCORES.items()
        }
        event = AuditEvent.objects.get(action=AuditAction.CLIENT_SCORED, object_id=self.target.pk)
        assert event.user == self.alice
        assert event.details["changes"]["reputation"] == [None, 8]
        card = self.get(f"/clients/{self.target.pk}/")
        history = card.context["kaism"]["history"]
        assert len(history) == 5
        self.assertContains(card, 'id="score-history"')
        self.assertContains(card, "alice")

    def test_only_changed_scores_are_recorded_and_an_empty_field_clears(self) -> None:
        self.post(self.url, CARD_SCORES)

        self.post(self.url, {**CARD_SCORES, "reputation": "9", "satisfaction": ""})

        self.target.refresh_from_db()
        assert (self.target.reputation_score, self.target.satisfaction_score) == (9, None)
        latest = ScoreEntry.objects.filter(client=self.target).order_by("-pk")[:2]
        assert {(e.criterion, e.value) for e in latest} == {
            ("reputation", 9),
            ("satisfaction", None),
        }
        assert ScoreEntry.objects.filter(client=self.target).count() == 7

    def test_a_score_out_of_range_changes_nothing(self) -> None:
        response = self.post(
            self.url, {**CARD_SCORES, "reputation": "11", "share_of_wallet": "120"}
        )

        assert response.status_code == 302
        self.target.refresh_from_db()
        assert self.target.reputation_score is None
        assert not ScoreEntry.objects.filter(client=self.target).exists()
        card = self.client.get(f"/clients/{self.target.pk}/")
        messages = [str(m) for m in card.context["messages"]]
        assert any("10" in m for m in messages) and any("100" in m for m in messages)

    def test_the_card_shows_scores_quadrant_reasons_and_signals(self) -> None:
        top = self.ranked[0]
        core = expected(self.lines, manual=self.manual())
        position = core.positions.filter(core.positions["client_key"] == top.key).row(0, named=True)

        card = self.get(f"/clients/{top.pk}/")

        kaism = card.context["kaism"]
        assert (
            kaism["row"]["vertical"] == position["vertical"]
            or abs(kaism["row"]["vertical"] - position["vertical"]) < 1e-9
        )
        assert kaism["row"]["quadrant"] == position["quadrant"] == "key"
        assert kaism["reasons"] == [
            "класс A по выручке",
            "репутация 8 и выше",
            "развитие 8 и выше",
            "ключевой квадрант KAISM",
        ]
        scores = {c["label"]: c["value"] for c in kaism["criteria"] if c["manual"]}
        assert scores["Репутация"] == 9
        assert scores["Доля кошелька"] == 70
        self.assertContains(card, 'data-figure="quadrant"')
        self.assertContains(card, "Ключевые (стратегические)")
        falling = core.signals["client_key"].to_list()[0]
        card = self.get(f"/clients/{self.id_of(falling)}/")
        assert card.context["kaism"]["signals"]
        self.assertContains(card, "data-signals")


class FlagTests(KaismTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.target = self.ranked[15]
        self.url = f"/clients/{self.target.pk}/flags/"

    def test_marking_key_by_hand_needs_a_reason_and_shows_it(self) -> None:
        refused = self.post(self.url, {"key": "on", "key_reason": " "})
        assert refused.status_code == 302
        assert not ClientFlag.objects.exists()
        messages = [
            str(m) for m in self.client.get(self.url.replace("flags/", "")).context["messages"]
        ]
        assert str(REASON_REQUIRED) in messages

        self.post(self.url, {"key": "on", "key_reason": "Референс-проект"})

        flag = ClientFlag.objects.get(client=self.target, kind=FlagKind.KEY)
        assert (flag.reason, flag.set_by) == ("Референс-проект", self.alice)
        row = next(
            r
            for r in self.get("/clients/", key="on").context["clients"]
            if r["client_id"] == self.target.pk
        )
        assert "manual" in row["key_reasons"]
        assert row["reasons"][-1]["full"] == "отмечен ключевым вручную: Референс-проект"
        assert AuditEvent.objects.filter(action=AuditAction.CLIENT_FLAGGED).count() == 1

    def test_prospective_by_hand_is_the_clients_prospective_flag(self) -> None:
        self.post(self.url, {"prospective": "on", "prospective_reason": "Новый склад"})

        self.target.refresh_from_db()
        assert self.target.prospective
        assert ClientFlag.objects.get(kind=FlagKind.PROSPECTIVE).reason == "Новый склад"
        names = [r["client"] for r in self.get("/clients/", prospective="on").context["clients"]]
        assert self.target.name in names

        self.post(self.url, {})

        self.target.refresh_from_db()
        assert not self.target.prospective
        assert not ClientFlag.objects.exists()
        entries = ScoreEntry.objects.filter(client=self.target).order_by("pk")
        assert [(e.criterion, e.value) for e in entries] == [
            ("flag:prospective", 1),
            ("flag:prospective", 0),
        ]


class BulkScoringTests(KaismTestCase):
    url = "/kaism/scores/"

    def bulk(self, values: dict[Client, dict[str, int | None]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for client, scores in values.items():
            for key, value in scores.items():
                data[bulk_field_name(client.pk, key)] = "" if value is None else str(value)
        return data

    def test_owners_finance_and_managers_open_it_viewers_get_403(self) -> None:
        self.assert_access(
            self.url, roles=[Role.OWNER, Role.FINANCE, Role.MANAGER], of_company_a=False
        )
        unassigned = self.bulk({self.ranked[9]: {"reputation": 5}})
        self.assert_access(
            self.url,
            roles=[Role.OWNER, Role.FINANCE],
            method="post",
            data=unassigned,
            ok=302,
            of_company_a=False,
        )

    def test_one_row_per_top_client_by_revenue(self) -> None:
        core = expected(self.lines, manual=self.manual())
        with_revenue = core.stability.filter(core.stability["ltm_revenue"] > 0)

        response = self.get(self.url)

        table = response.context["table"]
        assert [row["client_key"] for row in table] == with_revenue["client_key"].to_list()[:30]
        criteria = [c.key for c in response.context["criteria"]]
        assert criteria == [
            "reputation",
            "development",
            "share_of_wallet",
            "criticality",
            "satisfaction",
        ]
        first = table[0]["fields"]
        assert [field.value() for field in first] == [9, 8, 70, 9, 9]

    def test_one_save_scores_many_clients(self) -> None:
        data = self.bulk(
            {
                self.ranked[9]: {"reputation": 4, "criticality": 6},
                self.ranked[10]: {"share_of_wallet": 35},
            }
        )

        response = self.post(self.url, data)

        assert response.status_code == 302
        nine, ten = (Client.objects.get(pk=c.pk) for c in self.ranked[9:11])
        assert (nine.reputation_score, nine.criticality_score, ten.share_of_wallet) == (4, 6, 35)
        assert ScoreEntry.objects.filter(client__in=[nine, ten]).count() == 3
        # A field left out of the post is not a cleared score.
        assert Client.objects.get(pk=self.ranked[0].pk).reputation_score == 9

    def test_a_manager_scores_their_own_rows_and_sees_the_others(self) -> None:
        self.set_bob_role(Role.MANAGER)
        own, other = self.ranked[9], self.ranked[10]
        own.manager = self.bob
        own.save()
        self.login(self.bob)

        page = self.get(self.url)
        rows = {row["client_id"]: row for row in page.context["table"]}
        assert rows[own.pk]["fields"] is not None
        assert rows[other.pk]["fields"] is None
        assert page.context["editable_count"] == 1

        assert self.post(self.url, self.bulk({own: {"reputation": 7}})).status_code == 302
        refused = self.post(self.url, self.bulk({own: {"reputation": 2}, other: {"reputation": 2}}))
        assert refused.status_code == 403
        own.refresh_from_db()
        other.refresh_from_db()
        assert (own.reputation_score, other.reputation_score) == (7, None)

    def test_an_invalid_score_saves_nothing(self) -> None:
        data = self.bulk({self.ranked[9]: {"reputation": 4}, self.ranked[10]: {"reputation": 12}})

        response = self.post(self.url, data)

        assert response.status_code == 400
        assert Client.objects.get(pk=self.ranked[9].pk).reputation_score is None

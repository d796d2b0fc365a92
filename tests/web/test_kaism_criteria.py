"""The criteria editor: DESIGN's defaults pre-filled, weights and threshold per company, a
company's own manual criterion added, scored and removed; the core's rules enforced."""

from __future__ import annotations

from typing import Any

from keyclients.core.analytics.kaism import (
    DEFAULT_CRITERIA,
    HORIZONTAL,
    SOURCE_MANUAL,
    VERTICAL,
    Criterion,
    criteria_with_weights,
)
from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.insights.criteria import (
    DEFAULT_SETTINGS,
    CriterionSetting,
    KaismSettings,
    kaism_settings,
    settings_from_stored,
)
from keyclients.web.insights.kaism_services import AXIS_WITHOUT_WEIGHT
from keyclients.web.insights.models import ClientScore

from .kaism_fixtures import KaismTestCase, expected

URL = "/kaism/criteria/"


def criteria_post(
    settings: KaismSettings,
    *,
    weights: dict[str, float] | None = None,
    names: dict[str, str] | None = None,
    new: dict[str, Any] | None = None,
    remove: tuple[str, ...] = (),
    threshold: float | None = None,
) -> dict[str, Any]:
    """The editor's form as a browser would post it, with some values changed."""
    weights, names = weights or {}, names or {}
    rows = list(settings.criteria)
    data: dict[str, Any] = {
        "c-TOTAL_FORMS": str(len(rows) + 1),
        "c-INITIAL_FORMS": str(len(rows)),
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "60",
        "threshold": str(settings.threshold if threshold is None else threshold),
    }
    for index, criterion in enumerate(rows):
        scale = criterion.scale_labels() if criterion.manual else ("", "", "")
        data |= {
            f"c-{index}-key": criterion.key,
            f"c-{index}-name": names.get(criterion.key, criterion.label()),
            f"c-{index}-weight": str(weights.get(criterion.key, criterion.weight)),
            f"c-{index}-scale_0": scale[0],
            f"c-{index}-scale_5": scale[1],
            f"c-{index}-scale_10": scale[2],
        }
        if not criterion.builtin:
            data |= {f"c-{index}-axis": criterion.axis, f"c-{index}-source": criterion.source}
        if criterion.key in remove:
            data[f"c-{index}-remove"] = "on"
    last = len(rows)
    data |= {f"c-{last}-{name}": value for name, value in (new or {}).items()}
    data.setdefault(f"c-{last}-axis", VERTICAL)
    data.setdefault(f"c-{last}-source", SOURCE_MANUAL)
    return data


STRATEGIC_FIT = {
    "name": "Стратегическое соответствие",
    "axis": VERTICAL,
    "weight": "20",
    "source": SOURCE_MANUAL,
    "scale_0": "Не наш профиль",
    "scale_5": "Частично совпадает",
    "scale_10": "Идеальный клиент",
}


class CriteriaEditorTests(KaismTestCase):
    def current(self) -> KaismSettings:
        self.company_a.refresh_from_db()
        return kaism_settings(company=self.company_a)

    def test_owners_and_finance_edit_the_criteria_others_get_403(self) -> None:
        self.assert_access(URL, roles=[Role.OWNER, Role.FINANCE], of_company_a=False)
        self.assert_access(
            URL,
            roles=[Role.OWNER, Role.FINANCE],
            method="post",
            data=criteria_post(KaismSettings(), weights={"revenue": 40}),
            ok=302,
            of_company_a=False,
        )

    def test_designs_defaults_are_prefilled_in_the_readers_language(self) -> None:
        response = self.get(URL)

        forms = response.context["formset"].forms
        assert [f.initial["key"] for f in forms[:-1]] == [c.key for c in DEFAULT_CRITERIA]
        assert [f.initial["weight"] for f in forms[:-1]] == [c.weight for c in DEFAULT_CRITERIA]
        assert forms[0].initial["name"] == "Выручка"
        reputation = next(f for f in forms if f.initial.get("key") == "reputation")
        assert reputation.initial["scale_10"] == "Лидер отрасли, чьё имя поднимает наш статус"
        assert forms[-1].is_new
        self.assertContains(response, "Важность клиента для нас")
        self.assertContains(response, "Наша важность для клиента")

    def test_new_weights_and_threshold_change_the_positions(self) -> None:
        weights = {"revenue": 10.0, "reputation": 40.0, "tenure": 0.0}

        response = self.post(URL, criteria_post(self.current(), weights=weights, threshold=6))

        assert response.status_code == 302
        settings = self.current()
        assert settings.threshold == 6.0
        assert {c.key: c.weight for c in settings.criteria} == {
            c.key: weights.get(c.key, c.weight) for c in DEFAULT_CRITERIA
        }
        # The words stayed the built-in ones, so they stay translated for English readers.
        assert all(c.name == "" and c.scale == ("", "", "") for c in settings.criteria)
        core = expected(
            self.lines,
            manual=self.manual(),
            criteria=criteria_with_weights(weights),
            threshold=6.0,
        )
        page = self.get("/kaism/")
        shown = {
            row["client_key"]: quadrant["key"]
            for quadrant in page.context["quadrants"]
            for row in quadrant["clients"]
        }
        assert shown == dict(core.complete().select("client_key", "quadrant").iter_rows())
        event = AuditEvent.objects.get(action=AuditAction.KAISM_CRITERIA_CHANGED)
        assert event.details["weights"]["reputation"] == 40.0

    def test_a_criterion_of_the_companys_own_is_added_scored_and_counts(self) -> None:
        self.post(URL, criteria_post(self.current(), new=STRATEGIC_FIT))

        settings = self.current()
        fit = settings.by_key()["custom_1"]
        assert (fit.name, fit.axis, fit.weight, fit.source) == (
            "Стратегическое соответствие",
            VERTICAL,
            20.0,
            SOURCE_MANUAL,
        )
        assert fit.scale == ("Не наш профиль", "Частично совпадает", "Идеальный клиент")
        client = self.ranked[2]
        card = self.get(f"/clients/{client.pk}/")
        form = card.context["kaism"]["score_form"]
        assert "custom_1" in form.fields
        assert "Идеальный клиент" in form.fields["custom_1"].help_text

        self.post(f"/clients/{client.pk}/scores/", {"custom_1": "10"})

        assert ClientScore.objects.get(client=client, criterion="custom_1").value == 10
        criteria = (*DEFAULT_CRITERIA, Criterion("custom_1", VERTICAL, 20.0, SOURCE_MANUAL))
        core = expected(self.lines, manual=self.manual(), criteria=criteria)
        row = next(
            r
            for q in self.get("/kaism/").context["quadrants"]
            for r in q["clients"]
            if r["client_key"] == client.key
        )
        position = core.positions.filter(core.positions["client_key"] == client.key).row(
            0, named=True
        )
        assert row["vertical"] == position["vertical"]
        assert row["custom_1_score"] == 10.0
        bulk = self.get("/kaism/scores/")
        assert [c.key for c in bulk.context["criteria"]][-1] == "custom_1"

    def test_a_criterion_of_ones_own_can_be_removed_and_its_scores_then_count_for_nothing(
        self,
    ) -> None:
        self.post(URL, criteria_post(self.current(), new=STRATEGIC_FIT))
        self.post(f"/clients/{self.ranked[2].pk}/scores/", {"custom_1": "10"})

        self.post(URL, criteria_post(self.current(), remove=("custom_1",)))

        assert "custom_1" not in self.current().by_key()
        core = expected(self.lines, manual=self.manual())
        rows = {
            r["client_key"]: r
            for q in self.get("/kaism/").context["quadrants"]
            for r in q["clients"]
        }
        position = core.positions.filter(core.positions["client_key"] == self.ranked[2].key)
        assert rows[self.ranked[2].key]["vertical"] == position["vertical"][0]

    def test_an_axis_without_weight_is_refused(self) -> None:
        zero = {c.key: 0.0 for c in DEFAULT_CRITERIA if c.axis == HORIZONTAL}

        response = self.post(URL, criteria_post(self.current(), weights=zero))

        assert response.status_code == 400
        self.assertContains(response, str(AXIS_WITHOUT_WEIGHT), status_code=400)
        assert self.current() == KaismSettings()

    def test_a_new_row_without_a_name_is_refused(self) -> None:
        response = self.post(URL, criteria_post(self.current(), new={"weight": "10"}))

        assert response.status_code == 400
        assert len(self.current().criteria) == len(DEFAULT_CRITERIA)

    def test_own_names_are_kept_and_a_threshold_out_of_range_is_refused(self) -> None:
        self.post(URL, criteria_post(self.current(), names={"revenue": "Оборот"}))
        assert self.current().by_key()["revenue"].label() == "Оборот"

        response = self.post(URL, criteria_post(self.current(), threshold=11))

        assert response.status_code == 400
        assert self.current().threshold == 5.0


def test_stored_settings_that_make_no_sense_fall_back_to_designs() -> None:
    assert settings_from_stored(None) == KaismSettings()
    assert settings_from_stored({"threshold": 42, "criteria": "x"}) == KaismSettings()
    half = settings_from_stored(
        {
            "threshold": 6,
            "criteria": [
                {"key": "revenue", "axis": HORIZONTAL, "weight": 50, "source": "manual"},
                {"key": "custom_1", "axis": "sideways", "weight": 5, "source": "manual"},
                {"key": "hack", "axis": VERTICAL, "weight": 5, "source": "manual"},
                {"key": "tenure", "weight": -1},
            ],
        }
    )
    # revenue keeps DESIGN's axis and source with its own weight; the nonsense is dropped and
    # the missing built-ins come back with their default weights.
    assert half.threshold == 6.0
    assert half.criteria[0] == CriterionSetting("revenue", VERTICAL, 50.0, "revenue_rank")
    assert [c.key for c in half.criteria][1:] == [c.key for c in DEFAULT_SETTINGS[1:]]
    no_axis = settings_from_stored(
        {"criteria": [{"key": c.key, "weight": 0} for c in DEFAULT_CRITERIA]}
    )
    assert no_axis == KaismSettings(threshold=5.0)

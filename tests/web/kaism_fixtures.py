"""A scored fixture company for the KAISM tests, and the core's answers computed independently
from its sales *lines* (the app works on SQL day sums, the tests on the lines)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from unittest import mock

import polars as pl

from keyclients.core.analytics.abc_xyz import abc_xyz_matrix, client_stability
from keyclients.core.analytics.kaism import (
    DEFAULT_CRITERIA,
    DEFAULT_THRESHOLD,
    Criterion,
    kaism_metrics,
    kaism_positions,
)
from keyclients.core.analytics.key_clients import key_clients
from keyclients.core.analytics.signals import client_signals
from keyclients.web.accounts.models import User
from keyclients.web.insights import kaism_services
from keyclients.web.insights.criteria import kaism_settings
from keyclients.web.insights.models import ClientScore, FlagKind
from keyclients.web.ledger.models import Client

from .insights_fixtures import InsightsTestCase, add_demo_sales

TODAY = date(2026, 1, 15)  # LTM = 2025
AS_OF = date(2025, 12, 31)
BUILTIN_FIELDS = {
    "reputation": "reputation_score",
    "development": "development_score",
    "share_of_wallet": "share_of_wallet",
    "criticality": "criticality_score",
    "satisfaction": "satisfaction_score",
}
# Scores of the clients by LTM rank (0 = the largest): a spread over the quadrants.
HIGH = {
    "reputation": 9,
    "development": 8,
    "share_of_wallet": 70,
    "criticality": 9,
    "satisfaction": 9,
}
STAR = {
    "reputation": 7,
    "development": 9,
    "share_of_wallet": 5,
    "criticality": 2,
    "satisfaction": 5,
}
LOW = {
    "reputation": 1,
    "development": 0,
    "share_of_wallet": 10,
    "criticality": 1,
    "satisfaction": 3,
}
STATUS = {
    "reputation": 0,
    "development": 0,
    "share_of_wallet": 90,
    "criticality": 9,
    "satisfaction": 9,
}
SCORES_BY_RANK = {0: HIGH, 1: STAR, 2: LOW, 3: STATUS, 5: HIGH, 8: LOW, 12: STAR, 20: STATUS}
FAMOUS_RANK = 25  # a small client with a famous name: key by reputation, not by revenue
FAMOUS = {"reputation": 9}


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


@dataclass(frozen=True)
class Expected:
    stability: pl.DataFrame
    positions: pl.DataFrame
    key: pl.DataFrame
    signals: pl.DataFrame

    def complete(self) -> pl.DataFrame:
        return self.positions.filter(
            ~pl.col("vertical_incomplete")
            & ~pl.col("horizontal_incomplete")
            & pl.col("quadrant").is_not_null()
        )

    def reasons(self) -> dict[str, list[str]]:
        return dict(self.key.select("client_key", "key_reasons").iter_rows())


def expected(
    lines: pl.DataFrame,
    *,
    manual: Mapping[str, Mapping[str, float | None]],
    manual_key: Mapping[str, str] | None = None,
    prospective: Iterable[str] = (),
    criteria: Sequence[Criterion] = DEFAULT_CRITERIA,
    threshold: float = DEFAULT_THRESHOLD,
) -> Expected:
    stability = client_stability(lines, as_of=AS_OF, manual_prospective=list(prospective))
    metrics = kaism_metrics(lines, as_of=AS_OF, stability=stability)
    positions = kaism_positions(metrics, manual, criteria=criteria, threshold=threshold)
    key = key_clients(stability, positions=positions, manual=manual, manual_key=manual_key or {})
    placed = Expected(stability, positions, key, pl.DataFrame()).complete()
    signals = client_signals(
        as_of=AS_OF, sales=lines, quadrants=placed.select("client_key", "quadrant")
    )
    return Expected(stability, positions, key, signals)


def matrix(lines: pl.DataFrame) -> pl.DataFrame:
    return abc_xyz_matrix(client_stability(lines, as_of=AS_OF))


class KaismTestCase(InsightsTestCase):
    """Company A with the core's 30-client demo sales; some of its clients scored by Alice."""

    scored = True

    def setUp(self) -> None:
        super().setUp()
        self.lines = add_demo_sales(self.company_a, clients=30)
        order = client_stability(self.lines, as_of=AS_OF)["client_key"].to_list()
        by_key = {c.key: c for c in Client.objects.filter(company=self.company_a)}
        self.ranked = [by_key[key] for key in order]
        if self.scored:
            for rank, values in SCORES_BY_RANK.items():
                self.score(self.ranked[rank], **values)
            self.score(self.ranked[FAMOUS_RANK], **FAMOUS)

    def score(self, client: Client, *, by: User | None = None, **values: int | None) -> None:
        kaism_services.client_scores_update(
            client=client,
            user=by or self.alice,
            kaism=kaism_settings(company=self.company_a),
            values=values,
        )

    def mark(self, client: Client, kind: FlagKind, reason: str) -> None:
        kaism_services.client_flag_set(
            client=client, user=self.alice, kind=kind, marked=True, reason=reason
        )

    def manual(self) -> dict[str, dict[str, float | None]]:
        """The manual scores as stored, as the core takes them."""
        result: dict[str, dict[str, float | None]] = {}
        for client in Client.objects.filter(company=self.company_a):
            values = {
                key: float(getattr(client, field))
                for key, field in BUILTIN_FIELDS.items()
                if getattr(client, field) is not None
            }
            if values:
                result[client.key] = values
        for score in ClientScore.objects.filter(company=self.company_a).select_related("client"):
            result.setdefault(score.client.key, {})[score.criterion] = float(score.value)
        return result

    def get(self, url: str, **params: str) -> Any:
        if "_auth_user_id" not in self.client.session:
            self.login(self.alice)
        with today():
            return self.client.get(url, params)

    def post(self, url: str, data: Mapping[str, object]) -> Any:
        if "_auth_user_id" not in self.client.session:
            self.login(self.alice)
        with today():
            return self.client.post(url, data)

    def id_of(self, client_key: str) -> int:
        return next(c.pk for c in self.ranked if c.key == client_key)

"""Manual KAISM scores for the demo companies (`keyclients demo`), as an owner would enter them.

The top 30 clients by LTM revenue get all five built-in manual scores, drawn from a seeded
generator around a story that fits their numbers: growing clients are strategic partners or
stars, declining ones are kept for status or streamlined. One small client (class C) is a
famous name with a high reputation and development score — key for a reason other than
revenue — the largest class-B client is marked key by hand, and a small one prospective.
Everything goes through the same services as the pages, so the history says the owner scored
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from keyclients.web.accounts.models import Company, User
from keyclients.web.insights import kaism_selectors, kaism_services, selectors
from keyclients.web.insights.criteria import kaism_settings
from keyclients.web.insights.models import FlagKind, ScoreEntry
from keyclients.web.ledger.models import Client

SCORED_TOP = kaism_selectors.SCORING_TOP
DECLINING_BELOW = -0.10  # growth under −10%: a client we keep rather than develop
FAMOUS_SMALL_CLIENT = {
    "reputation": 9,
    "development": 8,
    "share_of_wallet": 15,
    "criticality": 4,
    "satisfaction": 9,
}
FAMOUS_REASON = "Известный бренд: работа с ним — наша лучшая рекомендация"
MARKED_KEY_REASON = "Пилотный проект с федеральной сетью, решение о расширении в этом году"
MARKED_PROSPECTIVE_REASON = "Открывает новый склад, просит коммерческое предложение"


@dataclass(frozen=True)
class Profile:
    """Ranges (inclusive) of the five manual scores for one kind of client."""

    reputation: tuple[int, int]
    development: tuple[int, int]
    share_of_wallet: tuple[int, int]
    criticality: tuple[int, int]
    satisfaction: tuple[int, int]


STRATEGIC = Profile((5, 8), (4, 8), (45, 80), (6, 9), (6, 9))
STAR = Profile((5, 8), (6, 9), (5, 25), (2, 5), (4, 7))
STATUS = Profile((0, 3), (0, 2), (50, 85), (6, 9), (6, 9))
STREAMLINE = Profile((0, 3), (0, 2), (5, 25), (1, 3), (3, 6))


def _draw(rng: np.random.Generator, profile: Profile) -> dict[str, int]:
    return {
        name: int(rng.integers(low, high + 1))
        for name, (low, high) in (
            ("reputation", profile.reputation),
            ("development", profile.development),
            ("share_of_wallet", profile.share_of_wallet),
            ("criticality", profile.criticality),
            ("satisfaction", profile.satisfaction),
        )
    }


def demo_scores(*, company: Company, owner: User, seed: int) -> int:
    """Score the demo company's clients once (nothing happens when it has scores already);
    returns the number of clients scored."""
    if ScoreEntry.objects.filter(company=company).exists():
        return 0
    rng = np.random.default_rng(seed)
    settings = kaism_settings(company=company)
    data = kaism_selectors.company_kaism_data(sales=selectors.company_sales(company=company))
    top = kaism_selectors.scoring_rows(data=data, limit=SCORED_TOP)
    values: dict[int, dict[str, int | None]] = {}
    for index, row in enumerate(top.iter_rows(named=True)):
        declining = row["growth"] is not None and row["growth"] < DECLINING_BELOW
        if declining:
            profile = STATUS if index % 2 else STREAMLINE
        else:
            profile = STAR if index % 3 == 2 else STRATEGIC
        values[row["client_id"]] = dict(_draw(rng, profile))
    small = data.clients.filter(
        (pl.col("abc") == "C") & (pl.col("ltm_revenue") > 0) & ~pl.col("dormant")
    ).head(1)
    famous = small["client_id"].to_list()
    for client_id in famous:
        values[client_id] = dict(FAMOUS_SMALL_CLIENT)
    kaism_services.client_scores_bulk_update(
        company=company, user=owner, kaism=settings, values=values
    )
    _marks(company, owner, data, famous)
    return len(values)


def _marks(
    company: Company, owner: User, data: kaism_selectors.KaismData, famous: list[int]
) -> None:
    """The largest client of class B marked key by hand, a small one prospective."""
    clients = Client.objects.filter(company=company)
    active = data.clients.filter((pl.col("ltm_revenue") > 0) & ~pl.col("dormant"))
    for client_id in active.filter(pl.col("abc") == "B").head(1)["client_id"].to_list():
        kaism_services.client_flag_set(
            client=clients.get(pk=client_id),
            user=owner,
            kind=FlagKind.KEY,
            marked=True,
            reason=MARKED_KEY_REASON,
        )
    small = active.filter((pl.col("abc") == "C") & ~pl.col("client_id").is_in(famous))
    for client_id in small.head(1)["client_id"].to_list():
        kaism_services.client_flag_set(
            client=clients.get(pk=client_id),
            user=owner,
            kind=FlagKind.PROSPECTIVE,
            marked=True,
            reason=MARKED_PROSPECTIVE_REASON,
        )

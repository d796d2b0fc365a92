"""Key clients (DESIGN §4 "Key clients — the article's three criteria").

A client is key when any of these holds, and the app always says which:

- `revenue`: it is class A by revenue;
- `reputation`: its reputation score is 8 or more (a leader whose name raises our standing);
- `development`: its development score is 8 or more (its standards push us forward);
- `kaism`: it sits in the KAISM "key" quadrant on complete data (a position flagged incomplete
  on either axis is shown, but rests on too little to make a client key);
- `manual`: it is marked key by hand.

Entry point: `key_clients(clients, positions=, manual=, manual_key=)`; the rule for one client
is `key_reasons(...)`.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from keyclients.core.analytics.kaism import QUADRANT_KEY, manual_score

REASON_REVENUE = "revenue"
REASON_REPUTATION = "reputation"
REASON_DEVELOPMENT = "development"
INCOMPLETE_COLUMNS = ("vertical_incomplete", "horizontal_incomplete")
REASON_KAISM = "kaism"
REASON_MANUAL = "manual"
KEY_REASONS = (REASON_REVENUE, REASON_REPUTATION, REASON_DEVELOPMENT, REASON_KAISM, REASON_MANUAL)

KEY_CLASS = "A"  # ABC class that makes a client key by revenue
KEY_SCORE = 8.0  # a reputation or development score at or above this makes a client key
REPUTATION = "reputation"  # the manual score keys (as in kaism.DEFAULT_CRITERIA)
DEVELOPMENT = "development"
INCOMPLETE_COLUMNS = ("vertical_incomplete", "horizontal_incomplete")

CLIENTS_COLUMNS_MISSING = "key_clients needs client_key and abc columns"
POSITIONS_COLUMNS_MISSING = "positions need client_key and quadrant columns"

KEY_CLIENTS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "is_key": pl.Boolean(),
    "key_reasons": pl.List(pl.String()),  # in KEY_REASONS order; empty when not key
    "manual_reason": pl.String(),  # the reason given when marked by hand, else null
}

_EMPTY: Mapping[str, str] = {}


def key_reasons(
    *,
    abc: str | None,
    reputation: float | None,
    development: float | None,
    quadrant: str | None,
    marked: bool,
) -> list[str]:
    """The reasons a client is key, in KEY_REASONS order; empty when it is not key."""
    reasons = []
    if abc == KEY_CLASS:
        reasons.append(REASON_REVENUE)
    reputation = manual_score(reputation)
    if reputation is not None and reputation >= KEY_SCORE:
        reasons.append(REASON_REPUTATION)
    development = manual_score(development)
    if development is not None and development >= KEY_SCORE:
        reasons.append(REASON_DEVELOPMENT)
    if quadrant == QUADRANT_KEY:
        reasons.append(REASON_KAISM)
    if marked:
        reasons.append(REASON_MANUAL)
    return reasons


def key_clients(
    clients: pl.DataFrame,
    *,
    positions: pl.DataFrame | None = None,
    manual: Mapping[str, Mapping[str, float | None]] | None = None,
    manual_key: Mapping[str, str] = _EMPTY,
) -> pl.DataFrame:
    """Which clients are key and why, one row per row of `clients`, in its order.

    - `clients`: a frame with client_key and abc, e.g. `concentration.client_shares` or
      `abc_xyz.client_stability`; it decides the client list (other inputs about other
      clients are ignored).
    - `positions`: client_key and quadrant, e.g. `kaism.kaism_positions`; without it no client
      is key by KAISM, nor is one whose vertical_incomplete or horizontal_incomplete is true.
    - `manual`: client_key → {"reputation": 0–10, "development": 0–10, ...} (the same mapping
      `kaism_positions` takes).
    - `manual_key`: client_key → the reason it was marked key by hand.
    Columns as in KEY_CLIENTS_SCHEMA.
    """
    if not {"client_key", "abc"} <= set(clients.columns):
        raise ValueError(CLIENTS_COLUMNS_MISSING)
    quadrants: dict[str, str | None] = {}
    if positions is not None:
        if not {"client_key", "quadrant"} <= set(positions.columns):
            raise ValueError(POSITIONS_COLUMNS_MISSING)
        incomplete = pl.lit(False)
        for flag in INCOMPLETE_COLUMNS:
            if flag in positions.columns:
                incomplete = incomplete | pl.col(flag).fill_null(True)
        complete = positions.filter(~incomplete)
        quadrants = dict(
            zip(complete["client_key"].to_list(), complete["quadrant"].to_list(), strict=True)
        )
    manual = manual or {}
    keys: list[str] = clients["client_key"].to_list()
    reasons = [
        key_reasons(
            abc=abc,
            reputation=manual.get(client, {}).get(REPUTATION),
            development=manual.get(client, {}).get(DEVELOPMENT),
            quadrant=quadrants.get(client),
            marked=client in manual_key,
        )
        for client, abc in zip(keys, clients["abc"].to_list(), strict=True)
    ]
    return pl.DataFrame(
        {
            "client_key": keys,
            "is_key": [bool(found) for found in reasons],
            "key_reasons": reasons,
            "manual_reason": [manual_key.get(client) for client in keys],
        },
        schema=KEY_CLIENTS_SCHEMA,
    )

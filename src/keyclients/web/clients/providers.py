"""What the dossier needs from features other engineers are building in parallel.

Each provider returns what is available today and is the ONE place to wire the real source
after the merge (see the README section "Client dossier"):

- `client_quadrants` → the KAISM positions (insights/KAISM): empty until KAISM is merged, so
  quadrant rules of privilege tiers suggest nobody and `no_touch` is not evaluated yet;
- `contact_days` → the company's contact frequency per quadrant (KAISM settings): None = the
  core's defaults (30, 45, 90, 180 days);
- `client_payments` → the client payments of the ledger (payments import): None until merged,
  so receivables are settled by the sales' own paid dates when they have them.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from keyclients.core.analytics.signals import QUADRANT_COLUMNS
from keyclients.web.accounts.models import Company

QUADRANTS_SCHEMA: dict[str, pl.DataType] = {name: pl.String() for name in QUADRANT_COLUMNS}


def client_quadrants(*, company: Company) -> pl.DataFrame:
    """client_key, quadrant (a key of `kaism.QUADRANTS`) per client with a KAISM position.

    Wire to the KAISM positions of the company (e.g. `kaism_positions(...)`'s two columns).
    """
    return pl.DataFrame(schema=QUADRANTS_SCHEMA)


def contact_days(*, company: Company) -> dict[str, int] | None:
    """The company's contact frequency in days per quadrant key; None = the core's defaults."""
    return None


def client_payments(
    *, company: Company, client_keys: Collection[str] | None = None
) -> pl.DataFrame | None:
    """The payments of the given clients (all when None) as the core's PAYMENTS_SCHEMA
    (`core.ingest.schema`); None while the ledger has no payments. Wire to the payments
    selector of the ledger."""
    del company, client_keys
    return None

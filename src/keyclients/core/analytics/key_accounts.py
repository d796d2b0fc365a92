"""Key-account work (DESIGN §1 question 4): privilege tiers, hunters' new clients, the team,
birthdays. Plain functions of small frames; the web app's dossier shows what they return.

Entry points:

- `tier_suggestions(rules, revenue=, quadrants=)`: which clients each privilege tier's rule
  admits ("quadrant key", "revenue ≥ X"); tiers given by hand suggest nobody;
- `margin_after_privileges(revenue=, cost=, discount=, fallback_margin=)`: the client's gross
  margin (from cost data, else the company's margin setting) less the tier's discount;
- `hunter_clients(first_sales, as_of=, months=)`: which clients are still new (their first sale
  within `months` of `as_of`, or none yet) and which are due for hand-off to a farmer;
- `team_summary(clients)`: clients, revenue, key and new clients per manager;
- `next_birthday(birthday, today=)` and `upcoming_birthdays(birthdays, today=, days=)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from keyclients.core.analytics.concentration import EPSILON
from keyclients.core.analytics.kaism import QUADRANTS

RULE_MANUAL = "manual"  # members are chosen by hand; the tier suggests nobody
RULE_QUADRANT = "quadrant"  # clients in a KAISM quadrant, e.g. "key"
RULE_REVENUE = "revenue"  # clients with revenue of the period at or above a threshold
RULES = (RULE_MANUAL, RULE_QUADRANT, RULE_REVENUE)

DEFAULT_HUNTER_MONTHS = 6  # a client is new (the hunter's) for 6 months after its first sale
DEFAULT_BIRTHDAY_DAYS = 30

RULE_INVALID = "unknown tier rule"
RULE_QUADRANT_INVALID = "a quadrant rule needs one of the KAISM quadrants"
RULE_REVENUE_INVALID = "a revenue rule needs a positive, finite threshold"
DISCOUNT_INVALID = "a discount is a fraction between 0 and 1"
MARGIN_INVALID = "a margin must be a finite fraction of at most 1"
AMOUNT_NOT_FINITE = "revenue and cost must be finite numbers"
MONTHS_INVALID = "months must be at least 1"
DAYS_INVALID = "days must be at least 0"
COLUMNS_MISSING = "a frame lacks columns"

MARGIN_FROM_COST = "cost"  # the client's own cost data
MARGIN_FROM_SETTING = "setting"  # the company's margin setting, when cost data is missing

SUGGESTIONS_SCHEMA: dict[str, pl.DataType] = {
    "tier": pl.String(),  # the TierRule.tier it qualifies for
    "client_key": pl.String(),
    "rule": pl.String(),  # RULE_QUADRANT or RULE_REVENUE
    "revenue": pl.Float64(),  # the client's revenue (null when the frame had none for it)
    "quadrant": pl.String(),  # the client's quadrant (null when unknown)
}
HUNTER_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "first_sale": pl.Date(),  # null: no sale yet (a prospect)
    "new_until": pl.Date(),  # first_sale + months: from this day the client is no longer new
    "is_new": pl.Boolean(),  # no sale yet, or as_of before new_until
    "handoff_due": pl.Boolean(),  # not new any more: a farmer should take it over
}
TEAM_SCHEMA: dict[str, pl.DataType] = {
    "manager_id": pl.Int64(),  # null: clients assigned to nobody
    "clients": pl.Int64(),
    "revenue": pl.Float64(),
    "revenue_share": pl.Float64(),  # of the positive total; null when it is not positive
    "key_clients": pl.Int64(),
    "new_clients": pl.Int64(),
}
BIRTHDAYS_SCHEMA: dict[str, pl.DataType] = {
    "contact_id": pl.Int64(),
    "birthday": pl.Date(),
    "next_birthday": pl.Date(),
    "days_until": pl.Int64(),  # 0 = today
    "turns": pl.Int64(),  # the age on next_birthday
}


# --- Privilege tiers ------------------------------------------------------------------------


@dataclass(frozen=True)
class TierRule:
    """A tier's eligibility rule: `tier` is the caller's id for it, `rule` one of RULES."""

    tier: str
    rule: str
    quadrant: str | None = None  # RULE_QUADRANT: a key of kaism.QUADRANTS
    revenue_min: float | None = None  # RULE_REVENUE: revenue ≥ this (> 0)

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"{RULE_INVALID}: {self.rule}")
        if self.rule == RULE_QUADRANT and self.quadrant not in QUADRANTS:
            raise ValueError(RULE_QUADRANT_INVALID)
        if self.rule == RULE_REVENUE and not (
            self.revenue_min is not None
            and math.isfinite(self.revenue_min)
            and self.revenue_min > 0
        ):
            raise ValueError(RULE_REVENUE_INVALID)


def tier_suggestions(
    rules: Sequence[TierRule],
    *,
    revenue: pl.DataFrame,
    quadrants: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every (tier, client) pair a rule admits, as SUGGESTIONS_SCHEMA.

    - `revenue`: client_key, revenue (e.g. the core's `client_revenue` over the period);
    - `quadrants`: client_key, quadrant (e.g. `kaism_positions`); without it quadrant rules
      admit nobody.
    A revenue rule admits clients with revenue ≥ its threshold; a quadrant rule those in its
    quadrant. Rows come in the order of `rules`, then by revenue (largest first), then key.
    A client may qualify for several tiers; which one it gets is the owner's choice.
    """
    _check_columns(revenue, ("client_key", "revenue"))
    revenue = revenue.select(
        pl.col("client_key").cast(pl.String), pl.col("revenue").cast(pl.Float64)
    )
    if quadrants is None:
        quadrants = pl.DataFrame(schema={"client_key": pl.String, "quadrant": pl.String})
    _check_columns(quadrants, ("client_key", "quadrant"))
    quadrants = quadrants.select(
        pl.col("client_key").cast(pl.String), pl.col("quadrant").cast(pl.String)
    )
    clients = revenue.join(quadrants, on="client_key", how="full", coalesce=True)
    parts = []
    for rule in rules:
        if rule.rule == RULE_REVENUE:
            assert rule.revenue_min is not None
            admitted = clients.filter(pl.col("revenue") >= rule.revenue_min - EPSILON)
        elif rule.rule == RULE_QUADRANT:
            admitted = clients.filter(pl.col("quadrant") == rule.quadrant)
        else:
            continue
        parts.append(
            admitted.sort(["revenue", "client_key"], descending=[True, False], nulls_last=True)
            .with_columns(tier=pl.lit(rule.tier), rule=pl.lit(rule.rule))
            .select(list(SUGGESTIONS_SCHEMA))
        )
    if not parts:
        return pl.DataFrame(schema=SUGGESTIONS_SCHEMA)
    return pl.concat(parts).select(
        pl.col(name).cast(dtype) for name, dtype in SUGGESTIONS_SCHEMA.items()
    )


@dataclass(frozen=True)
class PrivilegeMargin:
    """A client's gross margin before and after its privilege discount.

    Margins are fractions of revenue; `margin_after` = `margin` − `discount` (the discount is
    given on the revenue, so it comes straight off the margin). Money: `gross_profit` =
    revenue × margin, `privilege_cost` = revenue × discount, `gross_profit_after` their
    difference. Unknown (None) when there is no margin: no complete cost data and no setting.
    """

    revenue: float
    margin: float | None
    margin_source: str | None  # MARGIN_FROM_COST, MARGIN_FROM_SETTING or None
    discount: float
    privilege_cost: float
    margin_after: float | None
    gross_profit: float | None
    gross_profit_after: float | None


def margin_after_privileges(
    *,
    revenue: float,
    cost: float | None,
    discount: float,
    fallback_margin: float | None = None,
) -> PrivilegeMargin:
    """The margin after privileges of one client over a period.

    `cost` is the cost of the period's sales, None when any line lacks one (a partial cost
    would overstate the margin); then `fallback_margin` (the company's setting) stands in.
    Without positive revenue the margin from cost has no meaning and the setting is used.
    """
    if not math.isfinite(revenue) or (cost is not None and not math.isfinite(cost)):
        raise ValueError(AMOUNT_NOT_FINITE)
    if not (math.isfinite(discount) and 0.0 <= discount <= 1.0):
        raise ValueError(f"{DISCOUNT_INVALID}: {discount}")
    if fallback_margin is not None and not (
        math.isfinite(fallback_margin) and fallback_margin <= 1.0
    ):
        raise ValueError(f"{MARGIN_INVALID}: {fallback_margin}")
    margin: float | None
    if cost is not None and revenue > 0:
        margin, source = (revenue - cost) / revenue, MARGIN_FROM_COST
    elif fallback_margin is not None:
        margin, source = float(fallback_margin), MARGIN_FROM_SETTING
    else:
        margin, source = None, None
    base = max(revenue, 0.0)
    privilege_cost = base * discount
    if margin is None:
        return PrivilegeMargin(revenue, None, None, discount, privilege_cost, None, None, None)
    gross_profit = base * margin
    return PrivilegeMargin(
        revenue=revenue,
        margin=margin,
        margin_source=source,
        discount=discount,
        privilege_cost=privilege_cost,
        margin_after=margin - discount,
        gross_profit=gross_profit,
        gross_profit_after=gross_profit - privilege_cost,
    )


# --- Hunters and farmers --------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); the 31st falls on a shorter month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _days_in_month(year, month)))


def hunter_clients(
    first_sales: pl.DataFrame, *, as_of: date, months: int = DEFAULT_HUNTER_MONTHS
) -> pl.DataFrame:
    """Which clients are still new, as HUNTER_SCHEMA, in the order of `first_sales`.

    `first_sales`: client_key, first_sale (null: no sale yet). A client is new while `as_of`
    is before first_sale + `months` (its first sale lies within the last `months` months), or
    while it has no sale at all: it belongs to the hunter who brought it. After that its
    hand-off to a farmer is due.
    """
    if months < 1:
        raise ValueError(MONTHS_INVALID)
    _check_columns(first_sales, ("client_key", "first_sale"))
    keys = first_sales["client_key"].cast(pl.String).to_list()
    firsts: list[date | None] = first_sales["first_sale"].cast(pl.Date).to_list()
    until = [None if first is None else add_months(first, months) for first in firsts]
    is_new = [end is None or as_of < end for end in until]
    return pl.DataFrame(
        {
            "client_key": keys,
            "first_sale": firsts,
            "new_until": until,
            "is_new": is_new,
            "handoff_due": [not new for new in is_new],
        },
        schema=HUNTER_SCHEMA,
    )


def team_summary(clients: pl.DataFrame) -> pl.DataFrame:
    """Per manager: clients, revenue, share of revenue, key and new clients (TEAM_SCHEMA).

    `clients`: manager_id (null: unassigned), revenue, is_key, is_new — one row per client.
    Managers come by revenue (largest first), then id, the unassigned last. The share is of
    all clients' revenue summed (null when that sum is not positive), so the shares add to 1.
    """
    _check_columns(clients, ("manager_id", "revenue", "is_key", "is_new"))
    frame = clients.select(
        pl.col("manager_id").cast(pl.Int64),
        pl.col("revenue").cast(pl.Float64).fill_null(0.0),
        pl.col("is_key").cast(pl.Boolean).fill_null(False),
        pl.col("is_new").cast(pl.Boolean).fill_null(False),
    )
    frame = frame.sort(frame.columns, nulls_last=True)  # sums independent of the input order
    total = math.fsum(frame["revenue"].to_list())
    summary = frame.group_by("manager_id").agg(
        pl.len().cast(pl.Int64).alias("clients"),
        pl.col("revenue").sum(),
        pl.col("is_key").sum().cast(pl.Int64).alias("key_clients"),
        pl.col("is_new").sum().cast(pl.Int64).alias("new_clients"),
    )
    share = pl.col("revenue") / total if total > EPSILON else pl.lit(None, pl.Float64)
    return (
        summary.with_columns(share.alias("revenue_share"))
        .sort(
            [pl.col("manager_id").is_null(), "revenue", "manager_id"],
            descending=[False, True, False],
        )
        .select(pl.col(name).cast(dtype) for name, dtype in TEAM_SCHEMA.items())
    )


# --- Birthdays ------------------------------------------------------------------------------


def next_birthday(birthday: date, *, today: date) -> date:
    """The first birthday on or after `today`; 29 February is kept on 28 February in other
    years (the day a leap-day person usually celebrates)."""
    this_year = _anniversary(birthday, today.year)
    return this_year if this_year >= today else _anniversary(birthday, today.year + 1)


def upcoming_birthdays(
    birthdays: pl.DataFrame, *, today: date, days: int = DEFAULT_BIRTHDAY_DAYS
) -> pl.DataFrame:
    """Birthdays from `today` to `today + days` (inclusive), soonest first (BIRTHDAYS_SCHEMA).

    `birthdays`: contact_id, birthday (null: unknown, left out).
    """
    if days < 0:
        raise ValueError(DAYS_INVALID)
    _check_columns(birthdays, ("contact_id", "birthday"))
    rows = []
    for contact, birthday in birthdays.select("contact_id", "birthday").iter_rows():
        if birthday is None:
            continue
        upcoming = next_birthday(birthday, today=today)
        until = (upcoming - today).days
        if until <= days:
            rows.append((contact, birthday, upcoming, until, upcoming.year - birthday.year))
    rows.sort(key=lambda row: (row[3], row[0]))
    return pl.DataFrame(rows, schema=BIRTHDAYS_SCHEMA, orient="row")


# --- Helpers --------------------------------------------------------------------------------


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def _anniversary(birthday: date, year: int) -> date:
    return date(year, birthday.month, min(birthday.day, _days_in_month(year, birthday.month)))


def _check_columns(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"{COLUMNS_MISSING}: {', '.join(missing)}")

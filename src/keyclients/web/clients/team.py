"""Reads of the pages around the dossier: a manager's home (`/my/`), the team (`/team/`), the
privilege tiers with their suggested members (`/privileges/`).

Every figure comes from the core: revenue, ABC and first sales from the insights selectors'
client table (the core's `client_shares` over the app's LTM), key clients from `key_clients`,
new clients and hand-offs from `hunter_clients`, the team rows from `team_summary`, signals
from `client_signals`, tier suggestions from `tier_suggestions`, birthdays from
`upcoming_birthdays`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Count, Sum
from django.utils import timezone

from keyclients.core.analytics import key_accounts
from keyclients.core.analytics.key_clients import DEVELOPMENT, REPUTATION, key_clients
from keyclients.core.analytics.signals import client_signals, evidence_dict
from keyclients.web.accounts.models import Company, ManagerKind, Membership, Role, User
from keyclients.web.clients import providers
from keyclients.web.clients.models import ClientProfile, ContactPersonal, Interaction
from keyclients.web.clients.selectors import (
    contacts_frame,
    last_interactions,
    tier_list,
    tier_rules,
)
from keyclients.web.clients.services import SETTINGS_KEY
from keyclients.web.insights import selectors as insights_selectors
from keyclients.web.insights.periods import Period, ltm_period
from keyclients.web.ledger.models import Client, Sale

NEXT_STEPS_LIMIT = 50
SUGGESTIONS_PER_TIER = 20
HUNTER_MONTHS_SETTING = "hunter_months"
FARMING_KINDS = (ManagerKind.FARMER, ManagerKind.BOTH)


def hunter_months(*, company: Company) -> int:
    """How long a client stays new (the hunter's), Company.settings["dossier"]; default 6."""
    section = company.settings.get(SETTINGS_KEY) if isinstance(company.settings, dict) else None
    value = section.get(HUNTER_MONTHS_SETTING) if isinstance(section, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return key_accounts.DEFAULT_HUNTER_MONTHS
    return value


@dataclass(frozen=True)
class CompanyFigures:
    """The core's client table over the app's LTM, and the date the sales figures stand at."""

    period: Period | None
    as_of: date  # the LTM's last day (the data's "today"), else today
    table: pl.DataFrame  # insights_selectors.client_table columns; empty without sales


def company_figures(*, company: Company) -> CompanyFigures:
    sales = insights_selectors.company_sales(company=company)
    today = timezone.localdate()
    period = ltm_period(sales.months, today=today)
    if period is None:
        return CompanyFigures(period=None, as_of=today, table=pl.DataFrame())
    table = insights_selectors.client_table(
        sales=sales,
        period=period,
        settings=insights_selectors.concentration_settings(company=company),
    )
    return CompanyFigures(period=period, as_of=period.date_to, table=table)


def _new_clients(
    figures: CompanyFigures, clients: list[tuple[int, str]], *, months: int
) -> dict[int, dict[str, Any]]:
    """client id → the core's hunter_clients row (first sale, new_until, is_new, handoff_due)."""
    firsts: dict[str, date | None] = {}
    if not figures.table.is_empty():
        firsts = dict(figures.table.select("client_key", "first_sale").iter_rows())
    frame = pl.DataFrame(
        {
            "client_key": [key for _, key in clients],
            "first_sale": [firsts.get(k) for _, k in clients],
        },
        schema={"client_key": pl.String, "first_sale": pl.Date},
    )
    rows = key_accounts.hunter_clients(frame, as_of=figures.as_of, months=months).to_dicts()
    return {pk: row for (pk, _key), row in zip(clients, rows, strict=True)}


# --- Signals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    signal: str
    severity: str
    evidence: dict[str, float | None]


def _day_sales(company: Company, client_ids: list[int]) -> pl.DataFrame:
    """Net revenue per client and day in SQL (silence needs days), for the given clients."""
    rows = (
        Sale.objects.filter(company=company, client_id__in=client_ids)
        .values("client__key", "date")
        .annotate(total=Sum("amount"))
        .values_list("client__key", "date", "total")
        .order_by()
    )
    return pl.DataFrame(
        [(key, day, float(total)) for key, day, total in rows],
        schema={"client_key": pl.String, "date": pl.Date, "amount": pl.Float64},
        orient="row",
    )


def client_signal_map(
    *,
    company: Company,
    clients: list[tuple[int, str]],
    figures: CompanyFigures,
    touches: pl.DataFrame | None = None,
) -> dict[int, list[Signal]]:
    """The core's early warnings of these clients: the sales ones at the data's date, the
    dossier ones (no touch, no decision maker, single-threaded) today. `touches` is
    `last_interactions` when the caller has it already."""
    if not clients:
        return {}
    ids = [pk for pk, _ in clients]
    keys = {key: pk for pk, key in clients}
    sales = _day_sales(company, ids)
    on_sales = client_signals(as_of=figures.as_of, sales=sales)
    today = timezone.localdate()
    if touches is None:
        touches = last_interactions(company=company, as_of=today)
    in_dossier = client_signals(
        as_of=today,
        sales=sales.clear(),
        last_interactions=touches.filter(pl.col("client_key").is_in(list(keys))),
        quadrants=providers.client_quadrants(company=company),
        contacts=contacts_frame(company=company, client_ids=ids),
        contact_days=providers.contact_days(company=company),
    )
    found: dict[int, list[Signal]] = {}
    for row in pl.concat([on_sales, in_dossier]).iter_rows(named=True):
        pk = keys.get(row["client_key"])
        if pk is not None:
            found.setdefault(pk, []).append(
                Signal(row["signal"], row["severity"], evidence_dict(row["evidence"]))
            )
    return found


# --- My clients -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MyClient:
    pk: int
    name: str
    status: str
    revenue: float
    abc: str | None
    last_interaction: date | None
    signals: list[Signal]
    hunted: bool  # brought by this user
    is_new: bool
    handoff_due: bool


@dataclass(frozen=True)
class NextStep:
    interaction: Interaction
    overdue: bool


@dataclass(frozen=True)
class Birthday:
    contact_id: int
    name: str
    client_id: int
    client_name: str
    next_birthday: date
    days_until: int
    turns: int


@dataclass(frozen=True)
class MyHome:
    period: Period | None
    clients: list[MyClient]
    next_steps: list[NextStep]
    birthdays: list[Birthday] = field(default_factory=list)


def my_home(*, membership: Membership, user: User) -> MyHome:
    """The clients assigned to the member (`user`), with their signals, open next steps and
    (for the roles that may see personal data) the coming birthdays of their contacts."""
    company = membership.company
    today = timezone.localdate()
    mine = list(
        Client.objects.filter(company=company, manager=user)
        .order_by("name", "pk")
        .values_list("pk", "key", "name", "status")
    )
    clients = [(pk, key) for pk, key, _name, _status in mine]
    figures = company_figures(company=company)
    revenue: dict[int, tuple[float, str | None]] = {}
    if not figures.table.is_empty():
        revenue = {
            pk: (value, abc)
            for pk, value, abc in figures.table.filter(
                pl.col("client_id").is_in([pk for pk, _ in clients])
            )
            .select("client_id", "revenue", "abc")
            .iter_rows()
        }
    touches = last_interactions(company=company, as_of=today)
    last = dict(touches.iter_rows())
    hunted = set(
        ClientProfile.objects.filter(
            company=company, hunter=user, client_id__in=[pk for pk, _ in clients]
        ).values_list("client_id", flat=True)
    )
    new = _new_clients(figures, clients, months=hunter_months(company=company))
    signals = client_signal_map(company=company, clients=clients, figures=figures, touches=touches)
    rows = sorted(
        (
            MyClient(
                pk=pk,
                name=name,
                status=status,
                revenue=revenue.get(pk, (0.0, None))[0],
                abc=revenue.get(pk, (0.0, None))[1],
                last_interaction=last.get(key),
                signals=signals.get(pk, []),
                hunted=pk in hunted,
                is_new=new[pk]["is_new"],
                handoff_due=pk in hunted and new[pk]["handoff_due"],
            )
            for pk, key, name, status in mine
        ),
        key=lambda row: (-row.revenue, row.name, row.pk),  # the largest clients first
    )
    steps = [
        NextStep(
            interaction,
            interaction.next_step_date is not None and interaction.next_step_date < today,
        )
        for interaction in Interaction.objects.filter(
            company=company, client__manager=user, next_step_done=False
        )
        .exclude(next_step="")
        .select_related("client")
        .order_by("next_step_date", "pk")[:NEXT_STEPS_LIMIT]
    ]
    birthdays = (
        upcoming_birthdays(company=company, manager=user, today=today)
        if membership.role in (Role.OWNER, Role.MANAGER)
        else []
    )
    return MyHome(period=figures.period, clients=rows, next_steps=steps, birthdays=birthdays)


def upcoming_birthdays(*, company: Company, manager: User, today: date) -> list[Birthday]:
    """Birthdays of the active contacts of the manager's clients in the coming 30 days.

    Personal data: the caller shows them only to the roles that may see it, and audits it.
    """
    rows = list(
        ContactPersonal.objects.filter(
            company=company,
            contact__client__manager=manager,
            contact__active=True,
            birthday__isnull=False,
        ).values_list(
            "contact_id",
            "birthday",
            "contact__full_name",
            "contact__client_id",
            "contact__client__name",
        )
    )
    coming = key_accounts.upcoming_birthdays(
        pl.DataFrame(
            [(contact, birthday) for contact, birthday, *_rest in rows],
            schema={"contact_id": pl.Int64, "birthday": pl.Date},
            orient="row",
        ),
        today=today,
    )
    names = {
        contact: (name, client, client_name) for contact, _b, name, client, client_name in rows
    }
    return [
        Birthday(
            contact_id=contact,
            name=names[contact][0],
            client_id=names[contact][1],
            client_name=names[contact][2],
            next_birthday=upcoming,
            days_until=days,
            turns=turns,
        )
        for contact, _birthday, upcoming, days, turns in coming.iter_rows()
    ]


# --- The team -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    manager_id: int | None
    name: str
    kind: str
    clients: int
    revenue: float
    revenue_share: float | None
    key_clients: int
    new_clients: int


@dataclass(frozen=True)
class Handoff:
    client_id: int
    client_name: str
    hunter: str
    first_sale: date | None
    new_until: date | None


@dataclass(frozen=True)
class TeamOverview:
    period: Period | None
    months: int
    rows: list[TeamRow]
    handoffs: list[Handoff]
    farmers: list[tuple[int, str]]


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def team_overview(*, company: Company) -> TeamOverview:
    figures = company_figures(company=company)
    months = hunter_months(company=company)
    members = list(
        Membership.objects.filter(company=company).select_related("user").order_by("user__username")
    )
    clients = list(
        Client.objects.filter(company=company)
        .order_by("pk")
        .values_list("pk", "key", "manager_id", "reputation_score", "development_score")
    )
    keys = [(pk, key) for pk, key, *_ in clients]
    new = _new_clients(figures, keys, months=months)
    table = figures.table
    revenue: dict[int, float] = {}
    key_flags: dict[str, bool] = {}
    if not table.is_empty():
        revenue = dict(table.select("client_id", "revenue").iter_rows())
        manual = {
            key: {REPUTATION: reputation, DEVELOPMENT: development}
            for _pk, key, _m, reputation, development in clients
        }
        flags = key_clients(
            table.select("client_key", "abc"),
            positions=providers.client_quadrants(company=company),
            manual=manual,
        )
        key_flags = dict(flags.select("client_key", "is_key").iter_rows())
    frame = pl.DataFrame(
        [
            (
                manager_id,
                revenue.get(pk, 0.0),
                key_flags.get(key, False),
                new[pk]["is_new"] and new[pk]["first_sale"] is not None,
            )
            for pk, key, manager_id, *_scores in clients
        ],
        schema={
            "manager_id": pl.Int64,
            "revenue": pl.Float64,
            "is_key": pl.Boolean,
            "is_new": pl.Boolean,
        },
        orient="row",
    )
    summary = {row["manager_id"]: row for row in key_accounts.team_summary(frame).to_dicts()}
    people = {m.user_id: m for m in members}
    rows = []
    # Every manager, even one without clients; then whoever else holds clients; unassigned last.
    order = [m.user_id for m in members if m.role == Role.MANAGER]
    order += [pk for pk in summary if pk is not None and pk not in order]
    for manager_id in [*order, None]:
        row = summary.get(manager_id)
        if row is None and manager_id is None:
            continue
        member = people.get(manager_id) if manager_id is not None else None
        rows.append(
            TeamRow(
                manager_id=manager_id,
                name=_name(member.user) if member is not None else "",
                kind=member.get_manager_kind_display() or "" if member is not None else "",
                clients=row["clients"] if row else 0,
                revenue=row["revenue"] if row else 0.0,
                revenue_share=row["revenue_share"] if row else None,
                key_clients=row["key_clients"] if row else 0,
                new_clients=row["new_clients"] if row else 0,
            )
        )
    return TeamOverview(
        period=figures.period,
        months=months,
        rows=rows,
        handoffs=_handoffs(company, new, people),
        farmers=[
            (m.user_id, _name(m.user))
            for m in members
            if m.role == Role.MANAGER and m.manager_kind in FARMING_KINDS
        ],
    )


def _handoffs(
    company: Company, new: dict[int, dict[str, Any]], people: dict[int, Membership]
) -> list[Handoff]:
    """Clients still with the hunter who brought them, no longer new: a farmer should take
    them over."""
    held = (
        ClientProfile.objects.filter(company=company, hunter__isnull=False)
        .select_related("client", "hunter")
        .order_by("client__name", "client_id")
    )
    return [
        Handoff(
            client_id=profile.client_id,
            client_name=profile.client.name,
            hunter=_name(profile.hunter),
            first_sale=new[profile.client_id]["first_sale"],
            new_until=new[profile.client_id]["new_until"],
        )
        for profile in held
        if profile.hunter is not None
        and profile.client.manager_id == profile.hunter_id
        and new.get(profile.client_id, {}).get("handoff_due")
    ]


# --- Privilege tiers ------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedClient:
    client_id: int
    name: str
    revenue: float | None
    quadrant: str | None


@dataclass(frozen=True)
class TierRow:
    tier: Any  # PrivilegeTier
    members: int
    suggestions: list[SuggestedClient]
    more: int  # suggestions beyond the ones listed


def tier_overview(*, company: Company) -> tuple[list[TierRow], Period | None]:
    tiers = tier_list(company=company)
    figures = company_figures(company=company)
    members = dict(
        ClientProfile.objects.filter(company=company, tier__isnull=False)
        .values("tier_id")
        .annotate(count=Count("pk"))
        .values_list("tier_id", "count")
    )
    current = dict(
        ClientProfile.objects.filter(company=company, tier__isnull=False).values_list(
            "client_id", "tier_id"
        )
    )
    revenue = (
        figures.table.select("client_key", "revenue")
        if not figures.table.is_empty()
        else pl.DataFrame(schema={"client_key": pl.String, "revenue": pl.Float64})
    )
    suggestions = key_accounts.tier_suggestions(
        tier_rules(tiers), revenue=revenue, quadrants=providers.client_quadrants(company=company)
    )
    clients = {
        key: (pk, name)
        for pk, key, name in Client.objects.filter(company=company).values_list("pk", "key", "name")
    }
    discounts = {tier.pk: tier.discount_percent for tier in tiers}
    rows = []
    for tier in tiers:
        found = []
        for row in suggestions.filter(pl.col("tier") == str(tier.pk)).iter_rows(named=True):
            pk, name = clients.get(row["client_key"], (None, ""))
            if pk is None:
                continue
            # A member of this tier, or of one worth as much, is not suggested again; a
            # member of a cheaper tier is (an upgrade).
            held = discounts.get(current.get(pk))  # type: ignore[arg-type]
            if held is not None and held >= tier.discount_percent:
                continue
            found.append(SuggestedClient(pk, name, row["revenue"], row["quadrant"]))
        rows.append(
            TierRow(
                tier=tier,
                members=members.get(tier.pk, 0),
                suggestions=found[:SUGGESTIONS_PER_TIER],
                more=max(0, len(found) - SUGGESTIONS_PER_TIER),
            )
        )
    return rows, figures.period

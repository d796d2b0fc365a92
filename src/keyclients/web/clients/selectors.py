"""Reads of the dossier, and the frames other features take from it.

- `last_interactions(company=)` and `contacts_frame(company=)` give the dossier's facts in the
  shape `core.analytics.signals.client_signals` (`last_interactions=`, `contacts=`) and
  `core.analytics.kaism.kaism_metrics` (`dossier=`) take them;
- the tabs' reads: profile, contacts with their stakeholder warnings, interactions, needs,
  plans, the history of changes, personal data (only for the views that audit it);
- the figures beside the dossier come from the core: receivables by `settle`, the margin after
  privileges by `margin_after_privileges`, tier eligibility by `tier_suggestions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from keyclients.core.analytics import key_accounts
from keyclients.core.analytics.receivables import BUCKETS, settle
from keyclients.core.analytics.signals import (
    CONTACT_COLUMNS,
    INTERACTION_COLUMNS,
    contact_signals,
)
from keyclients.core.ingest.schema import SALES_SCHEMA
from keyclients.web.accounts.models import Company
from keyclients.web.clients import history, providers
from keyclients.web.clients.models import (
    AccountPlan,
    Attitude,
    BuyingRole,
    ClientProfile,
    Contact,
    ContactPersonal,
    FieldChange,
    Interaction,
    Need,
    Objective,
    PrivilegeTier,
)
from keyclients.web.insights import selectors as insights_selectors
from keyclients.web.insights.periods import Period, ltm_period
from keyclients.web.ledger.models import Client, Sale

CHANGES_PER_PAGE = 50
MARGIN_SETTING = "margin"  # Company.settings["margin"]: the gross margin as a fraction, 0.25

LAST_INTERACTIONS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "last_interaction": pl.Date(),
}
CONTACTS_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "decision_maker_known": pl.Boolean(),
    "champion_known": pl.Boolean(),
    "active_contacts": pl.Int64(),
}
assert tuple(LAST_INTERACTIONS_SCHEMA) == INTERACTION_COLUMNS
assert set(CONTACT_COLUMNS) <= set(CONTACTS_FRAME_SCHEMA)


# --- Frames for signals and KAISM -----------------------------------------------------------


def last_interactions(*, company: Company, as_of: date | None = None) -> pl.DataFrame:
    """client_key, last_interaction: the latest interaction on or before `as_of` (default
    today) of every client that has one. One GROUP BY."""
    as_of = as_of or timezone.localdate()
    rows = (
        Interaction.objects.filter(company=company, date__lte=as_of)
        .values("client_id")
        .annotate(last=Max("date"))
        .values_list("client__key", "last")
        .order_by("client__key")
    )
    return pl.DataFrame(list(rows), schema=LAST_INTERACTIONS_SCHEMA, orient="row")


def contacts_frame(*, company: Company, client_ids: list[int] | None = None) -> pl.DataFrame:
    """client_key, decision_maker_known, champion_known, active_contacts per client whose
    dossier has at least one contact (active or not). One GROUP BY.

    Clients without any contact are left out: the core then leaves their relationship depth
    unknown and evaluates no contact signal for them (docs/decisions.md).
    """
    contacts = Contact.objects.filter(company=company)
    if client_ids is not None:
        contacts = contacts.filter(client_id__in=client_ids)
    active = Q(active=True)
    rows = (
        contacts.values("client_id")
        .annotate(
            decision_makers=Count("pk", filter=active & Q(buying_role=BuyingRole.DECISION_MAKER)),
            champions=Count("pk", filter=active & Q(attitude=Attitude.CHAMPION)),
            active_contacts=Count("pk", filter=active),
        )
        .values_list("client__key", "decision_makers", "champions", "active_contacts")
        .order_by("client__key")
    )
    return pl.DataFrame(
        [(key, dms > 0, champions > 0, count) for key, dms, champions, count in rows],
        schema=CONTACTS_FRAME_SCHEMA,
        orient="row",
    )


# --- Tabs -----------------------------------------------------------------------------------


def profile_get(*, client: Client) -> ClientProfile | None:
    return (
        ClientProfile.objects.filter(company_id=client.company_id, client=client)
        .select_related("tier", "hunter")
        .first()
    )


def contact_list(*, client: Client) -> list[Contact]:
    """The client's contacts: the people there now first, the most influential first."""
    return list(
        Contact.objects.filter(company_id=client.company_id, client=client)
        .select_related("reports_to")
        .order_by("-active", "-influence", "full_name", "pk")
    )


def contact_warnings(*, client: Client, contacts: list[Contact]) -> list[str]:
    """The core's contact signals for this client (`no_decision_maker`, `single_threaded`),
    evaluated even when no contact is recorded yet."""
    active = [contact for contact in contacts if contact.active]
    row = pl.DataFrame(
        [
            (
                client.key,
                any(c.buying_role == BuyingRole.DECISION_MAKER for c in active),
                any(c.attitude == Attitude.CHAMPION for c in active),
                len(active),
            )
        ],
        schema=CONTACTS_FRAME_SCHEMA,
        orient="row",
    )
    return [fired.signal for fired in contact_signals(row)]


def interaction_list(*, client: Client) -> list[Interaction]:
    """The timeline, newest first, with the people of each interaction (three queries)."""
    return list(
        Interaction.objects.filter(company_id=client.company_id, client=client)
        .select_related("created_by")
        .prefetch_related("contacts", "our_people")
        .order_by("-date", "-pk")
    )


def need_list(*, client: Client) -> list[Need]:
    return list(
        Need.objects.filter(company_id=client.company_id, client=client).order_by(
            "status", "-updated_at", "pk"
        )
    )


@dataclass(frozen=True)
class PlanView:
    plan: AccountPlan
    objectives: list[Objective]
    review_overdue: bool
    current: bool  # the period includes today


def plan_review_overdue(plan: AccountPlan, *, today: date) -> bool:
    """A plan is overdue for review once its review date has passed."""
    return plan.review_date is not None and plan.review_date < today


def plan_list(*, client: Client, today: date | None = None) -> list[PlanView]:
    """The client's plans, latest period first, each with its objectives (two queries)."""
    today = today or timezone.localdate()
    plans = list(
        AccountPlan.objects.filter(company_id=client.company_id, client=client).order_by(
            "-period_start", "-pk"
        )
    )
    objectives: dict[int, list[Objective]] = {plan.pk: [] for plan in plans}
    for objective in (
        Objective.objects.filter(company_id=client.company_id, plan_id__in=list(objectives))
        .select_related("owner")
        .order_by("due_date", "pk")
    ):
        objectives[objective.plan_id].append(objective)
    return [
        PlanView(
            plan=plan,
            objectives=objectives[plan.pk],
            review_overdue=plan_review_overdue(plan, today=today),
            current=plan.period_start <= today <= plan.period_end,
        )
        for plan in plans
    ]


def change_page(*, client: Client, page: Any) -> tuple[Page[FieldChange], list[history.ChangeRow]]:
    """One page of the history of changes (newest first), personal data left out."""
    changes = (
        FieldChange.objects.filter(company_id=client.company_id, client=client, sensitive=False)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
    current = Paginator(changes, CHANGES_PER_PAGE).get_page(page)
    return current, history.change_rows(current.object_list)


def personal_get(*, contact: Contact) -> ContactPersonal | None:
    """The contact's personal data. Only for views that write the audit event of the view."""
    return ContactPersonal.objects.filter(company_id=contact.company_id, contact=contact).first()


def personal_history(*, contact: Contact) -> list[history.ChangeRow]:
    """The changes of the contact's personal data. Only for views that audit the view."""
    return history.change_rows(
        FieldChange.objects.filter(
            company_id=contact.company_id,
            object_type=history.OBJECT_PERSONAL,
            object_id=contact.pk,
            sensitive=True,
        )
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


# --- Figures beside the dossier -------------------------------------------------------------


def data_period(*, company: Company) -> Period | None:
    """The app's LTM: the last 12 full months ending with the last month that has data."""
    sales = insights_selectors.company_sales(company=company)
    return ltm_period(sales.months, today=timezone.localdate())


@dataclass(frozen=True)
class ReceivablesView:
    as_of: date
    documents: int
    invoiced: float
    settled: bool  # payments (or paid dates) were there to settle with
    client_row: dict[str, Any] | None  # the core's CLIENTS_SCHEMA row
    buckets: tuple[str, ...] = BUCKETS


def client_sales_lines(*, client: Client, as_of: date) -> pl.DataFrame:
    """The client's sales lines up to `as_of` as the core's SALES_SCHEMA."""
    rows = (
        Sale.objects.filter(company_id=client.company_id, client=client, date__lte=as_of)
        .order_by("date", "pk")
        .values_list(
            "pk",
            "date",
            "document",
            "amount",
            "cost",
            "product",
            "manager",
            "due_date",
            "paid_date",
        )
    )
    records = [
        (
            pk,
            client.key,
            client.name,
            client.inn or None,
            day,
            document or None,
            float(amount),
            None if cost is None else float(cost),
            product or None,
            manager or None,
            due,
            paid,
        )
        for pk, day, document, amount, cost, product, manager, due, paid in rows
    ]
    return pl.DataFrame(records, schema=SALES_SCHEMA, orient="row")


def client_receivables(*, client: Client, as_of: date | None = None) -> ReceivablesView:
    """The core's settlement of the client's documents at `as_of` (default today), with the
    payments the ledger provides; without payments and paid dates only what was invoiced."""
    as_of = as_of or timezone.localdate()
    lines = client_sales_lines(client=client, as_of=as_of)
    payments = providers.client_payments(company=client.company, client_keys=[client.key])
    has_paid_dates = lines.height > 0 and lines["paid_date"].null_count() < lines.height
    settlement = settle(
        lines,
        payments,
        as_of=as_of,
        terms={client.key: client.payment_terms_days}
        if client.payment_terms_days is not None
        else None,
    )
    row = settlement.clients.filter(pl.col("client_key") == client.key)
    client_row = row.row(0, named=True) if row.height else None
    return ReceivablesView(
        as_of=as_of,
        documents=client_row["documents"] if client_row else 0,
        invoiced=client_row["invoiced"] if client_row else 0.0,
        settled=payments is not None or has_paid_dates,
        client_row=client_row,
    )


def company_margin(*, company: Company) -> float | None:
    """The company's gross margin setting (a fraction below 1), None when not set."""
    value = company.settings.get(MARGIN_SETTING) if isinstance(company.settings, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if -1 < value < 1 else None


@dataclass(frozen=True)
class ClientMargin:
    period: Period | None
    revenue: float
    cost: float | None  # None when any line of the period lacks a cost


def client_margin(*, client: Client, period: Period | None) -> ClientMargin:
    """Revenue and cost of the client's sales in the period: one aggregate query."""
    if period is None:
        return ClientMargin(period=None, revenue=0.0, cost=None)
    sums = Sale.objects.filter(
        company_id=client.company_id,
        client=client,
        date__gte=period.date_from,
        date__lte=period.date_to,
    ).aggregate(
        total_revenue=Sum("amount"),
        total_cost=Sum("cost"),
        without_cost=Count("pk", filter=Q(cost__isnull=True)),
    )
    revenue = float(sums["total_revenue"] or 0)
    missing = sums["without_cost"] or sums["total_cost"] is None
    cost = None if missing else float(sums["total_cost"])
    return ClientMargin(period=period, revenue=revenue, cost=cost)


def tier_list(*, company: Company) -> list[PrivilegeTier]:
    return list(PrivilegeTier.objects.filter(company=company).order_by("-discount_percent", "name"))


def tier_rules(tiers: list[PrivilegeTier]) -> list[key_accounts.TierRule]:
    """The tiers' rules for the core, by tier id (a rule the core refuses suggests nobody)."""
    rules = []
    for tier in tiers:
        try:
            rules.append(
                key_accounts.TierRule(
                    tier=str(tier.pk),
                    rule=tier.rule,
                    quadrant=tier.rule_quadrant or None,
                    revenue_min=None
                    if tier.rule_revenue_min is None
                    else float(tier.rule_revenue_min),
                )
            )
        except ValueError:
            continue
    return rules


@dataclass(frozen=True)
class PrivilegesView:
    tier: PrivilegeTier | None
    tier_since: date | None
    margin: key_accounts.PrivilegeMargin
    margin_period: Period | None
    eligible: list[PrivilegeTier]  # tiers whose rule admits the client


def client_privileges(*, client: Client, profile: ClientProfile | None) -> PrivilegesView:
    company = client.company
    period = data_period(company=company)
    sums = client_margin(client=client, period=period)
    tier = profile.tier if profile is not None else None
    discount = float(tier.discount_percent) / 100 if tier is not None else 0.0
    margin = key_accounts.margin_after_privileges(
        revenue=sums.revenue,
        cost=sums.cost,
        discount=discount,
        fallback_margin=company_margin(company=company),
    )
    tiers = tier_list(company=company)
    revenue = pl.DataFrame(
        {"client_key": [client.key], "revenue": [sums.revenue]},
        schema={"client_key": pl.String, "revenue": pl.Float64},
    )
    quadrants = providers.client_quadrants(company=company).filter(
        pl.col("client_key") == client.key
    )
    admitted = set(
        key_accounts.tier_suggestions(tier_rules(tiers), revenue=revenue, quadrants=quadrants)[
            "tier"
        ].to_list()
    )
    return PrivilegesView(
        tier=tier,
        tier_since=profile.tier_since if profile is not None else None,
        margin=margin,
        margin_period=period,
        eligible=[t for t in tiers if str(t.pk) in admitted],
    )

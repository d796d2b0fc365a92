"""Writes of the dossier's tabs: general, financial, contacts, interactions, needs, plans."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import (
    ManagerKind,
    Membership,
    User,
)
from keyclients.web.clients import history
from keyclients.web.clients.models import (
    AccountPlan,
    Contact,
    Interaction,
    InteractionContact,
    InteractionPerson,
    Need,
    Objective,
)
from keyclients.web.clients.services.base import (
    PERSON_NOT_MEMBER,
    changed,
    created,
    is_member,
    manager_kind,
    profile_for,
)
from keyclients.web.ledger.models import Client

REPORTS_TO_OTHER_CLIENT = _("A contact reports to someone of the same client.")
REPORTS_TO_CYCLE = _("This would make the contact their own superior (a circle of reports).")
CONTACT_OTHER_CLIENT = _("Participants must be contacts of this client.")
HUNTER_NOT_HUNTER = _("The hunter must be a manager who hunts (a hunter, or a farmer and hunter).")
OWNER_NOT_MEMBER = _("The owner of an objective must be a member of the company.")


# --- General and financial ------------------------------------------------------------------

CARD_FIELDS = ("name", "inn", "industry", "size", "regions", "status", "manager")


@contextmanager
def client_changes_recorded(*, client: Client, by: User) -> Iterator[None]:
    """Record in the dossier's history what a save of the client's own fields (the card's
    "Client details" form) changed; nothing when the save raises."""
    before = history.snapshot(client, CARD_FIELDS)
    yield
    history.changes_record(
        client=client,
        user=by,
        object_type=history.OBJECT_CLIENT,
        obj=client,
        label="",
        before=before,
        after=history.snapshot(client, CARD_FIELDS),
    )


@dataclass(frozen=True)
class GeneralFields:
    industry: str
    size: str
    markets: str
    strategy: str
    website: str
    status: str


@transaction.atomic
def client_general_update(
    *,
    client: Client,
    by: User,
    data: GeneralFields,
    hunter: User | None = None,
    set_hunter: bool = False,
) -> Client:
    """The General tab: the ledger client's own fields and the profile's; the hunter only when
    `set_hunter` (owners and finance set it)."""
    if (
        set_hunter
        and hunter is not None
        and manager_kind(client.company_id, hunter)
        not in (
            ManagerKind.HUNTER,
            ManagerKind.BOTH,
        )
    ):
        raise ValidationError({"hunter": HUNTER_NOT_HUNTER})
    on_client = {
        "industry": data.industry.strip(),
        "size": data.size.strip(),
        "strategy": data.strategy.strip(),
        "status": data.status,
    }
    changed(client, on_client, client=client, by=by, object_type=history.OBJECT_CLIENT, label="")
    profile = profile_for(client)
    on_profile: dict[str, object] = {
        "markets": data.markets.strip(),
        "website": data.website.strip(),
    }
    if set_hunter:
        on_profile["hunter"] = hunter
    changed(profile, on_profile, client=client, by=by, object_type=history.OBJECT_PROFILE, label="")
    return client


@dataclass(frozen=True)
class FinancialFields:
    budget: Decimal | None
    credit_limit: Decimal | None
    payment_terms_days: int | None
    solvency_notes: str


@transaction.atomic
def client_financial_update(*, client: Client, by: User, data: FinancialFields) -> Client:
    changed(
        client,
        {"payment_terms_days": data.payment_terms_days},
        client=client,
        by=by,
        object_type=history.OBJECT_CLIENT,
        label="",
    )
    changed(
        profile_for(client),
        {
            "budget": data.budget,
            "credit_limit": data.credit_limit,
            "solvency_notes": data.solvency_notes.strip(),
        },
        client=client,
        by=by,
        object_type=history.OBJECT_PROFILE,
        label="",
    )
    return client


# --- Contacts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactFields:
    full_name: str
    position: str
    buying_role: str
    attitude: str
    influence: int
    reports_to: Contact | None
    email: str
    phone: str
    last_contact_date: date | None
    active: bool


def _check_reports_to(contact: Contact, superior: Contact | None) -> None:
    if superior is None:
        return
    if superior.client_id != contact.client_id or superior.company_id != contact.company_id:
        raise ValidationError({"reports_to": REPORTS_TO_OTHER_CLIENT})
    if contact.pk is None:
        return
    # Walk up from the new superior: meeting the contact again would close a circle.
    superiors = dict(
        Contact.objects.filter(company_id=contact.company_id, client_id=contact.client_id)
        .exclude(reports_to=None)
        .values_list("pk", "reports_to_id")
    )
    seen: set[int] = set()
    current: int | None = superior.pk
    while current is not None and current not in seen:
        if current == contact.pk:
            raise ValidationError({"reports_to": REPORTS_TO_CYCLE})
        seen.add(current)
        current = superiors.get(current)


def _contact_values(data: ContactFields) -> dict[str, object]:
    values = asdict(data)
    values["reports_to"] = data.reports_to  # asdict would copy the model instance's dict
    for name in ("full_name", "position", "email", "phone"):
        values[name] = str(values[name]).strip()
    return values


@transaction.atomic
def contact_create(*, client: Client, by: User, data: ContactFields) -> Contact:
    contact = Contact(company_id=client.company_id, client=client)
    _check_reports_to(contact, data.reports_to)
    for name, value in _contact_values(data).items():
        setattr(contact, name, value)
    created(contact, client=client, by=by, object_type=history.OBJECT_CONTACT)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: User, data: ContactFields) -> Contact:
    _check_reports_to(contact, data.reports_to)
    changed(
        contact,
        _contact_values(data),
        client=contact.client,
        by=by,
        object_type=history.OBJECT_CONTACT,
        label=data.full_name.strip(),
    )
    return contact


# --- Interactions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InteractionFields:
    date: date
    kind: str
    summary: str
    contacts: Sequence[Contact]
    our_people: Sequence[User]
    next_step: str
    next_step_date: date | None


def _check_participants(client: Client, data: InteractionFields) -> None:
    if any(c.client_id != client.pk for c in data.contacts):
        raise ValidationError({"contacts": CONTACT_OTHER_CLIENT})
    members = set(
        Membership.objects.filter(
            company_id=client.company_id, user__in=list(data.our_people)
        ).values_list("user_id", flat=True)
    )
    if any(person.pk not in members for person in data.our_people):
        raise ValidationError({"our_people": PERSON_NOT_MEMBER})


def _participants(interaction: Interaction) -> dict[str, str]:
    return {
        "contacts": history.value_text(
            list(Contact.objects.filter(pk__in=_contact_ids(interaction)))
        ),
        "our_people": history.value_text(
            [
                link.user.get_username()
                for link in InteractionPerson.objects.filter(
                    company_id=interaction.company_id, interaction=interaction
                ).select_related("user")
            ]
        ),
    }


def _contact_ids(interaction: Interaction) -> list[int]:
    return list(
        InteractionContact.objects.filter(
            company_id=interaction.company_id, interaction=interaction
        ).values_list("contact_id", flat=True)
    )


def _set_participants(interaction: Interaction, data: InteractionFields) -> None:
    company = {"company_id": interaction.company_id}
    interaction.contacts.set(list(data.contacts), through_defaults=company)
    interaction.our_people.set(list(data.our_people), through_defaults=company)


def _touch_contacts(interaction: Interaction, by: User) -> None:
    """The contacts met get the interaction's date as their last contact (never a future one)."""
    if interaction.date > timezone.localdate():
        return
    for contact in Contact.objects.filter(
        company_id=interaction.company_id, pk__in=_contact_ids(interaction)
    ).select_related("client"):
        if contact.last_contact_date is None or contact.last_contact_date < interaction.date:
            changed(
                contact,
                {"last_contact_date": interaction.date},
                client=contact.client,
                by=by,
                object_type=history.OBJECT_CONTACT,
                label=contact.full_name,
            )


def _interaction_values(data: InteractionFields) -> dict[str, object]:
    return {
        "date": data.date,
        "kind": data.kind,
        "summary": data.summary.strip(),
        "next_step": data.next_step.strip(),
        "next_step_date": data.next_step_date,
    }


@transaction.atomic
def interaction_create(*, client: Client, by: User, data: InteractionFields) -> Interaction:
    _check_participants(client, data)
    interaction = Interaction(
        company_id=client.company_id, client=client, created_by=by, **_interaction_values(data)
    )
    created(interaction, client=client, by=by, object_type=history.OBJECT_INTERACTION)
    _set_participants(interaction, data)
    _touch_contacts(interaction, by)
    return interaction


@transaction.atomic
def interaction_update(
    *, interaction: Interaction, by: User, data: InteractionFields
) -> Interaction:
    client = interaction.client
    _check_participants(client, data)
    before = _participants(interaction)
    changed(
        interaction,
        _interaction_values(data),
        client=client,
        by=by,
        object_type=history.OBJECT_INTERACTION,
        label=str(interaction),
    )
    _set_participants(interaction, data)
    history.changes_record(
        client=client,
        user=by,
        object_type=history.OBJECT_INTERACTION,
        obj=interaction,
        label=str(interaction),
        before=before,
        after=_participants(interaction),
    )
    _touch_contacts(interaction, by)
    return interaction


def interaction_next_step_done(*, interaction: Interaction, by: User) -> Interaction:
    changed(
        interaction,
        {"next_step_done": True},
        client=interaction.client,
        by=by,
        object_type=history.OBJECT_INTERACTION,
        label=str(interaction),
    )
    return interaction


# --- Needs, plans, objectives ---------------------------------------------------------------


@dataclass(frozen=True)
class NeedFields:
    need: str
    pain: str
    solution: str
    status: str


@transaction.atomic
def need_create(*, client: Client, by: User, data: NeedFields) -> Need:
    need = Need(company_id=client.company_id, client=client, **asdict(data))
    created(need, client=client, by=by, object_type=history.OBJECT_NEED)
    return need


@transaction.atomic
def need_update(*, need: Need, by: User, data: NeedFields) -> Need:
    changed(
        need,
        asdict(data),
        client=need.client,
        by=by,
        object_type=history.OBJECT_NEED,
        label=data.need,
    )
    return need


@dataclass(frozen=True)
class PlanFields:
    period_start: date
    period_end: date
    goals: str
    review_date: date | None


@transaction.atomic
def plan_create(*, client: Client, by: User, data: PlanFields) -> AccountPlan:
    plan = AccountPlan(company_id=client.company_id, client=client, **asdict(data))
    created(plan, client=client, by=by, object_type=history.OBJECT_PLAN)
    return plan


@transaction.atomic
def plan_update(*, plan: AccountPlan, by: User, data: PlanFields) -> AccountPlan:
    changed(
        plan,
        asdict(data),
        client=plan.client,
        by=by,
        object_type=history.OBJECT_PLAN,
        label=str(plan),
    )
    return plan


@dataclass(frozen=True)
class ObjectiveFields:
    title: str
    owner: User | None
    due_date: date | None
    status: str
    progress: int


def _objective_values(company_id: int, data: ObjectiveFields) -> dict[str, object]:
    if data.owner is not None and not is_member(company_id, data.owner):
        raise ValidationError({"owner": OWNER_NOT_MEMBER})
    return {
        "title": data.title.strip(),
        "owner": data.owner,
        "due_date": data.due_date,
        "status": data.status,
        "progress": data.progress,
    }


@transaction.atomic
def objective_create(*, plan: AccountPlan, by: User, data: ObjectiveFields) -> Objective:
    objective = Objective(
        company_id=plan.company_id, plan=plan, **_objective_values(plan.company_id, data)
    )
    created(objective, client=plan.client, by=by, object_type=history.OBJECT_OBJECTIVE)
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by: User, data: ObjectiveFields) -> Objective:
    changed(
        objective,
        _objective_values(objective.company_id, data),
        client=objective.plan.client,
        by=by,
        object_type=history.OBJECT_OBJECTIVE,
        label=data.title.strip(),
    )
    return objective

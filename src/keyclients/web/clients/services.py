"""Writes of the dossier. Each change is validated (`full_clean`) and leaves its history: one
`FieldChange` per changed field (who, when, old → new). Personal data also leaves an audit
event for every change, view and erasure (who, what, when, from which address) — with the
names of the fields, never their values, so erasing the data needs no scrubbing of the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import (
    AuditAction,
    AuditEvent,
    Company,
    ManagerKind,
    Membership,
    Role,
    User,
)
from keyclients.web.accounts.services import audit_record
from keyclients.web.clients import history
from keyclients.web.clients.models import (
    PERSONAL_FIELDS,
    AccountPlan,
    ChangeAction,
    ClientProfile,
    Contact,
    ContactPersonal,
    FieldChange,
    Interaction,
    InteractionContact,
    InteractionPerson,
    Need,
    Objective,
    PrivilegeTier,
    TierRule,
)
from keyclients.web.ledger.models import Client, ClientStatus
from keyclients.web.ledger.services import client_create

REPORTS_TO_OTHER_CLIENT = _("A contact reports to someone of the same client.")
REPORTS_TO_CYCLE = _("This would make the contact their own superior (a circle of reports).")
CONTACT_OTHER_CLIENT = _("Participants must be contacts of this client.")
PERSON_NOT_MEMBER = _("Our people must be members of the company.")
HUNTER_NOT_HUNTER = _("The hunter must be a manager who hunts (a hunter, or a farmer and hunter).")
FARMER_NOT_FARMER = _("Hand the client to a manager who farms (a farmer, or a farmer and hunter).")
OWNER_NOT_MEMBER = _("The owner of an objective must be a member of the company.")
TIER_OTHER_COMPANY = _("The tier must be one of the company's.")
TIER_RULE_QUADRANT = _("Choose the quadrant for a quadrant rule.")
TIER_RULE_REVENUE = _("Give the revenue threshold (more than 0) for a revenue rule.")
HUNTER_MONTHS_INVALID = _("Give a number of months from 1 to 60.")

HUNTER_MONTHS_MAX = 60
SETTINGS_KEY = "dossier"  # Company.settings["dossier"]: {"hunter_months": 6}


# --- Helpers --------------------------------------------------------------------------------


def _save(obj: models.Model) -> None:
    obj.full_clean()
    obj.save()


def _changed(
    obj: models.Model,
    values: Mapping[str, object],
    *,
    client: Client,
    by: User | None,
    object_type: str,
    label: str,
    sensitive: bool = False,
    recorded_as: models.Model | None = None,
) -> list[FieldChange]:
    """Set `values` on `obj`, validate, save, and record what changed (under `recorded_as`
    when the history should name another object than the one saved)."""
    before = history.snapshot(obj, values)
    for name, value in values.items():
        setattr(obj, name, value)
    _save(obj)
    return history.changes_record(
        client=client,
        user=by,
        object_type=object_type,
        obj=recorded_as or obj,
        label=label,
        before=before,
        after=history.snapshot(obj, values),
        sensitive=sensitive,
    )


def _created(obj: models.Model, *, client: Client, by: User | None, object_type: str) -> None:
    _save(obj)
    history.event_record(
        client=client,
        user=by,
        object_type=object_type,
        obj=obj,
        label=str(obj),
        action=ChangeAction.CREATED,
    )


def _is_member(company_id: int, user: User) -> bool:
    return Membership.objects.filter(company_id=company_id, user=user).exists()


def _manager_kind(company_id: int, user: User) -> str | None:
    return (
        Membership.objects.filter(company_id=company_id, user=user, role=Role.MANAGER)
        .values_list("manager_kind", flat=True)
        .first()
    )


def profile_for(client: Client) -> ClientProfile:
    """The client's profile, created (blank) when the dossier is first written to."""
    profile, _created_now = ClientProfile.objects.get_or_create(
        company_id=client.company_id, client=client
    )
    return profile


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
        and _manager_kind(client.company_id, hunter)
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
    _changed(client, on_client, client=client, by=by, object_type=history.OBJECT_CLIENT, label="")
    profile = profile_for(client)
    on_profile: dict[str, object] = {
        "markets": data.markets.strip(),
        "website": data.website.strip(),
    }
    if set_hunter:
        on_profile["hunter"] = hunter
    _changed(
        profile, on_profile, client=client, by=by, object_type=history.OBJECT_PROFILE, label=""
    )
    return client


@dataclass(frozen=True)
class FinancialFields:
    budget: Decimal | None
    credit_limit: Decimal | None
    payment_terms_days: int | None
    solvency_notes: str


@transaction.atomic
def client_financial_update(*, client: Client, by: User, data: FinancialFields) -> Client:
    _changed(
        client,
        {"payment_terms_days": data.payment_terms_days},
        client=client,
        by=by,
        object_type=history.OBJECT_CLIENT,
        label="",
    )
    _changed(
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
    _created(contact, client=client, by=by, object_type=history.OBJECT_CONTACT)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: User, data: ContactFields) -> Contact:
    _check_reports_to(contact, data.reports_to)
    _changed(
        contact,
        _contact_values(data),
        client=contact.client,
        by=by,
        object_type=history.OBJECT_CONTACT,
        label=data.full_name.strip(),
    )
    return contact


# --- Personal data --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalFields:
    birthday: date | None
    family: str
    interests: str
    notes: str


def _personal_details(contacts: Sequence[Contact], fields: Iterable[str]) -> dict[str, object]:
    return {
        "client": contacts[0].client_id if len({c.client_id for c in contacts}) == 1 else None,
        "contacts": [contact.pk for contact in contacts],
        "names": [contact.full_name for contact in contacts],
        "fields": list(fields),
    }


def personal_viewed(
    *,
    contacts: Sequence[Contact],
    by: User,
    ip: str | None,
    fields: Iterable[str] = PERSONAL_FIELDS,
    where: str = "contact",
) -> AuditEvent | None:
    """One audit event for one showing of personal data (of one or several contacts)."""
    if not contacts:
        return None
    details = {**_personal_details(contacts, fields), "where": where}
    return audit_record(
        company=contacts[0].company,
        user=by,
        action=AuditAction.PERSONAL_DATA_VIEWED,
        obj=contacts[0] if len(contacts) == 1 else None,
        ip=ip,
        details=details,
    )


@transaction.atomic
def personal_update(
    *, contact: Contact, by: User, ip: str | None, data: PersonalFields
) -> ContactPersonal:
    personal = ContactPersonal.objects.filter(
        company_id=contact.company_id, contact=contact
    ).first() or ContactPersonal(company_id=contact.company_id, contact=contact)
    values = {
        "birthday": data.birthday,
        "family": data.family.strip(),
        "interests": data.interests.strip(),
        "notes": data.notes.strip(),
    }
    changes = _changed(
        personal,
        values,
        client=contact.client,
        by=by,
        object_type=history.OBJECT_PERSONAL,
        label=contact.full_name,
        sensitive=True,
        recorded_as=contact,  # the contact outlives its personal row; erasure finds it so
    )
    if changes:
        audit_record(
            company=contact.company,
            user=by,
            action=AuditAction.PERSONAL_DATA_CHANGED,
            obj=contact,
            ip=ip,
            details=_personal_details([contact], [c.field for c in changes]),
        )
    return personal


@transaction.atomic
def personal_erase(*, contact: Contact, by: User, ip: str | None) -> Contact:
    """Remove the contact's personal fields and their history of changes; the contact, its
    business fields and its interactions stay. Logged, with no value in the log."""
    ContactPersonal.objects.filter(company_id=contact.company_id, contact=contact).delete()
    FieldChange.objects.filter(
        company_id=contact.company_id,
        object_type=history.OBJECT_PERSONAL,
        object_id=contact.pk,
    ).delete()
    contact.personal_erased_at = timezone.now()
    contact.save(update_fields=["personal_erased_at", "updated_at"])
    history.event_record(
        client=contact.client,
        user=by,
        object_type=history.OBJECT_CONTACT,
        obj=contact,
        label=contact.full_name,
        action=ChangeAction.ERASED,
    )
    audit_record(
        company=contact.company,
        user=by,
        action=AuditAction.PERSONAL_DATA_ERASED,
        obj=contact,
        ip=ip,
        details=_personal_details([contact], PERSONAL_FIELDS),
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
            _changed(
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
    _created(interaction, client=client, by=by, object_type=history.OBJECT_INTERACTION)
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
    _changed(
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
    _changed(
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
    _created(need, client=client, by=by, object_type=history.OBJECT_NEED)
    return need


@transaction.atomic
def need_update(*, need: Need, by: User, data: NeedFields) -> Need:
    _changed(
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
    _created(plan, client=client, by=by, object_type=history.OBJECT_PLAN)
    return plan


@transaction.atomic
def plan_update(*, plan: AccountPlan, by: User, data: PlanFields) -> AccountPlan:
    _changed(
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
    if data.owner is not None and not _is_member(company_id, data.owner):
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
    _created(objective, client=plan.client, by=by, object_type=history.OBJECT_OBJECTIVE)
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by: User, data: ObjectiveFields) -> Objective:
    _changed(
        objective,
        _objective_values(objective.company_id, data),
        client=objective.plan.client,
        by=by,
        object_type=history.OBJECT_OBJECTIVE,
        label=data.title.strip(),
    )
    return objective


# --- Privileges -----------------------------------------------------------------------------


@transaction.atomic
def client_tier_set(
    *, client: Client, by: User, tier: PrivilegeTier | None, since: date | None = None
) -> ClientProfile:
    if tier is not None and tier.company_id != client.company_id:
        raise ValidationError({"tier": TIER_OTHER_COMPANY})
    profile = profile_for(client)
    if tier is None:
        since = None
    elif since is None:
        since = profile.tier_since if profile.tier_id == tier.pk else timezone.localdate()
    _changed(
        profile,
        {"tier": tier, "tier_since": since},
        client=client,
        by=by,
        object_type=history.OBJECT_PROFILE,
        label="",
    )
    return profile


@dataclass(frozen=True)
class TierFields:
    name: str
    benefits: str
    rule: str
    rule_quadrant: str
    rule_revenue_min: Decimal | None
    discount_percent: Decimal


def _tier_values(data: TierFields) -> dict[str, object]:
    if data.rule == TierRule.QUADRANT and not data.rule_quadrant:
        raise ValidationError({"rule_quadrant": TIER_RULE_QUADRANT})
    if data.rule == TierRule.REVENUE and not (data.rule_revenue_min and data.rule_revenue_min > 0):
        raise ValidationError({"rule_revenue_min": TIER_RULE_REVENUE})
    # Only the parameter of the chosen rule is kept.
    return {
        "name": data.name.strip(),
        "benefits": data.benefits.strip(),
        "rule": data.rule,
        "rule_quadrant": data.rule_quadrant if data.rule == TierRule.QUADRANT else "",
        "rule_revenue_min": data.rule_revenue_min if data.rule == TierRule.REVENUE else None,
        "discount_percent": data.discount_percent,
    }


def tier_create(*, company: Company, data: TierFields) -> PrivilegeTier:
    tier = PrivilegeTier(company=company, **_tier_values(data))
    _save(tier)
    return tier


def tier_update(*, tier: PrivilegeTier, data: TierFields) -> PrivilegeTier:
    for name, value in _tier_values(data).items():
        setattr(tier, name, value)
    _save(tier)
    return tier


# --- Clients, hunters and farmers -----------------------------------------------------------


@transaction.atomic
def client_create_by(
    *, membership: Membership, name: str, inn: str, ip: str | None = None
) -> Client:
    """A new client (a prospect until its first sale). A manager who creates it becomes its
    manager, and its hunter when they hunt."""
    is_manager = membership.role == Role.MANAGER
    client = client_create(
        company=membership.company,
        name=name,
        inn=inn,
        status=ClientStatus.PROSPECT,
        manager=membership.user if is_manager else None,
    )
    profile = ClientProfile(company_id=client.company_id, client=client)
    if is_manager and membership.manager_kind in (ManagerKind.HUNTER, ManagerKind.BOTH):
        profile.hunter = membership.user
    _save(profile)
    history.event_record(
        client=client,
        user=membership.user,
        object_type=history.OBJECT_CLIENT,
        obj=client,
        label=client.name,
        action=ChangeAction.CREATED,
    )
    audit_record(
        company=membership.company,
        user=membership.user,
        action=AuditAction.CLIENT_CREATED,
        obj=client,
        ip=ip,
        details={"name": client.name, "hunter": profile.hunter_id},
    )
    return client


def client_assign(*, client: Client, by: User, manager: User | None) -> Client:
    """Assign the client's manager, with the change in its history."""
    if manager is not None and not _is_member(client.company_id, manager):
        raise ValidationError({"manager": PERSON_NOT_MEMBER})
    _changed(
        client,
        {"manager": manager},
        client=client,
        by=by,
        object_type=history.OBJECT_CLIENT,
        label="",
    )
    return client


@transaction.atomic
def client_handoff(*, client: Client, by: User, farmer: User, ip: str | None = None) -> Client:
    """Hand a hunter's client over to a farmer: the farmer becomes its manager; the hunter who
    brought it stays on its profile (and in the team figures)."""
    if _manager_kind(client.company_id, farmer) not in (ManagerKind.FARMER, ManagerKind.BOTH):
        raise ValidationError({"farmer": FARMER_NOT_FARMER})
    previous = client.manager.get_username() if client.manager is not None else ""
    client_assign(client=client, by=by, manager=farmer)
    audit_record(
        company=client.company,
        user=by,
        action=AuditAction.CLIENT_HANDED_OFF,
        obj=client,
        ip=ip,
        details={"name": client.name, "from": previous, "to": farmer.get_username()},
    )
    return client


def hunter_months_set(*, company: Company, months: int) -> Company:
    if not 1 <= months <= HUNTER_MONTHS_MAX:
        raise ValidationError({"months": HUNTER_MONTHS_INVALID})
    settings = dict(company.settings) if isinstance(company.settings, dict) else {}
    section = settings.get(SETTINGS_KEY)
    settings[SETTINGS_KEY] = {
        **(section if isinstance(section, dict) else {}),
        "hunter_months": months,
    }
    company.settings = settings
    _save(company)
    return company

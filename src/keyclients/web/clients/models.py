"""The client dossier (DESIGN §2): profile, contacts and their personal data, interactions,
needs, account plans with objectives, privilege tiers, and the history of changes.

As in the ledger, every table carries `company` and every index leads with it; foreign keys
other than `company` get no index of their own (db_index=False) — a composite index that starts
with the company covers the lookups that need one.

The sensitive personal fields of a contact (birthday, family, interests, personal notes) live in
their own table, `ContactPersonal`, so that no query of contacts ever loads them by accident, and
erasing them is deleting one row.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics.kaism import (
    QUADRANT_KEY,
    QUADRANT_KEY_DEVELOPMENT,
    QUADRANT_MAINTENANCE,
    QUADRANT_OPPORTUNISTIC,
)
from keyclients.core.analytics.key_accounts import RULE_MANUAL, RULE_QUADRANT, RULE_REVENUE
from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Client

MONEY = {"max_digits": 18, "decimal_places": 2}


def _user(verbose_name: object, related_name: str = "+") -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name=related_name,
        verbose_name=verbose_name,  # type: ignore[arg-type]
    )


def _company() -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False, related_name="+")


def _client() -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        Client, on_delete=models.CASCADE, db_index=False, related_name="+", verbose_name=_("client")
    )


# --- Privilege tiers ------------------------------------------------------------------------


class TierRule(models.TextChoices):
    MANUAL = RULE_MANUAL, _("Chosen by hand")
    QUADRANT = RULE_QUADRANT, _("KAISM quadrant")
    REVENUE = RULE_REVENUE, _("Revenue at least")


class Quadrant(models.TextChoices):
    KEY = QUADRANT_KEY, _("Key (strategic)")
    KEY_DEVELOPMENT = QUADRANT_KEY_DEVELOPMENT, _("Key development (star)")
    MAINTENANCE = QUADRANT_MAINTENANCE, _("Maintenance (status)")
    OPPORTUNISTIC = QUADRANT_OPPORTUNISTIC, _("Opportunistic (streamline)")


class PrivilegeTier(models.Model):
    company = _company()
    name = models.CharField(_("name"), max_length=100)
    benefits = models.TextField(_("benefits"), blank=True)
    rule = models.CharField(
        _("eligibility rule"), max_length=16, choices=TierRule.choices, default=TierRule.MANUAL
    )
    rule_quadrant = models.CharField(
        _("quadrant"), max_length=32, choices=Quadrant.choices, blank=True
    )
    rule_revenue_min = models.DecimalField(
        _("revenue of the last 12 months at least"), null=True, blank=True, **MONEY
    )
    # What the tier costs us: a discount on the client's revenue, in percent.
    discount_percent = models.DecimalField(
        _("discount, %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("privilege tier")
        verbose_name_plural = _("privilege tiers")
        ordering = ("-discount_percent", "name")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "name"], name="tier_company_name"),
            models.CheckConstraint(condition=Q(rule__in=TierRule.values), name="tier_rule_valid"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="tier_discount_range",
            ),
            models.CheckConstraint(
                condition=~Q(rule=TierRule.QUADRANT) | Q(rule_quadrant__in=Quadrant.values),
                name="tier_quadrant_rule_has_quadrant",
            ),
            models.CheckConstraint(
                condition=~Q(rule=TierRule.REVENUE) | Q(rule_revenue_min__gt=0),
                name="tier_revenue_rule_has_threshold",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Profile --------------------------------------------------------------------------------


class ClientProfile(models.Model):
    """What the dossier adds to a ledger client: general and financial facts, its privilege
    tier and the hunter who brought it. Created on the first edit; absent = all blank."""

    company = _company()
    client = _client()
    website = models.URLField(_("website"), blank=True)
    markets = models.CharField(_("geographic markets"), max_length=500, blank=True)
    budget = models.DecimalField(
        _("budget for our category, a year"), null=True, blank=True, **MONEY
    )
    credit_limit = models.DecimalField(_("credit limit"), null=True, blank=True, **MONEY)
    solvency_notes = models.TextField(_("solvency notes"), blank=True)
    tier = models.ForeignKey(
        PrivilegeTier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("privilege tier"),
    )
    tier_since = models.DateField(_("member since"), null=True, blank=True)
    hunter = _user(_("hunter"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client profile")
        verbose_name_plural = _("client profiles")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "client"], name="profile_company_client"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "tier"], name="profile_company_tier"),
            models.Index(fields=["company", "hunter"], name="profile_company_hunter"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}"


# --- Contacts -------------------------------------------------------------------------------


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    TECHNICAL_EVALUATOR = "technical_evaluator", _("Technical evaluator")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    OTHER = "other", _("Other")


class Attitude(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    CRITIC = "critic", _("Critic")


INFLUENCE_MIN = 1
INFLUENCE_MAX = 5


class Contact(models.Model):
    company = _company()
    client = _client()
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=32, choices=BuyingRole.choices, default=BuyingRole.OTHER
    )
    attitude = models.CharField(
        _("attitude"), max_length=16, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    influence = models.PositiveSmallIntegerField(
        _("influence, 1–5"),
        default=3,
        validators=[MinValueValidator(INFLUENCE_MIN), MaxValueValidator(INFLUENCE_MAX)],
    )
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("reports to"),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    last_contact_date = models.DateField(_("last contact"), null=True, blank=True)
    # Someone who left the client stays in the history, but no longer counts as a contact.
    active = models.BooleanField(_("works there now"), default=True)
    personal_erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(buying_role__in=BuyingRole.values), name="contact_buying_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(attitude__in=Attitude.values), name="contact_attitude_valid"
            ),
            models.CheckConstraint(
                condition=Q(influence__gte=INFLUENCE_MIN, influence__lte=INFLUENCE_MAX),
                name="contact_influence_range",
            ),
            models.CheckConstraint(
                condition=~Q(reports_to=F("pk")), name="contact_not_own_superior"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client", "full_name"], name="contact_company_client"),
            models.Index(fields=["company", "reports_to"], name="contact_company_reports_to"),
        ]

    def __str__(self) -> str:
        return self.full_name


class ContactPersonal(models.Model):
    """The sensitive personal fields of one contact: seen and changed only by owners and the
    client's manager, every view and change audited, erased by deleting the row."""

    company = _company()
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, db_index=False, related_name="+")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    family = models.TextField(_("family"), blank=True)
    interests = models.TextField(_("interests"), blank=True)
    notes = models.TextField(_("personal notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("personal data")
        verbose_name_plural = _("personal data")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "contact"], name="personal_company_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}"


PERSONAL_FIELDS = ("birthday", "family", "interests", "notes")


# --- Interactions ---------------------------------------------------------------------------


SUMMARY_LABEL = 60  # an interaction is named by the start of its summary


class InteractionKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    NEGOTIATION = "negotiation", _("Negotiation")
    PROJECT = "project", _("Project milestone")
    EMAIL = "email", _("Email")
    EVENT = "event", _("Event")


class Interaction(models.Model):
    company = _company()
    client = _client()
    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=InteractionKind.choices, default=InteractionKind.MEETING
    )
    summary = models.TextField(_("summary"))
    contacts = models.ManyToManyField(  # type: ignore[var-annotated]
        Contact, through="InteractionContact", related_name="+", verbose_name=_("their people")
    )
    our_people = models.ManyToManyField(  # type: ignore[var-annotated]
        settings.AUTH_USER_MODEL,
        through="InteractionPerson",
        related_name="+",
        verbose_name=_("our people"),
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_date = models.DateField(_("next step by"), null=True, blank=True)
    next_step_done = models.BooleanField(_("next step done"), default=False)
    created_by = _user(_("logged by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(kind__in=InteractionKind.values), name="interaction_kind_valid"
            ),
            # A date without a step to take by it means nothing.
            models.CheckConstraint(
                condition=Q(next_step_date__isnull=True) | ~Q(next_step=""),
                name="interaction_next_step_dated",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client", "date"], name="interaction_company_client"),
            models.Index(
                fields=["company", "next_step_done", "next_step_date"],
                name="interaction_company_next",
            ),
        ]

    def __str__(self) -> str:
        summary = " ".join(self.summary.split())
        return summary if len(summary) <= SUMMARY_LABEL else summary[: SUMMARY_LABEL - 1] + "…"


class InteractionContact(models.Model):
    company = _company()
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, db_index=False, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "interaction", "contact"], name="interaction_contact_once"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "contact"], name="interaction_contact_company"),
        ]


class InteractionPerson(models.Model):
    company = _company()
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "interaction", "user"], name="interaction_person_once"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "user"], name="interaction_person_company"),
        ]


# --- Needs and plans ------------------------------------------------------------------------


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("We are working on it")
    MET = "met", _("Closed: we meet it")
    DROPPED = "dropped", _("Dropped")


class Need(models.Model):
    company = _company()
    client = _client()
    need = models.CharField(_("need"), max_length=300)
    pain = models.TextField(_("pain"), blank=True)
    solution = models.TextField(_("how we close it"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(status__in=NeedStatus.values), name="need_status"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client", "status"], name="need_company_client"),
        ]

    def __str__(self) -> str:
        return self.need


class AccountPlan(models.Model):
    company = _company()
    client = _client()
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    goals = models.TextField(_("goals for the period"), blank=True)
    review_date = models.DateField(_("review by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "client", "period_start"], name="plan_company_client_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="plan_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class Objective(models.Model):
    company = _company()
    plan = models.ForeignKey(
        AccountPlan, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    title = models.CharField(_("objective"), max_length=300)
    owner = _user(_("responsible"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress, %"), default=0, validators=[MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status__in=ObjectiveStatus.values), name="objective_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="objective_progress"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "plan"], name="objective_company_plan"),
        ]

    def __str__(self) -> str:
        return self.title


# --- History of changes ---------------------------------------------------------------------


class ChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    ERASED = "erased", _("Personal data erased")


class FieldChange(models.Model):
    """One change of one field of the dossier: who, when, old → new.

    Values are stored as text in the form they were entered (choice values, ISO dates; linked
    objects by name). Changes of personal fields are `sensitive`: shown only with the personal
    data itself, and deleted when it is erased.
    """

    company = _company()
    client = _client()
    object_type = models.CharField(_("object"), max_length=32)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    object_label = models.CharField(_("object name"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    sensitive = models.BooleanField(_("personal data"), default=False)
    user = _user(_("who"))
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(action__in=ChangeAction.values), name="change_action_valid"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client", "created_at"], name="change_company_client"),
            models.Index(
                fields=["company", "object_type", "object_id"], name="change_company_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.object_type}.{self.field}"

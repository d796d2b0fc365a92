"""Forms of the dossier. Fields come from the models (labels, lengths, choices); a form only
validates input and hands a typed value object to a service, which saves and records history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import AuditAction, ManagerKind, Membership, Role, User
from keyclients.web.clients import services
from keyclients.web.clients.models import (
    INFLUENCE_MAX,
    INFLUENCE_MIN,
    AccountPlan,
    ClientProfile,
    Contact,
    ContactPersonal,
    Interaction,
    Need,
    Objective,
    PrivilegeTier,
)
from keyclients.web.ledger.models import Client

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT_AREA = forms.Textarea(attrs={"rows": 3})


def _fields(model: type[models.Model], names: Iterable[str]) -> dict[str, forms.Field]:
    """The model's own form fields: dates as date inputs, long texts as small text areas."""
    names = list(names)
    widgets: dict[str, forms.Widget] = {}
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            widgets[name] = DATE_INPUT
        elif isinstance(field, models.TextField):
            widgets[name] = TEXT_AREA
    return dict(
        forms.fields_for_model(model, fields=names, widgets=widgets, formfield_callback=_formfield)
    )


def _formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a website typed without a scheme
    return field.formfield(**kwargs)


def _with_fields(base: type[forms.Form], name: str, fields: dict[str, forms.Field]) -> Any:
    """A form class with the model's fields (the metaclass collects them)."""
    return type(name, (base,), {"__module__": __name__, **fields})


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal as the form's errors: on the field it names, else on the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def member_users(company_id: int, roles: Iterable[str] | None = None) -> models.QuerySet[User]:
    members = Membership.objects.filter(company_id=company_id)
    if roles is not None:
        members = members.filter(role__in=list(roles))
    return User.objects.filter(pk__in=members.values("user_id")).order_by("username")


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


# --- General and financial ------------------------------------------------------------------

GENERAL_FIELDS = ("industry", "size", "markets", "strategy", "website", "status")


class _General(forms.Form):
    def __init__(self, *args: Any, client: Client, may_set_hunter: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(GENERAL_FIELDS)
        if may_set_hunter:
            self.fields["hunter"] = PersonChoiceField(
                label=_("Hunter who brought the client"),
                required=False,
                queryset=User.objects.filter(
                    pk__in=Membership.objects.filter(
                        company_id=client.company_id,
                        role=Role.MANAGER,
                        manager_kind__in=[ManagerKind.HUNTER, ManagerKind.BOTH],
                    ).values("user_id")
                ).order_by("username"),
            )

    def data_object(self) -> services.GeneralFields:
        return services.GeneralFields(**{name: self.cleaned_data[name] for name in GENERAL_FIELDS})


GeneralForm = _with_fields(
    _General,
    "GeneralForm",
    {
        **_fields(Client, ("industry", "size", "strategy", "status")),
        **_fields(ClientProfile, ("markets", "website")),
    },
)


def general_initial(client: Client, profile: ClientProfile | None) -> dict[str, Any]:
    return {
        "industry": client.industry,
        "size": client.size,
        "strategy": client.strategy,
        "status": client.status,
        "markets": profile.markets if profile else "",
        "website": profile.website if profile else "",
        "hunter": profile.hunter_id if profile else None,
    }


FINANCIAL_FIELDS = ("budget", "credit_limit", "payment_terms_days", "solvency_notes")


class _Financial(forms.Form):
    def data_object(self) -> services.FinancialFields:
        return services.FinancialFields(
            **{name: self.cleaned_data[name] for name in FINANCIAL_FIELDS}
        )


FinancialForm = _with_fields(
    _Financial,
    "FinancialForm",
    {
        **_fields(ClientProfile, ("budget", "credit_limit")),
        **_fields(Client, ("payment_terms_days",)),
        **_fields(ClientProfile, ("solvency_notes",)),
    },
)


def financial_initial(client: Client, profile: ClientProfile | None) -> dict[str, Any]:
    return {
        "budget": profile.budget if profile else None,
        "credit_limit": profile.credit_limit if profile else None,
        "payment_terms_days": client.payment_terms_days,
        "solvency_notes": profile.solvency_notes if profile else "",
    }


# --- Contacts -------------------------------------------------------------------------------

CONTACT_FIELDS = (
    "full_name",
    "position",
    "buying_role",
    "attitude",
    "influence",
    "reports_to",
    "email",
    "phone",
    "last_contact_date",
    "active",
)


class _Contact(forms.Form):
    influence = forms.TypedChoiceField(
        label=_("Influence, 1–5"),
        coerce=int,
        choices=[(value, str(value)) for value in range(INFLUENCE_MIN, INFLUENCE_MAX + 1)],
        initial=3,
    )

    def __init__(self, *args: Any, client: Client, contact: Contact | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(CONTACT_FIELDS)
        others = Contact.objects.filter(company_id=client.company_id, client=client)
        if contact is not None:
            others = others.exclude(pk=contact.pk)
        self.fields["reports_to"].queryset = others.order_by("full_name")  # type: ignore[attr-defined]

    def data_object(self) -> services.ContactFields:
        return services.ContactFields(**{name: self.cleaned_data[name] for name in CONTACT_FIELDS})


ContactForm = _with_fields(
    _Contact,
    "ContactForm",
    {k: v for k, v in _fields(Contact, CONTACT_FIELDS).items() if k != "influence"},
)


def contact_initial(contact: Contact) -> dict[str, Any]:
    return forms.model_to_dict(contact, fields=CONTACT_FIELDS)


PERSONAL_FIELD_NAMES = ("birthday", "family", "interests", "notes")


class _Personal(forms.Form):
    def data_object(self) -> services.PersonalFields:
        return services.PersonalFields(
            **{name: self.cleaned_data[name] for name in PERSONAL_FIELD_NAMES}
        )


PersonalForm = _with_fields(
    _Personal, "PersonalForm", _fields(ContactPersonal, PERSONAL_FIELD_NAMES)
)


def personal_initial(personal: ContactPersonal | None) -> dict[str, Any]:
    if personal is None:
        return {}
    return forms.model_to_dict(personal, fields=PERSONAL_FIELD_NAMES)


# --- Interactions ---------------------------------------------------------------------------

INTERACTION_FIELDS = ("date", "kind", "summary", "next_step", "next_step_date")


class _Interaction(forms.Form):
    def __init__(
        self, *args: Any, client: Client, interaction: Interaction | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        contacts = Contact.objects.filter(company_id=client.company_id, client=client)
        if interaction is None:
            contacts = contacts.filter(active=True)
        self.fields["contacts"] = forms.ModelMultipleChoiceField(
            label=_("Their people"),
            queryset=contacts.order_by("-influence", "full_name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["our_people"] = PeopleChoiceField(
            label=_("Our people"),
            queryset=member_users(client.company_id),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.order_fields(("date", "kind", "contacts", "our_people", "summary"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("next_step_date") and not (cleaned.get("next_step") or "").strip():
            self.add_error("next_step", _("Say what the next step is."))
        return cleaned

    def data_object(self) -> services.InteractionFields:
        data = self.cleaned_data
        return services.InteractionFields(
            date=data["date"],
            kind=data["kind"],
            summary=data["summary"],
            contacts=list(data["contacts"]),
            our_people=list(data["our_people"]),
            next_step=data["next_step"],
            next_step_date=data["next_step_date"],
        )


InteractionForm = _with_fields(
    _Interaction, "InteractionForm", _fields(Interaction, INTERACTION_FIELDS)
)


def interaction_initial(interaction: Interaction) -> dict[str, Any]:
    initial = forms.model_to_dict(interaction, fields=INTERACTION_FIELDS)
    initial["contacts"] = [c.pk for c in interaction.contacts.all()]
    initial["our_people"] = [u.pk for u in interaction.our_people.all()]
    return initial


# --- Needs, plans, objectives ---------------------------------------------------------------

NEED_FIELDS = ("need", "pain", "solution", "status")
PLAN_FIELDS = ("period_start", "period_end", "goals", "review_date")
OBJECTIVE_FIELDS = ("title", "owner", "due_date", "status", "progress")


class _Need(forms.Form):
    def data_object(self) -> services.NeedFields:
        return services.NeedFields(**{name: self.cleaned_data[name] for name in NEED_FIELDS})


NeedForm = _with_fields(_Need, "NeedForm", _fields(Need, NEED_FIELDS))


class _Plan(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must not end before it starts."))
        return cleaned

    def data_object(self) -> services.PlanFields:
        return services.PlanFields(**{name: self.cleaned_data[name] for name in PLAN_FIELDS})


PlanForm = _with_fields(_Plan, "PlanForm", _fields(AccountPlan, PLAN_FIELDS))


class _Objective(forms.Form):
    def __init__(self, *args: Any, company_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = PersonChoiceField(
            label=_("Responsible"), queryset=member_users(company_id), required=False
        )
        self.order_fields(OBJECTIVE_FIELDS)

    def data_object(self) -> services.ObjectiveFields:
        return services.ObjectiveFields(
            **{name: self.cleaned_data[name] for name in OBJECTIVE_FIELDS}
        )


ObjectiveForm = _with_fields(
    _Objective,
    "ObjectiveForm",
    {k: v for k, v in _fields(Objective, OBJECTIVE_FIELDS).items() if k != "owner"},
)


def model_initial(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return forms.model_to_dict(obj, fields=list(fields))


# --- Privileges -----------------------------------------------------------------------------

TIER_FIELDS = (
    "name",
    "benefits",
    "rule",
    "rule_quadrant",
    "rule_revenue_min",
    "discount_percent",
)


class _Tier(forms.Form):
    def data_object(self) -> services.TierFields:
        return services.TierFields(**{name: self.cleaned_data[name] for name in TIER_FIELDS})


TierForm = _with_fields(_Tier, "TierForm", _fields(PrivilegeTier, TIER_FIELDS))


class ClientTierForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("Privilege tier"), queryset=PrivilegeTier.objects.none(), required=False
    )
    since = forms.DateField(label=_("Member since"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, company_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = PrivilegeTier.objects.filter(  # type: ignore[attr-defined]
            company_id=company_id
        ).order_by("-discount_percent", "name")


class TierMemberForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())

    def __init__(self, *args: Any, company_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(  # type: ignore[attr-defined]
            company_id=company_id
        )


# --- Clients, hunters, farmers --------------------------------------------------------------


class NewClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    inn = forms.CharField(label=_("INN"), max_length=20, required=False)


class HandoffForm(forms.Form):
    farmer = PersonChoiceField(label=_("Farmer"), queryset=User.objects.none())

    def __init__(self, *args: Any, company_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["farmer"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=Membership.objects.filter(
                company_id=company_id,
                role=Role.MANAGER,
                manager_kind__in=[ManagerKind.FARMER, ManagerKind.BOTH],
            ).values("user_id")
        )


class HunterMonthsForm(forms.Form):
    months = forms.IntegerField(
        label=_("A client is new for, months"),
        min_value=1,
        max_value=services.HUNTER_MONTHS_MAX,
    )


class AuditFilterForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("What"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, company_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            *[(str(user.pk), _person(user)) for user in member_users(company_id)],
        ]
        self.fields["action"].choices = [("", _("Everything")), *AuditAction.choices]  # type: ignore[attr-defined]

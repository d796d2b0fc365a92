"""The history of changes of a dossier: recording (who, when, old → new) and showing it.

A service takes a snapshot of the fields it is about to change, changes and saves the object,
then `changes_record` writes one `FieldChange` per field whose value differs. Values are kept
as text: choice values, ISO dates, plain numbers, linked objects by name (a name survives the
object it names). Showing a change turns them back into words: the field's verbose name, the
choice's label, yes/no.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import User
from keyclients.web.clients.models import (
    AccountPlan,
    ChangeAction,
    ClientProfile,
    Contact,
    ContactPersonal,
    FieldChange,
    Interaction,
    Need,
    Objective,
)
from keyclients.web.ledger.models import Client

OBJECT_CLIENT = "client"
OBJECT_PROFILE = "profile"
OBJECT_CONTACT = "contact"
OBJECT_PERSONAL = "personal"
OBJECT_INTERACTION = "interaction"
OBJECT_NEED = "need"
OBJECT_PLAN = "plan"
OBJECT_OBJECTIVE = "objective"

OBJECT_MODELS: dict[str, type[models.Model]] = {
    OBJECT_CLIENT: Client,
    OBJECT_PROFILE: ClientProfile,
    OBJECT_CONTACT: Contact,
    OBJECT_PERSONAL: ContactPersonal,
    OBJECT_INTERACTION: Interaction,
    OBJECT_NEED: Need,
    OBJECT_PLAN: AccountPlan,
    OBJECT_OBJECTIVE: Objective,
}
OBJECT_LABELS: dict[str, Promise] = {
    OBJECT_CLIENT: _("Client"),
    OBJECT_PROFILE: _("Client"),
    OBJECT_CONTACT: _("Contact"),
    OBJECT_PERSONAL: _("Personal data"),
    OBJECT_INTERACTION: _("Interaction"),
    OBJECT_NEED: _("Need"),
    OBJECT_PLAN: _("Account plan"),
    OBJECT_OBJECTIVE: _("Objective"),
}
YES = _("yes")
NO = _("no")


def value_text(value: object) -> str:
    """A field value as the history keeps it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(value_text(item) for item in value))
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, str]:
    """The fields' values as text; a foreign key by the name of what it points to."""
    return {name: value_text(getattr(obj, name)) for name in fields}


def changes_record(
    *,
    client: Client,
    user: User | None,
    object_type: str,
    obj: models.Model,
    label: str,
    before: Mapping[str, str],
    after: Mapping[str, str],
    sensitive: bool = False,
) -> list[FieldChange]:
    """One CHANGED row per field whose text differs; nothing when nothing changed."""
    changes = [
        FieldChange(
            company_id=client.company_id,
            client=client,
            object_type=object_type,
            object_id=obj.pk,
            object_label=label[:300],
            action=ChangeAction.CHANGED,
            field=name,
            old_value=before.get(name, ""),
            new_value=after[name],
            sensitive=sensitive,
            user=user,
        )
        for name in after
        if after[name] != before.get(name, "")
    ]
    return FieldChange.objects.bulk_create(changes)


def event_record(
    *,
    client: Client,
    user: User | None,
    object_type: str,
    obj: models.Model,
    label: str,
    action: ChangeAction,
) -> FieldChange:
    """A change of the whole object: created, personal data erased."""
    return FieldChange.objects.create(
        company_id=client.company_id,
        client=client,
        object_type=object_type,
        object_id=obj.pk,
        object_label=label[:300],
        action=action,
        user=user,
    )


# --- Showing changes ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    when: datetime
    who: str
    action: str
    object_type: str
    object_label: str
    field: str
    old: str
    new: str


def _field(object_type: str, name: str) -> models.Field[Any, Any] | None:
    model = OBJECT_MODELS.get(object_type)
    if model is None or not name:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    return field if isinstance(field, models.Field) else None


def _shown(field: models.Field[Any, Any] | None, value: str) -> str:
    if value == "":
        return "—"
    if field is None:
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return str(YES if value == "true" else NO)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return value


def change_rows(changes: Iterable[FieldChange]) -> list[ChangeRow]:
    rows = []
    for change in changes:
        field = _field(change.object_type, change.field)
        rows.append(
            ChangeRow(
                when=change.created_at,
                who=change.user.get_username() if change.user is not None else "—",
                action=change.get_action_display(),
                object_type=str(OBJECT_LABELS.get(change.object_type, change.object_type)),
                object_label=change.object_label,
                field=str(field.verbose_name) if field is not None else "",
                old=_shown(field, change.old_value),
                new=_shown(field, change.new_value),
            )
        )
    return rows

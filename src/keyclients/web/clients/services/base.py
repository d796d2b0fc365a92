"""Helpers of the dossier's services: validate and save, record the history of changes."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import (
    Membership,
    Role,
    User,
)
from keyclients.web.clients import history
from keyclients.web.clients.models import (
    ChangeAction,
    ClientProfile,
    FieldChange,
)
from keyclients.web.ledger.models import Client

PERSON_NOT_MEMBER = _("Our people must be members of the company.")

# --- Helpers --------------------------------------------------------------------------------


def save(obj: models.Model) -> None:
    obj.full_clean()
    obj.save()


def changed(
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
    save(obj)
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


def created(obj: models.Model, *, client: Client, by: User | None, object_type: str) -> None:
    save(obj)
    history.event_record(
        client=client,
        user=by,
        object_type=object_type,
        obj=obj,
        label=str(obj),
        action=ChangeAction.CREATED,
    )


def is_member(company_id: int, user: User) -> bool:
    return Membership.objects.filter(company_id=company_id, user=user).exists()


def manager_kind(company_id: int, user: User) -> str | None:
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

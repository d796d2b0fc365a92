"""Personal data of contacts: every change, view and erasure leaves an audit event (who,
what, when, from which address) — with the names of the fields, never their values, so
erasing the data needs no scrubbing of the log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from keyclients.web.accounts.models import (
    AuditAction,
    AuditEvent,
    User,
)
from keyclients.web.accounts.services import audit_record
from keyclients.web.clients import history
from keyclients.web.clients.models import (
    PERSONAL_FIELDS,
    ChangeAction,
    Contact,
    ContactPersonal,
    FieldChange,
)
from keyclients.web.clients.services.base import (
    changed,
)

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
    changes = changed(
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

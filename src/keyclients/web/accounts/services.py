"""Writes for companies and members; each change leaves an audit event."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model
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
from keyclients.web.accounts.selectors import membership_list_for_user

LAST_OWNER = _("A company needs at least one owner: make someone else an owner first.")
ALREADY_MEMBER = _("This user is already a member of the company.")

TEMPORARY_PASSWORD_BYTES = 12


class MemberError(Exception):
    """A member change that the rules forbid; the message is shown to the owner."""


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    # Set only when a new user was created: shown once to the owner, never stored in clear.
    temporary_password: str | None


def audit_record(
    *,
    company: Company | None,
    user: User | None,
    action: AuditAction,
    obj: Model | None = None,
    ip: str | None = None,
    details: dict[str, object] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        company=company,
        user=user,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=ip,
        details=details or {},
    )


def login_record(*, user: User, ip: str | None) -> None:
    # One event in each of the user's companies, so every owner sees who entered their data.
    companies = [m.company for m in membership_list_for_user(user=user)] or [None]
    AuditEvent.objects.bulk_create(
        AuditEvent(company=company, user=user, action=AuditAction.LOGIN, ip=ip)
        for company in companies
    )


@transaction.atomic
def company_create(
    *, name: str, owner: User, currency: str = "RUB", ip: str | None = None
) -> Company:
    company = Company(name=name, currency=currency)
    company.full_clean()
    company.save()
    Membership.objects.create(company=company, user=owner, role=Role.OWNER)
    audit_record(
        company=company, user=owner, action=AuditAction.COMPANY_CREATED, obj=company, ip=ip
    )
    return company


def _manager_kind(role: str, manager_kind: str | None) -> str | None:
    # Only managers are farmers or hunters; the database refuses the kind on other roles.
    return (manager_kind or ManagerKind.BOTH) if role == Role.MANAGER else None


@transaction.atomic
def member_invite(
    *,
    company: Company,
    by: User,
    username: str,
    role: Role,
    manager_kind: ManagerKind | None = None,
    email: str = "",
    ip: str | None = None,
) -> Invitation:
    """Add an existing user by username, or create the user with a temporary password."""
    user = User.objects.filter(username=username).first()
    password: str | None = None
    if user is None:
        password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        user = User(username=username, email=email)
        user.set_password(password)
        user.full_clean()
        user.save()
        action = AuditAction.MEMBER_INVITED
    elif Membership.objects.filter(company=company, user=user).exists():
        raise MemberError(ALREADY_MEMBER)
    else:
        action = AuditAction.MEMBER_ADDED
    membership = Membership(
        company=company, user=user, role=role, manager_kind=_manager_kind(role, manager_kind)
    )
    membership.full_clean()
    membership.save()
    audit_record(
        company=company,
        user=by,
        action=action,
        obj=membership,
        ip=ip,
        details={"username": username, "role": role},
    )
    return Invitation(membership=membership, temporary_password=password)


def _lock_owners(company: Company) -> list[int]:
    # Locking the owner rows makes two owners demoting each other at once take turns.
    return list(
        Membership.objects.select_for_update()
        .filter(company=company, role=Role.OWNER)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def member_change_role(
    *,
    membership: Membership,
    by: User,
    role: Role,
    manager_kind: ManagerKind | None = None,
    ip: str | None = None,
) -> Membership:
    owners = _lock_owners(membership.company)
    if role != Role.OWNER and owners == [membership.pk]:
        raise MemberError(LAST_OWNER)
    old_role = membership.role
    membership.role = role
    membership.manager_kind = _manager_kind(role, manager_kind)
    membership.full_clean()
    membership.save(update_fields=["role", "manager_kind"])
    audit_record(
        company=membership.company,
        user=by,
        action=AuditAction.MEMBER_ROLE_CHANGED,
        obj=membership,
        ip=ip,
        details={"username": membership.user.username, "from": old_role, "to": role},
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by: User, ip: str | None = None) -> None:
    owners = _lock_owners(membership.company)
    if owners == [membership.pk]:
        raise MemberError(LAST_OWNER)
    audit_record(
        company=membership.company,
        user=by,
        action=AuditAction.MEMBER_REMOVED,
        obj=membership,
        ip=ip,
        details={"username": membership.user.username, "role": membership.role},
    )
    membership.delete()

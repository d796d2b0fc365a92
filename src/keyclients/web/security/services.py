"""Audit of sign-ins that the accounts app does not record itself: failures, lockouts, logouts."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from keyclients.web.accounts.models import AuditAction, AuditEvent, User
from keyclients.web.accounts.selectors import membership_list_for_user

USERNAME_AUDIT_LENGTH = 150


def _events(*, action: AuditAction, username: str, ip: str | None, user: User | None) -> int:
    # Like a login: one event in each company of the user (its owners see the attempts on their
    # members), or one outside any company when no such user exists.
    companies = [m.company for m in membership_list_for_user(user=user)] if user else []
    details = {"username": username[:USERNAME_AUDIT_LENGTH]}
    created = AuditEvent.objects.bulk_create(
        AuditEvent(company=company, user=user, action=action, ip=ip, details=details)
        for company in companies or [None]
    )
    return len(created)


def _user(username: str) -> User | None:
    model = get_user_model()
    found = model.objects.filter(**{model.USERNAME_FIELD: username}).first()
    return found if isinstance(found, User) else None


def login_failure_record(*, username: str, ip: str | None, locked: bool) -> None:
    """A failed login; `locked`: this failure locked the username out from this address."""
    user = _user(username)
    _events(action=AuditAction.LOGIN_FAILED, username=username, ip=ip, user=user)
    if locked:
        _events(action=AuditAction.LOGIN_LOCKED, username=username, ip=ip, user=user)


def login_refused_record(*, username: str, ip: str | None) -> None:
    """A login tried while the username is locked out from this address (password unchecked)."""
    _events(action=AuditAction.LOGIN_REFUSED, username=username, ip=ip, user=_user(username))


def logout_record(*, user: User, ip: str | None) -> None:
    _events(action=AuditAction.LOGOUT, username=user.get_username(), ip=ip, user=user)


def restore_record(*, source: str) -> None:
    """The database was replaced by a backup: the first event of its new history."""
    AuditEvent.objects.create(
        company=None, action=AuditAction.DATABASE_RESTORED, details={"file": source[:255]}
    )

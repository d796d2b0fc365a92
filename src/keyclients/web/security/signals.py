"""Receivers only translate framework events into service calls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from keyclients.web.accounts.access import client_ip
from keyclients.web.accounts.models import User
from keyclients.web.security import services, throttle


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_login_failed, dispatch_uid="keyclients_login_failed")
def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    if not username:
        return
    if getattr(request, "_keyclients_login_locked", False):
        return  # refused by the backend before the password was checked: already recorded
    ip = _ip(request)
    locked = throttle.login_failure_count(username=username, ip=ip)
    services.login_failure_record(username=username, ip=ip, locked=locked)


@receiver(user_logged_in, dispatch_uid="keyclients_login_throttle_clear")
def logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    throttle.login_failures_clear(username=user.get_username(), ip=_ip(request))


@receiver(user_logged_out, dispatch_uid="keyclients_audit_logout")
def logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if isinstance(user, User):
        services.logout_record(user=user, ip=_ip(request))

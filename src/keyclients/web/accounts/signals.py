"""Receivers only translate framework events into service calls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from keyclients.web.accounts import access, services
from keyclients.web.accounts.models import User


@receiver(user_logged_in, dispatch_uid="keyclients_audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    services.login_record(user=user, ip=access.client_ip(request) if request else None)

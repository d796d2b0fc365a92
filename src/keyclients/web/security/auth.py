"""The login path: a backend that refuses a locked-out username before checking its password,
and the login form that says so (instead of "wrong password")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.access import client_ip
from keyclients.web.security import services, throttle

LOCKED_OUT = _(
    "Too many failed attempts: logging in as this user from your address is blocked for "
    "%(minutes)s more minute(s). Check the password, or ask an owner to reset it."
)


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username:
            ip = client_ip(request) if request is not None else None
            if throttle.login_locked_seconds(username=username, ip=ip):
                if request is not None:
                    request._keyclients_login_locked = True  # type: ignore[attr-defined]
                services.login_refused_record(username=username, ip=ip)
                # Stops the other backends too; Django then sends user_login_failed.
                raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottledAuthenticationForm(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        seconds = throttle.login_locked_seconds(username=username, ip=ip) if username else 0
        if not seconds:
            return super().get_invalid_login_error()
        minutes = (seconds + 59) // 60
        return ValidationError(LOCKED_OUT, code="locked_out", params={"minutes": minutes})

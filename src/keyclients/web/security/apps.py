from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "keyclients.web.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from keyclients.web.security import signals  # noqa: F401  (connects the receivers)

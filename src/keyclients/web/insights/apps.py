from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit actions of scoring are declared in accounts.models; their Russian names live in this
# app's catalogue (locale/) with the rest of the KAISM texts, so they are marked here too.
KAISM_AUDIT_ACTIONS = (
    _("KAISM criteria changed"),
    _("Client scored"),
    _("Client marked key or prospective"),
)


class InsightsConfig(AppConfig):
    name = "keyclients.web.insights"
    label = "insights"
    verbose_name = _("Insights")

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit actions of the plan and the forecast settings are declared in accounts.models;
# their Russian names live in this app's catalogue (locale/), so they are marked here too.
FORECAST_AUDIT_ACTIONS = (
    _("Planned payment added"),
    _("Planned payment changed"),
    _("Planned payment removed"),
    _("Payment plan imported"),
    _("Opening balance or reserve changed"),
    _("Risk targets changed"),
)


class ForecastConfig(AppConfig):
    name = "keyclients.web.forecast"
    label = "forecast"
    verbose_name = _("Cash forecast and risk")

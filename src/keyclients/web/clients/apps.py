from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit actions of the dossier are declared in accounts.models; their Russian names live in
# this app's catalogue (locale/) with the rest of the dossier texts, so they are marked here too.
DOSSIER_AUDIT_ACTIONS = (
    _("Personal data viewed"),
    _("Personal data changed"),
    _("Personal data erased"),
    _("Client created"),
    _("Client handed off to a farmer"),
)
# The short names of the dossier's pages in the top bar (templates/base.html), which the
# project catalogue does not translate yet.
NAV = (_("My clients"), _("Team"), _("Audit"))


class ClientsConfig(AppConfig):
    name = "keyclients.web.clients"
    label = "clients"
    verbose_name = _("Client dossier")

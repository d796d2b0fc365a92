from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The audit actions of imports are declared in accounts.models; their Russian names live in this
# app's catalogue (locale/) with the rest of the import texts, so they are marked here too.
IMPORT_AUDIT_ACTIONS = (_("Sales imported"), _("Sales import undone"))


class LedgerConfig(AppConfig):
    name = "keyclients.web.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

"""The names of the audit events this app adds to `AuditAction` (accounts/models.py), listed
here so that they are extracted into this app's Russian catalogue."""

from __future__ import annotations

from django.utils.translation import gettext_noop

AUDIT_LABELS = (
    gettext_noop("Failed login"),
    gettext_noop("Login locked after failed attempts"),
    gettext_noop("Login refused while locked"),
    gettext_noop("Logged out"),
    gettext_noop("Clients exported"),
    gettext_noop("Database restored from a backup"),
)

"""Companies (workspaces), memberships with roles, and the audit log (DESIGN §2)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Django's user, swappable from day one so fields can be added without a painful move."""


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    # Thresholds, KAISM criteria and weights, margin, reserve: read through selectors.
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    FINANCE = "finance", _("Finance")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


class ManagerKind(models.TextChoices):
    FARMER = "farmer", _("Farmer")
    HUNTER = "hunter", _("Hunter")
    BOTH = "both", _("Farmer and hunter")


class Membership(models.Model):
    # The unique (company, user) index serves lookups by company; no separate index.
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    manager_kind = models.CharField(
        _("manager kind"), max_length=16, choices=ManagerKind.choices, null=True, blank=True
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_company_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            # Only managers are farmers or hunters.
            models.CheckConstraint(
                condition=Q(manager_kind__isnull=True)
                | Q(role=Role.MANAGER, manager_kind__in=ManagerKind.values),
                name="membership_manager_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    COMPANY_CREATED = "company_created", _("Company created")
    MEMBER_INVITED = "member_invited", _("New user invited")
    MEMBER_ADDED = "member_added", _("Existing user added")
    MEMBER_ROLE_CHANGED = "member_role_changed", _("Role changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    SALES_IMPORTED = "sales_imported", _("Sales imported")
    SALES_IMPORT_UNDONE = "sales_import_undone", _("Sales import undone")
    PLANNED_PAYMENT_ADDED = "planned_payment_added", _("Planned payment added")
    PLANNED_PAYMENT_CHANGED = "planned_payment_changed", _("Planned payment changed")
    PLANNED_PAYMENT_REMOVED = "planned_payment_removed", _("Planned payment removed")
    PLAN_IMPORTED = "plan_imported", _("Payment plan imported")
    CASH_SETTINGS_CHANGED = "cash_settings_changed", _("Opening balance or reserve changed")
    RISK_TARGETS_CHANGED = "risk_targets_changed", _("Risk targets changed")
    PAYMENTS_IMPORTED = "payments_imported", _("Payments imported")
    PAYMENTS_IMPORT_UNDONE = "payments_import_undone", _("Payments import undone")
    TRIAL_BALANCE_IMPORTED = "trial_balance_imported", _("Trial balance imported")
    TRIAL_BALANCE_IMPORT_UNDONE = "trial_balance_import_undone", _("Trial balance import undone")
    PAYER_ASSIGNED = "payer_assigned", _("Payer assigned to a client")
    LOSS_RATES_CHANGED = "loss_rates_changed", _("Expected credit loss rates changed")
    KAISM_CRITERIA_CHANGED = "kaism_criteria_changed", _("KAISM criteria changed")
    CLIENT_SCORED = "client_scored", _("Client scored")
    CLIENT_FLAGGED = "client_flagged", _("Client marked key or prospective")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("Personal data viewed")
    PERSONAL_DATA_CHANGED = "personal_data_changed", _("Personal data changed")
    PERSONAL_DATA_ERASED = "personal_data_erased", _("Personal data erased")
    CLIENT_CREATED = "client_created", _("Client created")
    CLIENT_HANDED_OFF = "client_handed_off", _("Client handed off to a farmer")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGIN_LOCKED = "login_locked", _("Login locked after failed attempts")
    LOGIN_REFUSED = "login_refused", _("Login refused while locked")
    LOGOUT = "logout", _("Logged out")
    CLIENTS_EXPORTED = "clients_exported", _("Clients exported")
    REPORT_DOWNLOADED = "report_downloaded", _("Report downloaded")
    DATABASE_RESTORED = "database_restored", _("Database restored from a backup")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")


class AuditEvent(models.Model):
    # Null only for events outside any company, e.g. a login of a user with no company yet.
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    # No `choices` on the column: new kinds of events are added to AuditAction without a
    # migration of this (large) table; `action_label` gives the translated name.
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    @property
    def action_label(self) -> str:
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes: ClassVar = [
            models.Index(fields=["company", "created_at"], name="audit_company_created"),
            models.Index(fields=["company", "user", "created_at"], name="audit_company_user"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

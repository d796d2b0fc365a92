"""API tokens and the record of each push of sales or payments through the API.

A token belongs to one membership (one user in one company): it acts with that member's role,
read at every request, so a role change or a removal takes effect at once. Only a SHA-256 of
the token is stored; the token itself is shown once, when it is made. The company id is part
of the token (`kc_<company>_<secret>`), so the lookup uses an index that leads with the
company, like every other index.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import Company, Membership
from keyclients.web.ledger.models import ImportBatch


class ApiToken(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="api_tokens", db_index=False
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown in the list so the owner can tell them apart.
    prefix = models.CharField(_("starts with"), max_length=24)
    key_hash = models.CharField(_("SHA-256 of the token"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "key_hash"], name="apitoken_company_hash"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "membership"], name="apitoken_company_member"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiPush(models.Model):
    """Sales or payments pushed through the API: an ImportBatch ("API: <token name>") plus who
    pushed it with which token; undoing the batch on the imports page removes exactly its rows,
    as for a file. `documents_known`: the documents (sales) or payments already imported."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="api_pushes", db_index=False
    )
    token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    rows_received = models.PositiveIntegerField(_("rows received"))
    documents_known = models.PositiveIntegerField(_("documents already imported"), default=0)
    created_at = models.DateTimeField(_("pushed"), default=timezone.now)

    class Meta:
        verbose_name = _("API push")
        verbose_name_plural = _("API pushes")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "batch"], name="apipush_company_batch"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "created_at"], name="apipush_company_created"),
        ]

    def __str__(self) -> str:
        return f"API push {self.pk}"

"""Manual KAISM assessments (DESIGN §2 "Client: manual scores ... prospective flag").

The five built-in manual scores (reputation, development, share of wallet, criticality,
satisfaction) and the prospective flag are columns of `ledger.Client`, where every app reads
them. What those columns cannot hold lives here, in the insights app:

- `ClientScore`: the current value of a company's *own* manual criteria (criterion keys
  `custom_<n>` from the criteria editor);
- `ClientFlag`: "key" by hand, and the reason for either flag ("prospective" itself stays in
  `Client.prospective`, which the services keep in step);
- `ScoreEntry`: the history — every change of a manual score or flag, who made it and when.

Every table carries `company` and leads its indexes with it (docs/decisions.md).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Client

SCORE_VALUE_MAX = 100  # share of wallet is a percent; 0–10 scores are checked by the service
CRITERION_KEY_LENGTH = 40


class FlagKind(models.TextChoices):
    KEY = "key", _("Key client")
    PROSPECTIVE = "prospective", _("Prospective client")


class ClientScore(models.Model):
    """A client's current score on one of the company's own manual criteria."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, db_index=False, related_name="+")
    criterion = models.CharField(_("criterion"), max_length=CRITERION_KEY_LENGTH)
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MaxValueValidator(SCORE_VALUE_MAX)]
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "client", "criterion"], name="clientscore_company_client"
            ),
            models.CheckConstraint(
                condition=Q(value__lte=SCORE_VALUE_MAX), name="clientscore_value_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.value}"


class ClientFlag(models.Model):
    """A client marked key or prospective by hand, with the reason."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, db_index=False, related_name="+")
    kind = models.CharField(_("flag"), max_length=16, choices=FlagKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set"), default=timezone.now)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "client", "kind"], name="clientflag_company_client_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FlagKind.values), name="clientflag_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


class ScoreEntry(models.Model):
    """One change of a manual score or flag: the history shown on the client card.

    `criterion` is a criterion key (`reputation`, `custom_1`, ...) or a flag kind prefixed
    with `flag:`; `value` is the new score (null: cleared), for a flag 1 (set) or 0 (cleared)
    with its `reason`. Rows are only ever added, so the newest id fingerprints the scores.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, db_index=False, related_name="+")
    criterion = models.CharField(_("criterion"), max_length=CRITERION_KEY_LENGTH + 5)
    value = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(SCORE_VALUE_MAX)]
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set"), default=timezone.now)

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(value__lte=SCORE_VALUE_MAX), name="scoreentry_value_range"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client", "set_at"], name="scoreentry_company_client"),
        ]

    def __str__(self) -> str:
        return f"{self.set_at:%Y-%m-%d %H:%M} {self.criterion}={self.value}"

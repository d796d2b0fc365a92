"""The payment plan and the forecast settings of a company (DESIGN §2 PlannedPayment, opening
balance; §4 cash forecast, stress test and diversification targets).

Every table carries `company` and every index leads with it (see ledger.models).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics.cashflow import DEFAULT_HORIZON
from keyclients.core.analytics.scenarios import DEFAULT_TARGET_HHI, DEFAULT_TARGET_TOP1
from keyclients.web.accounts.models import Company

MAX_HORIZON_DAYS = 730  # two years of days on one chart is already a lot to read
MONEY = {"max_digits": 18, "decimal_places": 2}

AMOUNT_ZERO = _("A planned payment needs an amount: + for money in, − for money out.")
UNTIL_BEFORE_DATE = _("The repeat cannot end before its first date.")
UNTIL_WITHOUT_REPEAT = _("Only a repeating payment has an end date.")
BALANCE_WITHOUT_DATE = _("Give the opening balance together with its date.")
RESERVE_NEGATIVE = _("The reserve cannot be negative.")
HORIZON_RANGE = _("The horizon is 1 to 730 days.")  # MAX_HORIZON_DAYS
TOP1_RANGE = _("The top-1 share target is above 0% and at most 100%.")
HHI_RANGE = _("The HHI target is 1 to 10,000.")
MARGIN_RANGE = _("The gross margin is below 100%.")


class Repeat(models.TextChoices):
    # The core's words (cashflow.REPEATS): the plan frame hands them over as they are.
    NONE = "none", _("Once")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")


class PlannedPayment(models.Model):
    """A planned receipt (+) or payment (−) of the cash calendar, once or repeating."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)  # type: ignore[arg-type]
    category = models.CharField(_("category"), max_length=200, blank=True)
    repeat = models.CharField(
        _("repeat"), max_length=16, choices=Repeat.choices, default=Repeat.NONE
    )
    # The last day a repeat may fall on (inclusive); null: no end.
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # SHA-256 of the plan file it was imported from; empty when entered by hand.
    import_sha256 = models.CharField(_("imported from"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("planned payment")
        verbose_name_plural = _("planned payments")
        ordering = ("date", "pk")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="plannedpayment_amount_not_zero",
                violation_error_message=AMOUNT_ZERO,
            ),
            models.CheckConstraint(
                condition=Q(repeat__in=Repeat.values), name="plannedpayment_repeat_valid"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | ~Q(repeat=Repeat.NONE),
                name="plannedpayment_until_repeats",
                violation_error_message=UNTIL_WITHOUT_REPEAT,
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("date")),
                name="plannedpayment_until_after_date",
                violation_error_message=UNTIL_BEFORE_DATE,
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "date"], name="plannedpayment_company_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.category}"


class ForecastSettings(models.Model):
    """One row per company: the cash position the forecast starts from, and the risk targets.

    The opening balance is the cash at the end of `balance_date`; the forecast starts the day
    after (the core's `as_of`).
    """

    # The unique index on company is the one index of this table.
    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="forecast_settings"
    )
    opening_balance = models.DecimalField(
        _("opening balance"),
        null=True,
        blank=True,
        **MONEY,  # type: ignore[arg-type]
    )
    balance_date = models.DateField(_("balance date"), null=True, blank=True)
    reserve = models.DecimalField(
        _("reserve"),
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        **MONEY,  # type: ignore[arg-type]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("horizon, days"),
        default=DEFAULT_HORIZON,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)],
    )
    target_top1_share = models.DecimalField(
        _("target top-1 share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(str(DEFAULT_TARGET_TOP1)),
    )
    target_hhi = models.PositiveSmallIntegerField(
        _("target HHI"),
        default=int(DEFAULT_TARGET_HHI),
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
    )
    # Gross margin in percent, for the lost gross profit of clients without cost data.
    gross_margin_percent = models.DecimalField(
        _("gross margin, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MaxValueValidator(Decimal("99.99"))],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("forecast settings")
        verbose_name_plural = _("forecast settings")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(opening_balance__isnull=True, balance_date__isnull=True)
                | Q(opening_balance__isnull=False, balance_date__isnull=False),
                name="forecastsettings_balance_dated",
                violation_error_message=BALANCE_WITHOUT_DATE,
            ),
            models.CheckConstraint(
                condition=Q(reserve__gte=0),
                name="forecastsettings_reserve",
                violation_error_message=RESERVE_NEGATIVE,
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=MAX_HORIZON_DAYS),
                name="forecastsettings_horizon",
                violation_error_message=HORIZON_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(target_top1_share__gt=0, target_top1_share__lte=1),
                name="forecastsettings_top1",
                violation_error_message=TOP1_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(target_hhi__gte=1, target_hhi__lte=10_000),
                name="forecastsettings_hhi",
                violation_error_message=HHI_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(gross_margin_percent__isnull=True) | Q(gross_margin_percent__lt=100),
                name="forecastsettings_margin",
                violation_error_message=MARGIN_RANGE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company}: {self.opening_balance} on {self.balance_date}"

    @property
    def has_balance(self) -> bool:
        return self.opening_balance is not None and self.balance_date is not None

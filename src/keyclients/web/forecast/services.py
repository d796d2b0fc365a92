"""Writes of the payment plan and the forecast settings; each change leaves an audit event.

A plan file goes preview -> import, all or nothing:
- `plan_preview` reads the file through the core's `read_plan` and writes nothing: the parsed
  rows and the rejected ones with their reasons, ready to show (and to keep in the session);
- `plan_import` refuses a preview with any rejected row, and otherwise writes every row in one
  transaction (adding to the plan, or replacing it). Adding the same file twice is refused, so
  a second click changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import IngestError, read_plan
from keyclients.web.accounts.models import AuditAction, Company, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment, Repeat

PLAN_UNREADABLE = _("The plan file cannot be read: %(reason)s")
PLAN_ROWS_REJECTED = _(
    "%(count)s row(s) of the plan cannot be read, so nothing was imported. Fix the file and "
    "upload it again."
)
PLAN_EMPTY = _("The plan file has no planned payments.")
PLAN_TOO_LONG = _("The plan file has more than %(max)s planned payments; split it.")
PLAN_ALREADY_IMPORTED = _("This file is already in the plan; nothing was changed.")
PLAN_ROW_INVALID = _("Row %(row)s cannot be saved: %(reason)s")
MAX_PLAN_ROWS = 5_000
CATEGORY_LENGTH = 200
CENT = Decimal("0.01")


class PlanRefused(Exception):
    """A plan import the rules refuse; the message (translated when shown) says why."""

    def __init__(self, message: Promise | str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        text = gettext(str(self.message))
        return text % self.params if self.params else text


# --- Settings --------------------------------------------------------------------------------


def _settings_row(company: Company) -> ForecastSettings:
    found = ForecastSettings.objects.filter(company=company).first()
    return found or ForecastSettings(company=company)


def cash_settings_update(
    *,
    company: Company,
    user: User,
    opening_balance: Decimal | None,
    balance_date: date | None,
    reserve: Decimal,
    horizon_days: int,
) -> ForecastSettings:
    """The cash the forecast starts from (at the end of `balance_date`), the reserve not to
    fall below, and the horizon. ValidationError when the rules refuse them."""
    settings = _settings_row(company)
    settings.opening_balance = opening_balance
    settings.balance_date = balance_date
    settings.reserve = reserve
    settings.horizon_days = horizon_days
    settings.updated_by = user
    settings.full_clean()
    settings.save()
    audit_record(
        company=company,
        user=user,
        action=AuditAction.CASH_SETTINGS_CHANGED,
        obj=settings,
        details={
            "opening_balance": None if opening_balance is None else str(opening_balance),
            "balance_date": None if balance_date is None else balance_date.isoformat(),
            "reserve": str(reserve),
            "horizon_days": horizon_days,
        },
    )
    return settings


def risk_targets_update(
    *,
    company: Company,
    user: User,
    target_top1_share: Decimal,
    target_hhi: int,
    gross_margin_percent: Decimal | None,
) -> ForecastSettings:
    """The concentration targets of the diversification plan and the company's gross margin
    (for clients without cost data). ValidationError when the rules refuse them."""
    settings = _settings_row(company)
    settings.target_top1_share = target_top1_share
    settings.target_hhi = target_hhi
    settings.gross_margin_percent = gross_margin_percent
    settings.updated_by = user
    settings.full_clean()
    settings.save()
    audit_record(
        company=company,
        user=user,
        action=AuditAction.RISK_TARGETS_CHANGED,
        obj=settings,
        details={
            "target_top1_share": str(target_top1_share),
            "target_hhi": target_hhi,
            "gross_margin_percent": None
            if gross_margin_percent is None
            else str(gross_margin_percent),
        },
    )
    return settings


# --- Planned payments ------------------------------------------------------------------------


def _payment_details(payment: PlannedPayment) -> dict[str, object]:
    return {
        "date": payment.date.isoformat(),
        "amount": str(payment.amount),
        "category": payment.category,
        "repeat": payment.repeat,
        "until": None if payment.until is None else payment.until.isoformat(),
    }


def _fill(
    payment: PlannedPayment,
    *,
    date: date,
    amount: Decimal,
    category: str,
    repeat: str,
    until: date | None,
    note: str,
) -> None:
    payment.date = date
    payment.amount = amount
    payment.category = category.strip()
    payment.repeat = repeat
    # An end date means nothing to a one-off payment (the core ignores it too): not kept.
    payment.until = until if repeat != Repeat.NONE else None
    payment.note = note.strip()


def planned_payment_create(
    *,
    company: Company,
    user: User,
    date: date,
    amount: Decimal,
    category: str = "",
    repeat: str = Repeat.NONE,
    until: date | None = None,
    note: str = "",
) -> PlannedPayment:
    payment = PlannedPayment(company=company, created_by=user)
    _fill(
        payment, date=date, amount=amount, category=category, repeat=repeat, until=until, note=note
    )
    payment.full_clean()
    payment.save()
    audit_record(
        company=company,
        user=user,
        action=AuditAction.PLANNED_PAYMENT_ADDED,
        obj=payment,
        details=_payment_details(payment),
    )
    return payment


def planned_payment_update(
    *,
    payment: PlannedPayment,
    user: User,
    date: date,
    amount: Decimal,
    category: str = "",
    repeat: str = Repeat.NONE,
    until: date | None = None,
    note: str = "",
) -> PlannedPayment:
    before = _payment_details(payment)
    _fill(
        payment, date=date, amount=amount, category=category, repeat=repeat, until=until, note=note
    )
    payment.full_clean()
    payment.save()
    audit_record(
        company=payment.company,
        user=user,
        action=AuditAction.PLANNED_PAYMENT_CHANGED,
        obj=payment,
        details={"before": before, "after": _payment_details(payment)},
    )
    return payment


def planned_payment_delete(*, payment: PlannedPayment, user: User) -> None:
    details = _payment_details(payment)
    audit_record(
        company=payment.company,
        user=user,
        action=AuditAction.PLANNED_PAYMENT_REMOVED,
        obj=payment,
        details=details,
    )
    payment.delete()


# --- Plan files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanPreview:
    """A read plan file, ready to show and to keep in the session (plain JSON values)."""

    file_name: str
    sha256: str
    rows: list[dict[str, Any]]  # row, date (ISO), amount (text), category, repeat, until (ISO)
    rejected: list[dict[str, Any]]  # row, column, value, reason (the core's English reason)
    rows_read: int
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanPreview:
        return cls(**data)


def _cents(amount: float) -> Decimal:
    return Decimal(repr(amount)).quantize(CENT, rounding=ROUND_HALF_UP)


def plan_preview(*, content: bytes, file_name: str) -> PlanPreview:
    """Read a plan file (CSV or XLSX; the columns `date, amount, category, repeat, until`, in
    English or Russian) through the core; nothing is written. PlanRefused when the file cannot
    be read at all or is too long."""
    try:
        plan = read_plan(content, name=file_name)
    except IngestError as error:
        raise PlanRefused(PLAN_UNREADABLE, reason=str(error)) from None
    if plan.frame.height > MAX_PLAN_ROWS:
        raise PlanRefused(PLAN_TOO_LONG, max=MAX_PLAN_ROWS)
    report = plan.report
    rows = [
        {
            "row": row["row"],
            "date": row["date"].isoformat(),
            "amount": str(_cents(row["amount"])),
            "category": (row["category"] or "")[:CATEGORY_LENGTH],
            "repeat": row["repeat"],
            "until": None
            if row["until"] is None or row["repeat"] == Repeat.NONE
            else row["until"].isoformat(),
        }
        for row in plan.frame.iter_rows(named=True)
    ]
    return PlanPreview(
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=rows,
        rejected=[asdict(rejected) for rejected in report.rejected],
        rows_read=report.rows_read,
        skipped_reasons=dict(report.skipped_reasons),
        warnings=list(report.warnings),
    )


def plan_import(
    *, company: Company, user: User, preview: PlanPreview, replace: bool = False
) -> list[PlannedPayment]:
    """Write every row of `preview` as planned payments, or nothing (PlanRefused): a file
    with a rejected row or without rows is refused, and so is adding a file already in the
    plan. `replace`: the file becomes the whole plan (the rows entered by hand go too)."""
    if preview.rejected:
        raise PlanRefused(PLAN_ROWS_REJECTED, count=len({r["row"] for r in preview.rejected}))
    if not preview.rows:
        raise PlanRefused(PLAN_EMPTY)
    existing = PlannedPayment.objects.filter(company=company)
    if not replace and existing.filter(import_sha256=preview.sha256).exists():
        raise PlanRefused(PLAN_ALREADY_IMPORTED)
    payments = []
    for row in preview.rows:
        payment = PlannedPayment(company=company, created_by=user, import_sha256=preview.sha256)
        _fill(
            payment,
            date=date.fromisoformat(row["date"]),
            amount=Decimal(row["amount"]),
            category=row["category"],
            repeat=row["repeat"],
            until=None if row["until"] is None else date.fromisoformat(row["until"]),
            note="",
        )
        try:
            payment.full_clean()
        except ValidationError as error:
            reason = "; ".join(error.messages)
            raise PlanRefused(PLAN_ROW_INVALID, row=row["row"], reason=reason) from None
        payments.append(payment)
    with transaction.atomic():
        removed = existing.delete()[0] if replace else 0
        created = PlannedPayment.objects.bulk_create(payments)
        audit_record(
            company=company,
            user=user,
            action=AuditAction.PLAN_IMPORTED,
            details={
                "file_name": preview.file_name,
                "sha256": preview.sha256,
                "rows": len(created),
                "replaced": removed,
            },
        )
    return created

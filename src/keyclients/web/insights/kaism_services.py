"""Writes of KAISM: the company's criteria, a client's manual scores, the key/prospective flags.

Every change of a score or flag adds a `ScoreEntry` (who, when, what: the card's history) and
an audit event. Who may do it is decided before, by `insights.access`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics import kaism as core_kaism
from keyclients.web.accounts.models import AuditAction, Company, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.insights.criteria import SETTINGS_KEY, KaismSettings
from keyclients.web.insights.kaism_selectors import CLIENT_SCORE_FIELDS
from keyclients.web.insights.models import ClientFlag, ClientScore, FlagKind, ScoreEntry
from keyclients.web.ledger.models import Client

SCORE_OUT_OF_RANGE = _("A score is a whole number from 0 to 10.")
PERCENT_OUT_OF_RANGE = _("Share of wallet is a whole percent from 0 to 100.")
CRITERION_NOT_MANUAL = _("This criterion is not scored by hand.")
REASON_REQUIRED = _("Say why the client is marked.")
AXIS_WITHOUT_WEIGHT = _("Each axis needs at least one criterion with a weight above 0.")
WEIGHT_INVALID = _("A weight is a number of 0 or more.")
THRESHOLD_INVALID = _("The threshold is a number from 0 to 10.")
CRITERIA_INVALID = _("These criteria cannot be used.")

FLAG_PREFIX = "flag:"

Scores = Mapping[str, int | None]


@dataclass(frozen=True)
class ScoreChange:
    criterion: str
    old: int | None
    new: int | None


def _current_scores(client: Client) -> dict[str, int | None]:
    current: dict[str, int | None] = {
        key: getattr(client, field) for key, field in CLIENT_SCORE_FIELDS.items()
    }
    own = ClientScore.objects.filter(company_id=client.company_id, client=client)
    current.update(own.values_list("criterion", "value"))
    return current


def _check_values(kaism: KaismSettings, values: Scores) -> None:
    criteria = kaism.by_key()
    errors: dict[str, list[object]] = {}
    for key, value in values.items():
        criterion = criteria.get(key)
        if criterion is None or not criterion.manual:
            errors.setdefault(key, []).append(CRITERION_NOT_MANUAL)
        elif value is not None and not 0 <= value <= criterion.maximum:
            message = PERCENT_OUT_OF_RANGE if criterion.percent else SCORE_OUT_OF_RANGE
            errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationError(errors)


def _apply_scores(
    *, client: Client, user: User, values: Scores, ip: str | None
) -> list[ScoreChange]:
    current = _current_scores(client)
    changes = [
        ScoreChange(key, current.get(key), value)
        for key, value in values.items()
        if current.get(key) != value
    ]
    if not changes:
        return []
    now = timezone.now()
    builtin = [change for change in changes if change.criterion in CLIENT_SCORE_FIELDS]
    for change in builtin:
        setattr(client, CLIENT_SCORE_FIELDS[change.criterion], change.new)
    if builtin:
        client.full_clean()
        client.save(
            update_fields=[CLIENT_SCORE_FIELDS[c.criterion] for c in builtin] + ["updated_at"]
        )
    for change in changes:
        if change.criterion in CLIENT_SCORE_FIELDS:
            continue
        own = ClientScore.objects.filter(
            company_id=client.company_id, client=client, criterion=change.criterion
        )
        if change.new is None:
            own.delete()
        elif not own.update(value=change.new):
            score = ClientScore(
                company_id=client.company_id,
                client=client,
                criterion=change.criterion,
                value=change.new,
            )
            score.full_clean()
            score.save()
    ScoreEntry.objects.bulk_create(
        ScoreEntry(
            company_id=client.company_id,
            client=client,
            criterion=change.criterion,
            value=change.new,
            set_by=user,
            set_at=now,
        )
        for change in changes
    )
    audit_record(
        company=client.company,
        user=user,
        action=AuditAction.CLIENT_SCORED,
        obj=client,
        ip=ip,
        details={"changes": {c.criterion: [c.old, c.new] for c in changes}},
    )
    return changes


@transaction.atomic
def client_scores_update(
    *, client: Client, user: User, kaism: KaismSettings, values: Scores, ip: str | None = None
) -> list[ScoreChange]:
    """Set some of the client's manual scores (criterion key -> value; None clears it).

    0–10, share of wallet 0–100 (%). Only values that differ from the stored ones are written,
    each with a history entry; the changes are returned.
    """
    _check_values(kaism, values)
    return _apply_scores(client=client, user=user, values=values, ip=ip)


@transaction.atomic
def client_scores_bulk_update(
    *,
    company: Company,
    user: User,
    kaism: KaismSettings,
    values: Mapping[int, Scores],
    ip: str | None = None,
) -> dict[int, list[ScoreChange]]:
    """`client_scores_update` for many clients of the company at once (client id -> scores),
    all or nothing. Ids of other companies' clients are not found and change nothing."""
    for scores in values.values():
        _check_values(kaism, scores)
    clients = Client.objects.filter(company=company, pk__in=list(values)).select_related("company")
    changed: dict[int, list[ScoreChange]] = {}
    for client in clients.order_by("pk"):
        changes = _apply_scores(client=client, user=user, values=values[client.pk], ip=ip)
        if changes:
            changed[client.pk] = changes
    return changed


@transaction.atomic
def client_flag_set(
    *,
    client: Client,
    user: User,
    kind: FlagKind,
    marked: bool,
    reason: str = "",
    ip: str | None = None,
) -> ClientFlag | None:
    """Mark the client key or prospective by hand (with the reason), or clear the mark.

    The prospective mark is also `Client.prospective`, which the other apps read.
    """
    reason = reason.strip()
    if marked and not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    existing = ClientFlag.objects.filter(company_id=client.company_id, client=client, kind=kind)
    flag: ClientFlag | None = existing.first()
    if marked:
        flag = flag or ClientFlag(company_id=client.company_id, client=client, kind=kind)
        if flag.pk is not None and flag.reason == reason:
            return flag
        flag.reason, flag.set_by, flag.set_at = reason, user, timezone.now()
        flag.full_clean()
        flag.save()
    elif flag is None and not (kind == FlagKind.PROSPECTIVE and client.prospective):
        return None
    else:
        existing.delete()
        flag = None
    if kind == FlagKind.PROSPECTIVE and client.prospective != marked:
        client.prospective = marked
        client.full_clean()
        client.save(update_fields=["prospective", "updated_at"])
    ScoreEntry.objects.create(
        company_id=client.company_id,
        client=client,
        criterion=f"{FLAG_PREFIX}{kind}",
        value=int(marked),
        reason=reason if marked else "",
        set_by=user,
    )
    audit_record(
        company=client.company,
        user=user,
        action=AuditAction.CLIENT_FLAGGED,
        obj=client,
        ip=ip,
        details={"flag": str(kind), "marked": marked, "reason": reason},
    )
    return flag


def _check_settings(settings: KaismSettings) -> None:
    if not (
        math.isfinite(settings.threshold)
        and core_kaism.SCORE_MIN <= settings.threshold <= core_kaism.SCORE_MAX
    ):
        raise ValidationError({"threshold": THRESHOLD_INVALID})
    for criterion in settings.criteria:
        if not (math.isfinite(criterion.weight) and criterion.weight >= 0):
            raise ValidationError(WEIGHT_INVALID)
    for axis in core_kaism.AXES:
        if not sum(c.weight for c in settings.on_axis(axis)) > 0:
            raise ValidationError(AXIS_WITHOUT_WEIGHT)
    try:
        core_kaism.check_criteria(settings.core_criteria)
    except ValueError as error:
        raise ValidationError(CRITERIA_INVALID) from error


@transaction.atomic
def kaism_settings_update(
    *, company: Company, user: User, settings: KaismSettings, ip: str | None = None
) -> KaismSettings:
    """Store the company's criteria and threshold (checked by the core's rules first)."""
    _check_settings(settings)
    company = Company.objects.select_for_update().get(pk=company.pk)
    stored = dict(company.settings) if isinstance(company.settings, dict) else {}
    stored[SETTINGS_KEY] = settings.stored()
    company.settings = stored
    company.full_clean()
    company.save(update_fields=["settings"])
    audit_record(
        company=company,
        user=user,
        action=AuditAction.KAISM_CRITERIA_CHANGED,
        obj=company,
        ip=ip,
        details={
            "threshold": settings.threshold,
            "weights": {c.key: c.weight for c in settings.criteria},
        },
    )
    return settings

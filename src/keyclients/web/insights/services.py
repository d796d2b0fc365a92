"""Writes of the insights pages: editing a client's card, the receivables' loss rates."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics.receivables import BUCKETS
from keyclients.core.ingest.identity import clean_inn, inn_is_valid
from keyclients.web.accounts.models import AuditAction, Company, Membership, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.insights.receivables import SETTINGS_KEY
from keyclients.web.ledger.models import Client
from keyclients.web.ledger.payments import payments_relink
from keyclients.web.ledger.services import INVALID_INN, client_key

INN_TAKEN = _("Another client of the company already has this INN.")
NAME_TAKEN = _("Without an INN this client would merge with another client of the same name.")
MANAGER_NOT_MEMBER = _("The manager must be a member of the company.")
LOSS_RATES_INVALID = _("Every aging bucket needs a loss rate from 0 to 100%.")


def client_update(
    *,
    client: Client,
    name: str,
    inn: str,
    industry: str,
    size: str,
    regions: str,
    status: str,
    manager_id: int | None,
) -> Client:
    """Save the card's fields; a changed INN also changes the client's key.

    The key is how imports recognise the client (`inn:<INN>`, else `name:<normalized name>`).
    Giving an INN makes the next files with that INN land on this client; renaming keeps the
    key, so the spelling in the files still finds it (docs/decisions.md).
    """
    inn = clean_inn(inn)
    if inn and not inn_is_valid(inn):
        raise ValidationError({"inn": INVALID_INN})
    if (
        manager_id is not None
        and manager_id != client.manager_id
        and not Membership.objects.filter(company_id=client.company_id, user_id=manager_id).exists()
    ):
        raise ValidationError({"manager": MANAGER_NOT_MEMBER})
    name = name.strip()
    if inn != client.inn:
        key = client_key(name=name, inn=inn)
        taken = Client.objects.filter(company_id=client.company_id, key=key).exclude(pk=client.pk)
        if taken.exists():
            raise ValidationError({"inn": INN_TAKEN if inn else NAME_TAKEN})
        client.key = key
    client.name = name
    client.inn = inn
    client.industry = industry.strip()
    client.size = size.strip()
    client.regions = regions.strip()
    client.status = status
    client.manager_id = manager_id
    try:
        client.full_clean()
    except ValidationError:
        client.refresh_from_db()  # the caller goes on showing the client as it is stored
        raise
    client.save()
    # A new INN or key may be what an unmatched payer's payments were waiting for.
    payments_relink(company=client.company)
    return client


def loss_rates_update(
    *, company: Company, user: User, rates: Mapping[str, float], ip: str | None = None
) -> Company:
    """Save the company's IFRS 9 loss rates (fractions by aging bucket); audited."""
    if set(rates) != set(BUCKETS) or any(not 0 <= r <= 1 for r in rates.values()):
        raise ValidationError(LOSS_RATES_INVALID)
    settings = dict(company.settings) if isinstance(company.settings, dict) else {}
    section = dict(settings.get(SETTINGS_KEY) or {})
    before = section.get("loss_rates")
    section["loss_rates"] = {bucket: round(float(rates[bucket]), 6) for bucket in BUCKETS}
    settings[SETTINGS_KEY] = section
    company.settings = settings
    company.full_clean()
    company.save(update_fields=["settings"])
    audit_record(
        company=company,
        user=user,
        action=AuditAction.LOSS_RATES_CHANGED,
        obj=company,
        ip=ip,
        details={"before": before, "after": section["loss_rates"]},
    )
    return company


def client_list_export_record(
    *,
    company: Company,
    user: User,
    ip: str | None,
    rows: int,
    date_from: str,
    date_to: str,
    query: str,
) -> None:
    """An export of the clients list leaves an audit event: who took which data, and when."""
    audit_record(
        company=company,
        user=user,
        action=AuditAction.CLIENTS_EXPORTED,
        ip=ip,
        details={
            "format": "xlsx",
            "rows": rows,
            "from": date_from,
            "to": date_to,
            "query": query[:500],
        },
    )

"""Writes of clients, sales and imports. The import itself comes with the import page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.identity import clean_inn, inn_is_valid, normalize_name
from keyclients.web.accounts.models import Company
from keyclients.web.ledger.models import Client

INVALID_INN = _("The INN is not valid: it needs 10 or 12 digits with a correct checksum.")


def client_key(*, name: str, inn: str) -> str:
    """The same key the core gives the client in a sales frame (SALES_SCHEMA.client_key)."""
    return f"inn:{inn}" if inn else f"name:{normalize_name(name)}"


def client_create(*, company: Company, name: str, inn: str = "", **fields: object) -> Client:
    inn = clean_inn(inn)
    if inn and not inn_is_valid(inn):
        raise ValidationError({"inn": INVALID_INN})
    client = Client(company=company, name=name.strip(), inn=inn, **fields)
    client.key = client_key(name=client.name, inn=inn)
    client.full_clean()
    client.save()
    return client

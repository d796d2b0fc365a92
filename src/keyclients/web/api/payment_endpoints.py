"""`POST /api/payments`: client payments pushed as JSON rows (owners and finance)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from keyclients.web.accounts.access import client_ip
from keyclients.web.api import schemas
from keyclients.web.api.api import FINANCE_ROLES, api, membership, push_error
from keyclients.web.api.payments import payments_push
from keyclients.web.api.push import PushRejected


@api.post(
    "/payments",
    response={200: schemas.PaymentsPushOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Push client payments (all or nothing; a payment is written once)",
)
def payments_push_endpoint(request: HttpRequest, payload: schemas.PaymentsPushIn) -> dict[str, Any]:
    member = membership(request, FINANCE_ROLES)
    try:
        result = payments_push(
            membership=member,
            token=request.auth,  # type: ignore[attr-defined]
            rows=[row.model_dump() for row in payload.rows],
            ip=client_ip(request),
        )
    except PushRejected as rejected:
        raise push_error(rejected) from None
    return {
        "rows_received": result.rows_received,
        "rows_imported": result.rows_imported,
        "payments_known": result.payments_known,
        "matched": result.matched,
        "unmatched": result.unmatched,
        "batch_id": result.batch_id,
        "warnings": result.warnings,
    }

"""Background work of the ledger, run by Django's tasks framework (`db_worker` in production,
the immediate backend in tests and when the demo is set up)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django_tasks import task

from keyclients.web.ledger import services
from keyclients.web.ledger.models import ImportBatch, ImportStatus
from keyclients.web.warmup import company_pages_warm


@task()
def run_import(*, batch_id: int, ip: str | None = None) -> dict[str, Any]:
    outcome = services.import_run(batch_id=batch_id, ip=ip)
    if outcome.status == ImportStatus.DONE:
        # The first dashboard after the import is served from the cache (docs/performance.md).
        company_pages_warm(company=ImportBatch.objects.get(pk=batch_id).company)
    return asdict(outcome)

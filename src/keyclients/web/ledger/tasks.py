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
        # The first dashboard after the import is served from the cache (docs/performance.md);
        # not while another import of the company waits: it would change the data again.
        company = ImportBatch.objects.get(pk=batch_id).company
        waiting = (ImportStatus.PENDING, ImportStatus.RUNNING)
        if not ImportBatch.objects.filter(company=company, status__in=waiting).exists():
            company_pages_warm(company=company)
    return asdict(outcome)

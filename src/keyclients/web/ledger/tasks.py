"""Background work of the ledger, run by Django's tasks framework (`db_worker` in production,
the immediate backend in tests and when the demo is set up)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django_tasks import task

from keyclients.web.ledger import services


@task()
def run_import(*, batch_id: int, ip: str | None = None) -> dict[str, Any]:
    return asdict(services.import_run(batch_id=batch_id, ip=ip))

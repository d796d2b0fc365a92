"""The import test base for payments and receivables, and the core's own figures for the same
files: what every receivables page must show."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from django.core.cache import cache

from keyclients.core.analytics.receivables import Settlement, settle
from keyclients.core.ingest import read_sales_and_payments
from keyclients.core.ingest.payments import distinct_payments
from keyclients.core.ingest.schema import PAYMENTS_SCHEMA
from keyclients.web.ledger.models import ImportBatch

from .test_imports import SAMPLES, ImportTestCase

AS_OF = date(2025, 12, 31)
TODAY = date(2026, 1, 15)


def core_settlement(
    sales: Path, *payment_files: Path, as_of: date = AS_OF, **options: object
) -> Settlement:
    """The core on the files themselves: the sales keyed with each payments file, the payments
    of all files counted once (in the order given, as the imports were made), then `settle`."""
    frames = []
    sales_frame = None
    for source, path in enumerate(payment_files, start=1):
        sales_file, payments_file = read_sales_and_payments(sales, path)
        sales_frame = sales_file.frame
        frames.append(payments_file.frame.with_columns(pl.lit(source).alias("source")))
    if sales_frame is None:
        from keyclients.core.ingest import read_sales

        sales_frame = read_sales(sales).frame
    payments = (
        distinct_payments(pl.concat(frames))
        .filter(~pl.col("duplicate"))
        .select(list(PAYMENTS_SCHEMA))
        if frames
        else None
    )
    return settle(sales_frame, payments, as_of=as_of, **options)  # type: ignore[arg-type]


class PaymentsTestCase(ImportTestCase):
    """Imports through the web form, as a person makes them; an empty cache per test."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def upload_kind(self, content: bytes, name: str, kind: str) -> ImportBatch:
        from django.core.files.uploadedfile import SimpleUploadedFile

        file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        response = self.client.post("/imports/upload/", {"file": file, "kind": kind})
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:800])
        return ImportBatch.objects.latest("pk")

    def import_kind(self, content: bytes, name: str, kind: str) -> ImportBatch:
        batch = self.upload_kind(content, name, kind)
        self.confirm(batch)
        batch.refresh_from_db()
        self.assertEqual(batch.status, "done", batch.report.get("error"))
        return batch

    def import_sample(self, name: str, kind: str = "payments") -> ImportBatch:
        return self.import_kind((SAMPLES / name).read_bytes(), name, kind)

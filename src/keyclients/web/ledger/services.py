"""Writes of clients, sales and imports (DESIGN §3).

An import goes upload -> preview -> import -> (undo):
- `sales_upload` stores the file under a generated name, computes its SHA-256 and parses it;
  a file that cannot be read writes nothing at all;
- `sales_preview` parses it again with a column mapping the user changed;
- `sales_import` checks the rules (same file twice, rejected rows) and queues the import task;
- `sales_import_run` (the task) writes clients and sales in one transaction;
- `sales_import_undo` removes exactly the sales of one import and the clients it created.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath
from typing import IO, Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest import IngestError, SalesFile, read_sales
from keyclients.core.ingest.identity import clean_inn, inn_is_valid, normalize_name
from keyclients.core.ingest.sales import ROLES
from keyclients.web.accounts.models import AuditAction, Company, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.ledger import bulk
from keyclients.web.ledger.models import (
    Client,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Sale,
)
from keyclients.web.security.storage import storage_error_message

logger = logging.getLogger(__name__)

INVALID_INN = _("The INN is not valid: it needs 10 or 12 digits with a correct checksum.")
FILE_UNREADABLE = _("The file cannot be imported: %(reason)s")
ALREADY_IMPORTED = _(
    "This file was already imported on %(when)s by %(who)s (import #%(batch)s); "
    "nothing was changed."
)
ALREADY_RUNNING = _("This file is already being imported (import #%(batch)s).")
REJECTED_ROWS_REFUSED = _(
    "%(count)s row(s) cannot be read, so nothing was imported. Fix the file, or tick "
    "“import the valid rows” to import the others."
)
NO_ROWS = _("The file has no rows to import.")
NO_DATES = _(
    "The file has no dates, and every sale needs one: choose the date column "
    "(or a 1C document column with dates)."
)
MAPPING_CHANGED = _("The column mapping changed: check the new preview, then confirm again.")
NOT_WAITING = _("This import is not waiting for confirmation.")
NOT_UNDOABLE = _("Only a finished import can be undone.")
INTERRUPTED = _("The import was interrupted (the server stopped); confirm it again.")
FAILED_UNEXPECTEDLY = _("The import failed unexpectedly; nothing was written.")
MISSING_UPLOAD = _("The uploaded file is gone; upload it again.")

PREVIEW_ROWS = 20
# Progress of an import, by phase; the insert itself moves from INSERTING to DONE.
PROGRESS_READING = 5
PROGRESS_INSERTING = 30
PROGRESS_DONE = 100
READ_CHUNK = 1 << 20


class ImportRefused(Exception):
    """An import the rules refuse; the message (translated when shown) says why and what to do."""

    def __init__(self, message: Promise | str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return (
            gettext(str(self.message)) % self.params if self.params else gettext(str(self.message))
        )


class AlreadyImported(ImportRefused):
    def __init__(self, batch: ImportBatch) -> None:
        who = batch.created_by.get_username() if batch.created_by else "—"
        when = timezone.localtime(batch.finished_at or batch.created_at)
        super().__init__(
            ALREADY_IMPORTED,
            when=formats.date_format(when, "DATETIME_FORMAT"),
            who=who,
            batch=batch.pk,
        )
        self.batch = batch


# ---------------------------------------------------------------------------------------------
# Clients


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


# ---------------------------------------------------------------------------------------------
# Upload and preview


def upload_path(batch: ImportBatch) -> Path:
    # Only a generated hex name ever reaches the file system.
    if not batch.stored_name or not batch.stored_name.isalnum():
        raise ImportRefused(MISSING_UPLOAD)
    return Path(settings.UPLOADS_DIR) / batch.stored_name


def display_file_name(file_name: str) -> str:
    """The user's file name as text to show: no folders, no control characters (a NUL byte
    cannot even be stored by PostgreSQL). It never reaches a path: files get generated names."""
    name = "".join(ch for ch in PurePath(file_name.replace("\\", "/")).name if ch.isprintable())
    return name[: ImportBatch._meta.get_field("file_name").max_length or 255] or "upload"


def _store(file: IO[bytes]) -> tuple[str, str, Path]:
    """Copy the upload into UPLOADS_DIR under a generated name; (name, sha256, path)."""
    directory = Path(settings.UPLOADS_DIR)
    stored_name = uuid.uuid4().hex
    path = directory / stored_name
    digest = hashlib.sha256()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with path.open("xb") as target:
            for chunk in iter(lambda: file.read(READ_CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
    except OSError as error:  # a full disk or a read-only folder: say so, keep nothing
        path.unlink(missing_ok=True)
        message = storage_error_message(error)
        if message is None:
            raise
        raise ImportRefused(message) from error
    return stored_name, digest.hexdigest(), path


def _read(path: Path, *, file_name: str, mapping: Mapping[str, str]) -> SalesFile:
    try:
        return read_sales(path, name=file_name, mapping=dict(mapping))
    except IngestError as error:
        raise ImportRefused(FILE_UNREADABLE, reason=str(error)) from error


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _preview_report(sales: SalesFile) -> dict[str, Any]:
    report = sales.report.to_dict()
    report["preview"] = [
        {key: _json_value(value) for key, value in row.items()}
        for row in sales.frame.head(PREVIEW_ROWS).iter_rows(named=True)
    ]
    report["has_dates"] = sales.frame.height == 0 or bool(
        sales.frame.get_column("date").is_not_null().any()
    )
    return report


def _apply_report(batch: ImportBatch, report: dict[str, Any]) -> None:
    batch.report = report
    batch.rows_read = report["rows_read"]
    batch.rows_skipped = report["rows_skipped"]
    batch.rows_rejected = report["rows_rejected"]


def done_batch_with(*, company: Company, sha256: str) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(
            company=company, kind=ImportKind.SALES, sha256=sha256, status=ImportStatus.DONE
        )
        .select_related("created_by")
        .first()
    )


def sales_upload(*, company: Company, user: User, file: IO[bytes], file_name: str) -> ImportBatch:
    """Store and parse an uploaded sales file; the batch waits for the user's confirmation.

    Raises AlreadyImported when the same content is a done import of the company, and
    ImportRefused when the file cannot be read; in both cases nothing is kept.
    """
    stored_name, sha256, path = _store(file)
    try:
        duplicate = done_batch_with(company=company, sha256=sha256)
        if duplicate is not None:
            raise AlreadyImported(duplicate)
        name = display_file_name(file_name)
        sales = _read(path, file_name=name, mapping={})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    batch = ImportBatch(
        company=company,
        kind=ImportKind.SALES,
        file_name=name,
        sha256=sha256,
        stored_name=stored_name,
        status=ImportStatus.PREVIEW,
        created_by=user,
    )
    _apply_report(batch, _preview_report(sales))
    batch.save()
    return batch


def full_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """role -> column for every role; "" = the file has no column for it."""
    return {role: mapping.get(role) or "" for role in ROLES}


def detected_mapping(batch: ImportBatch) -> dict[str, str]:
    """The mapping the preview used, for every role. A date taken from the 1C document column
    is "" (no date column), since that is what reads it that way again."""
    mapping = full_mapping(batch.report.get("mapping", {}))
    if mapping["date"] and mapping["date"] == mapping["document"]:
        mapping["date"] = ""
    return mapping


def sales_preview(*, batch: ImportBatch, mapping: Mapping[str, str]) -> ImportBatch:
    """Parse the upload again with the user's mapping; an unreadable result keeps the old one."""
    if batch.status not in (ImportStatus.PREVIEW, ImportStatus.FAILED):
        raise ImportRefused(NOT_WAITING)
    mapping = full_mapping(mapping)
    sales = _read(upload_path(batch), file_name=batch.file_name, mapping=mapping)
    batch.mapping = mapping
    _apply_report(batch, _preview_report(sales))
    batch.save(update_fields=["mapping", "report", "rows_read", "rows_skipped", "rows_rejected"])
    return batch


def sales_upload_discard(*, batch: ImportBatch) -> None:
    """Forget an upload that was never imported: its file and its batch."""
    if batch.status not in (ImportStatus.PREVIEW, ImportStatus.FAILED):
        raise ImportRefused(NOT_WAITING)
    if batch.stored_name:
        upload_path(batch).unlink(missing_ok=True)
    batch.delete()


# ---------------------------------------------------------------------------------------------
# Import


def _check_importable(batch: ImportBatch, *, accept_partial: bool) -> None:
    report = batch.report
    if report.get("rows_rejected") and not accept_partial:
        raise ImportRefused(REJECTED_ROWS_REFUSED, count=report["rows_rejected"])
    if not report.get("rows_used"):
        raise ImportRefused(NO_ROWS)
    if not report.get("has_dates", True):
        raise ImportRefused(NO_DATES)


def sales_import(
    *,
    company: Company,
    user: User,
    upload: ImportBatch,
    mapping: Mapping[str, str] | None,
    accept_partial: bool,
    ip: str | None = None,
    background: bool = True,
) -> ImportBatch:
    """Confirm an upload: check the rules, then queue the import task (or run it now).

    `mapping` is what the user confirmed (None: as previewed); when it differs from the
    preview, the preview is refreshed and the import refused until confirmed again.
    All-or-nothing by default: rejected rows refuse the import unless `accept_partial`.
    The same content as a done import of the company changes nothing (AlreadyImported).
    """
    if upload.company_id != company.pk or upload.status not in (
        ImportStatus.PREVIEW,
        ImportStatus.FAILED,
    ):
        raise ImportRefused(NOT_WAITING)
    duplicate = done_batch_with(company=company, sha256=upload.sha256)
    if duplicate is not None:
        raise AlreadyImported(duplicate)
    running = (
        ImportBatch.objects.filter(
            company=company,
            kind=ImportKind.SALES,
            sha256=upload.sha256,
            status__in=(ImportStatus.PENDING, ImportStatus.RUNNING),
        )
        .exclude(pk=upload.pk)
        .first()
    )
    if running is not None:
        raise ImportRefused(ALREADY_RUNNING, batch=running.pk)
    if mapping is not None and full_mapping(mapping) != detected_mapping(upload):
        sales_preview(batch=upload, mapping=mapping)
        raise ImportRefused(MAPPING_CHANGED)
    _check_importable(upload, accept_partial=accept_partial)

    upload.status = ImportStatus.PENDING
    upload.progress = 0
    upload.accept_partial = accept_partial
    upload.created_by = user
    upload.created_at = timezone.now()
    upload.report = {key: value for key, value in upload.report.items() if key != "error"}
    upload.save(
        update_fields=["status", "progress", "accept_partial", "created_by", "created_at", "report"]
    )
    from keyclients.web.ledger.tasks import run_sales_import

    task = run_sales_import if background else run_sales_import.using(backend="immediate")
    task.enqueue(batch_id=upload.pk, ip=ip)
    upload.refresh_from_db()
    return upload


def _set_progress(batch_id: int, progress: int, **fields: object) -> None:
    # A statement of its own outside the insert transaction: the page sees it at once.
    ImportBatch.objects.filter(pk=batch_id).update(progress=progress, **fields)


class _InsertProgress:
    """Progress while the rows are inserted, from PROGRESS_INSERTING to just below done.

    The insert is one transaction, so its progress must be written through another connection
    to be seen before the commit. PostgreSQL allows that; SQLite has one writer at a time, so
    there the bar waits at PROGRESS_INSERTING until the commit. Inside an outer transaction (a
    test, a caller's atomic block) the batch row may be locked by it: no side connection then.
    """

    def __init__(self, batch_id: int, total: int) -> None:
        self.batch_id = batch_id
        self.total = max(total, 1)
        self.last = PROGRESS_INSERTING
        concurrent = connection.vendor != "sqlite" and not connection.in_atomic_block
        self.side = connections.create_connection("default") if concurrent else None

    def __call__(self, written: int) -> None:
        if self.side is None:
            return
        span = PROGRESS_DONE - 1 - PROGRESS_INSERTING
        progress = PROGRESS_INSERTING + span * written // self.total
        if progress <= self.last:
            return
        self.last = progress
        with self.side.cursor() as cursor:  # autocommit: visible to the page at once
            cursor.execute(
                f"UPDATE {self.side.ops.quote_name(ImportBatch._meta.db_table)} "
                "SET progress = %s WHERE id = %s",
                [progress, self.batch_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _fail(batch_id: int, message: Promise | str, **params: object) -> None:
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.status = ImportStatus.FAILED
    batch.finished_at = timezone.now()
    # The message untranslated: the page translates it into the reader's language.
    with translation.override(None):
        text = str(message)
    batch.report = {**batch.report, "error": {"message": text, "params": params}}
    batch.save(update_fields=["status", "finished_at", "report"])


@dataclass(frozen=True)
class ImportOutcome:
    batch_id: int
    status: str
    sales: int
    clients_created: int


def sales_import_run(*, batch_id: int, ip: str | None = None) -> ImportOutcome:
    """The import task: parse the stored file and write it in one transaction.

    Progress and status are committed on their own, outside the data transaction, so the page
    follows them; a failure rolls the data back whole and marks the batch failed.
    """
    batch = ImportBatch.objects.select_related("company", "created_by").get(pk=batch_id)
    if batch.status != ImportStatus.PENDING:  # a task delivered twice does nothing
        return ImportOutcome(batch_id, batch.status, 0, 0)
    _set_progress(batch_id, PROGRESS_READING, status=ImportStatus.RUNNING)
    started = time.perf_counter()
    try:
        path = upload_path(batch)
        sales = _read(path, file_name=batch.file_name, mapping=batch.mapping)
        report = _preview_report(sales)
        batch.report = report
        _check_importable(batch, accept_partial=batch.accept_partial)
        _set_progress(batch_id, PROGRESS_INSERTING)
        parsed = time.perf_counter()
        written = _write(batch, sales.frame, report, ip=ip)
    except ImportRefused as refused:
        _fail(batch_id, refused.message, **refused.params)
        return ImportOutcome(batch_id, ImportStatus.FAILED, 0, 0)
    except IntegrityError:
        # Another import of the same content finished first (importbatch_done_once).
        logger.warning("import %s lost a race with an import of the same file", batch_id)
        _fail(batch_id, NOT_WAITING)
        return ImportOutcome(batch_id, ImportStatus.FAILED, 0, 0)
    except (OSError, DatabaseError) as error:
        # The transaction was rolled back whole; a full disk or a read-only database is said
        # so (a real bug goes on to the generic message and the log).
        message = storage_error_message(error)
        if message is None:
            logger.exception("import %s failed", batch_id)
            _fail(batch_id, FAILED_UNEXPECTEDLY)
            raise
        logger.error("import %s failed: %s", batch_id, error)
        _fail(batch_id, message)
        return ImportOutcome(batch_id, ImportStatus.FAILED, 0, 0)
    except Exception:
        logger.exception("import %s failed", batch_id)
        _fail(batch_id, FAILED_UNEXPECTEDLY)
        raise
    path.unlink(missing_ok=True)  # the data is in the database now
    logger.info(
        "import %s: %s rows parsed in %.2f s, written in %.2f s",
        batch_id,
        written.sales,
        parsed - started,
        time.perf_counter() - parsed,
    )
    return ImportOutcome(batch_id, ImportStatus.DONE, written.sales, written.clients_created)


def _write(
    batch: ImportBatch, frame: pl.DataFrame, report: dict[str, Any], *, ip: str | None
) -> bulk.SalesWritten:
    progress = _InsertProgress(batch.pk, frame.height)
    try:
        with transaction.atomic():
            ids, created = bulk.client_ids(company=batch.company, batch=batch, frame=frame)
            rows = bulk.sale_rows(frame, company_id=batch.company_id, batch_id=batch.pk, ids=ids)
            count = bulk.insert_sales(rows, on_chunk=progress)
            batch.status = ImportStatus.DONE
            batch.progress = PROGRESS_DONE
            batch.rows_imported = count
            batch.rows_read = report["rows_read"]
            batch.rows_skipped = report["rows_skipped"]
            batch.rows_rejected = report["rows_rejected"]
            batch.finished_at = timezone.now()
            batch.stored_name = ""
            batch.save()
            audit_record(
                company=batch.company,
                user=batch.created_by,
                action=AuditAction.SALES_IMPORTED,
                obj=batch,
                ip=ip,
                details={
                    "file": batch.file_name,
                    "sha256": batch.sha256,
                    "rows": count,
                    "clients_created": created,
                    "rows_rejected": batch.rows_rejected,
                },
            )
    finally:
        progress.close()
    return bulk.SalesWritten(sales=count, clients_created=created)


def imports_fail_interrupted() -> int:
    """Mark imports left running by a stopped server as failed (their data was rolled back)."""
    batches = list(
        ImportBatch.objects.filter(status=ImportStatus.RUNNING).values_list("pk", flat=True)
    )
    for batch_id in batches:
        _fail(batch_id, INTERRUPTED)
    return len(batches)


# ---------------------------------------------------------------------------------------------
# Undo


@dataclass(frozen=True)
class UndoResult:
    sales: int
    clients: int


@transaction.atomic
def sales_import_undo(*, batch: ImportBatch, user: User, ip: str | None = None) -> UndoResult:
    """Delete exactly the sales of one import, and the clients it created that have no sales
    left; the batch stays in the history as undone."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.DONE:
        raise ImportRefused(NOT_UNDOABLE)
    sales, _per_model = Sale.objects.filter(company=batch.company_id, batch=batch).delete()
    created = Client.objects.filter(company=batch.company_id, import_batch=batch)
    orphans = created.exclude(
        Exists(Sale.objects.filter(company=batch.company_id, client=OuterRef("pk")))
    )
    _total, per_model = orphans.delete()
    clients = per_model.get(Client._meta.label, 0)
    created.update(import_batch=None)  # the clients that other imports' sales still use
    batch.status = ImportStatus.UNDONE
    batch.save(update_fields=["status"])
    audit_record(
        company=batch.company,
        user=user,
        action=AuditAction.SALES_IMPORT_UNDONE,
        obj=batch,
        ip=ip,
        details={"file": batch.file_name, "sales_deleted": sales, "clients_deleted": clients},
    )
    return UndoResult(sales=sales, clients=clients)

"""Writes of clients and imports (DESIGN §3).

An import goes upload -> preview -> import -> (undo), whatever the file holds (sales, payments,
a bank statement, a trial balance: `readers` reads each kind, `writers` stores it):
- `import_upload` stores the file under a generated name, computes its SHA-256 and parses it;
  a file that cannot be read writes nothing at all;
- `import_preview` parses it again with a column mapping the user changed;
- `import_confirm` checks the rules (same file twice, rejected rows) and queues the import task;
- `import_run` (the task) writes the rows in one transaction;
- `import_undo` removes exactly the rows of one import and the clients it created.

The `sales_*` names are those of the first, sales-only version, kept for their callers.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.identity import clean_inn, inn_is_valid, normalize_name
from keyclients.web.accounts.models import Company, User
from keyclients.web.accounts.services import audit_record
from keyclients.web.ledger import readers, writers
from keyclients.web.ledger.models import Client, ImportBatch, ImportKind, ImportStatus
from keyclients.web.ledger.payments import payments_already_imported
from keyclients.web.ledger.readers import PREVIEW_ROWS as PREVIEW_ROWS  # re-exported
from keyclients.web.ledger.readers import Upload
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
NO_PERIOD = _(
    "The trial balance names no period in its title (e.g. «за 2025 г.»), so its revenue "
    "cannot be dated: save the report with its title."
)

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


def _read(path: Path, batch: ImportBatch, *, preview: bool = False) -> Upload:
    try:
        return readers.read_upload(
            path,
            kind=batch.kind,
            file_name=batch.file_name,
            mapping=batch.mapping,
            company=batch.company,
            preview=preview,
        )
    except readers.UnreadableUpload as error:
        raise ImportRefused(FILE_UNREADABLE, reason=str(error)) from error


def _preview_report(batch: ImportBatch, upload: Upload) -> dict[str, Any]:
    report = readers.preview_report(upload)
    if "payments" in report:
        report["payments"]["duplicates"] = payments_already_imported(
            company=batch.company, lines=upload.lines, exclude_batch=batch.pk
        )
    return report


def _apply_report(batch: ImportBatch, report: dict[str, Any]) -> None:
    batch.report = report
    batch.rows_read = report["rows_read"]
    batch.rows_skipped = report["rows_skipped"]
    batch.rows_rejected = report["rows_rejected"]


def done_batch_with(*, company: Company, sha256: str) -> ImportBatch | None:
    return (
        # Any kind: the same bytes are the same file, whatever it was imported as.
        ImportBatch.objects.filter(company=company, sha256=sha256, status=ImportStatus.DONE)
        .select_related("created_by")
        .first()
    )


def import_upload(
    *,
    company: Company,
    user: User,
    file: IO[bytes],
    file_name: str,
    kind: str = ImportKind.SALES,
) -> ImportBatch:
    """Store and parse an uploaded file; the batch waits for the user's confirmation.

    `kind` is what the user picked; a bank statement and a trial balance are recognized by
    their content. Raises AlreadyImported when the same content is a done import of the
    company, and ImportRefused when the file cannot be read; in both cases nothing is kept.
    """
    stored_name, sha256, path = _store(file)
    try:
        duplicate = done_batch_with(company=company, sha256=sha256)
        if duplicate is not None:
            raise AlreadyImported(duplicate)
        name = display_file_name(file_name)
        batch = ImportBatch(
            company=company,
            kind=readers.detect_kind(path, kind),
            file_name=name,
            sha256=sha256,
            stored_name=stored_name,
            status=ImportStatus.PREVIEW,
            created_by=user,
        )
        upload = _read(path, batch, preview=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    try:
        _apply_report(batch, _preview_report(batch, upload))
    finally:
        upload.close()
    batch.save()
    return batch


def sales_upload(*, company: Company, user: User, file: IO[bytes], file_name: str) -> ImportBatch:
    """`import_upload` of a sales file."""
    return import_upload(company=company, user=user, file=file, file_name=file_name)


def full_mapping(mapping: Mapping[str, str], kind: str = ImportKind.SALES) -> dict[str, str]:
    """role -> column for every role of the kind; "" = the file has no column for it."""
    return {role: mapping.get(role) or "" for role in readers.KIND_ROLES[kind]}


def detected_mapping(batch: ImportBatch) -> dict[str, str]:
    """The mapping the preview used, for every role. A date taken from the 1C document column
    is "" (no date column), since that is what reads it that way again."""
    mapping = full_mapping(batch.report.get("mapping", {}), batch.kind)
    if mapping.get("date") and mapping["date"] == mapping.get("document"):
        mapping["date"] = ""
    return mapping


def import_preview(*, batch: ImportBatch, mapping: Mapping[str, str]) -> ImportBatch:
    """Parse the upload again with the user's mapping; an unreadable result keeps the old one."""
    if batch.status not in (ImportStatus.PREVIEW, ImportStatus.FAILED):
        raise ImportRefused(NOT_WAITING)
    previous = batch.mapping
    batch.mapping = full_mapping(mapping, batch.kind)
    try:
        upload = _read(upload_path(batch), batch, preview=True)
    except ImportRefused:
        batch.mapping = previous
        raise
    try:
        _apply_report(batch, _preview_report(batch, upload))
    finally:
        upload.close()
    batch.save(update_fields=["mapping", "report", "rows_read", "rows_skipped", "rows_rejected"])
    return batch


def import_discard(*, batch: ImportBatch) -> None:
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
        raise ImportRefused(NO_PERIOD if batch.kind == ImportKind.TRIAL_BALANCE else NO_DATES)


def import_confirm(
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
            sha256=upload.sha256,
            status__in=(ImportStatus.PENDING, ImportStatus.RUNNING),
        )
        .exclude(pk=upload.pk)
        .first()
    )
    if running is not None:
        raise ImportRefused(ALREADY_RUNNING, batch=running.pk)
    if mapping is not None and full_mapping(mapping, upload.kind) != detected_mapping(upload):
        import_preview(batch=upload, mapping=mapping)
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
    from keyclients.web.ledger.tasks import run_import

    task = run_import if background else run_import.using(backend="immediate")
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
    rows: int
    clients_created: int


def import_run(*, batch_id: int, ip: str | None = None) -> ImportOutcome:
    """The import task: parse the stored file and write it in one transaction.

    Progress and status are committed on their own, outside the data transaction, so the page
    follows them; a failure rolls the data back whole and marks the batch failed.
    """
    batch = ImportBatch.objects.select_related("company", "created_by").get(pk=batch_id)
    if batch.status != ImportStatus.PENDING:  # a task delivered twice does nothing
        return ImportOutcome(batch_id, batch.status, 0, 0)
    _set_progress(batch_id, PROGRESS_READING, status=ImportStatus.RUNNING)
    started = time.perf_counter()
    upload: Upload | None = None
    try:
        path = upload_path(batch)
        upload = _read(path, batch)
        report = _preview_report(batch, upload)
        batch.report = report
        _check_importable(batch, accept_partial=batch.accept_partial)
        _set_progress(batch_id, PROGRESS_INSERTING)
        parsed = time.perf_counter()
        written = _write(batch, upload, report, ip=ip)
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
    finally:
        if upload is not None:
            upload.close()
    path.unlink(missing_ok=True)  # the data is in the database now
    logger.info(
        "import %s: %s rows parsed in %.2f s, written in %.2f s",
        batch_id,
        written.rows,
        parsed - started,
        time.perf_counter() - parsed,
    )
    return ImportOutcome(batch_id, ImportStatus.DONE, written.rows, written.clients_created)


def _write(
    batch: ImportBatch, upload: Upload, report: dict[str, Any], *, ip: str | None
) -> writers.Written:
    progress = _InsertProgress(batch.pk, writers.rows_to_write(upload))
    try:
        with transaction.atomic():
            written = writers.write(batch, upload, progress=progress)
            batch.status = ImportStatus.DONE
            batch.progress = PROGRESS_DONE
            batch.rows_imported = written.rows
            batch.rows_read = report["rows_read"]
            batch.rows_skipped = report["rows_skipped"]
            batch.rows_rejected = report["rows_rejected"]
            batch.finished_at = timezone.now()
            batch.stored_name = ""
            batch.save()
            audit_record(
                company=batch.company,
                user=batch.created_by,
                action=writers.IMPORTED[ImportKind(batch.kind)],
                obj=batch,
                ip=ip,
                details={
                    "file": batch.file_name,
                    "sha256": batch.sha256,
                    **written.details,
                    "rows_rejected": batch.rows_rejected,
                },
            )
    finally:
        progress.close()
    return written


def imports_fail_interrupted() -> int:
    """Mark imports left running by a stopped server as failed (their data was rolled back)."""
    batches = list(
        ImportBatch.objects.filter(status=ImportStatus.RUNNING).values_list("pk", flat=True)
    )
    for batch_id in batches:
        _fail(batch_id, INTERRUPTED)
    return len(batches)


# The scratch files of a sales file read in batches (core.ingest: the UTF-8 copy of a cp1251
# file, the folder of parsed batches), beside the upload. Removed with their import; only a
# killed process leaves them behind.
SCRATCH_PATTERNS = (".utf8-*.csv", ".sales-*")


def upload_scratch_remove() -> int:
    """Remove the scratch files killed imports left in the uploads folder. Only while nothing
    reads uploads: at server start, before the worker and the web threads run."""
    folder = Path(settings.UPLOADS_DIR)
    if not folder.is_dir():
        return 0
    removed = 0
    for pattern in SCRATCH_PATTERNS:
        for path in folder.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed += 1
    if removed:
        logger.info("removed %s scratch files of interrupted imports", removed)
    return removed


# ---------------------------------------------------------------------------------------------
# Undo


@dataclass(frozen=True)
class UndoResult:
    rows: int  # the import's main lines: sales, payments or trial-balance clients
    clients: int


@transaction.atomic
def import_undo(*, batch: ImportBatch, user: User, ip: str | None = None) -> UndoResult:
    """Delete exactly the rows of one import, and the clients it created that have nothing
    left; the batch stays in the history as undone."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.DONE:
        raise ImportRefused(NOT_UNDOABLE)
    deleted = writers.delete(batch)
    batch.status = ImportStatus.UNDONE
    batch.save(update_fields=["status"])
    audit_record(
        company=batch.company,
        user=user,
        action=writers.UNDONE[ImportKind(batch.kind)],
        obj=batch,
        ip=ip,
        details=deleted.details,
    )
    return UndoResult(rows=deleted.rows, clients=deleted.clients)


# The names of the sales-only version.
sales_preview = import_preview
sales_upload_discard = import_discard
sales_import = import_confirm
sales_import_run = import_run
sales_import_undo = import_undo

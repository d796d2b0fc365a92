"""`keyclients backup OUT` and `keyclients restore IN`: the whole database in one file.

- SQLite: the online backup API copies a consistent snapshot page by page while the app goes
  on serving (readers and the writer are not stopped); the copy is checked with
  `PRAGMA integrity_check` and renamed into place only when whole. Restore checks the file the
  same way, then copies it over the live database with the same API, in one step.
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot too), and `pg_restore --clean
  --single-transaction`, so a restore that fails changes nothing.

After a restore, `migrate` brings an older backup up to the installed code. The secret key and
uploaded files waiting for confirmation are not part of a backup (docs/reliability.md).
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

NOT_A_BACKUP = "{path} is not a keyclients backup: {reason}"
WRONG_ENGINE = "{path} is a {found} backup, but the database is {engine}: restore it into {found}"
TOOL_MISSING = "{tool} is not installed: apt-get install postgresql-client"
TOOL_FAILED = "{tool} failed: {detail}"
OUT_EXISTS = "{path} exists already; choose another name or delete it first"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    bytes: int
    tables: int


def _engine() -> str:
    return str(connection.vendor)


def _kind(path: Path) -> str:
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError as error:
        raise BackupError(NOT_A_BACKUP.format(path=path, reason=error.strerror)) from error
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(NOT_A_BACKUP.format(path=path, reason="unknown format"))


def database_backup(*, out: Path) -> BackupResult:
    out = Path(out)
    if out.exists():
        raise BackupError(OUT_EXISTS.format(path=out))
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _engine() == "sqlite":
            _sqlite_backup(partial)
        elif _engine() == "postgresql":
            _pg_run(
                "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
            )
        else:
            raise BackupError(f"backups of {_engine()} are not supported")
        partial.rename(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(out, _engine(), out.stat().st_size, len(_tables()))


def database_restore(*, source: Path) -> None:
    """Replace the whole database by the backup `source`, then migrate it to this version."""
    source = Path(source)
    kind = _kind(source)
    if kind != _engine():
        raise BackupError(WRONG_ENGINE.format(path=source, found=kind, engine=_engine()))
    if kind == "sqlite":
        _sqlite_check(source)
        _sqlite_restore(source)
    else:
        connection.close()  # pg_restore drops the tables: no session of ours may hold them
        _pg_run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
            ],
            source,
        )
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# ---------------------------------------------------------------------------------------------
# SQLite


def _sqlite_connection() -> sqlite3.Connection:
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _sqlite_backup(target: Path) -> None:
    copy = sqlite3.connect(target)
    try:
        # pages=0: one step, one consistent snapshot (a writer waits for it, on busy_timeout).
        _sqlite_connection().backup(copy, pages=0)
    finally:
        copy.close()
    _sqlite_check(target)


def _sqlite_check(path: Path) -> None:
    try:
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = database.execute("PRAGMA integrity_check").fetchone()[0]
            migrations = database.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
        finally:
            database.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(NOT_A_BACKUP.format(path=path, reason=str(error))) from error
    if verdict != "ok":
        raise BackupError(NOT_A_BACKUP.format(path=path, reason=f"damaged ({verdict})"))
    if not migrations:
        raise BackupError(NOT_A_BACKUP.format(path=path, reason="no keyclients tables"))


def _sqlite_restore(source: Path) -> None:
    live = _sqlite_connection()
    if connection.in_atomic_block:
        raise BackupError("a restore cannot run inside a transaction")
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup.backup(live, pages=0)
    finally:
        backup.close()


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def _pg_tool(name: str) -> str:
    # The newest installed server's tools first: pg_dump must not be older than the server.
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[-3])
    )
    found = versions[-1] if versions else shutil.which(name)
    if found is None:
        raise BackupError(TOOL_MISSING.format(tool=name))
    return found


def _pg_run(tool: str, arguments: list[str], source: Path | None = None) -> None:
    settings = connection.settings_dict
    environment = os.environ.copy()
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if settings.get(key):
            environment[variable] = str(settings[key])
    sslmode = settings.get("OPTIONS", {}).get("sslmode")
    if sslmode:
        environment["PGSSLMODE"] = str(sslmode)
    command = [_pg_tool(tool), *arguments, f"--dbname={settings['NAME']}"]
    if source is not None:
        command.append(str(source))
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines() or ["exit code " + str(result.returncode)]
        raise BackupError(TOOL_FAILED.format(tool=tool, detail=detail[-1]))


# ---------------------------------------------------------------------------------------------
# What a round trip must keep


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """table -> (row count, SHA-256 of its rows in a stable order): equal before a backup and
    after its restore. Reads whole tables: for tests and checks, not for a huge database."""
    fingerprints: dict[str, tuple[int, str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            fingerprints[table] = (len(rows), digest)
    return fingerprints


def _plain(value: Any) -> Any:
    return value.tobytes() if isinstance(value, memoryview) else value

"""Faults, on a real data folder with real processes: the task worker killed in the middle of an
import, a full disk, a read-only data folder.

Each test runs the product in child processes on its own database: SQLite in a fresh data
folder, or, under `make test-postgres`, a fresh database on the DATABASE_URL server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROWS = 200_000

SETUP = """
import io, json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from keyclients.web.accounts.models import Company, Membership, Role, User
from keyclients.web.ledger import services
user = User.objects.create_user("olga")
company = Company.objects.create(name="Faults")
Membership.objects.create(company=company, user=user, role=Role.OWNER)
"""

REOPEN = """
import io, json, django
django.setup()
from keyclients.web.accounts.models import Company, User
from keyclients.web.ledger import services
user = User.objects.get(username="olga")
company = Company.objects.get()
"""

UPLOAD = """
with open({csv!r}, "rb") as file:
    upload = services.sales_upload(company=company, user=user, file=file, file_name="big.csv")
"""


def _csv(path: Path, rows: int) -> Path:
    lines = ["Дата;Контрагент;Документ;Сумма"]
    lines += [
        f"{1 + n % 28:02d}.{1 + n % 12:02d}.2025;ООО «Клиент {n % 5000}»;Д-{n};{n % 997},50"
        for n in range(rows)
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of the children: their own data folder and database."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environment["KEYCLIENTS_DATA_DIR"] = str(tmp_path / "data")
    environment["TASKS_BACKEND"] = "database"
    server_url = os.environ.get("DATABASE_URL", "")
    name = f"kc_faults_{os.getpid()}"
    if server_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        environment["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield environment
    finally:
        if server_url.startswith("postgres"):
            import psycopg

            with psycopg.connect(server_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _python(
    code: str, environment: dict[str, str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,  # type: ignore[arg-type]
    )


def _query(environment: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    """Read the children's database directly (no Django in this process for it)."""
    url = environment.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as connection:
            return list(connection.execute(sql).fetchall())
    path = Path(environment["KEYCLIENTS_DATA_DIR"]) / "keyclients.sqlite3"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return list(connection.execute(sql).fetchall())
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker_pids(server_pid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{server_pid}\n" in status and b"db_worker" in cmdline:
            pids.append(int(entry.name))
    return pids


def _wait(predicate: object, what: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_import_leaves_nothing_and_the_retry_succeeds(
    tmp_path: Path, database: dict[str, str]
) -> None:
    csv = _csv(tmp_path / "big.csv", ROWS)
    setup = _python(
        SETUP
        + UPLOAD.format(csv=str(csv))
        + """
batch = services.sales_import(company=company, user=user, upload=upload, mapping=None,
                              accept_partial=False)
print(json.dumps({"batch": batch.pk, "status": batch.status}))
""",
        database,
    )
    assert setup.returncode == 0, setup.stderr
    batch_id = json.loads(setup.stdout.strip().splitlines()[-1])["batch"]

    # `keyclients serve` as in production: its supervisor runs the worker.
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", f"from keyclients.web.runner import serve; serve(port={port})"],
        env=database,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def batch() -> tuple[str, int]:
            rows = _query(
                database, f"SELECT status, progress FROM ledger_importbatch WHERE id = {batch_id}"
            )
            return str(rows[0][0]), int(rows[0][1])  # type: ignore[call-overload]

        first = _wait(lambda: _worker_pids(server.pid), "the worker to start")
        # Inserting: on SQLite the bar waits at 30 until the commit; on PostgreSQL it moves.
        _wait(lambda: batch() == ("running", 30) or batch()[1] > 30, "the insert to start")
        time.sleep(0.3)
        assert batch()[0] == "running", "the import finished before the kill: use more rows"
        for pid in first:  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)

        # Nothing half-written: the transaction died with the worker.
        assert _query(database, "SELECT count(*) FROM ledger_sale") == [(0,)]
        assert _query(database, "SELECT count(*) FROM ledger_client") == [(0,)]
        # The supervisor marks the import failed and starts a new worker.
        _wait(lambda: batch()[0] == "failed", "the import to be marked failed", timeout=30)
        _wait(lambda: set(_worker_pids(server.pid)) - set(first), "a new worker")  # type: ignore[arg-type]
        report = _query(database, f"SELECT report FROM ledger_importbatch WHERE id = {batch_id}")
        assert "interrupted" in str(report[0][0])

        # The user confirms it again: the new worker imports the whole file.
        retry = _python(
            REOPEN
            + f"""
from keyclients.web.ledger.models import ImportBatch
batch = ImportBatch.objects.get(pk={batch_id})
services.sales_import(company=company, user=user, upload=batch, mapping=None,
                      accept_partial=False)
""",
            database,
        )
        assert retry.returncode == 0, retry.stderr
        _wait(lambda: batch()[0] == "done", "the retry to finish", timeout=240)
        assert _query(database, "SELECT count(*) FROM ledger_sale") == [(ROWS,)]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30) as r:
            assert r.status == 200  # the server served on throughout
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture
def small_disk(database: dict[str, str]) -> Iterator[tuple[dict[str, str], Path]]:
    """The data folder on a 64 MB tmpfs of its own (we are root in CI; skipped elsewhere)."""
    mount_point = Path(tempfile.mkdtemp(prefix="keyclients-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        mount_point.rmdir()
        pytest.skip("cannot mount a small filesystem here (needs root)")
    try:
        yield {**database, "KEYCLIENTS_DATA_DIR": str(mount_point / "data")}, mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)
        mount_point.rmdir()


def _fill(mount_point: Path, leave: int) -> None:
    """Fill the small filesystem up to `leave` free bytes."""
    stats = os.statvfs(mount_point)
    free = stats.f_bavail * stats.f_frsize
    with (mount_point / "ballast").open("wb") as ballast:
        ballast.truncate(0)
        block = b"\0" * (1 << 20)
        remaining = free - leave
        while remaining > 0:
            remaining -= ballast.write(block[: min(len(block), remaining)])


UPLOAD_REFUSED = """
from django.conf import settings
from django.utils import translation
from keyclients.web.ledger.models import ImportBatch
try:
    with open({csv!r}, "rb") as file:
        services.sales_upload(company=company, user=user, file=file, file_name="big.csv")
except services.ImportRefused as refused:
    with translation.override("en"):
        print(json.dumps({{"error": str(refused), "batches": ImportBatch.objects.count(),
                          "files": sorted(p.name for p in settings.UPLOADS_DIR.iterdir())}}))
"""


def test_a_full_disk_refuses_the_upload_with_a_clear_message_and_keeps_nothing(
    tmp_path: Path, small_disk: tuple[dict[str, str], Path]
) -> None:
    environment, mount_point = small_disk
    csv = _csv(tmp_path / "big.csv", 100_000)  # 4 MB
    assert _python(SETUP, environment).returncode == 0
    _fill(mount_point, leave=512 << 10)
    result = _python(REOPEN + UPLOAD_REFUSED.format(csv=str(csv)), environment)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert "the disk is full" in outcome["error"]
    assert outcome["batches"] == 0 and outcome["files"] == []


def test_a_full_disk_during_the_import_rolls_it_back_and_says_why(
    tmp_path: Path, small_disk: tuple[dict[str, str], Path]
) -> None:
    environment, mount_point = small_disk
    if environment.get("DATABASE_URL"):
        pytest.skip("the PostgreSQL server's disk is not this test's to fill")
    csv = _csv(tmp_path / "big.csv", 100_000)
    result = _python(
        SETUP
        + UPLOAD.format(csv=str(csv))
        + f"""
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_faults import _fill
from pathlib import Path
_fill(Path({str(mount_point)!r}), leave=256 << 10)
"""
        + """
from keyclients.web.ledger.models import Client, Sale
from keyclients.web.ledger.selectors import import_error_text
from django.utils import translation
batch = services.sales_import(company=company, user=user, upload=upload, mapping=None,
                              accept_partial=False, background=False)
batch.refresh_from_db()
with translation.override("en"):
    print(json.dumps({"status": batch.status, "error": import_error_text(batch),
                      "sales": Sale.objects.count(), "clients": Client.objects.count()}))
""",
        environment,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "failed"
    assert "the disk is full" in outcome["error"]
    assert (outcome["sales"], outcome["clients"]) == (0, 0)


def test_a_read_only_data_folder_gives_a_clear_error(
    tmp_path: Path, small_disk: tuple[dict[str, str], Path]
) -> None:
    environment, mount_point = small_disk
    setup = _python(
        SETUP
        + """
from django.test import Client
browser = Client(HTTP_HOST="localhost")
browser.force_login(user)
print(browser.cookies["sessionid"].value)
""",
        environment,
    )
    assert setup.returncode == 0, setup.stderr
    session = setup.stdout.strip().splitlines()[-1]
    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
    result = _python(
        f"""
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
browser = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
browser.cookies["sessionid"] = {session!r}
page = browser.get("/imports/")
if page.status_code == 200:  # PostgreSQL: the database is elsewhere; the uploads folder is not
    page = browser.post("/imports/upload/", {{"file": SimpleUploadedFile("s.csv", b"a;b")}})
print(page.status_code)
print(page.content.decode().replace(chr(10), " "))
""",
        environment,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == ("400" if environment.get("DATABASE_URL") else "503")
    assert "the data folder is read-only or cannot be opened" in body


def test_a_write_waits_for_a_long_import_instead_of_failing(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    """SQLite has one writer: while an import's transaction holds the lock for longer than the
    old 5 s busy timeout, a login's write waits for it instead of "database is locked"."""
    import threading

    from django.db.utils import ConnectionHandler

    from keyclients.web import env

    path = tmp_path / "locked.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.commit()
    setup.close()
    holding = threading.Event()

    def long_import() -> None:
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO t VALUES (1)")
        holding.set()
        time.sleep(6.5)
        writer.execute("COMMIT")
        writer.close()

    thread = threading.Thread(target=long_import)
    thread.start()
    holding.wait(10)
    connection = ConnectionHandler({"default": env.sqlite_database(path)})["default"]
    started = time.monotonic()
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 2
    finally:
        connection.close()
        thread.join()
    assert time.monotonic() - started > 5  # it did wait, past the old timeout


def test_server_start_removes_the_scratch_files_of_killed_imports_only(
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from keyclients.web.ledger.services import upload_scratch_remove

    settings.UPLOADS_DIR = tmp_path
    upload = tmp_path / "0123456789abcdef0123456789abcdef.csv"  # an upload awaiting its import
    upload.write_text("Дата;Сумма\n")
    (tmp_path / ".utf8-x1y2.csv").write_text("copy")
    batches = tmp_path / ".sales-abc"
    batches.mkdir()
    (batches / "batch-0.arrow").write_bytes(b"arrow")

    assert upload_scratch_remove() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [upload.name]
    assert upload_scratch_remove() == 0

"""The database restarted under load (PostgreSQL): requests in the gap fail cleanly — a 503 with
a plain message, JSON on the API — and the server serves again once the database is back,
without being restarted itself.

The test runs its own throwaway cluster (it must stop and start it), so it needs PostgreSQL's
server binaries; it runs under `make test-postgres`, where .ci/run has installed them.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .test_faults import _free_port, _wait

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL only: runs under make test-postgres",
)

USERS = 8  # threads asking at once
SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from keyclients.web.accounts.models import Company, Membership, Role, User
from keyclients.web.api.services import token_create
user = User.objects.create_user("olga")
company = Company.objects.create(name="Restart")
membership = Membership.objects.create(company=company, user=user, role=Role.OWNER)
print(token_create(membership=membership, name="load").raw)
"""


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    log: Path

    def ctl(self, *args: str) -> None:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data.parent} -c fsync=off"
        self.ctl("-l", str(self.log), "-w", "-t", "60", "start", "-o", options)

    def stop(self) -> None:
        self.ctl("-m", "fast", "-w", "stop")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL's server binaries are not installed")
    # Not tmp_path: the postgres user must own the cluster's folder (pytest's is root's, 0700).
    folder = Path(tempfile.mkdtemp(prefix="keyclients-restart-"))
    data = folder / "data"
    initdb = [str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres:", str(folder)], check=True)
        initdb = ["runuser", "-u", "postgres", "--", *initdb]
    subprocess.run([*initdb, "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    found = Cluster(bin=pg_bin, data=data, port=_free_port(), log=folder / "postgres.log")
    found.start()
    try:
        address = ["-h", "127.0.0.1", "-p", str(found.port), "-U", "postgres"]
        subprocess.run(
            [str(pg_bin / "createdb"), *address, "keyclients"], check=True, capture_output=True
        )
        yield found
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            found.stop()
        subprocess.run(["rm", "-rf", str(folder)], check=False)


@dataclass
class Answers:
    by_phase: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    phase: str = "before"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, kind: str, body: str) -> None:
        with self.lock:
            self.by_phase.setdefault(self.phase, []).append((status, kind, body))


def _ask(url: str, token: str, answers: Answers, stop: threading.Event) -> None:
    while not stop.is_set():
        for kind, path, headers in (
            ("api", "/api/me", {"Authorization": f"Bearer {token}"}),
            ("page", "/accounts/login/", {}),
        ):
            request = urllib.request.Request(url + path, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    answers.add(response.status, kind, response.read().decode())
            except urllib.error.HTTPError as error:
                answers.add(error.code, kind, error.read().decode())
            except OSError as error:  # the server itself must never stop answering
                answers.add(0, kind, str(error))
        time.sleep(0.02)


def test_a_database_restart_under_load_fails_cleanly_and_recovers(
    tmp_path: Path, cluster: Cluster
) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environment["KEYCLIENTS_DATA_DIR"] = str(tmp_path / "data")
    environment["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{cluster.port}/keyclients"
    setup = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SETUP)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr
    token = setup.stdout.strip().splitlines()[-1]

    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads would fill up and block its threads.
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-c", f"from keyclients.web.runner import serve; serve(port={port})"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    answers = Answers()
    stop = threading.Event()
    threads = [
        threading.Thread(target=_ask, args=(url, token, answers, stop), daemon=True)
        for _ in range(USERS)
    ]
    try:

        def serving() -> bool:
            try:
                with urllib.request.urlopen(url + "/accounts/login/", timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        _wait(serving, "the server to start", timeout=120)
        for thread in threads:
            thread.start()
        time.sleep(2)
        answers.phase = "down"
        cluster.stop()
        time.sleep(3)
        cluster.start()
        answers.phase = "recovering"
        time.sleep(3)
        answers.phase = "after"
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        server.terminate()
        server.wait(timeout=60)
    errors = log.read_text()

    before, down, after = (answers.by_phase.get(p, []) for p in ("before", "down", "after"))
    recovering = answers.by_phase.get("recovering", [])
    assert before and down and after
    # Before: served. Down: a clean 503 on what needs the database; never a 500 or a dead server.
    assert {status for status, _kind, _body in before} == {200}
    statuses = {status for status, _kind, _body in down + recovering}
    assert statuses <= {200, 503}, statuses
    refused = [(kind, body) for status, kind, body in down if status == 503]
    assert refused, "no request met the stopped database"
    for kind, body in refused:
        assert "Traceback" not in body
        if kind == "api":
            assert "database is not answering" in json.loads(body)["detail"]
    # After: every request is served again by the same server process.
    assert {status for status, _kind, _body in after} == {200}, after[:3]
    # The log says what happened, one line per refusal, and holds no traceback.
    assert "refused: " in errors
    assert "Traceback" not in errors, errors[-3000:]

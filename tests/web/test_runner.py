"""`keyclients serve` as a person runs it: a fresh data folder, a real server, real requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SERVE = "from keyclients.web.runner import serve; serve(port={port}, data_dir={data_dir!r})"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Language": "ru"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environment["TASKS_BACKEND"] = "database"  # as in production: a worker runs the tasks
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE.format(port=port, data_dir=str(tmp_path / "data"))],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/accounts/login/")
                break
            # A first answer slower than the timeout (a loaded machine) is "not ready yet" too.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"keyclients serve did not start:\n{output}")
                time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as (base, _process):
        yield base


def test_serve_migrates_and_serves_pages_and_static_files(server: str, tmp_path: Path) -> None:
    status, content_type, body = _get(f"{server}/accounts/login/")
    assert status == 200 and content_type.startswith("text/html")
    assert "Войти".encode() in body
    status, content_type, body = _get(f"{server}/static/keyclients/app.css")
    assert status == 200 and content_type.startswith("text/css") and b".topbar" in body
    data = tmp_path / "data"
    assert (data / "keyclients.sqlite3").exists()
    assert (data / "static" / "keyclients" / "app.css").exists()
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600


def _workers_of(pid: int) -> list[int]:
    """The `db_worker` processes whose parent is `pid` (Linux /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text and b"db_worker" in cmdline:
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_serve_runs_the_task_worker_and_stops_it_on_exit(tmp_path: Path) -> None:
    with serving(tmp_path) as (_base, process):
        deadline = time.monotonic() + 30
        while not (workers := _workers_of(process.pid)):
            assert time.monotonic() < deadline, "no db_worker started beside the server"
            time.sleep(0.2)
        process.terminate()  # SIGTERM, as a service manager stops it
        process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(worker) for worker in workers):
        assert time.monotonic() < deadline, "the worker outlived the server"
        time.sleep(0.2)


def test_manage_runs_django_commands(tmp_path: Path) -> None:
    environment = {**os.environ, "KEYCLIENTS_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "keyclients.web", "showmigrations", "ledger"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "0001_initial" in result.stdout

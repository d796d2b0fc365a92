"""`keyclients serve` as a person runs it: a fresh data folder, a real server, real requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SERVE = "from keyclients.web.runner import serve; serve(port={port}, data_dir={data_dir!r})"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Language": "ru"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


@pytest.fixture
def server(tmp_path: Path) -> str:
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
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
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"keyclients serve did not start:\n{output}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


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

"""What `keyclients manage ...` and `keyclients serve` run. Django is imported only here, so
the file commands of the CLI start without it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

SETTINGS_MODULE = "keyclients.web.settings"


def _configure(data_dir: Path | str | None) -> None:
    if data_dir is not None:
        os.environ["KEYCLIENTS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)


def setup_django(data_dir: Path | str | None = None) -> None:
    """Django set up on the data folder (no migration): backup, restore and report use it."""
    _configure(data_dir)
    import django

    django.setup()


def manage(argv: list[str]) -> None:
    """Django's management commands: `manage(["migrate"])`, `manage(["createsuperuser"])`."""
    _configure(None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["keyclients manage", *argv])


def _worker_command() -> list[str]:
    # --no-reload: the worker runs the installed code; interval 1 s keeps imports snappy.
    return [
        sys.executable,
        "-m",
        "keyclients.web",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "1",
        "--verbosity",
        "1",
    ]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: the worker gets SIGTERM when `keyclients serve` dies, even by SIGKILL.
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_worker() -> subprocess.Popen[bytes] | None:
    """Start `db_worker` beside the web server when tasks go through the database backend."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return None
    return subprocess.Popen(
        _worker_command(),
        env=os.environ.copy(),
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_worker(worker: subprocess.Popen[bytes] | None, *, timeout: float = 10) -> None:
    """Ask the worker to stop (it finishes the current task), kill it when it takes too long.

    A killed import is rolled back by the database; the next start marks it failed.
    """
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class WorkerSupervisor:
    """Keeps one `db_worker` running beside the server: when it dies (killed, out of memory),
    the import it was running is marked failed (its transaction was rolled back) and a new
    worker starts, so the queue goes on without restarting the server (docs/reliability.md)."""

    RESTART_DELAY = 1.0

    def __init__(self) -> None:
        self.worker = start_worker()
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if self.worker is not None:
            self._thread = threading.Thread(target=self._watch, name="worker-supervisor")
            self._thread.daemon = True
            self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.RESTART_DELAY):
            worker = self.worker
            if worker is None or worker.poll() is None:
                continue
            print(
                f"keyclients: the task worker exited ({worker.returncode}); restarting it",
                file=sys.stderr,
                flush=True,
            )
            try:
                from django.db import connection

                from keyclients.web.ledger.services import imports_fail_interrupted

                imports_fail_interrupted()
                connection.close()
            except Exception as error:  # the database may be briefly unavailable: retry later
                print(f"keyclients: cannot mark interrupted imports: {error}", file=sys.stderr)
                continue
            if not self._stopping.is_set():
                self.worker = start_worker()
                self.restarts += 1

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        stop_worker(self.worker)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (systemd, docker stop, a test) unwinds like Ctrl+C, so the worker is stopped too.
    raise SystemExit(0)


def prepare(data_dir: Path | str | None = None) -> None:
    """Set Django up on the data folder: migrate, collect static files, fail stale imports."""
    _configure(data_dir)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)

    from keyclients.web.ledger.services import imports_fail_interrupted, upload_scratch_remove

    imports_fail_interrupted()
    upload_scratch_remove()


def _serve_prepared(*, host: str, port: int, threads: int) -> None:
    import waitress

    from keyclients.web.security.middleware import server_body_limit
    from keyclients.web.wsgi import application

    supervisor = WorkerSupervisor()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if in_main_thread else None
    try:
        print(f"keyclients: http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
        # The same body limit as the app's: waitress refuses a larger body (declared or chunked)
        # while receiving it, before buffering it to disk (docs/reliability.md).
        waitress.serve(
            application,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=server_body_limit(),
        )
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        supervisor.stop()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: Path | str | None = None,
    threads: int = 8,
) -> None:
    """Migrate the database, collect static files, start the task worker, then serve with
    waitress until stopped; the worker stops with the server."""
    prepare(data_dir)
    _serve_prepared(host=host, port=port, threads=threads)


def demo(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: Path | str = Path("data/demo"),
    open_browser: bool = True,
) -> None:
    """Set up (or reuse) the demo database in `data_dir`, print the logins and serve it."""
    data_path = Path(data_dir).expanduser().resolve()
    prepare(data_path)
    from keyclients.web.demo import DEMO_PASSWORD, demo_setup

    setup = demo_setup(files_dir=data_path / "files")
    url = f"http://{host}:{port}/"
    for company in setup.companies:
        state = "created" if company.created else "reused"
        print(f"{company.company.name}: {company.batch.rows_imported} sales lines ({state})")
    print(f"Open {url} and log in (password for everyone: {DEMO_PASSWORD}):")
    for user in setup.users:
        print(f"  {user.username:<8} {user.role.label}")
    print(f"API (docs at {url}api/docs), as the owner of {setup.companies[0].company.name}:")
    print(f'  curl -H "Authorization: Bearer {setup.api_token}" {url}api/me')
    if open_browser:
        # A moment later, so the server is listening when the browser asks.
        timer = threading.Timer(1.0, _open_browser, args=[url])
        timer.daemon = True
        timer.start()
    _serve_prepared(host=host, port=port, threads=8)


def _open_browser(url: str) -> None:
    import webbrowser

    # No browser here (a server, a container): the URL is printed anyway.
    with contextlib.suppress(Exception):
        webbrowser.open(url)

"""What `keyclients manage ...` and `keyclients serve` run. Django is imported only here, so
the file commands of the CLI start without it."""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_MODULE = "keyclients.web.settings"


def _configure(data_dir: Path | str | None) -> None:
    if data_dir is not None:
        os.environ["KEYCLIENTS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)


def manage(argv: list[str]) -> None:
    """Django's management commands: `manage(["migrate"])`, `manage(["createsuperuser"])`."""
    _configure(None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["keyclients manage", *argv])


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: Path | str | None = None,
    threads: int = 8,
) -> None:
    """Migrate the database, collect static files, then serve with waitress until stopped."""
    _configure(data_dir)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)

    import waitress

    from keyclients.web.wsgi import application

    print(f"keyclients: http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    waitress.serve(application, host=host, port=port, threads=threads)

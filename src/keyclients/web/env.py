"""Typed readers for the environment variables that configure the web app.

Each helper fails loudly (ImproperlyConfigured) on a value it cannot read, because a typo in
DEBUG or DATABASE_URL that silently falls back to a default is worse than a crash at start.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "keyclients.sqlite3"
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
# WAL lets readers go on while an import writes; the busy timeout makes a second writer wait
# instead of failing with "database is locked". An import writes in one transaction (all or
# nothing): a million lines hold the write lock for 20-50 s (docs/performance.md), so a login
# or an upload meanwhile waits up to 60 s rather than failing after 5 (docs/reliability.md).
SQLITE_BUSY_TIMEOUT_MS = 60_000
SQLITE_INIT_COMMAND = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"
)


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def envchoice(name: str, default: str, choices: Collection[str]) -> str:
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(sorted(choices))}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder for the SQLite database, the secret key and collected static files."""
    path = Path(envstr("KEYCLIENTS_DATA_DIR", "./data")).expanduser().resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def secret_key(directory: Path) -> str:
    """SECRET_KEY from the environment, else from `<data dir>/secret_key`, created on first run.

    The file is created with 0600 so other local users cannot forge sessions; it lives in the
    data folder, never in the repository.
    """
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = directory / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if not key:
            raise ImproperlyConfigured(
                f"{path} is empty; delete it to generate a new key"
            ) from None
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def sqlite_database(path: Path | str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": SQLITE_INIT_COMMAND,
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
            # instead of one failing when it upgrades a read lock.
            "transaction_mode": "IMMEDIATE",
        },
    }


def database_from_url(url: str, *, base_dir: Path) -> dict[str, Any]:
    """Django DATABASES["default"] from `postgres://user:pass@host:port/name?sslmode=...`,
    `sqlite:////absolute/path.sqlite3` or `sqlite:///relative/to/data/dir.sqlite3`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        name = unquote(parts.path)
        if not name or name == "/":
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no SQLite file")
        # sqlite:///x -> path "/x" -> relative "x"; sqlite:////x -> path "//x" -> absolute "/x"
        relative = name[1:]
        path = Path(relative) if relative.startswith("/") else base_dir / relative
        return sqlite_database(path)
    if scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has a bad port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported; use postgres:// or sqlite://"
    )


def tasks_backends(default: str) -> dict[str, dict[str, Any]]:
    """Django's TASKS: `default` is the named backend, and "immediate" is always there too."""
    return {
        "default": {"BACKEND": TASK_BACKENDS[default]},
        "immediate": {"BACKEND": TASK_BACKENDS["immediate"]},
    }

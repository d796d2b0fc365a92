from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.utils import ConnectionHandler

from keyclients.web import env


def test_envbool_reads_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("KC_FLAG", raw)
        assert env.envbool("KC_FLAG", not expected) is expected
    monkeypatch.delenv("KC_FLAG")
    assert env.envbool("KC_FLAG", True) is True


def test_envbool_fails_loudly_on_a_typo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='ture' is not a boolean"):
        env.envbool("DEBUG", False)


def test_envint_fails_loudly_on_a_non_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KC_PORT", "80a")
    with pytest.raises(ImproperlyConfigured, match="KC_PORT='80a' is not an integer"):
        env.envint("KC_PORT", 8000)
    monkeypatch.setenv("KC_PORT", " 8080 ")
    assert env.envint("KC_PORT", 8000) == 8080


def test_envlist_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example , b.example,, ")
    assert env.envlist("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_the_secret_key_is_generated_once_with_mode_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = env.secret_key(tmp_path)
    path = tmp_path / env.SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50
    assert env.secret_key(tmp_path) == key  # read back, not regenerated


def test_the_secret_key_from_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert env.secret_key(tmp_path) == "from-env"
    assert not (tmp_path / env.SECRET_KEY_FILE).exists()


def test_an_empty_secret_key_file_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / env.SECRET_KEY_FILE).write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        env.secret_key(tmp_path)


def test_it_parses_a_postgres_url(tmp_path: Path) -> None:
    config = env.database_from_url(
        "postgres://kc:p%40ss@127.0.0.1:54329/keyclients?sslmode=disable", base_dir=tmp_path
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("keyclients", "kc", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("127.0.0.1", "54329")
    assert config["OPTIONS"] == {"sslmode": "disable"}


def test_it_parses_sqlite_urls(tmp_path: Path) -> None:
    relative = env.database_from_url("sqlite:///db.sqlite3", base_dir=tmp_path)
    assert relative["NAME"] == str(tmp_path / "db.sqlite3")
    absolute = env.database_from_url("sqlite:////srv/kc/db.sqlite3", base_dir=tmp_path)
    assert absolute["NAME"] == "/srv/kc/db.sqlite3"


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgres://u@h/", "postgres://u@h:port/db", "sqlite://"]
)
def test_it_fails_loudly_on_a_bad_database_url(url: str, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured):
        env.database_from_url(url, base_dir=tmp_path)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    config = env.sqlite_database(tmp_path / "wal.sqlite3")
    # The settings' own SQLite configuration on a real file (the test database is in memory).
    connection = ConnectionHandler({"default": config})["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == env.SQLITE_BUSY_TIMEOUT_MS == 60_000
    finally:
        connection.close()


def test_the_stylesheet_is_found_without_collectstatic() -> None:
    assert finders.find("keyclients/app.css")


def test_the_tests_run_on_the_database_that_database_url_names() -> None:
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected

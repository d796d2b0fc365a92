"""Shared fixtures, and Django set up before any test module imports a model.

The data folder is a fresh temporary one, so a test run never writes a secret key or a
database into the working tree. DATABASE_URL, when set, picks PostgreSQL (`make test-postgres`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLES = SHARED / "data" / "samples"
REAL = SHARED / "data" / "real"


def pytest_configure(config: pytest.Config) -> None:
    data_dir = tempfile.mkdtemp(prefix="keyclients-test-")
    config.add_cleanup(lambda: shutil.rmtree(data_dir, ignore_errors=True))
    os.environ["KEYCLIENTS_DATA_DIR"] = data_dir
    # Background tasks run inline in tests; one test runs a real worker on the database backend.
    os.environ["TASKS_BACKEND"] = "immediate"
    # Each test computes the pages it asks for (query counts are pinned): no warm-up after
    # an import, and a cache of this process only.
    os.environ["KEYCLIENTS_WARM_CACHE"] = "0"
    os.environ["KEYCLIENTS_CACHE"] = "memory"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keyclients.web.settings")
    import django

    django.setup()


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"../shared/data/samples is missing (looked in {SAMPLES})")
    return SAMPLES


@pytest.fixture
def real() -> Path:
    if not REAL.is_dir():
        pytest.fail(f"../shared/data/real is missing (looked in {REAL})")
    return REAL


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: no figures, no login-throttle counters of an
    earlier test (five failed logins anywhere in the suite would lock a user out)."""
    from django.core.cache import cache

    cache.clear()

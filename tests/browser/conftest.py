"""Browser tests: Debian's chromium driven by Playwright against Django's live server.

`make test` installs chromium when it is missing (root + apt). Playwright's sync API runs an
event loop in this thread, so Django's "async unsafe" guard is relaxed for these tests only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_TEMP_SHOTS = Path(tempfile.gettempdir()) / "keyclients-screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs it with apt when run as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def login(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action*=login] button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a screenshot: into docs/screenshots with `make screenshots`, else a temp folder
    (so an ordinary test run leaves the working tree clean)."""
    folder = SCREENSHOTS if os.environ.get("KEYCLIENTS_SCREENSHOTS") else _TEMP_SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    return path

"""Fixtures for the cross-cutting tests: the demo data and a real chromium."""

import os
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("GONGZHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def demo(db):
    """The demo street of ``gongzhi demo``; returns every demo account, oldest first."""
    from gongzhi.accounts.models import User

    call_command("demo", stdout=StringIO())
    return list(User.objects.order_by("id"))


@pytest.fixture(scope="session")
def _playwright_browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("GONGZHI_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (GONGZHI_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(_playwright_browser, monkeypatch):
    """A headless chromium (Debian's, never a downloaded one).

    Playwright's sync API runs an event loop in this thread, which Django would take
    for an async context; the test's own ORM calls are plain synchronous code.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return _playwright_browser

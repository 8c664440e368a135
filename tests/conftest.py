"""Fixtures for the cross-cutting tests: a real chromium (the demo data: the root conftest)."""

import os
import shutil

import pytest

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
def browser(live_server, flushable_audit_log, monkeypatch):
    """A headless chromium (Debian's, never a downloaded one) for one test.

    Started per test, after the live server and its database: Playwright's sync API
    keeps an event loop running in this thread, which Django takes for an async context
    and would refuse ORM calls in every later test. While it runs, the test's own
    (synchronous) ORM calls are allowed explicitly.
    """
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("GONGZHI_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (GONGZHI_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def walk(browser, live_server):
    """Open pages that record console errors and refused answers besides every request
    (``tests.test_browser_platform.Walk``); closed after the test."""
    from tests.test_browser_platform import Walk

    walks = []

    def _open(**options):
        walks.append(Walk(browser, live_server, **options))
        return walks[-1]

    yield _open
    for w in walks:
        w.close()

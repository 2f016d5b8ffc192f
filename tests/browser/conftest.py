"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The live server runs the app in a thread of this process (static files included, htmx from
node_modules via STATICFILES_DIRS), on the test database, talking to the sandbox over HTTP.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (`make system-packages` installs it)
# The machine has no network beyond loopback: these stop Chromium's own background connections
# (updates, sync, safe browsing, field trials) so nothing waits on them.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for all browser tests.

    Package scope rather than session scope on purpose: while Playwright's sync API is alive it
    keeps an asyncio loop marked as running in the main thread, so it must not outlive these
    tests (the rest of the suite then runs with Django's async-safety check intact).
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make system-packages)")
    # Playwright's sync API runs an event loop in the main thread. Django then takes every ORM
    # call made from a test (creating data, checking the database) for a call from async code and
    # raises SynchronousOnlyOperation. These tests are plain synchronous code that merely shares
    # the thread with that loop, so the check is switched off while the browser is up (and
    # restored afterwards). The live server's own threads are unaffected either way.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def app_server(browser, transactional_db, live_server, sandbox):
    """The live app (its database committed, so the server thread sees it) on a reset sandbox,
    with no availability cached by an earlier test. Yields the base URL."""
    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def page_problems() -> list[str]:
    """Script errors and failed responses seen by `phone_page`; a test asserts it stays empty."""
    return []


@pytest.fixture
def phone_page(browser, page_problems):
    """A fresh phone-sized browser context whose detected zone (Chicago) differs from the
    clinic's, recording script errors and 4xx/5xx responses into `page_problems`."""
    context = browser.new_context(
        viewport=PHONE,
        screen=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        timezone_id="America/Chicago",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()

    def on_response(response):
        if response.status >= 400:
            page_problems.append(f"{response.status} {response.request.method} {response.url}")

    page.on("pageerror", lambda error: page_problems.append(f"script error: {error}"))
    page.on("response", on_response)
    yield page
    context.close()

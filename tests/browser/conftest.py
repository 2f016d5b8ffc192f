"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The live server runs the app in a thread of this process, on the test database, talking to the
sandbox over HTTP. Its static files come as production serves them: WhiteNoise, from the
hashed and compressed files `tests.services` collected for this run.
"""

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test.testcases import LiveServerThread
from playwright.sync_api import Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pytest_django.live_server_helper import LiveServer

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


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server without Django's finder-based static handler (it can't serve
    hashed names), so static requests reach WhiteNoise in the middleware as in production."""
    server = LiveServer("localhost", start=False)
    server.thread = LiveServerThread(
        "localhost", static_handler=lambda app: app, connections_override={}
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


# --- helpers shared by the browser test modules ----------------------------------------------

FULL_DATE = re.compile(
    r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    r"(January|February|March|April|May|June|July|August|September|October|November|December) "
    r"\d{1,2}, \d{4}$"
)
CLOCK = re.compile(r"^\d{1,2}:\d{2} (AM|PM)$")
MAX_TABS = 60


def spoken_date(day: date) -> str:
    """ "Monday, December 7, 2026" (computed here, independently of scheduling.timefmt)."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def spoken_time(instant: datetime) -> str:
    """ "9:30 AM"."""
    return f"{instant.hour % 12 or 12}:{instant:%M} {'AM' if instant.hour < 12 else 'PM'}"


def focused_element(page: Page) -> str:
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el ? el.outerHTML.slice(0, 160) : 'nothing'; }"
    )


def tab_to(page: Page, target: Locator, *, limit: int = MAX_TABS) -> int:
    """Press Tab until `target` has the focus (at most `limit` times); returns the presses.

    Also checks that the focus is visible there (:focus-visible), as a keyboard user needs."""
    expect(target).to_be_visible()
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert target.evaluate("el => el.matches(':focus-visible')"), "focus not visible"
            return presses
    pytest.fail(
        f"{target} never got the focus in {limit} Tab presses; "
        f"the focus is on {focused_element(page)}"
    )


def arrow_to(page: Page, day: Locator, *, limit: int = 42) -> int:
    """Tab into the month (one Tab stop: the ARIA grid pattern's roving tabindex), then
    ArrowRight until `day` has the focus; returns the arrow presses. `day` must be on or after
    the month's Tab stop (the chosen day, else the first open one), in the month shown."""
    tab_to(page, page.locator("table.month button.day[tabindex='0']"))
    for presses in range(limit + 1):
        if day.evaluate("el => el === document.activeElement"):
            return presses
        page.keyboard.press("ArrowRight")
    pytest.fail(f"{day} never got the focus in {limit} arrow presses")


def open_day_from(page: Page, earliest: date, *, months: int = 3) -> Locator:
    """The month table's first open day on or after `earliest`; moves on a month at a time
    with the keyboard ("Next month") when the month shown has none."""
    for _ in range(months):
        table = page.get_by_role("table")
        caption = table.locator("caption").inner_text()  # names the month
        days = table.get_by_role("button", name=FULL_DATE, disabled=False)
        for index in range(days.count()):
            day = days.nth(index)
            label = day.get_attribute("aria-label")
            if datetime.strptime(label, "%A, %B %d, %Y").date() >= earliest:
                return day
        tab_to(page, page.get_by_role("link", name=re.compile(r"^Next month")))
        page.keyboard.press("Enter")
        expect(page.get_by_role("table").locator("caption")).not_to_have_text(caption)
    pytest.fail(f"no open day from {earliest} in {months} months")


def arrive(page: Page, path: str, heading: str, problems: list[str]) -> None:
    """Wait for the page load a key press or click started (URL matching `path`), then check
    its h1."""
    try:
        page.wait_for_url(re.compile(path))
    except PlaywrightTimeout:
        pytest.fail(f"expected {path}, still on {page.url}; problems seen: {problems}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


class Screenshots:
    """Numbered full-page screenshots of each step; each step also must fit the phone's width."""

    def __init__(self, page: Page, directory: Path):
        self.page, self.directory, self.count = page, directory, 0

    def take(self, step: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.directory / f"{self.count:02d}-{step}.png", full_page=True)
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{step}: the page scrolls sideways by {overflow}px on a phone"


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
    # The page's clock starts where the server's pinned clock is now, and runs on from there.
    context.clock.install(time=datetime.now(UTC))
    page = context.new_page()

    def on_response(response):
        if response.status >= 400:
            page_problems.append(f"{response.status} {response.request.method} {response.url}")

    page.on("pageerror", lambda error: page_problems.append(f"script error: {error}"))
    page.on("response", on_response)
    yield page
    context.close()

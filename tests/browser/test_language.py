"""The language in a real browser: a Spanish browser gets Spanish pages, and the English /
Español switch changes the language without losing the patient's place, on a step htmx moved
to (the address pushed since the page loaded) and on the review page a form post made."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import CLOCK, PHONE, open_day_from

CALENDAR = "/book/riverside/calendar/?type=302&contact=Healthie+Video+Call&provider=101"


@pytest.fixture
def browser_in(browser, page_problems):
    """A phone-sized page in a browser whose language is `locale` (its Accept-Language)."""
    contexts = []

    def open_page(locale: str):
        context = browser.new_context(viewport=PHONE, locale=locale, timezone_id="America/Chicago")
        context.set_default_timeout(10_000)
        context.clock.install(time=timezone.now())
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_problems.append(f"script error: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_switching_language_keeps_the_day_htmx_moved_to(app_server, browser_in, page_problems):
    call_command("seed_demo", verbosity=0)
    page = browser_in("es-MX")
    page.goto(f"{app_server}{CALENDAR}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Elija fecha y hora")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Español")).to_have_attribute("aria-current", "true")

    # A day swaps the times in with htmx and pushes the step's address.
    page.get_by_role("table").get_by_role("button", disabled=False).first.click()
    page.wait_for_url(re.compile(r"/times/\?.*day="))
    day = query(page.url)["day"]
    expect(page.locator("#times-heading")).to_contain_text("Horarios del ")

    # English, on the same day's times (the link drawn before the swap pointed at the calendar).
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/times/\?.*lang=en"))
    assert query(page.url)["day"] == day
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a date and time")
    expect(page.locator("#times-heading")).to_contain_text("Times on ")

    # And back: the chosen language, not the browser's, until the patient switches again.
    page.get_by_role("link", name="Español").click()
    page.wait_for_url(re.compile(r"/times/\?.*lang=es"))
    assert query(page.url)["day"] == day
    expect(page.locator("#times-heading")).to_contain_text("Horarios del ")
    assert page_problems == []


def test_switching_on_the_review_page_keeps_the_details_then_books_in_spanish(
    app_server, browser_in, page_problems
):
    call_command("seed_demo", verbosity=0)
    page = browser_in("en-US")
    page.goto(f"{app_server}{CALENDAR}&tz=America%2FChicago")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    earliest = (timezone.now() + timedelta(days=4)).date()
    open_day_from(page, earliest).click()
    page.wait_for_url(re.compile(r"/times/"))
    page.get_by_role("button", name=CLOCK).first.click()
    page.wait_for_url(re.compile(r"/details/"))
    for label, value in (
        ("First name", "Ada"),
        ("Last name", "Lovelace"),
        ("Email", "ada.lovelace@example.com"),
        ("Phone", "555-123-4567"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")

    # The review page answered a post: its switch posts the same details again, in Spanish.
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revise y confirme")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Lovelace", exact=True)).to_be_visible()

    page.get_by_role("button", name="Confirmar reserva").click()
    page.wait_for_url(re.compile(r"/booked/.*lang=es"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Su cita está reservada")
    expect(page.locator(".lead")).to_contain_text(re.compile(r"\d{1,2}:\d{2} (a|p)\. m\."))
    assert page_problems == []

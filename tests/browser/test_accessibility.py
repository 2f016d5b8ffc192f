"""axe-core (from the npm registry, node_modules/axe-core) scans every state of every patient
page in Chromium, at a laptop's and a phone's width, in English and Spanish: 0 violations of
WCAG 2.2 A/AA and axe's best practices.

axe is added to each page as an init script (Playwright's, through the DevTools protocol), which
the pages' strict Content-Security-Policy (script-src 'self') does not apply to, so the pages
are scanned exactly as patients get them, CSP included. Each state's violations are collected
and the test fails at the end listing all of them (rule, impact, help, where).
"""

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from scheduling.models import Booking, Provision
from tests.browser.conftest import PHONE
from tests.scheduling.conftest import DAYS_AHEAD, days_ahead

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return {
    passes: result.passes.length,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.html.slice(0, 140)),
    })),
  };
}"""
PATIENT = {
    "id_first_name": "Ada",
    "id_last_name": "Lovelace",
    "id_email": "ada.lovelace@example.com",
    "id_phone": "555-123-4567",
}


class Scan:
    """Scans the page's current state and keeps what axe found, named by state."""

    def __init__(self, page: Page, label: str):
        self.page, self.label, self.found, self.states = page, label, [], []

    def __call__(self, state: str) -> None:
        self.page.wait_for_load_state()
        self.states.append(state)
        result = self.page.evaluate(RUN_AXE, RULES)
        assert result["passes"] > 10, f"{state}: axe checked next to nothing"
        for v in result["violations"]:
            where = "\n      ".join(v["nodes"])
            self.found.append(
                f"{self.label} {state}: {v['id']} ({v['impact']}) {v['help']}\n      {where}"
            )


@pytest.fixture
def open_page(browser):
    contexts = []

    def make(viewport: dict, language: str) -> Page:
        phone = viewport == PHONE
        context = browser.new_context(
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            locale="es-US" if language == "es" else "en-US",
            timezone_id="America/Chicago",
        )
        context.set_default_timeout(10_000)
        context.clock.install(time=datetime.now(UTC))
        context.add_init_script(path=str(AXE))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def pick_day(page: Page, earliest: str, *, not_day: str = "") -> str:
    """Click the first open day on or after `earliest` (YYYY-MM-DD), moving on a month when the
    month shown has none; returns its date."""
    for _ in range(3):
        days = page.locator("button.day.open")
        expect(page.locator("table.month")).to_be_visible()
        values = days.evaluate_all("els => els.map(el => el.value)")
        for index, value in enumerate(values):
            if value >= earliest and value != not_day:
                days.nth(index).click()
                return value
        heading = page.locator("#month-heading").inner_text()
        page.locator(".month-nav a").last.click()
        expect(page.locator("#month-heading")).not_to_have_text(heading)
    pytest.fail(f"no open day from {earliest}")


def with_lang(url: str, language: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


def book_and_scan(page: Page, base: str, language: str, scan: Scan) -> Booking:
    """Every booking step, scanned: type, contact, provider, calendar, times, details (empty,
    then with its errors), review, and the confirmation with its links pending."""
    page.goto(with_lang(f"{base}/book/riverside/", language))
    scan("choose a type")
    page.locator('a.choice[href*="type=301"]').click()
    page.wait_for_url(re.compile(r"/contact/"))
    scan("choose how")
    page.locator('a.choice[href*="contact=Healthie"]').click()
    page.wait_for_url(re.compile(r"/provider/"))
    scan("choose a provider")
    page.locator('a.choice[href*="provider=101"]').click()
    page.wait_for_url(re.compile(r"/calendar/\?.*tz="))
    expect(page.locator("table.month")).to_be_visible()
    scan("calendar")
    # Days ahead: the clinic's notice never refuses the reschedule and cancel pages below.
    pick_day(page, days_ahead(DAYS_AHEAD, "America/Chicago").isoformat())
    expect(page.locator("#times button.time").first).to_be_visible()
    scan("times")
    page.locator("#times button.time").first.click()
    page.wait_for_url(re.compile(r"/details/\?"))
    scan("details")
    continue_button = page.locator("main form button[type=submit]:not([name])")
    continue_button.click()
    expect(page.locator(".error-summary")).to_be_visible()
    scan("details with errors")
    for field, value in PATIENT.items():
        page.locator(f"#{field}").fill(value)
    continue_button.click()
    confirm = page.locator("button[data-submit-once]")
    expect(confirm).to_be_visible()
    scan("review")
    confirm.click()
    page.wait_for_url(re.compile(r"/booked/[^/?]+/"))
    expect(page.locator("#visit-access")).to_be_visible()
    scan("confirmation, links pending")
    reference = re.search(r"/booked/([^/?]+)/", page.url).group(1)
    return Booking.objects.get(reference=reference)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_patient_page_state_has_no_accessibility_violations(
    app_server, sandbox, open_page, viewport, language
):
    call_command("seed_demo", verbosity=0)
    page = open_page(viewport, language)
    scan = Scan(page, f"[{language}, {viewport['width']}px]")

    booking = book_and_scan(page, app_server, language, scan)

    # The links arrive (no worker runs here: the parts are marked ready as a worker would).
    Provision.objects.filter(booking=booking).update(
        status=Provision.Status.READY, patient_url="https://video.example/room"
    )
    expect(page.locator("#visit-access a.button").first).to_be_visible(timeout=10_000)
    scan("confirmation, links ready")

    manage = f"{app_server}/manage/{booking.manage_token}/"
    page.goto(with_lang(manage, language))
    scan("manage")
    page.goto(with_lang(f"{manage}reschedule/?tz=America/Chicago", language))
    expect(page.locator("table.month")).to_be_visible()
    scan("reschedule calendar")
    # Another day than the booking's own, so there are times to move to.
    booked_day = booking.start.astimezone(ZoneInfo("America/Chicago")).date().isoformat()
    pick_day(page, booked_day, not_day=booked_day)
    expect(page.locator("#times button.time").first).to_be_visible()
    scan("reschedule times")
    page.locator("#times button.time").first.click()
    page.wait_for_url(re.compile(r"/reschedule/review/"))
    scan("reschedule review")
    page.goto(with_lang(f"{manage}cancel/", language))
    scan("cancel")

    page.goto(with_lang(f"{app_server}/manage/{'x' * 43}/", language))
    scan("404 page")
    # A step's form whose token cannot be read: the problem page (posted from the site itself).
    page.evaluate(
        """(action) => {
          const form = document.createElement("form");
          form.method = "post"; form.action = action;
          const token = document.createElement("input");
          token.name = "form_token"; token.value = "not-a-token";
          form.append(token); document.body.append(form); form.submit();
        }""",
        with_lang(f"{app_server}/book/riverside/hold/", language),
    )
    page.wait_for_url(re.compile(r"/hold/"))
    expect(page.locator(".problem, .error-summary").first).to_be_visible()
    scan("problem page")

    assert len(scan.states) == 17
    assert scan.found == [], "axe found:\n" + "\n".join(scan.found)

"""The booking widget on a clinic's own site, in Chromium (issue 11).

The host is the demo's sample clinic site (integrations/sandbox/clinic_site.py), served by a
sandbox server started here on http://127.0.0.1:<port>: another site than the app's live server
(http://localhost:<port>), so the frame is a third-party frame. Playwright's contexts are
off-the-record profiles, in which Chromium blocks third-party cookies: each test checks it with a
probe cookie inside the frame. The app needs no cookie anyway (common.origin).

The host page records two things: every raw message the frame sent it (an init script, before
the loader filters anything) and every `clinic-booking:*` DOM event the loader dispatched.
"""

import re
import threading
import time
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import Frame, Locator, Page, expect

from integrations.sandbox.server import make_server
from scheduling.models import Booking, BookingPage
from tests.browser.conftest import CLOCK, FULL_DATE, spoken_date, spoken_time
from tests.scheduling.conftest import DAYS_AHEAD, days_ahead

PATIENT = {
    "First name": "Grace",
    "Last name": "Hopper",
    "Email": "grace.hopper@example.com",
    "Phone": "555-987-6543",
}
PROTOCOL_KEYS = {"source", "type", "height", "step"}
DESKTOP = {"width": 1280, "height": 800}
CLINIC_ZONE = "America/New_York"

# In the host page, before its own scripts: what reaches it, as the page itself sees it.
RECORD = """
window.rawMessages = [];
window.hostEvents = [];
window.policyViolations = [];
window.addEventListener("message", (event) => {
  if (event.data && event.data.source === "clinic-booking") {
    window.rawMessages.push({ origin: event.origin, data: event.data });
  }
});
for (const type of ["resize", "step", "booked", "rescheduled", "cancelled"]) {
  document.addEventListener("clinic-booking:" + type, (event) => {
    window.hostEvents.push({ name: event.type, detail: event.detail,
                             target: event.target.tagName });
  });
}
document.addEventListener("securitypolicyviolation", (event) => {
  window.policyViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
COOKIE_PROBE = (
    "() => { document.cookie = 'probe=1; SameSite=None; Secure; path=/'; return document.cookie; }"
)


class ClinicSite:
    """A sandbox server (which serves /clinic-site/) in a thread of this process."""

    def __init__(self):
        self.server = make_server("127.0.0.1", 0)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def clinic_sites(app_server, settings):
    """Two clinic sites: the first allowed on the riverside page, the second on no page."""
    settings.SITE_URL = app_server  # the sample site's embed code points at the live server
    call_command("seed_demo", verbosity=0)
    allowed, other = ClinicSite(), ClinicSite()
    BookingPage.objects.filter(slug="riverside").update(embed_origins=[allowed.origin])
    yield allowed, other
    allowed.close()
    other.close()


@pytest.fixture
def host_page(browser):
    """A desktop-sized page recording what the widget tells the host (see RECORD)."""
    context = browser.new_context(
        viewport=DESKTOP, locale="en-US", timezone_id="America/Chicago", device_scale_factor=1
    )
    context.set_default_timeout(10_000)
    context.clock.install(time=datetime.now(UTC))  # the server's pinned clock, running on
    page = context.new_page()
    page.add_init_script(RECORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def widget(page: Page) -> tuple[Locator, Frame]:
    iframe = page.locator("main iframe").first
    expect(iframe).to_have_attribute("title", "Book an appointment")
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    return iframe, frame


def fits(page: Page, iframe: Locator, frame: Frame, step: str) -> int:
    """Waits until the iframe is exactly as tall as the frame's content and the frame does not
    scroll inside; returns that height."""
    deadline = time.monotonic() + 10
    while True:
        outer = iframe.evaluate("el => el.getBoundingClientRect().height")
        inner = frame.evaluate(
            "() => { const root = document.documentElement; return {"
            " scroll: root.scrollHeight, client: root.clientHeight,"
            " content: Math.ceil(root.getBoundingClientRect().height) }; }"
        )
        if inner["scroll"] <= inner["client"] and abs(outer - inner["content"]) <= 1:
            return round(outer)
        if time.monotonic() > deadline:
            pytest.fail(f"{step}: iframe {outer}px, frame {inner}")
        page.wait_for_timeout(100)


def arrive(frame: Frame, path: str, heading: str) -> None:
    frame.wait_for_url(re.compile(path))
    expect(frame.get_by_role("heading", level=1)).to_have_text(heading)


def events(page: Page, name: str | None = None) -> list[dict]:
    found = page.evaluate("window.hostEvents")
    return [e for e in found if name is None or e["name"] == name]


def open_day_from(frame: Frame, earliest: date) -> Locator:
    """The frame's first open day on or after `earliest`, moving on a month at a time."""
    for _ in range(3):
        days = frame.get_by_role("table").get_by_role("button", name=FULL_DATE, disabled=False)
        for index in range(days.count()):
            label = days.nth(index).get_attribute("aria-label")
            if datetime.strptime(label, "%A, %B %d, %Y").date() >= earliest:
                return days.nth(index)
        caption = frame.get_by_role("table").locator("caption").inner_text()
        frame.get_by_role("link", name=re.compile(r"^Next month")).click()
        expect(frame.get_by_role("table").locator("caption")).not_to_have_text(caption)
    pytest.fail(f"no open day from {earliest}")


def pick_a_time(page: Page, iframe: Locator, frame: Frame, path: str, heights: dict) -> None:
    """A day past every notice window (so the moves and the cancel that follow are allowed),
    then its first time; the frame fits its content once the times are shown."""
    day = open_day_from(frame, days_ahead(DAYS_AHEAD, CLINIC_ZONE))
    day_name = day.get_attribute("aria-label")
    day.click()
    times = frame.get_by_role("region", name=f"Times on {day_name}")
    expect(times).to_be_visible()
    frame.wait_for_url(re.compile(path))  # htmx pushed the step's URL
    heights[path] = fits(page, iframe, frame, path)
    times.get_by_role("button", name=CLOCK).first.click()


def book_in_widget(page: Page, iframe: Locator, frame: Frame) -> dict:
    """Type, provider, a day and time, details, confirm, inside the widget, checking at each
    step that the iframe is as tall as its content; returns the heights by step."""
    heights = {}
    arrive(frame, r"/book/riverside/\?", "What would you like to book?")
    heights["type"] = fits(page, iframe, frame, "type")
    frame.get_by_role("link", name=re.compile(r"^Video Follow-up")).click()
    arrive(frame, r"/book/riverside/provider/\?", "Who would you like to see?")
    heights["provider"] = fits(page, iframe, frame, "provider")
    frame.get_by_role("link", name=re.compile(r"Maya Chen")).click()
    arrive(frame, r"/book/riverside/calendar/\?", "Choose a date and time")
    heights["calendar"] = fits(page, iframe, frame, "calendar")
    pick_a_time(page, iframe, frame, r"/book/riverside/times/\?", heights)
    heights["times"] = heights.pop(r"/book/riverside/times/\?")
    arrive(frame, r"/book/riverside/details/\?", "Your details")
    heights["details"] = fits(page, iframe, frame, "details")
    for label, value in PATIENT.items():
        frame.get_by_label(label, exact=True).fill(value)
    frame.get_by_role("button", name="Continue").click()
    arrive(frame, r"/book/riverside/details/(\?lang=[a-z]+)?$", "Check and confirm")
    heights["review"] = fits(page, iframe, frame, "review")
    frame.get_by_role("button", name="Confirm booking").click()
    arrive(frame, r"/book/riverside/booked/[^/?]+/(\?lang=[a-z]+)?$", "You're booked")
    heights["confirmation"] = fits(page, iframe, frame, "confirmation")
    return heights


def test_a_patient_books_inside_the_clinic_site_widget(clinic_sites, host_page, app_server):
    allowed, _ = clinic_sites
    page = host_page
    page.goto(f"{allowed.origin}/clinic-site/")
    iframe, frame = widget(page)
    assert iframe.get_attribute("src").startswith(f"{app_server}/book/riverside/?")
    assert frame.evaluate(COOKIE_PROBE) == ""  # third-party cookies are blocked here

    heights = book_in_widget(page, iframe, frame)

    # The iframe followed its content: the times step is far taller than the first step.
    assert heights["times"] > heights["type"] + 200, heights
    expect(page.locator("#events li").filter(has_text="booked")).to_have_count(1)

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.first_name == "Grace"

    # The booked event: on the widget's container, with nothing but its type.
    booked = events(page, "clinic-booking:booked")
    assert booked == [
        {"name": "clinic-booking:booked", "detail": {"type": "booked"}, "target": "DIV"}
    ]
    steps = [e["detail"]["step"] for e in events(page, "clinic-booking:step")]
    assert steps == ["type", "provider", "calendar", "times", "details", "review", "confirmation"]
    last_resize = events(page, "clinic-booking:resize")[-1]["detail"]
    assert last_resize == {"type": "resize", "height": heights["confirmation"]}

    # What the frame sent, before the loader filtered anything: from the app's origin only,
    # the protocol's keys only, and no patient data, time, reference or manage token.
    raw = page.evaluate("window.rawMessages")
    assert {m["origin"] for m in raw} == {app_server}
    assert [m["data"] for m in raw if m["data"]["type"] == "booked"] == [
        {"source": "clinic-booking", "type": "booked"}
    ]
    local_start = booking.start.astimezone(ZoneInfo("America/Chicago"))
    secrets = [*PATIENT.values(), "5559876543", booking.reference, booking.manage_token]
    secrets += [spoken_time(local_start), spoken_date(local_start.date())]
    secrets += [local_start.date().isoformat(), booking.start.isoformat()[:16]]
    for message in raw:
        assert set(message["data"]) <= PROTOCOL_KEYS, message
        text = repr(message["data"])
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, (leaked, message)
    assert page.evaluate("window.policyViolations") == []  # the host's strict CSP
    assert page.errors == []


def test_a_site_the_page_does_not_allow_gets_no_frame_and_no_events(
    clinic_sites, host_page, app_server
):
    _, other = clinic_sites
    page = host_page
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{other.origin}/clinic-site/")
    iframe = page.locator("main iframe").first
    expect(iframe).to_be_attached()  # the loader made it; the browser refuses to fill it
    page.wait_for_timeout(2500)
    frame = iframe.element_handle().content_frame()
    assert not frame.url.startswith(app_server), frame.url
    assert any("frame-ancestors" in text for text in refused), refused
    assert page.evaluate("window.rawMessages") == []
    assert page.evaluate("window.hostEvents") == []
    expect(page.locator("#events li")).to_have_count(0)


def test_the_popup_is_a_dialog_that_escape_closes_and_gives_the_focus_back(
    clinic_sites, host_page, app_server
):
    allowed, _ = clinic_sites
    page = host_page
    page.goto(f"{allowed.origin}/clinic-site/")
    opener = page.get_by_role("button", name="Book in a popup")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Book an appointment")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    iframe = dialog.locator("iframe")
    frame = iframe.element_handle().content_frame()
    arrive(frame, r"/book/riverside/\?", "What would you like to book?")
    fits(page, iframe, frame, "popup")
    assert frame.evaluate(COOKIE_PROBE) == ""
    # Its events come from the button that opened it.
    page.wait_for_function(
        "window.hostEvents.some(e => e.name === 'clinic-booking:step' && e.target === 'BUTTON')"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    # Opened again, it starts afresh; the Close button closes it too.
    opener.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert page.errors == []


PREFILLED_HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Prefill</title></head>
<body><main>
<div data-booking-page="riverside" data-name="Grace Brewster Hopper"
  data-email="grace.hopper@example.com" data-phone="555-987-6543" data-appointment-type="302"
  data-colour="#8a2be2"></div>
<script src="{app}/embed.js" async></script>
</main></body></html>"""


class OnePageSite:
    """Another clinic site, on 127.0.0.1 too (a page Playwright answered itself would count as a
    public site, which Chromium forbids to load anything from a loopback address)."""

    def __init__(self, html: str):
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):  # noqa: A002 - stdlib signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_prefill_and_colour_travel_into_the_frame(clinic_sites, host_page, app_server):
    site = OnePageSite(PREFILLED_HOST.replace("{app}", app_server))
    BookingPage.objects.filter(slug="riverside").update(embed_origins=[site.origin])
    page = host_page
    try:
        page.goto(f"{site.origin}/")
        iframe, frame = widget_in(page)
        src = iframe.get_attribute("src")
        for part in (
            "first_name=Grace",
            "last_name=Brewster+Hopper",
            "email=grace.hopper%40example.com",
            "phone=555-987-6543",
            "type=302",
            "tz=America%2FChicago",
        ):
            assert part in src, (part, src)
        # The appointment type was chosen: the frame starts at the provider step, in the colour.
        arrive(frame, r"/book/riverside/provider/\?", "Who would you like to see?")
        frame.wait_for_function(
            "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
            " === '#8a2be2'"
        )
        fits(page, iframe, frame, "provider")
        frame.get_by_role("link", name=re.compile(r"Maya Chen")).click()
        arrive(frame, r"/book/riverside/calendar/\?", "Choose a date and time")
        pick_a_time(page, iframe, frame, r"/book/riverside/times/\?", {})
        arrive(frame, r"/book/riverside/details/\?", "Your details")
        filled = {**PATIENT, "Last name": "Brewster Hopper"}  # data-name, split
        for label, value in filled.items():
            expect(frame.get_by_label(label, exact=True)).to_have_value(value)
    finally:
        site.close()


def test_the_language_passes_through_the_widget(clinic_sites, host_page, app_server):
    allowed, _ = clinic_sites
    page = host_page
    page.goto(f"{allowed.origin}/clinic-site/?lang=es")
    iframe, frame = widget_in(page)
    expect(iframe).to_have_attribute("title", "Reservar una cita")
    assert "lang=es" in iframe.get_attribute("src")
    frame.wait_for_url(re.compile(r"/book/riverside/"))
    expect(frame.locator("html")).to_have_attribute("lang", "es")
    fits(page, iframe, frame, "type, in Spanish")


def widget_in(page: Page) -> tuple[Locator, Frame]:
    iframe = page.locator("main iframe").first
    expect(iframe).to_be_attached()
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    return iframe, frame


def test_moving_and_cancelling_inside_the_widget_tell_the_host(clinic_sites, host_page, app_server):
    allowed, _ = clinic_sites
    page = host_page
    page.goto(f"{allowed.origin}/clinic-site/")
    iframe, frame = widget(page)
    book_in_widget(page, iframe, frame)
    heights = {}

    frame.get_by_role("link", name="Reschedule or cancel").click()
    arrive(frame, r"/manage/[^/]+/(\?lang=[a-z]+)?$", "Your appointment")
    frame.get_by_role("link", name="Reschedule", exact=True).click()
    arrive(frame, r"/manage/[^/]+/reschedule/\?", "Choose a new date and time")
    pick_a_time(page, iframe, frame, r"/manage/[^/]+/reschedule/times/\?", heights)
    arrive(frame, r"/manage/[^/]+/reschedule/review/\?", "Confirm your new time")
    fits(page, iframe, frame, "reschedule review")
    frame.get_by_role("button", name="Confirm new time").click()
    arrive(frame, r"/booked/[^/?]+/\?changed=rescheduled", "Your new time is booked")
    fits(page, iframe, frame, "rescheduled")

    frame.get_by_role("link", name="Reschedule or cancel").click()
    arrive(frame, r"/manage/[^/]+/(\?lang=[a-z]+)?$", "Your appointment")
    frame.get_by_role("link", name="Cancel appointment").click()
    arrive(frame, r"/manage/[^/]+/cancel/", "Cancel your appointment?")
    frame.get_by_role("button", name="Cancel appointment").click()
    arrive(frame, r"/booked/[^/?]+/\?changed=cancelled", "Your appointment is cancelled")
    fits(page, iframe, frame, "cancelled")
    page.wait_for_function("window.hostEvents.some(e => e.name === 'clinic-booking:cancelled')")

    outcomes = [
        (e["name"], e["detail"])
        for e in events(page)
        if e["name"] not in ("clinic-booking:resize", "clinic-booking:step")
    ]
    assert outcomes == [
        ("clinic-booking:booked", {"type": "booked"}),
        ("clinic-booking:rescheduled", {"type": "rescheduled"}),
        ("clinic-booking:cancelled", {"type": "cancelled"}),
    ]
    steps = [e["detail"]["step"] for e in events(page, "clinic-booking:step")]
    assert steps[steps.index("confirmation") + 1 :] == [
        "manage",
        "reschedule",
        "reschedule-times",
        "reschedule-review",
        "confirmation",
        "manage",
        "cancel",
        "confirmation",
    ]
    booking = Booking.objects.get()
    raw = [m["data"] for m in page.evaluate("window.rawMessages")]
    for message in raw:
        assert set(message) <= PROTOCOL_KEYS, message
        assert booking.reference not in repr(message) and booking.manage_token not in repr(message)
    assert booking.status == Booking.Status.CANCELLED
    assert page.errors == []

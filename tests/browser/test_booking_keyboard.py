"""A patient books through the real pages in Chromium, with the keyboard alone, on a phone.

Nothing is clicked or filled programmatically: every step is Tab, Enter, Space or typing into the
focused field, and every element is found by its role and accessible name, as assistive
technology finds it. The app runs in pytest-django's live server against the sandbox over HTTP.
"""

import re
from zoneinfo import ZoneInfo

from django.core.management import call_command
from playwright.sync_api import expect

from scheduling.models import Booking
from tests.browser.conftest import (
    CLOCK,
    FULL_DATE,
    Screenshots,
    arrive,
    spoken_date,
    spoken_time,
    tab_to,
)

PATIENT_ZONE = "America/Chicago"  # the browser context's zone (see conftest.phone_page)
CLINIC_ZONE = "America/New_York"  # Dr. Maya Chen's zone in the sandbox seed
PATIENT = [
    ("First name", "Ada"),
    ("Last name", "Lovelace"),
    ("Email", "ada.lovelace@example.com"),
    ("Phone", "555-123-4567"),
]


def test_book_an_appointment_with_the_keyboard_alone(
    app_server, phone_page, page_problems, sandbox, tmp_path
):
    call_command("seed_demo", verbosity=0)
    page = phone_page
    page_loads = []
    page.on("load", lambda _: page_loads.append(page.url))
    shots = Screenshots(page, tmp_path)
    print(f"screenshots: {tmp_path}")

    # The start page loads once; booking.js passes the browser's zone on in its links.
    page.goto(f"{app_server}/book/riverside/")
    arrive(page, r"/book/riverside/$", "What would you like to book?", page_problems)
    assert len(page_loads) == 1
    shots.take("type")

    # Appointment type, contact type and provider are links: Tab to each, Enter.
    tab_to(page, page.get_by_role("link", name=re.compile(r"^Initial Consultation")))
    page.keyboard.press("Enter")
    arrive(
        page,
        r"/book/riverside/contact/\?.*tz=America%2FChicago",
        "How would you like to meet?",
        page_problems,
    )

    tab_to(page, page.get_by_role("link", name="Video call", exact=True))
    page.keyboard.press("Enter")
    arrive(page, r"/book/riverside/provider/\?", "Who would you like to see?", page_problems)
    shots.take("provider")

    tab_to(page, page.get_by_role("link", name=re.compile(r"Maya Chen")))
    page.keyboard.press("Enter")
    arrive(page, r"/book/riverside/calendar/\?", "Choose a date and time", page_problems)

    # The month: a table of real buttons named with full dates; closed days disabled.
    month = page.get_by_role("table")
    days = month.get_by_role("button", name=FULL_DATE)
    expect(days.first).to_be_visible()
    assert days.count() >= 28, "every day of the month is a button named with its full date"
    closed_day = month.get_by_role("button", name=FULL_DATE, disabled=True).first
    expect(closed_day).to_be_disabled()
    open_day = month.get_by_role("button", name=FULL_DATE, disabled=False).first
    expect(open_day).to_be_enabled()
    day_name = open_day.get_attribute("aria-label")
    assert day_name and FULL_DATE.match(day_name), day_name
    # Live regions: loading and results are announced politely, failures assertively.
    announcer = page.get_by_role("status")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(page.locator("[role=alert][aria-live=assertive]")).to_be_attached()

    # Pick the first open day: Tab to it (disabled days are skipped), Enter.
    tab_to(page, open_day)
    shots.take("calendar")
    page.keyboard.press("Enter")

    # htmx swaps in that day's times, focus moves to them and the count is announced.
    times_heading = page.get_by_role("heading", level=2, name=f"Times on {day_name}")
    expect(times_heading).to_be_focused()
    expect(page).to_have_url(re.compile(r"/book/riverside/times/\?"))
    expect(announcer).to_have_text(re.compile(rf"^\d+ times? available on {re.escape(day_name)}$"))
    expect(month.get_by_role("button", name=day_name)).to_have_attribute("aria-current", "true")
    times = page.get_by_role("region", name=f"Times on {day_name}").get_by_role(
        "button", name=CLOCK
    )
    first_time = times.first
    # The first time is the very next stop after the heading that received the focus.
    assert tab_to(page, first_time, limit=1) == 1
    time_name = first_time.inner_text()
    assert CLOCK.match(time_name), time_name
    shots.take("times")
    page.keyboard.press("Enter")

    # The time is held; the details form has visible labels and the held time in Central.
    arrive(page, r"/book/riverside/details/\?", "Your details", page_problems)
    expect(page.get_by_role("region", name="Your appointment")).to_contain_text(
        f"{day_name} at {time_name}, Central Time ({PATIENT_ZONE})"
    )
    (first_label, first_value), *others = PATIENT
    tab_to(page, page.get_by_label(first_label, exact=True))
    page.keyboard.type(first_value)
    for label, value in others:
        page.keyboard.press("Tab")
        field = page.get_by_label(label, exact=True)
        expect(field).to_be_focused()
        page.keyboard.type(value)
    for label, value in PATIENT:
        expect(page.get_by_text(label, exact=True)).to_be_visible()  # a visible label
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    tab_to(page, page.get_by_role("button", name="Continue"))
    shots.take("details")
    page.keyboard.press("Space")

    # Review, then confirm.
    arrive(page, r"/book/riverside/details/$", "Check and confirm", page_problems)
    review = page.get_by_role("region", name="Your details")
    for _, value in PATIENT:
        expect(review).to_contain_text(value)
    tab_to(page, page.get_by_role("button", name="Confirm booking"))
    shots.take("review")
    page.keyboard.press("Enter")

    # The confirmation takes the focus and states the time in the patient's zone and the clinic's.
    arrive(page, r"/book/riverside/booked/[^/?]+/$", "You're booked", page_problems)
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    shots.take("booked")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.reference == reference
    assert booking.patient_timezone == PATIENT_ZONE
    assert booking.provider_timezone == CLINIC_ZONE
    assert (booking.first_name, booking.last_name, booking.email, booking.phone) == tuple(
        value for _, value in PATIENT
    )
    central = booking.start.astimezone(ZoneInfo(PATIENT_ZONE))
    eastern = booking.start.astimezone(ZoneInfo(CLINIC_ZONE))
    # What the patient picked was Central time, and it is what got booked.
    assert (spoken_date(central.date()), spoken_time(central)) == (day_name, time_name)
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"on {day_name} at {time_name}, Central Time ({PATIENT_ZONE}).")
    expect(main).to_contain_text(
        f"That's {spoken_time(eastern)} on {spoken_date(eastern.date())} in the clinic's time "
        f"zone, Eastern Time ({CLINIC_ZONE})."
    )

    # Exactly one Healthie appointment, and one confirmed booking in the mirror.
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 1
    assert page_problems == []

"""A patient reschedules and then cancels through their manage link, in Chromium, on a phone,
with the keyboard alone (Tab, Enter, typing), finding every element by role and accessible name.

The appointment is booked through the booking pages first (in-process, as test_manage does); the
manage pages then run in pytest-django's live server against the sandbox over HTTP.
"""

import re
from zoneinfo import ZoneInfo

from django.core.management import call_command
from playwright.sync_api import expect

from scheduling.models import Booking
from tests.browser.conftest import (
    CLOCK,
    Screenshots,
    arrow_to,
    open_day_from,
    spoken_date,
    spoken_time,
    tab_to,
)
from tests.scheduling.conftest import DAYS_AHEAD, days_ahead
from tests.scheduling.manage.helpers import book

CLINIC_ZONE = "America/New_York"  # the booking was made in New York time (test_manage.book)


def test_reschedule_then_cancel_with_the_keyboard_alone(
    app_server, phone_page, page_problems, sandbox, tmp_path
):
    call_command("seed_demo", verbosity=0)
    booking = book()
    page = phone_page
    shots = Screenshots(page, tmp_path)
    print(f"screenshots: {tmp_path}")

    # The manage page: the appointment as Healthie has it, and what can be done.
    page.goto(f"{app_server}/manage/{booking.manage_token}/")
    expect(page.get_by_role("heading", level=1, name="Your appointment")).to_be_focused()
    old = booking.start.astimezone(ZoneInfo(CLINIC_ZONE))
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"{spoken_date(old.date())}, {spoken_time(old)}")
    shots.take("manage")
    tab_to(page, page.get_by_role("link", name="Reschedule", exact=True))
    page.keyboard.press("Enter")

    # The booking calendar's picker, for the same provider and type.
    page.wait_for_url(re.compile(r"/manage/[^/]+/reschedule/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new date and time")
    # A day outside every notice window, so the cancel that follows is allowed too.
    open_day = open_day_from(page, days_ahead(DAYS_AHEAD - 1, CLINIC_ZONE))
    day_name = open_day.get_attribute("aria-label")
    arrow_to(page, open_day)  # the month is one Tab stop; arrows move in it
    shots.take("calendar")
    page.keyboard.press("Enter")

    # htmx swaps in that day's times; the focus moves to them.
    times_heading = page.get_by_role("heading", level=2, name=f"Times on {day_name}")
    expect(times_heading).to_be_focused()
    expect(page).to_have_url(re.compile(r"/manage/[^/]+/reschedule/times/\?"))
    first_time = (
        page.get_by_role("region", name=f"Times on {day_name}")
        .get_by_role("button", name=CLOCK)
        .first
    )
    assert tab_to(page, first_time, limit=1) == 1
    time_name = first_time.inner_text()
    shots.take("times")
    page.keyboard.press("Enter")

    # Review: old time struck out, the new one held; confirm it.
    page.wait_for_url(re.compile(r"/manage/[^/]+/reschedule/review/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your new time")
    change = page.get_by_role("region", name="Your change")
    expect(change).to_contain_text(f"{day_name} at {time_name}")
    tab_to(page, page.get_by_role("button", name="Confirm new time"))
    shots.take("review")
    page.keyboard.press("Enter")

    # The confirmation shows the new time.
    page.wait_for_url(re.compile(r"/book/riverside/booked/[^/]+/\?changed=rescheduled$"))
    expect(page.get_by_role("heading", level=1, name="Your new time is booked")).to_be_focused()
    expect(page.get_by_role("main")).to_contain_text(f"on {day_name} at {time_name}")
    shots.take("rescheduled")
    booking.refresh_from_db()
    new = booking.start.astimezone(ZoneInfo(CLINIC_ZONE))
    assert (spoken_date(new.date()), spoken_time(new)) == (day_name, time_name)
    assert (booking.reschedule_count, booking.sequence) == (1, 1)

    # Back to the manage link from the confirmation, then cancel with a reason.
    tab_to(page, page.get_by_role("link", name="Reschedule or cancel"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/[^/]+/$"))
    expect(page.get_by_role("heading", level=1, name="Your appointment")).to_be_focused()
    expect(page.get_by_role("main")).to_contain_text("Moved from")
    tab_to(page, page.get_by_role("link", name="Cancel appointment"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/manage/[^/]+/cancel/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    tab_to(page, page.get_by_label("Reason (optional)"))
    page.keyboard.type("Feeling better")
    tab_to(page, page.get_by_role("button", name="Cancel appointment"))
    shots.take("cancel")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/book/riverside/booked/[^/]+/\?changed=cancelled$"))
    expect(
        page.get_by_role("heading", level=1, name="Your appointment is cancelled")
    ).to_be_focused()
    expect(page.get_by_role("link", name="Book a new appointment")).to_be_visible()
    shots.take("cancelled")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.sequence == 2
    assert [c.kind for c in booking.changes.all()] == ["reschedule", "cancel"]
    assert booking.changes.get(kind="cancel").note == "Feeling better"
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 2
    assert page_problems == []

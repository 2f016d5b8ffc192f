"""The front desk in Chromium: signs in, opens the week on the calendar, finds a patient booked
online, reschedules the visit with the picker and cancels another; the sandbox's Healthie
holds both results. Elements are found by role and accessible name, as a screen reader would."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import expect

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, BookingChange
from scheduling.staff.access import FRONT_DESK
from tests.scheduling.conftest import DAYS_AHEAD, Patient, days_ahead

NEW_YORK = ZoneInfo("America/New_York")
PASSWORD = "front-desk-browser-pw-7"  # noqa: S105 - a test user only


def book_online(first_name: str, last_name: str, *, skip: int) -> Booking:
    """A patient books Maya Chen's initial consultation through the pages (Django's client)."""
    patient = Patient()
    patient.details = {
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{first_name.lower()}@example.com",
        "phone": "555-222-3333",
    }
    params = {"type_id": "301", "contact": "Healthie Video Call", "provider": "101"}
    days = patient.open_days_from(days_ahead(DAYS_AHEAD), skip + 1, **params)
    hold, _ = patient.hold(patient.times_page(days[skip], **params))
    booked = patient.confirm(patient.submit_details(patient.details_page(hold)))
    assert booked.status_code == 302, booked.content[:500]
    reference = booked["Location"].rstrip("/").rsplit("/", 1)[-1]
    return Booking.objects.get(reference=reference)


def in_healthie(appointment_id: str):
    with HealthieClient() as client:
        return client.appointment(appointment_id)


def sunday_of(instant: datetime):
    day = instant.astimezone(NEW_YORK).date()
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_front_desk_reschedules_one_visit_and_cancels_another(browser, app_server):
    call_command("seed_demo", verbosity=0)
    desk = User.objects.create_user("frontdesk", password=PASSWORD)
    desk.groups.add(Group.objects.get_or_create(name=FRONT_DESK)[0])
    moved = book_online("Grace", "Hopper", skip=0)
    cancelled = book_online("Alan", "Turing", skip=1)

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="America/Chicago"
    )
    context.set_default_timeout(10_000)
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    try:
        week = f"/staff/?date={sunday_of(moved.start).isoformat()}&view=week"
        page.goto(f"{app_server}{week}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign in")
        page.get_by_label("Username").fill("frontdesk")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url(re.compile(r"/staff/\?date="))
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Week of "))
        expect(page.get_by_text("Eastern Time (America/New_York)").first).to_be_visible()

        # The patient is a link in the week's table; Enter opens the panel.
        visit = page.get_by_role("table").get_by_role("link", name=re.compile("Grace Hopper"))
        expect(visit).to_contain_text("Booked online")
        visit.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
        expect(page.get_by_text("grace@example.com")).to_be_visible()

        page.get_by_role("link", name="Reschedule").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Reschedule Grace Hopper")
        current_day = moved.start.astimezone(NEW_YORK).date()
        for _ in range(3):
            days = page.get_by_role("table").get_by_role("link")
            labels = [days.nth(i).get_attribute("aria-label") for i in range(days.count())]
            later = [
                i
                for i, label in enumerate(labels)
                if datetime.strptime(label, "%A, %B %d, %Y").date() > current_day
            ]
            if later:
                days.nth(later[0]).click()
                break
            page.get_by_role("link", name=re.compile("^Next month")).click()
        times = page.get_by_role("group", name=re.compile("^Open times on"))
        first_time = times.get_by_role("radio").first
        new_start = datetime.fromisoformat(first_time.get_attribute("value"))
        first_time.check()
        page.get_by_role("button", name="Move to this time").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
        expect(page.get_by_role("status").first).to_contain_text("Moved to")

        # Back on the calendar, the other patient's visit is cancelled from its panel.
        page.goto(f"{app_server}/staff/?date={sunday_of(cancelled.start).isoformat()}&view=week")
        page.get_by_role("link", name=re.compile("Alan Turing")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Alan Turing")
        page.get_by_role("button", name="Cancel appointment").click()
        expect(page.get_by_role("status").first).to_contain_text("cancelled in Healthie")
        expect(page.get_by_text("Status in Healthie")).to_be_visible()
        expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)
    finally:
        context.close()

    assert problems == []
    assert in_healthie(moved.healthie_appointment_id).start == new_start
    assert in_healthie(cancelled.healthie_appointment_id).pm_status == "Cancelled"
    for booking, kind in ((moved, "reschedule"), (cancelled, "cancel")):
        change = BookingChange.objects.get(booking=booking, state=BookingChange.State.DONE)
        assert (change.kind, change.by, change.staff_user) == (kind, "staff", desk)

"""A clinic admin blocks an open hour of Maya Chen's in Chromium: the availability editor lists it
in her zone, the week calendar draws it, the patient's times page for that day stops offering the
times it touches, and offers them again once the admin deletes it. Elements are found by role and
accessible name; Healthie (the sandbox over HTTP) holds the blocker in between.

Screenshots of the editor and the calendar go to $SCREENSHOTS_DIR (default: the test's tmp_path)."""

import os
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from integrations.healthie.client import HealthieClient
from scheduling.staff.access import CLINIC_ADMIN
from tests.browser.conftest import CLOCK, spoken_date, spoken_time
from tests.scheduling.conftest import DAYS_AHEAD, days_ahead

NEW_YORK = ZoneInfo("America/New_York")  # Maya Chen's zone in the sandbox seed
PASSWORD = "clinic-admin-browser-pw-7"  # noqa: S105 - a test user only
VISIT = timedelta(minutes=60)  # the Initial Consultation the patient looks at
PATIENT_TIMES = {"type": "301", "contact": "Healthie Video Call", "provider": "101"}


def next_weekday(after: date) -> date:
    while after.weekday() >= 5:
        after += timedelta(days=1)
    return after


def offered(page: Page, base_url: str, day: date) -> list[datetime]:
    """The start times the patient's times page offers on `day`, as New York instants."""
    query = "&".join(f"{k}={v}" for k, v in {**PATIENT_TIMES, "tz": "America/New_York"}.items())
    page.goto(f"{base_url}/book/riverside/times/?{query}&day={day.isoformat()}")
    region = page.get_by_role("region", name=f"Times on {spoken_date(day)}")
    expect(region).to_be_visible()
    buttons = region.get_by_role("button", name=CLOCK)
    values = buttons.evaluate_all("buttons => buttons.map(b => b.value)")
    return [datetime.fromisoformat(v).astimezone(NEW_YORK) for v in values]


def blockers_of_101() -> list:
    now = timezone.now()
    with HealthieClient() as healthie:
        return healthie.blockers(
            provider_id="101", start=now - timedelta(days=1), end=now + timedelta(days=60)
        )


def screenshots_dir(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_a_blocked_hour_leaves_the_patient_times_until_it_is_deleted(browser, app_server, tmp_path):
    call_command("seed_demo", verbosity=0)
    admin = User.objects.create_user("clinicadmin", password=PASSWORD)
    admin.groups.add(Group.objects.get_or_create(name=CLINIC_ADMIN)[0])
    shots = screenshots_dir(tmp_path)
    day = next_weekday(days_ahead(DAYS_AHEAD))

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="America/Chicago"
    )
    context.set_default_timeout(10_000)
    problems: list[str] = []
    staff, patient = context.new_page(), context.new_page()
    for page in (staff, patient):
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    try:
        before = offered(patient, app_server, day)
        # An open hour: a visit may start at its beginning and at its end.
        start = next(t for t in before if t.time() >= time(10) and t + VISIT in before)
        end = start + VISIT

        staff.goto(f"{app_server}/staff/availability/")
        expect(staff.get_by_role("heading", level=1)).to_have_text("Staff sign in")
        staff.get_by_label("Username").fill("clinicadmin")
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_label("Password").press("Enter")
        expect(staff.get_by_role("heading", level=1)).to_have_text("Availability")
        staff.get_by_label("Provider").select_option(label="Maya Chen")
        staff.get_by_role("button", name="Show hours").click()
        expect(staff.get_by_role("heading", level=1)).to_have_text("Availability: Maya Chen")
        expect(staff.get_by_text("Eastern Time (America/New_York)").first).to_be_visible()

        form = staff.get_by_role("region", name="Block time")
        form.get_by_label("Date", exact=True).fill(day.isoformat())
        form.get_by_label("From", exact=True).fill(f"{start:%H:%M}")
        form.get_by_label("To", exact=True).fill(f"{end:%H:%M}")
        form.get_by_label("Reason (optional)").fill("Team training")
        form.get_by_role("button", name="Block this time").click()
        expect(staff.get_by_role("status").first).to_contain_text("Time blocked for Maya Chen.")

        listed = staff.get_by_role("region", name="Blocked time").get_by_role("row")
        row = listed.filter(has=staff.get_by_role("rowheader", name=f"{day:%A, %b} {day.day}"))
        expect(row).to_have_count(1)
        expect(row.get_by_role("cell")).to_have_text(
            [
                spoken_time(start),
                spoken_time(end),
                "Team training",
                re.compile(r"^\s*Edit blocked time"),
            ]
        )
        staff.screenshot(path=shots / "blocks-editor.png", full_page=True)
        [blocker] = blockers_of_101()
        assert (blocker.start, blocker.end) == (start, end)

        # The patient's times touching the hour are gone; the others stay.
        outside = [t for t in before if t + VISIT <= start or t >= end]
        assert len(outside) < len(before)
        assert offered(patient, app_server, day) == outside

        # The front desk's week calendar draws it in words, with the provider's name.
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        staff.goto(f"{app_server}/staff/?date={sunday.isoformat()}&view=week")
        expect(staff.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Week of "))
        drawn = (
            staff.get_by_role("table")
            .get_by_text(f"Blocked {spoken_time(start)} – {spoken_time(end)}")
            .filter(has_text="Maya Chen")  # the seed blocks an hour of Lucia Alvarez's
        )
        expect(drawn).to_have_count(1)
        expect(drawn).to_contain_text("Team training")
        expect(drawn.get_by_role("link")).to_have_count(0)  # blocked time has no panel
        staff.screenshot(path=shots / "blocks-calendar.png", full_page=True)

        # The admin deletes it from the editor (asked first); the times come back.
        staff.goto(f"{app_server}/staff/availability/?provider=101")
        staff.get_by_role("link", name=re.compile(r"^Delete blocked time")).click()
        expect(staff.get_by_role("heading", level=1)).to_have_text(
            "Delete blocked time of Maya Chen?"
        )
        staff.get_by_role("button", name="Delete this blocked time").click()
        expect(staff.get_by_role("status").first).to_contain_text(
            "Blocked time removed for Maya Chen."
        )
        expect(staff.get_by_text("No upcoming blocked time.")).to_be_visible()
        assert blockers_of_101() == []
        assert offered(patient, app_server, day) == before
    finally:
        context.close()

    assert problems == []
    print(f"screenshots: {shots}")

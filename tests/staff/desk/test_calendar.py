"""The calendar's content, read from the sandbox's Healthie over HTTP: the seeded week, a week
across the US change to daylight time, the provider filter, caching and its invalidation."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.healthie.client import HealthieClient
from scheduling.availability import services as availability_services
from tests.scheduling.html import Page
from tests.staff.desk.helpers import NEW_YORK, calendar_cells, spoken_date, where


def healthie() -> HealthieClient:
    return HealthieClient()


def move(appointment_id: str, start: datetime) -> None:
    """Staff move an appointment in Healthie itself (no availability check), as a clinic may."""
    with healthie() as client:
        client.update_appointment(
            id=appointment_id, start=start, timezone="America/New_York", enforce_availability=False
        )


def sunday_of(instant: datetime):
    day = instant.astimezone(NEW_YORK).date()
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_the_seeded_week_shows_every_appointment_at_its_clinic_time(desk, sandbox, pages):
    with healthie() as client:
        # The sandbox seeds relative to its own clock when reset: the week of its first visit.
        seeded = client.appointment("50001").start
        sunday = sunday_of(seeded)
        held = client.appointments(
            provider_ids=["101", "102", "103"],
            start=datetime.combine(sunday, datetime.min.time(), NEW_YORK),
            end=datetime.combine(sunday + timedelta(days=7), datetime.min.time(), NEW_YORK),
            filter="all",
            with_all_statuses=True,
        )
    assert held, "the sandbox seeds appointments around today"
    response = desk.get("/staff/", {"date": sunday.isoformat(), "view": "week"})
    assert response.status_code == 200
    page = Page(response)
    assert "Eastern Time (America/New_York)" in page.text
    cells = calendar_cells(response)
    for appointment in held:
        local = appointment.start.astimezone(NEW_YORK)
        hour, minute = local.hour % 12 or 12, local.minute - local.minute % 30
        row = f"{hour}:{minute:02d} {'AM' if local.hour < 12 else 'PM'}"
        assert where(cells, appointment.id) == (row, spoken_date(appointment.start))
    # The cancelled seed (50003) is shown, and says so; the others carry their patient's name.
    if any(a.id == "50003" for a in held):
        link = page.one("link", re.compile("Cancelled"))
        assert link["data-appointment"] == "50003"


def test_a_week_across_the_change_to_daylight_time(desk, sandbox, pages):
    """2027-03-14, 2 AM in New York, clocks go forward: 9 AM is 14:00Z before, 13:00Z after."""
    move("50005", datetime(2027, 3, 12, 14, 0, tzinfo=UTC))  # Friday 9:00 AM EST
    move("50002", datetime(2027, 3, 14, 6, 0, tzinfo=UTC))  # Sunday 1:00 AM EST (before)
    move("50001", datetime(2027, 3, 14, 6, 30, tzinfo=UTC))  # 1:30 AM EST, 60 minutes: across
    move("50004", datetime(2027, 3, 14, 14, 0, tzinfo=UTC))  # Sunday 10:00 AM EDT (after)
    move("50006", datetime(2027, 3, 15, 13, 0, tzinfo=UTC))  # Monday 9:00 AM EDT

    week = calendar_cells(desk.get("/staff/", {"date": "2027-03-14", "view": "week"}))
    assert where(week, "50002") == ("1:00 AM", "Sunday, March 14, 2027")
    assert where(week, "50001") == ("1:30 AM", "Sunday, March 14, 2027")
    assert where(week, "50004") == ("10:00 AM", "Sunday, March 14, 2027")
    assert where(week, "50006") == ("9:00 AM", "Monday, March 15, 2027")
    assert all("50005" not in ids for ids in week.values())  # the week before

    before = calendar_cells(desk.get("/staff/", {"date": "2027-03-12", "view": "week"}))
    assert where(before, "50005") == ("9:00 AM", "Friday, March 12, 2027")

    day = desk.get("/staff/", {"date": "2027-03-14", "view": "day"})
    cells = calendar_cells(day)
    assert where(cells, "50002") == ("1:00 AM", "Maya Chen")
    assert where(cells, "50001") == ("1:30 AM", "Maya Chen")
    assert where(cells, "50004") == ("10:00 AM", "Samuel Okafor")
    page = Page(day)
    assert "1:30 AM – 3:30 AM" in page.text  # 60 minutes that span the skipped hour
    rows = [
        th.text.removesuffix(" now")
        for th in page.iter()
        if th.tag == "th" and th.get("scope") == "row"
    ]
    assert rows[:3] == ["1:00 AM", "1:30 AM", "3:00 AM"]  # 2 AM never happens that night


def test_the_day_view_has_a_column_per_provider_and_the_filter_keeps_one(desk, sandbox, pages):
    day = timezone.now().astimezone(NEW_YORK).date().isoformat()
    page = Page(desk.get("/staff/", {"date": day, "view": "day"}))
    headers = [h.text for h in page.find_all("columnheader")]
    assert headers[0] == "Time"
    assert headers[1].startswith("Lucia Alvarez") and "Pacific Time" in headers[1]
    assert headers[2:] == ["Maya Chen", "Samuel Okafor"]  # by last name

    only = Page(desk.get("/staff/", {"date": day, "view": "day", "provider": "102"}))
    assert [h.text for h in only.find_all("columnheader")] == ["Time", "Samuel Okafor"]


def test_navigation_links_are_bookmarkable(desk, sandbox, pages):
    page = Page(desk.get("/staff/", {"date": "2027-03-14", "view": "week", "provider": "101"}))
    assert (
        page.one("link", "Previous week")["href"]
        == "/staff/?date=2027-03-07&view=week&provider=101"
    )
    assert page.one("link", "Next week")["href"] == "/staff/?date=2027-03-21&view=week&provider=101"
    assert page.one("link", "Day")["href"] == "/staff/?date=2027-03-14&view=day&provider=101"


def test_open_hours_and_the_past_are_marked(desk, sandbox, pages):
    """Maya Chen works 9 to 5 on weekdays; a day in the past is greyed out."""
    response = desk.get("/staff/", {"date": "2027-03-15", "view": "day", "provider": "101"})
    page = Page(response)
    rows = {
        next(c for c in tr.children if getattr(c, "tag", "") == "th").text: next(
            c for c in tr.children if getattr(c, "tag", "") == "td"
        )
        for tr in page.iter()
        if tr.tag == "tr" and any(getattr(c, "tag", "") == "td" for c in tr.children)
    }
    assert "open" in rows["9:00 AM"]["class"].split()
    assert "open" in rows["4:30 PM"]["class"].split()
    assert "open" not in rows["8:30 AM"]["class"].split()
    assert "open" not in rows["5:00 PM"]["class"].split()
    past = Page(desk.get("/staff/", {"date": "2020-01-06", "view": "day", "provider": "101"}))
    cells = [e for e in past.iter() if e.tag == "td"]
    assert cells and all("past" in c["class"].split() for c in cells)


def test_the_calendar_is_cached_and_a_webhook_drops_it(desk, sandbox, pages):
    """Healthie is read once per range while nothing changes; the invalidation a webhook makes
    (sync.appointment_sync -> availability_invalidate) shows a change made in Healthie."""
    params = {"date": "2027-03-15", "view": "day", "provider": "101"}
    assert all("50001" not in ids for ids in calendar_cells(desk.get("/staff/", params)).values())
    move("50001", datetime(2027, 3, 15, 15, 0, tzinfo=UTC))  # 11:00 AM EDT
    calls = len(sandbox.calls(vendor="healthie"))
    assert all("50001" not in ids for ids in calendar_cells(desk.get("/staff/", params)).values())
    assert len(sandbox.calls(vendor="healthie")) == calls  # served from the cache
    availability_services.availability_invalidate(provider_ids=["101"])
    assert where(calendar_cells(desk.get("/staff/", params)), "50001") == ("11:00 AM", "Maya Chen")


@pytest.mark.parametrize(
    "query",
    [
        {"date": "2026-13-45"},
        {"date": "yesterday"},
        {"date": "99999-01-01"},
        {"date": "1800-01-01"},
        {"date": "2026-12-02\x00"},
        {"view": "month"},
        {"view": "<script>"},
        {"provider": "999"},
        {"provider": "101' OR 1=1"},
    ],
)
def test_bad_query_values_get_a_400_page(desk, sandbox, pages, query):
    response = desk.get("/staff/", query)
    assert response.status_code == 400
    page = Page(response)
    assert page.one("heading", "This calendar address can't be read")
    assert page.one("link", "Open today's calendar")["href"] == "/staff/"


@pytest.mark.parametrize("appointment_id", ["abc", "999999", "1" * 30])
def test_unknown_appointments_are_404(desk, sandbox, pages, appointment_id):
    assert desk.get(f"/staff/appointments/{appointment_id}/").status_code == 404

"""Blockers (a provider's time off) through the real client against the sandbox over HTTP:
created, listed, moved and deleted, and the open times patients see lose and regain them.

Seed: provider 101 (New York) is open weekdays 9:00 to 17:00; type 302 lasts 30 minutes.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.errors import RejectedError

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2027, 3, 15)  # the first weekday after the spring change (EDT, UTC-4)


def ny(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


def open_hours(healthie, day: date = MONDAY) -> list[tuple[int, int]]:
    slots = healthie.available_slots(
        appointment_type_id="302", provider_id="101", day=day, timezone="America/New_York"
    )
    return [(s.start.astimezone(NEW_YORK).hour, s.start.astimezone(NEW_YORK).minute) for s in slots]


@pytest.fixture
def before_the_change(sandbox):
    sandbox.set_clock("2027-02-20T12:00:00+00:00")


def test_a_blocker_takes_its_time_off_the_open_slots_until_deleted(healthie, before_the_change):
    assert (9, 0) in open_hours(healthie)
    blocker = healthie.create_blocker(
        provider_id="101",
        start=ny(9),
        end=ny(12),
        timezone="America/New_York",
        reason="Staff training",
    )
    assert blocker.is_blocker and blocker.notes == "Staff training"
    # 9:00 to 12:00 New York daylight time is 13:00 to 16:00 UTC.
    assert blocker.start == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    assert blocker.end == datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
    assert blocker.patient_id is None and blocker.appointment_type_id is None
    assert blocker.provider_id == "101"

    hours = open_hours(healthie)
    assert hours[0] == (12, 0)  # a 30-minute visit may start as the blocker ends
    assert not any(h < 12 for h, _ in hours)
    first = healthie.next_available_slot(
        appointment_type_id="302",
        provider_id="101",
        not_before=MONDAY,
        not_after=MONDAY,
        timezone="America/New_York",
    )
    assert first == ny(12)

    healthie.delete_appointment(blocker.id)
    assert open_hours(healthie)[0] == (9, 0)
    assert healthie.blockers(provider_id="101", start=ny(0), end=ny(23, 59)) == []


def test_blockers_are_listed_only_when_asked_for(healthie, before_the_change):
    blocker = healthie.create_blocker(
        provider_id="101", start=ny(14), end=ny(15), timezone="America/New_York"
    )
    window = {"provider_id": "101", "start": ny(0), "end": ny(23, 59), "filter": "all"}
    assert blocker.id not in {a.id for a in healthie.appointments(**window)}
    with_blockers = healthie.appointments(**window, include_blockers=True)
    assert blocker.id in {a.id for a in with_blockers}
    listed = healthie.blockers(provider_id="101", start=ny(0), end=ny(23, 59))
    assert [(b.id, b.start, b.end, b.notes) for b in listed] == [(blocker.id, ny(14), ny(15), None)]
    # Another provider's day holds none of it.
    assert healthie.blockers(provider_id="102", start=ny(0), end=ny(23, 59)) == []


def test_a_blocker_moves_and_its_reason_changes(healthie, before_the_change):
    blocker = healthie.create_blocker(
        provider_id="101", start=ny(9), end=ny(12), timezone="America/New_York", reason="Away"
    )
    moved = healthie.edit_blocker(
        id=blocker.id, start=ny(10), end=ny(11), timezone="America/New_York", reason="Meeting"
    )
    assert (moved.id, moved.start, moved.end) == (blocker.id, ny(10), ny(11))
    listed = healthie.blockers(provider_id="101", start=ny(0), end=ny(23))
    assert [(b.id, b.notes) for b in listed] == [(blocker.id, "Meeting")]  # read with blockers only
    hours = open_hours(healthie)
    assert (9, 0) in hours and (9, 30) in hours and (11, 0) in hours
    assert (10, 0) not in hours and (10, 30) not in hours


def test_a_patient_cannot_book_blocked_time(healthie, before_the_change):
    healthie.create_blocker(provider_id="101", start=ny(9), end=ny(17), timezone="America/New_York")
    assert open_hours(healthie) == []
    days = healthie.days_available(
        appointment_type_id="302",
        provider_id="101",
        start=MONDAY - timedelta(days=3),
        end=MONDAY + timedelta(days=1),
        timezone="America/New_York",
    )
    assert MONDAY not in days and MONDAY + timedelta(days=1) in days
    with pytest.raises(RejectedError):
        healthie.complete_checkout(
            appointment_type_id="302",
            contact_type="Healthie Video Call",
            start=ny(10),
            timezone="America/New_York",
            provider_id="101",
            first_name="Test",
            last_name="Patient",
            email="test.patient@example.com",
            phone_number="5552223232",
        )


def test_a_blocker_ending_before_it_starts_is_refused_by_the_client(healthie):
    with pytest.raises(ValueError):
        healthie.create_blocker(provider_id="101", start=ny(12), end=ny(9))


def test_an_unknown_provider_is_a_rejection_with_healthies_message(healthie, before_the_change):
    with pytest.raises(RejectedError) as refused:
        healthie.create_blocker(provider_id="999", start=ny(9), end=ny(10))
    assert refused.value.messages[0].field == "providers"

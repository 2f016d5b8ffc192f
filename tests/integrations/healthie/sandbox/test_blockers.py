"""Blockers in the sandbox's store: time off taken from the open slots exactly (no buffer),
never checked against availability, and not a visit (no type, no contact type)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.healthie.sandbox import seed
from integrations.healthie.sandbox.state import SLOT_TAKEN, SlotQuery, Store

NEW_YORK = ZoneInfo("America/New_York")


def ny(hour: int, minute: int = 0, day: int = 7) -> datetime:
    """Monday 2026-12-07 (no seeded appointments) in New York."""
    return datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture
def events():
    return []


@pytest.fixture
def store(clock, events) -> Store:
    created = Store(clock, on_event=events.append)
    seed.populate(created, clock.now())
    events.clear()
    return created


def monday_slots(store, provider_id: str) -> list[datetime]:
    query = SlotQuery(
        provider_ids=[provider_id], appointment_type_id="302", start=ny(0), end=ny(23, 59)
    )
    return [instant for instant, _ in store.open_slots(query)]


def test_a_blocker_takes_exactly_its_time_not_the_buffer(store, events):
    # Dr Okafor (102) keeps a 10-minute buffer between visits; a blocker is no visit.
    assert ny(9, 30) in monday_slots(store, "102")
    result = store.create_blocker(provider_id="102", start=ny(10), end=ny(11), notes="Meeting")
    assert result.messages == []
    slots = monday_slots(store, "102")
    assert ny(9, 30) in slots and ny(11) in slots  # ends as it starts, starts as it ends
    assert not [s for s in slots if ny(9, 31) <= s < ny(11)]
    assert [e.event_type for e in events] == ["appointment.created"]


def test_a_blocker_may_cover_a_booked_visit_and_a_visit_cannot_move_into_it(store):
    # Healthie's availability check "does not work with ... blockers".
    booked = store.appointments["50001"]  # Dr Chen, Wednesday 10:00
    blocker = store.create_blocker(provider_id="101", start=booked.start, end=booked.end).record
    assert blocker.is_blocker and blocker.length == booked.length
    moved = store.update_appointment(
        "50004", start=ny(9), enforce_availability=True
    )  # Dr Okafor's Thursday visit to Monday 9:00: open
    assert moved.messages == []
    store.create_blocker(provider_id="102", start=ny(12, 0), end=ny(16, 30))
    refused = store.update_appointment("50004", start=ny(13), enforce_availability=True)
    assert refused.messages == [{"field": "date", "message": SLOT_TAKEN}]


def test_a_blocker_is_moved_keeping_its_length_or_given_a_new_end(store):
    blocker = store.create_blocker(provider_id="101", start=ny(9), end=ny(10)).record
    store.update_appointment(blocker.id, start=ny(14))
    assert (blocker.start, blocker.end) == (ny(14), ny(15))
    store.update_appointment(blocker.id, end=ny(16, 30), notes="Longer")
    assert (blocker.length, blocker.notes) == (150, "Longer")
    refused = store.update_appointment(blocker.id, end=ny(13))
    assert refused.messages[0]["field"] == "end_date" and blocker.end == ny(16, 30)


def test_a_visit_keeps_its_types_length(store):
    refused = store.update_appointment("50001", end=ny(17))
    assert refused.messages[0]["field"] == "end_date"


@pytest.mark.parametrize(
    ("provider_id", "end", "field"),
    [("999", ny(10), "providers"), ("101", None, "end_date"), ("101", ny(9), "end_date")],
)
def test_bad_blockers_are_refused_with_messages(store, provider_id, end, field):
    result = store.create_blocker(provider_id=provider_id, start=ny(9), end=end)
    assert result.record is None and result.messages[0]["field"] == field


def test_blockers_are_listed_unless_left_out(store):
    blocker = store.create_blocker(provider_id="101", start=ny(9), end=ny(10)).record
    listed = store.list_appointments(provider_ids=["101"], start=ny(0), end=ny(23))
    assert [a.id for a in listed] == [blocker.id]
    assert (
        store.list_appointments(
            provider_ids=["101"], start=ny(0), end=ny(23), include_blockers=False
        )
        == []
    )

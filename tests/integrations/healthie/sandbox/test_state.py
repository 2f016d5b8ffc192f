"""The store: seed, busy set, checkout, updates, deletes and availability, with their events."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest

from integrations.healthie.sandbox import seed
from integrations.healthie.sandbox.state import SLOT_TAKEN, InvalidQuery, SlotQuery, Store

from .conftest import NOW

# Seeded (NOW = Tue 2026-12-01 10:00 New York): 50001 Dr Chen (101) Wed 10:00-11:00,
# 50002 Wed 14:00-14:30, 50003 Wed 15:00 cancelled; 50004 Dr Okafor (102) Thu 09:00;
# 50005 Dr Alvarez (103) Thu 11:00 Los Angeles; 50006 an earlier, occurred appointment;
# 49001 Dr Alvarez's blocked time (a blocker), Fri 12:00-13:00 Los Angeles.
WED_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
WED_15 = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
WED_16 = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)


@pytest.fixture
def events():
    return []


@pytest.fixture
def store(clock, events) -> Store:
    created = Store(clock, on_event=events.append)
    seed.populate(created, clock.now())
    events.clear()
    return created


def book(store, start=WED_16, email="new.patient@example.com", **overrides):
    options = {
        "appointment_type_id": "302",
        "contact_type": "Healthie Video Call",
        "start": start,
        "provider_id": "101",
        "first_name": "New",
        "last_name": "Patient",
        "email": email,
        "timezone": "America/New_York",
        **overrides,
    }
    return store.complete_checkout(**options)


def test_the_seed(store):
    providers = {p.id: (p.full_name, p.timezone) for p in store.providers()}
    assert providers == {
        "101": ("Maya Chen", "America/New_York"),
        "102": ("Samuel Okafor", "America/New_York"),
        "103": ("Lucia Alvarez", "America/Los_Angeles"),
    }
    types = {t.id: (t.length, t.clients_can_book) for t in store.list_appointment_types()}
    assert types == {
        "301": (60, True),
        "302": (30, True),
        "303": (30, True),
        "304": (45, True),
        "305": (60, False),
    }
    assert store.appointment_types["301"].available_contact_types == [
        "Healthie Video Call",
        "Phone Call",
        "In Person",
    ]
    assert {s.slot_interval for s in store.settings.values()} == {15, 30}
    assert len(store.availabilities) == 20  # Mon-Fri, Dr Okafor with a lunch break
    assert store.appointment("50001").start == WED_10
    assert store.appointment("50005").start == datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
    assert store.appointment("50006").start < NOW
    assert store.next_id("user") == "107" and store.next_id("appointment") == "50007"


def test_reseeding_is_deterministic_and_drops_changes(store, clock):
    book(store)
    store.delete_availability("4001")
    seed.populate(store, clock.now())
    assert sorted(store.appointments) == ["49001"] + [f"5000{i}" for i in range(1, 7)]
    assert "4001" in store.availabilities and "107" not in store.users


def test_active_appointments_block_and_cancelled_ones_do_not(store):
    assert not store.is_bookable("101", "302", None, WED_10)
    assert store.is_bookable("101", "302", None, WED_15)  # 50003 is cancelled


def test_the_appointment_being_rescheduled_is_not_busy(store):
    assert not store.is_bookable("101", "301", None, WED_10)
    assert store.is_bookable("101", "301", None, WED_10, reschedule_id="50001")


def test_slots_for_several_providers_are_ordered_by_time_then_provider(store):
    thursday_9 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    query = SlotQuery(
        provider_ids=["102", "101"],
        appointment_type_id="302",
        start=thursday_9,
        end=thursday_9 + timedelta(minutes=31),
    )
    # Dr Okafor is busy at 9:00 (and buffered until 9:40); Dr Chen is free.
    assert store.open_slots(query) == [
        (thursday_9, "101"),
        (thursday_9 + timedelta(minutes=30), "101"),
    ]


def test_slot_queries_need_a_known_type_or_a_length(store):
    query = SlotQuery(provider_ids=["101"], appointment_type_id="999", start=NOW, end=NOW)
    with pytest.raises(InvalidQuery):
        store.open_slots(query)
    with pytest.raises(InvalidQuery):
        store.open_slots(
            SlotQuery(provider_ids=["101"], appointment_type_id=None, start=NOW, end=NOW)
        )


def test_a_contact_type_the_type_does_not_offer_has_no_slots(store):
    query = SlotQuery(["101"], "302", WED_16, WED_16 + timedelta(hours=1), contact_type="In Person")
    assert store.open_slots(query) == []


def test_checkout_books_and_creates_the_patient(store, events):
    result = book(store)
    assert result.messages == []
    appointment = result.record
    assert (appointment.start, appointment.length, appointment.provider_id) == (WED_16, 30, "101")
    patient = store.users[appointment.patient_id]
    assert (patient.id, patient.is_patient, patient.dietitian_id) == ("107", True, "101")
    assert [(e.event_type, e.resource_id, e.resource_id_type) for e in events] == [
        ("patient.created", "107", "User"),
        ("appointment.created", appointment.id, "Appointment"),
    ]
    assert not store.is_bookable("101", "302", None, WED_16)


def test_checkout_matches_an_existing_patient_by_email_case_insensitively(store, events):
    result = book(store, email="AVERY.Brooks@Example.com")
    assert result.record.patient_id == "104"
    assert [e.event_type for e in events] == ["appointment.created"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"appointment_type_id": "999"}, "appointment_type_id"),
        ({"appointment_type_id": "305", "contact_type": "In Person"}, "appointment_type_id"),
        ({"contact_type": "Phone Call"}, "contact_type"),
        ({"contact_type": None}, "contact_type"),
        ({"provider_id": "104"}, "provider_id"),  # a patient, not a provider
        ({"first_name": " "}, "first_name"),
        ({"email": "not-an-email"}, "email"),
        ({"start": WED_10}, "date"),  # taken
        ({"start": WED_16 + timedelta(minutes=10)}, "date"),  # off the interval
        ({"start": datetime(2026, 12, 5, 15, 0, tzinfo=UTC)}, "date"),  # a Saturday
        ({"start": NOW + timedelta(minutes=30)}, "date"),  # inside the minimum notice
    ],
)
def test_checkout_failures_are_messages(store, events, overrides, field):
    result = book(store, **overrides)
    assert result.record is None
    assert [m["field"] for m in result.messages] == [field]
    assert events == [] and len(store.appointments) == 7  # six visits and a blocker


def test_a_taken_slot_says_so(store):
    book(store)
    assert book(store, email="second@example.com").messages == [
        {"field": "date", "message": SLOT_TAKEN}
    ]


def test_twenty_concurrent_checkouts_of_one_slot_book_it_once(store):
    barrier = threading.Barrier(20)
    results = []

    def attempt(n):
        barrier.wait()
        results.append(book(store, email=f"racer{n}@example.com"))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.record is not None for r in results) == 1
    booked = [a for a in store.appointments.values() if a.start == WED_16]
    assert len(booked) == 1 and len(store.patients()) == 4


def test_reschedule_with_enforced_availability(store, events):
    mine = book(store).record
    events.clear()
    refused = store.update_appointment(mine.id, start=WED_10, enforce_availability=True)
    assert refused.messages == [{"field": "date", "message": SLOT_TAKEN}]
    assert store.appointment(mine.id).start == WED_16
    assert store.update_appointment(mine.id, start=WED_10).record.start == WED_10  # not enforced
    moved = store.update_appointment(mine.id, start=WED_15, enforce_availability=True).record
    assert moved.start == WED_15
    # its own old time does not block a small move
    nudged = store.update_appointment(
        mine.id, start=WED_15 + timedelta(minutes=30), enforce_availability=True
    )
    assert nudged.messages == []
    assert [(e.event_type, e.changed_fields) for e in events] == [
        ("appointment.updated", ("date",)),
        ("appointment.updated", ("date",)),
        ("appointment.updated", ("date",)),
    ]


def test_patient_reschedules_are_counted(store):
    result = store.update_appointment("50001", start=WED_16, client_updating=True)
    assert result.record.patient_reschedule_count == 1


def test_cancelling_keeps_the_appointment_visible_but_frees_its_time(store, events):
    cancelled = store.update_appointment("50001", pm_status="Cancelled").record
    assert store.appointment("50001") is cancelled and not cancelled.is_active
    assert cancelled.pm_status_changed_at == NOW
    assert store.is_bookable("101", "301", None, WED_10)
    listed = store.list_appointments(provider_ids=["101"])
    assert "50001" not in {a.id for a in listed}
    assert "50001" in {a.id for a in store.list_appointments(["101"], with_all_statuses=True)}
    assert [(e.event_type, e.changed_fields) for e in events] == [
        ("appointment.updated", ("pm_status",))
    ]


def test_update_validation_and_quiet_updates(store, events):
    assert store.update_appointment("999", pm_status="Cancelled").messages[0]["field"] == "id"
    assert store.update_appointment("50001", pm_status="Done").messages[0]["field"] == "pm_status"
    assert (
        store.update_appointment("50002", contact_type="Phone Call").messages[0]["field"]
        == "contact_type"
    )
    url = "https://video.example.com/room/1"
    updated = store.update_appointment("50001", external_videochat_url=url, suppress_webhook=True)
    assert updated.record.external_videochat_url == url
    assert store.update_appointment("50001", external_videochat_url=url).messages == []
    assert events == []  # suppressed, then nothing changed


def test_deleting_hides_the_appointment(store, events):
    assert store.delete_appointment("50001").record.deleted_at == NOW
    assert store.appointment("50001") is None
    assert store.appointment("50001", include_deleted=True).id == "50001"
    assert store.is_bookable("101", "301", None, WED_10)
    assert store.delete_appointment("50001").messages[0]["field"] == "id"
    assert [e.event_type for e in events] == ["appointment.deleted"]


def test_listing_appointments(store):
    future = store.list_appointments(provider_ids=["101", "102", "103"])
    assert [a.id for a in future] == ["50001", "50002", "50004", "50005", "49001"]
    visits = store.list_appointments(provider_ids=["101", "102", "103"], include_blockers=False)
    assert [a.id for a in visits] == ["50001", "50002", "50004", "50005"]
    past = store.list_appointments(provider_ids=["102"], time_filter="past", with_all_statuses=True)
    assert [a.id for a in past] == ["50006"]
    assert [a.id for a in store.list_appointments(patient_id="105")] == ["50002", "50004"]
    wednesday = store.list_appointments(
        start=WED_10, end=WED_10 + timedelta(hours=5), time_filter="all"
    )
    assert [a.id for a in wednesday] == ["50001", "50002"]


def saturday_hours(store, **overrides):
    options = {
        "user_id": "101",
        "is_repeating": True,
        "day_of_week": 6,
        "range_start": date(2026, 12, 5),
        "range_end": None,
        "start_time": time(10),
        "end_time": time(12),
        "timezone": None,
        **overrides,
    }
    return store.create_availability(**options)


def test_availability_lifecycle(store, events):
    saturday_10 = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    assert not store.is_bookable("101", "302", None, saturday_10)
    created = saturday_hours(store).record
    assert (created.id, created.timezone, created.day_of_week) == ("4021", "America/New_York", 6)
    assert store.is_bookable("101", "302", None, saturday_10)
    edited = store.edit_availability(created.id, start_time=time(11)).record
    assert edited.start_time == time(11) and edited.end_time == time(12)
    assert not store.is_bookable("101", "302", None, saturday_10)
    assert store.delete_availability(created.id).record.id == created.id
    assert store.delete_availability(created.id).messages[0]["field"] == "id"
    assert [(e.event_type, e.changed_fields) for e in events] == [
        ("availability.created", ()),
        ("availability.updated", ("range_start",)),
        ("availability.deleted", ()),
    ]


def test_repeating_day_of_week_defaults_to_range_start(store):
    created = saturday_hours(store, day_of_week=None, range_start=date(2026, 12, 8)).record
    assert created.day_of_week == 2  # a Tuesday


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"user_id": "104"}, "user_id"),
        ({"end_time": time(9)}, "end_time"),
        ({"day_of_week": 7}, "day_of_week"),
        ({"timezone": "Not/AZone"}, "timezone"),
        ({"range_end": date(2026, 11, 1)}, "range_end"),
        ({"appointment_type_id": "999"}, "appointment_type_id"),
        ({"is_repeating": False, "end_time": time(10)}, "end_time"),
    ],
)
def test_availability_validation(store, events, overrides, field):
    result = saturday_hours(store, **overrides)
    assert result.record is None and result.messages[0]["field"] == field
    assert events == []


def test_an_edit_that_would_be_invalid_changes_nothing(store, events):
    result = store.edit_availability("4001", end_time=time(8))
    assert result.messages[0]["field"] == "end_time"
    assert store.availabilities["4001"].end_time == time(17) and events == []


def test_one_time_availability_spanning_days(store):
    created = saturday_hours(
        store, is_repeating=False, range_end=date(2026, 12, 6), end_time=time(9)
    ).record
    assert created.day_of_week == 6
    sunday_8 = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
    assert store.is_bookable("101", "302", None, sunday_8)

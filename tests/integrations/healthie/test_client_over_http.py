"""The real Healthie client against the Healthie sandbox over real HTTP.

Booking a slot, losing a race, DST days, version handling, throttling and faults.
Seed (integrations/healthie/sandbox/seed.py): providers 101 and 102 in New York, 103 in
Los Angeles; type 302 "Video Follow-up" (30 min), 301 offers video, phone and in person.
"""

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.conf import settings

from integrations.errors import ContractError, OutcomeUnknownError, RejectedError
from integrations.models import VendorNotice

NEW_YORK = ZoneInfo("America/New_York")
PATIENT = {
    "first_name": "Test",
    "last_name": "Patient",
    "email": "test.patient@example.com",
    "phone_number": "5552223232",
}


def first_open_slot(healthie, *, provider_id="101", type_id="302", timezone="America/New_York"):
    start = healthie.next_available_slot(
        appointment_type_id=type_id, provider_id=provider_id, timezone=timezone
    )
    assert start is not None
    slots = healthie.available_slots(
        appointment_type_id=type_id,
        provider_id=provider_id,
        day=start.astimezone(ZoneInfo(timezone)).date(),
        timezone=timezone,
    )
    assert slots and slots[0].start == start
    return slots[0]


def checkout(healthie, slot, *, type_id="302", email=PATIENT["email"], **extra):
    return healthie.complete_checkout(
        appointment_type_id=type_id,
        contact_type="Healthie Video Call",
        start=slot.start,
        timezone="America/New_York",
        provider_id=slot.provider_id,
        **{**PATIENT, "email": email, **extra},
    )


# --- the booking flow -----------------------------------------------------------------------


def test_public_booking_flow_books_a_slot_and_the_slot_disappears(make_healthie):
    public = make_healthie(api_key="")  # Healthie's widget calls these with no credentials
    types = public.appointment_types(public=True)
    assert {t.id for t in types} >= {"301", "302", "303", "304"}
    assert all(t.clients_can_book for t in types)
    video = next(t for t in types if t.id == "302")
    assert (video.name, video.length_minutes) == ("Video Follow-up", 30)

    slot = first_open_slot(public)
    month = slot.start.astimezone(NEW_YORK).date().replace(day=1)
    days = public.days_available(
        appointment_type_id="302", provider_id="101", month=month, timezone="America/New_York"
    )
    assert slot.start.astimezone(NEW_YORK).date() in days

    appointment = public.complete_checkout(
        appointment_type_id="302",
        contact_type="Healthie Video Call",
        start=slot.start,
        timezone="America/New_York",
        provider_id="101",
        public=True,
        **PATIENT,
    )
    assert appointment.start == slot.start
    assert appointment.end - appointment.start == timedelta(minutes=30)
    assert (appointment.provider_id, appointment.appointment_type_id) == ("101", "302")
    assert appointment.is_active

    staff = make_healthie()
    assert staff.appointment(appointment.id).start == slot.start
    patient = staff.find_patient(email="TEST.patient@example.com")
    assert patient is not None and patient.id == appointment.patient_id
    remaining = staff.available_slots(
        appointment_type_id="302",
        provider_id="101",
        day=slot.start.astimezone(NEW_YORK).date(),
        timezone="America/New_York",
    )
    assert slot.start not in {s.start for s in remaining}


def test_checkout_matches_an_existing_patient_by_email(healthie):
    first = checkout(healthie, first_open_slot(healthie), email="avery.brooks@example.com")
    assert first.patient_id == "104"  # the seeded patient, not a new one


def test_losing_a_race_is_a_rejection_with_healthies_message(healthie):
    slot = first_open_slot(healthie)
    checkout(healthie, slot)
    with pytest.raises(RejectedError) as lost:
        checkout(healthie, slot, email="someone.else@example.com")
    assert lost.value.messages and lost.value.messages[0].message


def test_twenty_concurrent_checkouts_of_one_slot_book_it_once(make_healthie, sandbox):
    slot = first_open_slot(make_healthie())
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def attempt(n: int) -> None:
        client = make_healthie()
        barrier.wait()
        try:
            checkout(client, slot, email=f"patient{n}@example.com")
            outcomes.append("booked")
        except RejectedError:
            outcomes.append("taken")
        except Exception as exc:  # recorded so the assertion below shows it
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 19
    day_appointments = make_healthie().appointments(
        provider_id="101", start=slot.start, end=slot.start + timedelta(minutes=30)
    )
    assert [a.start for a in day_appointments if a.is_active] == [slot.start]


def test_reschedule_enforces_availability_and_cancel_frees_the_slot(healthie):
    slot = first_open_slot(healthie)
    mine = checkout(healthie, slot)
    later = healthie.available_slots(
        appointment_type_id="302",
        provider_id="101",
        day=slot.start.astimezone(NEW_YORK).date(),
        timezone="America/New_York",
    )[1]
    theirs = checkout(healthie, later, email="other@example.com")

    with pytest.raises(RejectedError):
        healthie.update_appointment(id=mine.id, start=theirs.start, enforce_availability=True)
    cancelled = healthie.cancel_appointment(theirs.id)
    assert cancelled.pm_status == "Cancelled" and not cancelled.is_active
    moved = healthie.update_appointment(id=mine.id, start=theirs.start, enforce_availability=True)
    assert moved.start == theirs.start
    assert healthie.appointment(theirs.id).pm_status == "Cancelled"  # still visible


def test_video_link_is_written_back_to_the_appointment(healthie):
    appointment = checkout(healthie, first_open_slot(healthie))
    url = "https://video.example.com/room/abc"
    healthie.update_appointment(id=appointment.id, external_videochat_url=url)
    assert healthie.appointment(appointment.id).external_videochat_url == url


# --- DST --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "before", "after"),
    [
        # US spring forward: Sunday 2027-03-14. US fall back: Sunday 2027-11-07.
        ("2027-02-20T12:00:00+00:00", date(2027, 3, 12), date(2027, 3, 15)),
        ("2027-10-01T12:00:00+00:00", date(2027, 11, 5), date(2027, 11, 8)),
    ],
)
def test_slots_keep_local_opening_hours_across_dst(healthie, sandbox, clock, before, after):
    sandbox.set_clock(clock)
    firsts = {}
    for day in (before, after):
        slots = healthie.available_slots(
            appointment_type_id="302", provider_id="101", day=day, timezone="America/New_York"
        )
        firsts[day] = slots[0].start
        assert all(s.start.astimezone(NEW_YORK).date() == day for s in slots)
    # 9:00 in New York on both days, so a different UTC instant across the change.
    assert {f.astimezone(NEW_YORK).hour for f in firsts.values()} == {9}
    assert firsts[before].utcoffset() != firsts[after].utcoffset()
    assert abs(firsts[after] - firsts[before] - (after - before)) == timedelta(hours=1)

    # The Los Angeles provider seen from New York: 9:00 Pacific is 12:00 Eastern on both days.
    for day in (before, after):
        slots = healthie.available_slots(
            appointment_type_id="302", provider_id="103", day=day, timezone="America/New_York"
        )
        assert slots[0].start.astimezone(NEW_YORK).hour == 12


def test_days_available_on_the_spring_forward_weekend_only_lists_weekdays(healthie, sandbox):
    sandbox.set_clock("2027-02-20T12:00:00+00:00")
    days = healthie.days_available(
        appointment_type_id="302",
        provider_id="101",
        month=date(2027, 3, 1),
        timezone="America/New_York",
    )
    assert date(2027, 3, 12) in days and date(2027, 3, 15) in days
    assert date(2027, 3, 14) not in days  # Sunday of the change: no hours
    assert all(d.weekday() < 5 for d in days)


# --- versions ---------------------------------------------------------------------------------


def raw_post(headers: dict) -> dict:
    body = {"query": "query { appointmentTypes(clients_can_book: true) { total_count } }"}
    return httpx.post(settings.HEALTHIE_API_URL, json=body, headers=headers, timeout=5).json()


def test_warn_mode_serves_old_versions_with_sunset_warnings(
    make_healthie, sandbox, db, pinned_clock
):
    pinned_clock.move_to(datetime(2026, 12, 1, 12, tzinfo=UTC))  # before enforcement (2027-01-31)
    old = make_healthie(api_version="2026-01-01")
    assert old.appointment_types()
    notice = VendorNotice.objects.get(vendor="healthie", code="API_VERSION_SUNSET_WARNING")
    assert "2026-01-01" in notice.message

    missing = raw_post({})
    codes = [w["code"] for w in missing["extensions"]["warnings"]]
    assert codes == ["MISSING_API_VERSION_HEADER", "API_VERSION_SUNSET_WARNING"]
    assert missing["data"]["appointmentTypes"]["total_count"] >= 4

    current = raw_post({"Healthie-GraphQL-API-Version": "2026-07-01"})
    assert "warnings" not in (current.get("extensions") or {})


def test_enforce_mode_rejects_old_and_missing_versions_but_serves_ours(make_healthie, sandbox):
    sandbox.set_clock("2027-01-31T00:00:00+00:00")
    assert make_healthie().appointment_types()  # the default, 2026-07-01
    with pytest.raises(RejectedError) as refused:
        make_healthie(api_version="2026-01-01").appointment_types()
    assert refused.value.code == "UNSUPPORTED_API_VERSION"

    missing = raw_post({})
    assert missing["errors"][0]["extensions"]["code"] == "MISSING_API_VERSION_HEADER"
    unknown = raw_post({"Healthie-GraphQL-API-Version": "2025-06-15"})
    assert unknown["errors"][0]["extensions"]["code"] == "UNSUPPORTED_API_VERSION"


# --- auth, throttling, faults -----------------------------------------------------------------


def test_staff_operations_need_the_key_public_ones_do_not(make_healthie):
    anonymous = make_healthie(api_key="")
    assert anonymous.appointment_types(public=True)
    with pytest.raises(RejectedError):
        anonymous.appointments(provider_id="101")
    with pytest.raises(RejectedError):
        make_healthie(api_key="not-the-key").appointments(provider_id="101")


def test_throttled_queries_are_retried_after_retry_after(healthie, sandbox):
    sandbox.configure("healthie", rate_limit_per_second=3)
    for _ in range(8):
        assert healthie.appointment_type("302").name == "Video Follow-up"
    statuses = [c["status"] for c in sandbox.calls(vendor="healthie")]
    assert statuses.count(429) >= 1
    assert statuses.count(200) == 8


def test_a_throttled_checkout_is_retried_and_books_once(healthie, sandbox):
    slot = first_open_slot(healthie)
    sandbox.fault("healthie", "http_429", operation="completeCheckout", retry_after=0)
    appointment = checkout(healthie, slot)
    assert appointment.start == slot.start
    assert [c["status"] for c in sandbox.calls(operation="completeCheckout")] == [429, 200]


@pytest.mark.parametrize("kind", ["http_500", "http_429", "timeout", "reset"])
def test_queries_ride_out_transient_faults(make_healthie, sandbox, kind):
    healthie = make_healthie(timeout=0.5)
    sandbox.fault("healthie", kind, operation="appointmentType", count=2, timeout_seconds=1)
    assert healthie.appointment_type("302").name == "Video Follow-up"
    faults = [c["fault"] for c in sandbox.calls(operation="appointmentType")]
    assert faults == [kind, kind, None]


def test_a_malformed_answer_is_a_contract_error(healthie, sandbox):
    sandbox.fault("healthie", "malformed", operation="appointmentType")
    with pytest.raises(ContractError):
        healthie.appointment_type("302")


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset"])
def test_a_write_whose_answer_is_lost_is_not_resent(make_healthie, sandbox, kind):
    healthie = make_healthie(timeout=0.5)
    slot = first_open_slot(healthie)
    sandbox.fault("healthie", kind, operation="completeCheckout", when="after", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        checkout(healthie, slot)
    assert len(sandbox.calls(operation="completeCheckout")) == 1
    # It did happen: the caller settles it by looking the appointment up, never by rebooking.
    found = healthie.appointments(
        provider_id="101", start=slot.start, end=slot.start + timedelta(minutes=30)
    )
    assert [a.start for a in found if a.is_active] == [slot.start]


# --- availability (staff) ---------------------------------------------------------------------


def test_weekly_availability_can_be_created_edited_and_deleted(healthie, sandbox):
    sandbox.set_clock("2027-02-20T12:00:00+00:00")
    saturday = date(2027, 3, 6)
    created = healthie.create_availability(
        provider_id="101",
        range_start=saturday,
        start_time=datetime(2027, 1, 1, 10, 0).time(),
        end_time=datetime(2027, 1, 1, 12, 0).time(),
        timezone="America/New_York",
    )
    assert created.day_of_week == 6

    def saturday_slots():
        return healthie.available_slots(
            appointment_type_id="302", provider_id="101", day=saturday, timezone="America/New_York"
        )

    assert [s.start.astimezone(NEW_YORK).hour for s in saturday_slots()][:1] == [10]
    edit_id = created.repeating_availability_id or created.id
    healthie.edit_availability(
        id=edit_id,
        provider_id="101",
        range_start=saturday,
        start_time=datetime(2027, 1, 1, 11, 0).time(),
        end_time=datetime(2027, 1, 1, 12, 0).time(),
        timezone="America/New_York",
    )
    assert saturday_slots()[0].start.astimezone(NEW_YORK).hour == 11
    healthie.delete_availability(edit_id)
    assert saturday_slots() == []
    listed = healthie.availabilities(provider_id="101", is_repeating=True)
    assert edit_id not in {a.id for a in listed} | {a.repeating_availability_id for a in listed}

"""The deterministic demo seed: one clinic, three providers in two US zones, bookable types.

Ids are fixed. Appointment times are placed on business days relative to the sandbox clock at reset
time, so the calendar always shows both open and taken slots. All people are fictitious.
"""

from datetime import UTC, date, datetime, time, timedelta

from .formats import local, zone
from .state import (
    Appointment,
    AppointmentSetting,
    AppointmentType,
    Availability,
    Organization,
    Store,
    User,
)

ORGANIZATION_ID = "201"
OWNER_ID = "101"  # the staff API key acts as this provider

# Weekly hours start on a fixed past Monday, so any clock a test sets sees them.
HOURS_SINCE = date(2024, 1, 1)

VIDEO, PHONE, IN_PERSON = "Healthie Video Call", "Phone Call", "In Person"

PROVIDERS = [
    # id, first, last, zone, weekday hours (Mon-Fri)
    ("101", "Maya", "Chen", "America/New_York", [("09 00", "17 00")]),
    ("102", "Samuel", "Okafor", "America/New_York", [("08 30", "12 00"), ("13 00", "16 30")]),
    ("103", "Lucia", "Alvarez", "America/Los_Angeles", [("09 00", "17 00")]),
]

PATIENTS = [
    ("104", "Avery", "Brooks", "avery.brooks@example.com", "America/New_York", "101"),
    ("105", "Jordan", "Patel", "jordan.patel@example.com", "America/New_York", "102"),
    ("106", "Riley", "Nguyen", "riley.nguyen@example.com", "America/Los_Angeles", "103"),
]

APPOINTMENT_TYPES = [
    # id, name, minutes, contact types, clients can book
    ("301", "Initial Consultation", 60, [VIDEO, PHONE, IN_PERSON], True),
    ("302", "Video Follow-up", 30, [VIDEO], True),
    ("303", "Phone Check-in", 30, [PHONE], True),
    ("304", "In-Person Assessment", 45, [IN_PERSON], True),
    ("305", "Care Team Huddle", 60, [IN_PERSON], False),
]

SETTINGS = [
    # id, provider, buffer, booking interval (None: the 15-minute base interval), min advance,
    # window days, reschedule?, cancel?, min advance reschedule / cancel (minutes), reschedule cap
    ("601", "101", 0, 30, 120, 60, True, True, 1440, 1440, 2),
    ("602", "102", 10, None, 120, 60, True, True, 720, 720, 1),
    ("603", "103", 5, 30, 180, 45, True, False, 1440, 1440, None),
]

APPOINTMENTS = [
    # id, provider, patient, type, contact type, business day offset, local time, status
    ("50001", "101", "104", "301", VIDEO, 1, "10 00", None),
    ("50002", "101", "105", "302", VIDEO, 1, "14 00", None),
    ("50003", "101", "106", "303", PHONE, 1, "15 00", "Cancelled"),
    ("50004", "102", "105", "303", PHONE, 2, "09 00", None),
    ("50005", "103", "106", "304", IN_PERSON, 2, "11 00", None),
    ("50006", "102", "104", "302", VIDEO, -5, "13 00", "Occurred"),
]


def _hh_mm(text: str) -> time:
    hour, minute = text.split()
    return time(int(hour), int(minute))


def business_day(today: date, offset: int) -> date:
    """The `offset`-th weekday after `today` (before it when negative)."""
    step = 1 if offset > 0 else -1
    day, remaining = today, abs(offset)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def populate(store: Store, now: datetime) -> None:
    """Replace the store's contents with the demo clinic as of `now`."""
    with store.lock:
        store.clear()
        store.organization = Organization(ORGANIZATION_ID, "Riverside Family Health", OWNER_ID, now)
        for user_id, first, last, tz_name, _ in PROVIDERS:
            store.users[user_id] = User(
                id=user_id,
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@riverside-health.example".lower(),
                timezone=tz_name,
                is_patient=False,
                organization_id=ORGANIZATION_ID,
                created_at=now,
            )
        for user_id, first, last, email, tz_name, provider_id in PATIENTS:
            store.users[user_id] = User(
                id=user_id,
                first_name=first,
                last_name=last,
                email=email,
                timezone=tz_name,
                is_patient=True,
                dietitian_id=provider_id,
                created_at=now,
            )
        for position, (type_id, name, minutes, contact_types, bookable) in enumerate(
            APPOINTMENT_TYPES, start=1
        ):
            store.appointment_types[type_id] = AppointmentType(
                id=type_id,
                name=name,
                length=minutes,
                available_contact_types=list(contact_types),
                clients_can_book=bookable,
                position=position,
                created_at=now,
                updated_at=now,
            )
        for (
            setting_id,
            provider_id,
            buffer,
            interval,
            advance,
            window,
            reschedule,
            cancel,
            reschedule_notice,
            cancel_notice,
            cap,
        ) in SETTINGS:
            store.settings[provider_id] = AppointmentSetting(
                id=setting_id,
                user_id=provider_id,
                buffer=buffer,
                base_calendar_interval=15,
                booking_interval_restriction=interval,
                minimum_advance_schedule_time=advance,
                max_days_in_future=window,
                allow_clients_to_reschedule_appt=reschedule,
                allow_clients_to_cancel_appt=cancel,
                minimum_advance_reschedule_time=reschedule_notice,
                minimum_advance_cancel_time=cancel_notice,
                patient_reschedule_count_cap=cap,
                cant_reschedule_message="Please contact the clinic to reschedule this appointment.",
                cant_cancel_message="Please contact the clinic to cancel this appointment.",
                updated_at=now,
            )
        for provider_id, _, _, tz_name, hours in PROVIDERS:
            for day_of_week in range(1, 6):  # Monday to Friday
                for opens, closes in hours:
                    availability_id = store.next_id("availability")
                    store.availabilities[availability_id] = Availability(
                        id=availability_id,
                        user_id=provider_id,
                        is_repeating=True,
                        day_of_week=day_of_week,
                        start_time=_hh_mm(opens),
                        end_time=_hh_mm(closes),
                        timezone=tz_name,
                        range_start=HOURS_SINCE,
                        range_end=None,
                        created_at=now,
                        updated_at=now,
                    )
        for (
            appointment_id,
            provider_id,
            patient_id,
            type_id,
            contact,
            offset,
            at,
            status,
        ) in APPOINTMENTS:
            tz = zone(store.users[provider_id].timezone)
            day = business_day(now.astimezone(tz).date(), offset)
            store.appointments[appointment_id] = Appointment(
                id=appointment_id,
                provider_id=provider_id,
                patient_id=patient_id,
                appointment_type_id=type_id,
                contact_type=contact,
                start=local(day, _hh_mm(at), tz).astimezone(UTC),
                length=store.appointment_types[type_id].length,
                created_at=now,
                updated_at=now,
                pm_status=status,
                pm_status_changed_at=now if status else None,
            )
        store.resume_ids()

"""The deterministic demo seed: one clinic, three providers in two US zones, bookable types.

Ids are fixed. Appointment times are placed on business days relative to the sandbox clock at reset
time, so the calendar always shows both open and taken slots, and one blocked hour. All people are
fictitious.
"""

from collections import namedtuple
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

# Seed rows, one named tuple per kind; their field names are those of the record they seed
# (state.py), and populate() adds what every row of a kind shares.
Provider = namedtuple("Provider", "id first_name last_name timezone")
Patient = namedtuple("Patient", "id first_name last_name email timezone dietitian_id")
Type = namedtuple("Type", "id name length available_contact_types clients_can_book")
Setting = namedtuple(
    "Setting",
    "id user_id buffer booking_interval_restriction minimum_advance_schedule_time"
    " max_days_in_future allow_clients_to_reschedule_appt allow_clients_to_cancel_appt"
    " minimum_advance_reschedule_time minimum_advance_cancel_time patient_reschedule_count_cap",
)
Booked = namedtuple(
    "Booked",
    "id provider_id patient_id appointment_type_id contact_type day_offset local_time pm_status",
)
Blocked = namedtuple("Blocked", "id provider_id day_offset local_time local_end notes")

PROVIDERS = [
    Provider("101", "Maya", "Chen", "America/New_York"),
    Provider("102", "Samuel", "Okafor", "America/New_York"),
    Provider("103", "Lucia", "Alvarez", "America/Los_Angeles"),
]
WEEKDAY_HOURS = {  # provider id -> opening hours, Monday to Friday
    "101": [("09 00", "17 00")],
    "102": [("08 30", "12 00"), ("13 00", "16 30")],
    "103": [("09 00", "17 00")],
}

PATIENTS = [  # the last field: the patient's primary provider
    Patient("104", "Avery", "Brooks", "avery.brooks@example.com", "America/New_York", "101"),
    Patient("105", "Jordan", "Patel", "jordan.patel@example.com", "America/New_York", "102"),
    Patient("106", "Riley", "Nguyen", "riley.nguyen@example.com", "America/Los_Angeles", "103"),
]

APPOINTMENT_TYPES = [
    # id, name, minutes, contact types, clients can book
    Type("301", "Initial Consultation", 60, [VIDEO, PHONE, IN_PERSON], True),
    Type("302", "Video Follow-up", 30, [VIDEO], True),
    Type("303", "Phone Check-in", 30, [PHONE], True),
    Type("304", "In-Person Assessment", 45, [IN_PERSON], True),
    Type("305", "Care Team Huddle", 60, [IN_PERSON], False),
]

SETTINGS = [
    # id, provider, buffer, booking interval (None: the 15-minute base interval), min advance,
    # window days, reschedule?, cancel?, min advance reschedule / cancel (minutes), reschedule cap
    Setting("601", "101", 0, 30, 120, 60, True, True, 1440, 1440, 2),
    Setting("602", "102", 10, None, 120, 60, True, True, 720, 720, 1),
    Setting("603", "103", 5, 30, 180, 45, True, False, 1440, 1440, None),
]

APPOINTMENTS = [
    # id, provider, patient, type, contact type, business day offset, local time, status
    Booked("50001", "101", "104", "301", VIDEO, 1, "10 00", None),
    Booked("50002", "101", "105", "302", VIDEO, 1, "14 00", None),
    Booked("50003", "101", "106", "303", PHONE, 1, "15 00", "Cancelled"),
    Booked("50004", "102", "105", "303", PHONE, 2, "09 00", None),
    Booked("50005", "103", "106", "304", IN_PERSON, 2, "11 00", None),
    Booked("50006", "102", "104", "302", VIDEO, -5, "13 00", "Occurred"),
]

# Time a provider keeps off the calendar (a Healthie blocker), so the staff calendar and the
# availability editor have one to show. Its id is below the first appointment id, so appointments
# made after a reset still number from 50007. Dr Alvarez and a later day: the booking tests open
# Dr Chen's and Dr Okafor's first days, and see the same times as without it.
BLOCKERS = [
    # id, provider, business day offset, local start, local end, reason
    Blocked("49001", "103", 3, "12 00", "13 00", "Team meeting"),
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
        for row in PROVIDERS:
            store.users[row.id] = User(
                **row._asdict(),
                email=f"{row.first_name}.{row.last_name}@riverside-health.example".lower(),
                is_patient=False,
                organization_id=ORGANIZATION_ID,
                created_at=now,
            )
        for row in PATIENTS:
            store.users[row.id] = User(**row._asdict(), is_patient=True, created_at=now)
        for position, row in enumerate(APPOINTMENT_TYPES, start=1):
            fields = row._asdict()
            fields["available_contact_types"] = list(row.available_contact_types)  # its own list
            store.appointment_types[row.id] = AppointmentType(
                **fields, position=position, created_at=now, updated_at=now
            )
        for row in SETTINGS:
            store.settings[row.user_id] = AppointmentSetting(
                **row._asdict(),
                base_calendar_interval=15,
                cant_reschedule_message="Please contact the clinic to reschedule this appointment.",
                cant_cancel_message="Please contact the clinic to cancel this appointment.",
                updated_at=now,
            )
        for provider_id, hours in WEEKDAY_HOURS.items():
            tz_name = store.users[provider_id].timezone
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
        for row in APPOINTMENTS:
            fields = row._asdict()
            tz = zone(store.users[row.provider_id].timezone)
            day = business_day(now.astimezone(tz).date(), fields.pop("day_offset"))
            start = local(day, _hh_mm(fields.pop("local_time")), tz).astimezone(UTC)
            store.appointments[row.id] = Appointment(
                **fields,
                start=start,
                length=store.appointment_types[row.appointment_type_id].length,
                created_at=now,
                updated_at=now,
                pm_status_changed_at=now if row.pm_status else None,
            )
        for row in BLOCKERS:
            tz = zone(store.users[row.provider_id].timezone)
            day = business_day(now.astimezone(tz).date(), row.day_offset)
            start = local(day, _hh_mm(row.local_time), tz).astimezone(UTC)
            end = local(day, _hh_mm(row.local_end), tz).astimezone(UTC)
            store.appointments[row.id] = Appointment(
                id=row.id,
                provider_id=row.provider_id,
                patient_id=None,
                appointment_type_id=None,
                contact_type=None,
                start=start,
                length=int((end - start).total_seconds()) // 60,
                created_at=now,
                updated_at=now,
                notes=row.notes,
                is_blocker=True,
            )
        store.resume_ids()

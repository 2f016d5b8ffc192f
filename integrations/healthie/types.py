"""What the Healthie client returns: small frozen values, never raw payloads.

Ids are strings (GraphQL `ID`), datetimes are aware, durations are minutes.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

# pm_status values that take an appointment off the calendar (vendor-facts: "Active appointments").
INACTIVE_PM_STATUSES = frozenset({"cancelled", "re-scheduled", "no-show"})
CANCELLED = "Cancelled"


@dataclass(frozen=True)
class AppointmentType:
    id: str
    name: str
    length_minutes: int | None
    contact_types: tuple[str, ...]  # available_contact_types, e.g. ("Healthie Video Call",)
    clients_can_book: bool
    is_group: bool = False


@dataclass(frozen=True)
class Provider:
    id: str
    first_name: str
    last_name: str
    timezone: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware
    provider_id: str
    is_fully_booked: bool = False


@dataclass(frozen=True)
class Appointment:
    id: str
    start: datetime  # aware
    end: datetime | None  # aware; `end` as Healthie gives it, else start + length
    length_minutes: int | None
    provider_id: str | None
    provider_name: str | None
    patient_id: str | None
    appointment_type_id: str | None
    appointment_type_name: str | None
    contact_type: str | None
    pm_status: str | None  # "Occurred", "No-Show", "Re-Scheduled", "Cancelled", ... or None
    external_videochat_url: str | None
    deleted_at: datetime | None = None
    patient_reschedule_count: int | None = None
    is_blocker: bool = False  # time the provider keeps off the calendar: no patient, no type
    notes: str | None = None  # a blocker's reason; never read for a visit (clinical notes)

    @property
    def is_active(self) -> bool:
        """Not deleted and not Cancelled / Re-Scheduled / No-Show."""
        if self.deleted_at is not None:
            return False
        return (self.pm_status or "").strip().lower() not in INACTIVE_PM_STATUSES


@dataclass(frozen=True)
class AppointmentSetting:
    """A provider's patient rules; this project enforces them itself (it acts with a staff key)."""

    id: str
    allow_clients_to_reschedule_appt: bool
    allow_clients_to_cancel_appt: bool  # Healthie null is read as False
    minimum_advance_reschedule_time: int | None  # minutes
    minimum_advance_cancel_time: int | None  # minutes
    minimum_advance_schedule_time: int | None  # minutes
    patient_reschedule_count_cap: int | None  # None: no cap (Healthie sends a String)
    cant_reschedule_message: str | None
    cant_cancel_message: str | None
    buffer: str | None  # as Healthie sends it (String)
    base_calendar_interval: str | None  # FIVE_MINUTES | TEN_MINUTES | FIFTEEN_MINUTES
    booking_interval_restriction: int | None


@dataclass(frozen=True)
class Availability:
    id: str
    provider_id: str | None  # Availability.user_id
    is_repeating: bool
    repeating_availability_id: str | None  # the id to edit/delete a weekly one
    day_of_week: int | None  # 0 = Sunday
    range_start: datetime | None
    range_end: datetime | None
    end_on: date | None
    duration_string: str | None
    timezone: str | None
    appointment_type_id: str | None
    contact_type_id: str | None


@dataclass(frozen=True)
class Patient:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    phone_number: str | None = None


@dataclass(frozen=True)
class Webhook:
    """A webhook registered with Healthie. `signature_secret` is a secret: never log it."""

    id: str
    url: str
    is_enabled: bool
    event_types: tuple[str, ...]  # Healthie's enum names, e.g. "APPOINTMENT_UPDATED"
    signature_secret: str = field(repr=False, default="")


@dataclass(frozen=True)
class PageInfo:
    end_cursor: str | None
    has_next_page: bool

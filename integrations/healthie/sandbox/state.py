"""The Healthie sandbox's in-memory data and the domain operations on it.

One `Store` holds one organisation: providers and patients (both Healthie `User`s, one id space),
appointment types, each provider's appointment setting, availabilities and appointments. Every
read and write takes the store's re-entrant lock, so a check followed by a write (is the slot
still free? then book it) is atomic: of many concurrent checkouts for one slot exactly one wins.

Operations that Healthie answers with `messages: [{field, message}]` return a `Result`; they never
raise for bad input. Changes are announced as `Event`s (the webhook events Healthie would send) to
the `on_event` callback, which must not block: it is called with the lock held.
"""

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from . import slots
from .formats import zone

# Appointments with these statuses no longer hold their time (guides: scheduling-appointments).
INACTIVE_STATUSES = frozenset({"Cancelled", "Re-Scheduled", "No-Show"})
# The statuses updateAppointment documents; "Late Cancellation" and "Checked-In" need an account
# setting the sandbox does not model.
PM_STATUSES = ("Occurred", "No-Show", "Re-Scheduled", "Cancelled")
SLOT_TAKEN = "This time slot is no longer available"
# Availability attributes by the Healthie field a webhook's changed_fields names: Healthie keeps
# an availability's times in range_start and range_end.
AVAILABILITY_FIELDS = {
    "user_id": "user_id",
    "is_repeating": "is_repeating",
    "day_of_week": "day_of_week",
    "range_start": "range_start",
    "start_time": "range_start",
    "end_time": "range_end",
    "range_end": "range_end",
    "timezone": "timezone",
    "appointment_type_id": "appointment_type_id",
    "contact_type_id": "contact_type_id",
}


@dataclass
class Organization:
    id: str
    name: str
    owner_id: str
    created_at: datetime


@dataclass
class User:
    """A provider (organisation member) or a patient; Healthie keeps both in `User`."""

    id: str
    first_name: str
    last_name: str
    email: str
    timezone: str
    is_patient: bool
    created_at: datetime
    phone_number: str | None = None
    dietitian_id: str | None = None  # a patient's primary provider
    organization_id: str | None = None  # a provider's organisation

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class AppointmentType:
    id: str
    name: str
    length: int  # minutes
    available_contact_types: list[str]
    clients_can_book: bool
    position: int
    created_at: datetime
    updated_at: datetime


@dataclass
class AppointmentSetting:
    """A provider's booking rules. Durations are minutes, the booking window days.

    Slots step by `booking_interval_restriction` ("book at 20, 30, 60 intervals") when set, else by
    `base_calendar_interval`, the granularity of all availability operations (5, 10 or 15).
    """

    id: str
    user_id: str
    buffer: int
    base_calendar_interval: int
    booking_interval_restriction: int | None
    minimum_advance_schedule_time: int
    max_days_in_future: int
    allow_clients_to_reschedule_appt: bool
    allow_clients_to_cancel_appt: bool
    minimum_advance_reschedule_time: int
    minimum_advance_cancel_time: int
    patient_reschedule_count_cap: int | None
    cant_reschedule_message: str
    cant_cancel_message: str
    updated_at: datetime

    @property
    def slot_interval(self) -> int:
        return self.booking_interval_restriction or self.base_calendar_interval


@dataclass
class Availability:
    id: str
    user_id: str
    is_repeating: bool
    day_of_week: int  # 0 = Sunday
    start_time: time
    end_time: time
    timezone: str
    range_start: date
    range_end: date | None  # repeating: last day or open-ended; one-time: the end day
    created_at: datetime
    updated_at: datetime
    appointment_type_id: str | None = None  # set: open for that appointment type only
    contact_type_id: str | None = None  # stored and shown; the sandbox does not filter by it


@dataclass
class Appointment:
    """A visit, or a blocker (`is_blocker`): time the provider keeps off the calendar, with no
    patient, appointment type or contact type ("Required if not a blocker")."""

    id: str
    provider_id: str
    patient_id: str | None
    appointment_type_id: str | None
    contact_type: str | None
    start: datetime  # UTC
    length: int  # minutes
    created_at: datetime
    updated_at: datetime
    pm_status: str | None = None
    pm_status_changed_at: datetime | None = None
    external_videochat_url: str | None = None
    location: str | None = None
    notes: str | None = None
    reason: str | None = None
    deleted_at: datetime | None = None
    patient_reschedule_count: int = 0
    is_blocker: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.length)

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None and self.pm_status not in INACTIVE_STATUSES


@dataclass
class Webhook:
    """A registered webhook (createWebhook): Healthie generates its signature secret, and
    expireWebhookSignature replaces it."""

    id: str
    url: str
    event_types: list[str]  # e.g. "appointment.updated"
    is_enabled: bool
    should_retry: bool
    signature_secret: str
    created_at: datetime

    def wants(self, event_type: str) -> bool:
        return self.is_enabled and event_type in self.event_types


@dataclass(frozen=True)
class Event:
    """A webhook event: the thin payload Healthie POSTs."""

    event_type: str
    resource_id: str
    resource_id_type: str
    changed_fields: tuple[str, ...] = ()


@dataclass
class Result:
    """A mutation outcome: the record, or Healthie's `messages` explaining why not."""

    record: object | None = None
    messages: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def error(cls, field_name: str, message: str) -> "Result":
        return cls(messages=[{"field": field_name, "message": message}])


class InvalidQuery(ValueError):
    """A query argument the sandbox cannot answer; reported as a GraphQL error."""


@dataclass(frozen=True)
class SlotQuery:
    provider_ids: list[str]
    appointment_type_id: str | None
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    contact_type: str | None = None
    length: int | None = None  # minutes; overrides the appointment type's length
    reschedule_id: str | None = None  # its own time does not count as busy


# First id of each kind of record the API creates: short digit strings like Healthie's, in
# distinct ranges per kind so a log reader can tell them apart.
FIRST_IDS = {"user": 101, "availability": 4001, "appointment": 50001, "webhook": 9001}


class Store:
    def __init__(self, clock, on_event: Callable[[Event], None] | None = None):
        self.lock = threading.RLock()
        self.clock = clock
        self.on_event = on_event
        self.clear()

    # --- loading ---------------------------------------------------------------------------

    def clear(self) -> None:
        with self.lock:
            self.organization: Organization | None = None
            self.users: dict[str, User] = {}
            self.appointment_types: dict[str, AppointmentType] = {}
            self.settings: dict[str, AppointmentSetting] = {}  # by provider id
            self.availabilities: dict[str, Availability] = {}
            self.appointments: dict[str, Appointment] = {}
            self.webhooks: dict[str, Webhook] = {}
            self._next_ids = dict(FIRST_IDS)

    def next_id(self, kind: str) -> str:
        with self.lock:
            value = self._next_ids[kind]
            self._next_ids[kind] = value + 1
            return str(value)

    def resume_ids(self) -> None:
        """After loading records with fixed ids: new records continue after the highest."""
        with self.lock:
            tables = {
                "user": self.users,
                "availability": self.availabilities,
                "appointment": self.appointments,
            }
            for kind, records in tables.items():
                highest = max((int(record_id) for record_id in records), default=0)
                self._next_ids[kind] = max(FIRST_IDS[kind], highest + 1)

    def now(self) -> datetime:
        return self.clock.now().astimezone(UTC)

    def _emit(self, event_type: str, resource_id: str, kind: str, changed=()) -> None:
        if self.on_event:
            self.on_event(Event(event_type, resource_id, kind, tuple(changed)))

    # --- reads -----------------------------------------------------------------------------

    def providers(self, keywords: str | None = None) -> list[User]:
        with self.lock:
            found = [u for u in self.users.values() if not u.is_patient]
        return _search(found, keywords)

    def provider(self, provider_id: str | None) -> User | None:
        user = self.users.get(str(provider_id))
        return user if user and not user.is_patient else None

    def patients(self, keywords: str | None = None) -> list[User]:
        with self.lock:
            found = [u for u in self.users.values() if u.is_patient]
        return _search(found, keywords)

    def setting_for(self, provider_id: str | None) -> AppointmentSetting | None:
        return self.settings.get(str(provider_id))

    def setting(self, setting_id: str | None) -> AppointmentSetting | None:
        with self.lock:
            return next((s for s in self.settings.values() if s.id == str(setting_id)), None)

    def appointment(self, appointment_id: str | None, include_deleted=False) -> Appointment | None:
        appointment = self.appointments.get(str(appointment_id))
        if appointment and (include_deleted or appointment.deleted_at is None):
            return appointment
        return None

    def list_appointment_types(
        self,
        ids: list[str] | None = None,
        clients_can_book: bool | None = None,
        keywords: str | None = None,
    ) -> list[AppointmentType]:
        with self.lock:
            types = sorted(self.appointment_types.values(), key=lambda t: t.position)
        if ids:
            types = [t for t in types if t.id in {str(i) for i in ids}]
        if clients_can_book is not None:
            types = [t for t in types if t.clients_can_book == clients_can_book]
        if keywords:
            types = [t for t in types if keywords.lower() in t.name.lower()]
        return types

    def list_appointments(
        self,
        provider_ids: list[str] | None = None,
        patient_id: str | None = None,
        appointment_type_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        time_filter: str = "future",
        with_all_statuses: bool = False,
        include_blockers: bool = True,
    ) -> list[Appointment]:
        """Appointments by date, never deleted ones; inactive ones only with `with_all_statuses`,
        blockers only with `include_blockers`.

        `time_filter` is Healthie's `filter`: "future"/"upcoming", "past"/"ended" or "all".
        """
        now = self.now()
        with self.lock:
            found = [a for a in self.appointments.values() if a.deleted_at is None]
        if provider_ids:
            found = [a for a in found if a.provider_id in {str(p) for p in provider_ids}]
        if patient_id:
            found = [a for a in found if a.patient_id == str(patient_id)]
        if appointment_type_id:
            found = [a for a in found if a.appointment_type_id == str(appointment_type_id)]
        if start:
            found = [a for a in found if a.start >= start]
        if end:
            found = [a for a in found if a.start < end]
        if time_filter in ("future", "upcoming"):
            found = [a for a in found if a.start >= now]
        elif time_filter in ("past", "ended"):
            found = [a for a in found if a.start < now]
        if not with_all_statuses:
            found = [a for a in found if a.is_active]
        if not include_blockers:
            found = [a for a in found if not a.is_blocker]
        return sorted(found, key=lambda a: (a.start, int(a.id)))

    def list_availabilities(self, provider_ids: list[str] | None = None) -> list[Availability]:
        """Availabilities of `provider_ids` (of everyone when None), oldest first."""
        with self.lock:
            found = sorted(self.availabilities.values(), key=lambda a: int(a.id))
        if provider_ids is not None:
            found = [a for a in found if a.user_id in {str(p) for p in provider_ids}]
        return found

    # --- slots -----------------------------------------------------------------------------

    def open_slots(self, query: SlotQuery) -> list[tuple[datetime, str]]:
        """(start, provider id) pairs, ordered by time and then by the order of provider_ids."""
        with self.lock:
            appointment_type = None
            if query.appointment_type_id is not None:
                appointment_type = self.appointment_types.get(str(query.appointment_type_id))
                if appointment_type is None:
                    raise InvalidQuery("Appointment type not found")
            if query.length is not None:
                length = query.length
            elif appointment_type is not None:
                length = appointment_type.length
            else:
                raise InvalidQuery("appt_type_id is required")
            if (
                query.contact_type
                and appointment_type
                and query.contact_type not in appointment_type.available_contact_types
            ):
                return []
            now = self.now()
            found = []
            for rank, provider_id in enumerate(query.provider_ids):
                provider = self.provider(provider_id)
                setting = self.setting_for(provider_id)
                if provider is None or setting is None:
                    continue
                for instant in self._provider_slots(
                    provider, setting, appointment_type, length, query, now
                ):
                    found.append((instant, rank, provider.id))
        return [(instant, provider_id) for instant, _, provider_id in sorted(found)]

    def _provider_slots(self, provider, setting, appointment_type, length, query, now):
        availabilities = [
            a
            for a in self.availabilities.values()
            if a.user_id == provider.id
            and (
                a.appointment_type_id is None
                or (appointment_type is not None and a.appointment_type_id == appointment_type.id)
            )
        ]
        mine = [
            a
            for a in self.appointments.values()
            if a.provider_id == provider.id and a.is_active and a.id != query.reschedule_id
        ]
        busy = [(a.start, a.end) for a in mine if not a.is_blocker]
        # A blocker takes its time away exactly: the buffer keeps visits apart, and a blocker
        # is no visit (a slot may end as the provider's time off begins).
        blocked = [(a.start, a.end) for a in mine if a.is_blocker]
        rules = slots.Rules(
            length=timedelta(minutes=length),
            interval=timedelta(minutes=setting.slot_interval),
            buffer=timedelta(minutes=setting.buffer),
            min_advance=timedelta(minutes=setting.minimum_advance_schedule_time),
            max_days_ahead=setting.max_days_in_future,
            tz=zone(provider.timezone),
        )
        return slots.open_slots(
            availabilities, busy, rules, now, query.start, query.end, blocked=blocked
        )

    def is_bookable(
        self,
        provider_id: str,
        appointment_type_id: str,
        contact_type: str | None,
        start: datetime,
        reschedule_id: str | None = None,
    ) -> bool:
        query = SlotQuery(
            provider_ids=[provider_id],
            appointment_type_id=appointment_type_id,
            contact_type=contact_type,
            start=start,
            end=start + timedelta(seconds=1),
            reschedule_id=reschedule_id,
        )
        with self.lock:
            return any(instant == start for instant, _ in self.open_slots(query))

    # --- appointments ----------------------------------------------------------------------

    def complete_checkout(
        self,
        *,
        appointment_type_id: str | None,
        contact_type: str | None,
        start: datetime,
        provider_id: str | None,
        first_name: str | None,
        last_name: str | None,
        email: str | None,
        phone_number: str | None = None,
        timezone: str | None = None,
        reason: str | None = None,
        location: str | None = None,
        client: User | None = None,
    ) -> Result:
        """A patient books a slot: re-checked and written under the lock, so it is sold once.

        `client` is the authenticated caller: Healthie books for the signed-in user and reads
        the name and e-mail fields only for an unauthenticated caller (guides: patient
        scheduling), so a staff key books the appointment for the staff member."""
        with self.lock:
            appointment_type = self.appointment_types.get(str(appointment_type_id))
            if appointment_type is None:
                return Result.error("appointment_type_id", "Appointment type not found")
            if not appointment_type.clients_can_book:
                return Result.error(
                    "appointment_type_id", "This appointment type can not be booked by clients"
                )
            if not contact_type or contact_type not in appointment_type.available_contact_types:
                return Result.error(
                    "contact_type", f"{contact_type} is not offered for {appointment_type.name}"
                )
            provider = self.provider(provider_id)
            if provider is None:
                return Result.error("provider_id", "Provider not found")
            for name, value in (("first_name", first_name), ("last_name", last_name)):
                if not (value or "").strip():
                    label = name.replace("_", " ").capitalize()
                    return Result.error(name, f"{label} can't be blank")
            if not (email or "").strip() or "@" not in email:
                return Result.error("email", "Email is invalid")
            if not self.is_bookable(provider.id, appointment_type.id, contact_type, start):
                return Result.error("date", SLOT_TAKEN)
            patient = client or self._find_or_create_patient(
                provider, first_name, last_name, email, phone_number, timezone
            )
            now = self.now()
            appointment = Appointment(
                id=self.next_id("appointment"),
                provider_id=provider.id,
                patient_id=patient.id,
                appointment_type_id=appointment_type.id,
                contact_type=contact_type,
                start=start,
                length=appointment_type.length,
                created_at=now,
                updated_at=now,
                location=location,
                reason=reason,
            )
            self.appointments[appointment.id] = appointment
            self._emit("appointment.created", appointment.id, "Appointment")
            return Result(appointment)

    def _find_or_create_patient(self, provider, first_name, last_name, email, phone, timezone):
        # Patients are not members of an organisation but of their providers' accounts; the
        # sandbox has one account, so the match is by e-mail (case-insensitive) across it.
        wanted = email.strip().lower()
        for user in self.users.values():
            if user.is_patient and user.email.lower() == wanted:
                return user
        patient = User(
            id=self.next_id("user"),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            phone_number=phone,
            timezone=timezone or provider.timezone,
            is_patient=True,
            dietitian_id=provider.id,
            created_at=self.now(),
        )
        self.users[patient.id] = patient
        self._emit("patient.created", patient.id, "User")
        return patient

    def update_appointment(
        self,
        appointment_id: str | None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        pm_status: str | None = None,
        contact_type: str | None = None,
        external_videochat_url: str | None = None,
        location: str | None = None,
        notes: str | None = None,
        enforce_availability: bool = False,
        client_updating: bool = False,
        suppress_webhook: bool = False,
    ) -> Result:
        """A staff update; `client_updating` marks a reschedule done for the patient, which
        counts towards `patient_reschedule_count`. `end` sets a blocker's end (a visit's length
        is its type's); a blocker moved without one keeps its length."""
        with self.lock:
            appointment = self.appointment(appointment_id)
            if appointment is None:
                return Result.error("id", "Appointment not found")
            if pm_status is not None and pm_status not in PM_STATUSES:
                allowed = ", ".join(PM_STATUSES)
                return Result.error("pm_status", f"pm_status must be one of {allowed}")
            if appointment.is_blocker:
                if contact_type is not None:
                    return Result.error("contact_type", "A blocker has no contact type")
                length = _blocker_length(start or appointment.start, end)
                if end is not None and length is None:
                    return Result.error("end_date", "End must be after the start")
            else:
                if end is not None:
                    return Result.error("end_date", "An appointment lasts its type's length")
                length = None
                appointment_type = self.appointment_types[appointment.appointment_type_id]
                if (
                    contact_type is not None
                    and contact_type not in appointment_type.available_contact_types
                ):
                    return Result.error(
                        "contact_type",
                        f"{contact_type} is not offered for {appointment_type.name}",
                    )
            moved = start is not None and start != appointment.start
            if (
                moved
                and enforce_availability
                and not appointment.is_blocker  # "Does not work with ... blockers"
                and not self.is_bookable(
                    appointment.provider_id,
                    appointment.appointment_type_id,
                    contact_type or appointment.contact_type,
                    start,
                    reschedule_id=appointment.id,
                )
            ):
                return Result.error("date", SLOT_TAKEN)
            now = self.now()
            changes = {
                "date": ("start", start),
                "length": ("length", length),
                "pm_status": ("pm_status", pm_status),
                "contact_type": ("contact_type", contact_type),
                "external_videochat_url": ("external_videochat_url", external_videochat_url),
                "location": ("location", location),
                "notes": ("notes", notes),
            }
            changed = []
            for name, (attribute, value) in changes.items():
                if value is not None and getattr(appointment, attribute) != value:
                    setattr(appointment, attribute, value)
                    changed.append(name)
            if "pm_status" in changed:
                appointment.pm_status_changed_at = now
            if "date" in changed and client_updating:
                appointment.patient_reschedule_count += 1
            if changed:
                appointment.updated_at = now
                if not suppress_webhook:
                    self._emit("appointment.updated", appointment.id, "Appointment", changed)
            return Result(appointment)

    def create_blocker(
        self,
        *,
        provider_id: str | None,
        start: datetime,
        end: datetime | None,
        notes: str | None = None,
        suppress_webhook: bool = False,
    ) -> Result:
        """Staff keep a provider's time off the calendar: no patient, type or contact type.
        Healthie does not check availability for a blocker (enforce_availability "does not
        work with ... blockers"), so one may overlap booked visits."""
        with self.lock:
            provider = self.provider(provider_id)
            if provider is None:
                return Result.error("providers", "Provider not found")
            if end is None:
                return Result.error("end_date", "A blocker needs its end (end_date)")
            length = _blocker_length(start, end)
            if length is None:
                return Result.error("end_date", "End must be after the start")
            now = self.now()
            blocker = Appointment(
                id=self.next_id("appointment"),
                provider_id=provider.id,
                patient_id=None,
                appointment_type_id=None,
                contact_type=None,
                start=start,
                length=length,
                created_at=now,
                updated_at=now,
                notes=notes,
                is_blocker=True,
            )
            self.appointments[blocker.id] = blocker
            if not suppress_webhook:
                self._emit("appointment.created", blocker.id, "Appointment")
            return Result(blocker)

    def delete_appointment(self, appointment_id: str | None, suppress_webhook=False) -> Result:
        """A staff delete: the appointment is gone from lists and lookups (guides)."""
        with self.lock:
            appointment = self.appointment(appointment_id)
            if appointment is None:
                return Result.error("id", "Appointment not found")
            appointment.deleted_at = appointment.updated_at = self.now()
            if not suppress_webhook:
                self._emit("appointment.deleted", appointment.id, "Appointment")
            return Result(appointment)

    # --- webhooks --------------------------------------------------------------------------

    def create_webhook(self, *, url, event_types, is_enabled, should_retry) -> Result:
        if not url or not str(url).startswith(("http://", "https://")):
            return Result.error("url", "Url is invalid")
        if not event_types:
            return Result.error("webhook_events", "Choose at least one event type")
        with self.lock:
            webhook = Webhook(
                id=self.next_id("webhook"),
                url=url,
                event_types=list(dict.fromkeys(event_types)),
                is_enabled=True if is_enabled is None else bool(is_enabled),
                should_retry=True if should_retry is None else bool(should_retry),
                signature_secret=_new_secret(),
                created_at=self.now(),
            )
            self.webhooks[webhook.id] = webhook
            return Result(webhook)

    def update_webhook(self, webhook_id, *, url, event_types, is_enabled, should_retry) -> Result:
        with self.lock:
            webhook = self.webhooks.get(str(webhook_id))
            if webhook is None:
                return Result.error("id", "Webhook not found")
            if url is not None:
                if not str(url).startswith(("http://", "https://")):
                    return Result.error("url", "Url is invalid")
                webhook.url = url
            if event_types is not None:
                webhook.event_types = list(dict.fromkeys(event_types))
            if is_enabled is not None:
                webhook.is_enabled = bool(is_enabled)
            if should_retry is not None:
                webhook.should_retry = bool(should_retry)
            return Result(webhook)

    def expire_webhook_signature(self, webhook_id) -> Result:
        with self.lock:
            webhook = self.webhooks.get(str(webhook_id))
            if webhook is None:
                return Result.error("id", "Webhook not found")
            webhook.signature_secret = _new_secret()
            return Result(webhook)

    def webhooks_for(self, event_type: str) -> list[Webhook]:
        with self.lock:
            return [w for w in self.webhooks.values() if w.wants(event_type)]

    # --- availability ----------------------------------------------------------------------

    def create_availability(
        self,
        *,
        user_id: str,
        is_repeating: bool,
        day_of_week: int | None,
        range_start: date,
        range_end: date | None,
        start_time: time,
        end_time: time,
        timezone: str | None,
        appointment_type_id: str | None = None,
        contact_type_id: str | None = None,
    ) -> Result:
        with self.lock:
            now = self.now()
            availability = Availability(
                id="",
                user_id=str(user_id),
                is_repeating=is_repeating,
                day_of_week=day_of_week if day_of_week is not None else -1,
                start_time=start_time,
                end_time=end_time,
                timezone=timezone or "",
                range_start=range_start,
                range_end=range_end,
                appointment_type_id=appointment_type_id,
                contact_type_id=contact_type_id,
                created_at=now,
                updated_at=now,
            )
            problem = self._settle_availability(availability)
            if problem:
                return problem
            availability.id = self.next_id("availability")
            self.availabilities[availability.id] = availability
            self._emit("availability.created", availability.id, "Availability")
            return Result(availability)

    def edit_availability(self, availability_id: str | None, **changes) -> Result:
        """Change the given attributes (those of `create_availability`); None keeps a value."""
        with self.lock:
            current = self.availabilities.get(str(availability_id))
            if current is None:
                return Result.error("id", "Availability not found")
            edited = Availability(**vars(current))
            for name, value in changes.items():
                if value is not None:
                    setattr(edited, name, value)
            problem = self._settle_availability(edited)
            if problem:
                return problem
            changed = list(
                dict.fromkeys(
                    healthie_name
                    for name, healthie_name in AVAILABILITY_FIELDS.items()
                    if getattr(edited, name) != getattr(current, name)
                )
            )
            if changed:
                edited.updated_at = self.now()
                self.availabilities[edited.id] = edited
                self._emit("availability.updated", edited.id, "Availability", changed)
            return Result(self.availabilities[edited.id])

    def _settle_availability(self, availability: Availability) -> Result | None:
        """Validate an availability and fill its defaults; a Result with messages if invalid."""
        provider = self.provider(availability.user_id)
        if provider is None:
            return Result.error("user_id", "Provider not found")
        availability.timezone = availability.timezone or provider.timezone
        try:
            zone(availability.timezone)
        except ValueError as exc:
            return Result.error("timezone", str(exc))
        if availability.is_repeating:
            if availability.day_of_week == -1:
                availability.day_of_week = slots.healthie_weekday(availability.range_start)
            if not 0 <= availability.day_of_week <= 6:
                return Result.error("day_of_week", "day_of_week must be between 0 (Sunday) and 6")
            if availability.end_time <= availability.start_time:
                return Result.error("end_time", "End time must be after start time")
            if availability.range_end and availability.range_end < availability.range_start:
                return Result.error("range_end", "Range end must be on or after range start")
        else:
            availability.day_of_week = slots.healthie_weekday(availability.range_start)
            last_day = availability.range_end or availability.range_start
            if (last_day, availability.end_time) <= (
                availability.range_start,
                availability.start_time,
            ):
                return Result.error("end_time", "End time must be after start time")
        if (
            availability.appointment_type_id is not None
            and availability.appointment_type_id not in self.appointment_types
        ):
            return Result.error("appointment_type_id", "Appointment type not found")
        return None

    def delete_availability(self, availability_id: str | None) -> Result:
        with self.lock:
            availability = self.availabilities.pop(str(availability_id), None)
            if availability is None:
                return Result.error("id", "Availability not found")
            self._emit("availability.deleted", availability.id, "Availability")
            return Result(availability)


def _blocker_length(start: datetime, end: datetime | None) -> int | None:
    """Whole minutes from start to end (Healthie keeps lengths in minutes); None unless the end
    is at least a minute after the start."""
    if end is None:
        return None
    minutes = int((end - start).total_seconds() // 60)
    return minutes if minutes > 0 else None


def _search(users: list[User], keywords: str | None) -> list[User]:
    """Healthie's `keywords`: a case-insensitive match on name or e-mail."""
    ordered = sorted(users, key=lambda u: (u.last_name.lower(), u.first_name.lower(), int(u.id)))
    if not keywords:
        return ordered
    needle = keywords.strip().lower()
    return [u for u in ordered if needle in u.full_name.lower() or needle in u.email.lower()]


def _new_secret() -> str:
    return secrets.token_urlsafe(32)

"""Healthie GraphQL client (API version header from settings; operations written for 2026-01-01).

Every call is one named operation from `operations/<name>.graphql` (the file name, the operation
name and the root field are the same). Results are the frozen values of `types.py`; failures are
the typed errors of `integrations.errors`:

- TransientError: HTTP 429/5xx, network, or `errors[].extensions.code == "TOO_MANY_REQUESTS"`.
  Queries are retried with jittered backoff honouring Retry-After. A write is retried only when
  the request provably did not run (connect error, throttled); a lost answer on a write is an
  OutcomeUnknownError: look the result up before trying again.
- RejectedError: non-empty `messages` in a mutation payload (`.messages` holds FieldMessages),
  UNSUPPORTED_API_VERSION / MISSING_API_VERSION_HEADER (`.code`), and any other top-level
  GraphQL error such as an authentication failure.
- ContractError: a non-JSON body, no `data`, a shape or datetime we cannot read, or Healthie
  refusing our document (schema drift after a version change).

Reference: https://docs.gethealthie.com/reference/2026-01-01
Logs carry operation names, error codes and durations only: never patient data, keys or tokens.
"""

import logging
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, NotRequired, TypedDict, Unpack

import httpx
from django.conf import settings

from integrations import graphql, notices, transport
from integrations.client import ClientOptions
from integrations.errors import (
    ContractError,
    FieldMessage,
    RejectedError,
    TransientError,
    VendorError,
)
from integrations.graphql import Errors
from integrations.healthie.datetimes import (
    format_clock,
    format_datetime,
    format_long_date,
    parse_date,
    parse_datetime,
)
from integrations.healthie.types import (
    CANCELLED,
    Appointment,
    AppointmentSetting,
    AppointmentType,
    Availability,
    PageInfo,
    Patient,
    Provider,
    Slot,
    Webhook,
)
from integrations.readers import (
    boolean,
    identifier,
    listed,
    optional_identifier,
    optional_int,
    optional_str,
)

logger = logging.getLogger(__name__)

VENDOR = "healthie"
DOCS = "https://docs.gethealthie.com/reference/2026-01-01"
# Healthie's own booking widget calls these with no credentials ("considered public").
PUBLIC_OPERATIONS = frozenset(
    {
        "appointmentTypes",
        "daysAvailableForRange",
        "availableSlotsForRange",
        "nextAvailableSlot",
        "completeCheckout",
    }
)
PAGE_SIZE = 50  # Healthie recommends 10-50 per page
MAX_PAGES = 200
THROTTLED = "TOO_MANY_REQUESTS"
VERSION_CODES = frozenset({"UNSUPPORTED_API_VERSION", "MISSING_API_VERSION_HEADER"})
# graphql-ruby static validation codes: Healthie did not accept our document (schema drift).
DOCUMENT_CODES = frozenset(
    {
        "undefinedField",
        "undefinedType",
        "argumentNotAccepted",
        "argumentLiteralsIncompatible",
        "missingRequiredArguments",
        "missingRequiredInputObjectAttribute",
        "variableMismatch",
        "variableNotDefined",
        "variableNotUsed",
        "fieldsWillMerge",
        "selectionMismatch",
        "wrongArgumentType",
        "parseError",
    }
)

_warned: set[str] = set()  # warning codes already logged and recorded by this process
_warned_lock = threading.Lock()


class OpenTimeQuery(TypedDict):
    """What every open-time read (days, slots, next slot) is asked about, as keyword arguments."""

    appointment_type_id: str
    provider_id: NotRequired[str | None]
    provider_ids: NotRequired[list[str] | None]
    org_level: NotRequired[bool | None]
    contact_type: NotRequired[str | None]
    timezone: NotRequired[str | None]
    appointment_to_reschedule_id: NotRequired[str | None]


class HealthieClient(graphql.GraphQLClient):
    """Holds one pooled httpx.Client; use it as a context manager or call close()."""

    vendor = VENDOR
    settings_prefix = "HEALTHIE"
    shown = ("url", "api_version")  # never the key

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_version: str | None = None,
        authorization_shard: str | None = None,
        **options: Unpack[ClientOptions],
    ):
        super().__init__(**options)
        self._api_key = self._setting("API_KEY", api_key)
        self.api_version = self._setting("API_VERSION", api_version)
        self.authorization_shard = self._setting("AUTHORIZATION_SHARD", authorization_shard)

    def default_retry_policy(self) -> transport.RetryPolicy:
        """HEALTHIE_MAX_RETRIES retries after the first attempt."""
        return transport.RetryPolicy(max_attempts=max(1, settings.HEALTHIE_MAX_RETRIES + 1))

    # ----------------------------------------------------------------------------------------
    # Appointment types and providers

    def appointment_types(
        self,
        *,
        provider_id: str | None = None,
        provider_ids: list[str] | None = None,
        appointment_type_ids: list[str] | None = None,
        clients_can_book: bool | None = True,
        org_level: bool | None = None,
        show_group: bool | None = None,
        public: bool = False,
    ) -> list[AppointmentType]:
        """All pages of appointment types. https://docs.gethealthie.com/reference/2026-01-01/queries/appointmenttypes"""
        variables = {
            "provider_id": provider_id,
            "provider_ids": provider_ids,
            "appointment_type_ids": appointment_type_ids,
            "clients_can_book": clients_can_book,
            "org_level": org_level,
            "show_group": show_group,
        }
        return [
            self._read("appointmentTypes", _appointment_type, node)
            for node in self._pages("appointmentTypes", variables, public=public)
        ]

    def appointment_type(self, id: str) -> AppointmentType | None:
        """One appointment type, None if unknown. https://docs.gethealthie.com/reference/2026-01-01/queries/appointmenttype"""
        node = self._execute("appointmentType", {"id": id})
        return None if node is None else self._read("appointmentType", _appointment_type, node)

    def organization_members(self, *, keywords: str | None = None) -> list[Provider]:
        """All pages of the organization's providers. https://docs.gethealthie.com/reference/2026-01-01/queries/organizationmembers"""
        return [
            self._read("organizationMembers", _provider, node)
            for node in self._pages("organizationMembers", {"keywords": keywords})
        ]

    # ----------------------------------------------------------------------------------------
    # Availability for patients (public)

    def days_available(
        self,
        *,
        month: date | None = None,
        start: date | None = None,
        end: date | None = None,
        public: bool = False,
        **query: Unpack[OpenTimeQuery],
    ) -> list[date]:
        """Days with open time in `month` or start..end (inclusive). https://docs.gethealthie.com/reference/2026-01-01/queries/daysavailableforrange"""
        if (start is None) != (end is None):
            raise ValueError("start and end go together")
        if month is not None and start is not None:
            raise ValueError("pass month or start/end, not both")
        variables = {
            **_open_time_query(query),
            "date_from_month": month.isoformat() if month else None,
            "start_date": start.isoformat() if start else None,
            # ISO8601DateTime in 2026-01-01; a bare date keeps the documented whole-day meaning.
            "end_date": end.isoformat() if end else None,
        }
        days = self._execute("daysAvailableForRange", variables, public=public)
        with self._reading("daysAvailableForRange"):
            return sorted({parse_date(day) for day in days or [] if day})

    def available_slots(
        self, *, day: date, public: bool = False, **query: Unpack[OpenTimeQuery]
    ) -> list[Slot]:
        """Open slots on one day (longer ranges time out), fully booked ones left out. https://docs.gethealthie.com/reference/2026-01-01/queries/availableslotsforrange"""
        variables = {
            **_open_time_query(query),
            **dict.fromkeys(
                ("start_date", "end_date", "start_date_boundary", "end_date_boundary"),
                day.isoformat(),
            ),
        }
        slots = self._execute("availableSlotsForRange", variables, public=public)
        with self._reading("availableSlotsForRange"):
            parsed = [_slot(slot) for slot in slots or [] if slot is not None]
        return sorted(
            (slot for slot in parsed if not slot.is_fully_booked),
            key=lambda slot: (slot.start, slot.provider_id),
        )

    def next_available_slot(
        self,
        *,
        not_before: date | None = None,
        not_after: date | None = None,
        public: bool = False,
        **query: Unpack[OpenTimeQuery],
    ) -> datetime | None:
        """Start of the next open slot, None if there is none. https://docs.gethealthie.com/reference/2026-01-01/queries/nextavailableslot"""
        variables = {
            **_open_time_query(query),
            "start_date_boundary": not_before.isoformat() if not_before else None,
            "end_date_boundary": not_after.isoformat() if not_after else None,
        }
        value = self._execute("nextAvailableSlot", variables, public=public)
        if not value:
            return None
        with self._reading("nextAvailableSlot"):
            return parse_datetime(value)

    def complete_checkout(
        self,
        *,
        appointment_type_id: str,
        contact_type: str,
        start: datetime,
        timezone: str,
        provider_id: str,
        first_name: str,
        last_name: str,
        email: str,
        phone_number: str,
        idempotency_key: str | None = None,
        public: bool = True,
    ) -> Appointment:
        """Book a slot (Healthie enforces availability); never resent blindly. https://docs.gethealthie.com/reference/2026-01-01/mutations/completecheckout

        Public (no key) by default, as Healthie documents self-booking: an authenticated
        caller books for itself, so with the staff key the appointment would be the staff
        member's and the patient's name and e-mail would be ignored."""
        variables = {
            "appointment_type_id": appointment_type_id,
            "contact_type": contact_type,
            "date": format_datetime(start, timezone),
            "timezone": timezone,
            "provider_id": provider_id,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone_number": phone_number,
            "stripe_idempotency_key": idempotency_key,
        }
        payload = self._execute("completeCheckout", variables, public=public)
        return self._payload("completeCheckout", payload, "appointment", _appointment)

    # ----------------------------------------------------------------------------------------
    # Appointments (staff key)

    def appointment(self, id: str, *, include_deleted: bool = False) -> Appointment | None:
        """One appointment, None if Healthie has none by that id. https://docs.gethealthie.com/reference/2026-01-01/queries/appointment"""
        variables = {"id": id, "include_deleted": True if include_deleted else None}
        node = self._execute("appointment", variables)
        return None if node is None else self._read("appointment", _appointment, node)

    def appointments(
        self,
        *,
        provider_id: str | None = None,
        provider_ids: list[str] | None = None,
        patient_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        appointment_type_id: str | None = None,
        filter: str | None = None,
        is_active: bool | None = None,
        with_all_statuses: bool | None = None,
        is_org: bool | None = None,
        include_blockers: bool = False,
        order_by: str | None = "DATE_ASC",
        max_pages: int | None = None,
    ) -> list[Appointment]:
        """All pages (at most `max_pages`) of appointments matching the filters. https://docs.gethealthie.com/reference/2026-01-01/queries/appointments"""
        if (start is None) != (end is None):
            raise ValueError("start and end go together")
        variables = {
            "provider_id": provider_id,
            "provider_ids": provider_ids,
            "is_org": True if provider_ids and is_org is None else is_org,
            "user_id": patient_id,
            "startDate": format_datetime(start) if start else None,
            "endDate": format_datetime(end) if end else None,
            "filter_by_appointment_type_id": appointment_type_id,
            "filter": filter,
            "is_active": is_active,
            "with_all_statuses": with_all_statuses,
            "include_blockers": include_blockers,
            "order_by": order_by,
        }
        return [
            self._read("appointments", _appointment, node)
            for node in self._pages("appointments", variables, max_pages=max_pages)
        ]

    def update_appointment(
        self,
        *,
        id: str,
        start: datetime | None = None,
        timezone: str | None = None,
        pm_status: str | None = None,
        external_videochat_url: str | None = None,
        enforce_availability: bool | None = None,
    ) -> Appointment:
        """Reschedule (start + enforce_availability=True), set pm_status, set the video URL. https://docs.gethealthie.com/reference/2026-01-01/mutations/updateappointment"""
        if start is None and pm_status is None and external_videochat_url is None:
            raise ValueError("nothing to update")
        variables = {
            "id": id,
            "datetime": format_datetime(start, timezone) if start else None,
            "timezone": timezone,
            "pm_status": pm_status,
            "external_videochat_url": external_videochat_url,
            "enforce_availability": enforce_availability,
        }
        payload = self._execute("updateAppointment", variables)
        return self._payload("updateAppointment", payload, "appointment", _appointment)

    def cancel_appointment(self, id: str) -> Appointment:
        """Staff cancel: pm_status "Cancelled" (the appointment stays visible). https://docs.gethealthie.com/reference/2026-01-01/mutations/updateappointment"""
        return self.update_appointment(id=id, pm_status=CANCELLED)

    def delete_appointment(self, id: str) -> None:
        """Delete an appointment (staff key). https://docs.gethealthie.com/reference/2026-01-01/mutations/deleteappointment"""
        self._execute("deleteAppointment", {"id": id})

    # ----------------------------------------------------------------------------------------
    # Blockers (staff key): a provider's time off, an appointment with is_blocker

    def create_blocker(
        self,
        *,
        provider_id: str,
        start: datetime,
        end: datetime,
        timezone: str | None = None,
        reason: str | None = None,
    ) -> Appointment:
        """Keep start..end off the provider's calendar (no patient, type or contact type). The
        end goes in `end_date`, the input's only end typed as an instant (ISO8601DateTime); the
        input has no `length` and does not document `end_time`'s format. The reason goes in
        `notes` ("only visible to providers"). https://docs.gethealthie.com/reference/2026-01-01/mutations/createappointment"""
        if end <= start:
            raise ValueError("end must be after start")
        variables = {
            "is_blocker": True,
            "providers": provider_id,
            "datetime": format_datetime(start, timezone),
            "end_date": format_datetime(end, timezone),
            "timezone": timezone,
            "notes": reason,
        }
        payload = self._execute("createAppointment", variables)
        return self._payload("createAppointment", payload, "appointment", _appointment)

    def edit_blocker(
        self,
        *,
        id: str,
        start: datetime,
        end: datetime,
        timezone: str | None = None,
        reason: str | None = None,
    ) -> Appointment:
        """Move a blocker to start..end and set its reason ("" clears it). https://docs.gethealthie.com/reference/2026-01-01/mutations/updateappointment"""
        if end <= start:
            raise ValueError("end must be after start")
        variables = {
            "id": id,
            "datetime": format_datetime(start, timezone),
            "end_date": format_datetime(end, timezone),
            "timezone": timezone,
            "notes": reason if reason is not None else "",
        }
        payload = self._execute("updateAppointment", variables)
        return self._payload("updateAppointment", payload, "appointment", _appointment)

    def blockers(self, *, provider_id: str, start: datetime, end: datetime) -> list[Appointment]:
        """A provider's blockers starting in start..end (deleted ones left out). Healthie has
        no filter for blockers alone, so this reads the range with them and keeps them."""
        found = self.appointments(
            provider_id=provider_id, start=start, end=end, filter="all", include_blockers=True
        )
        return [a for a in found if a.is_blocker and a.deleted_at is None]

    def appointment_setting(
        self, *, provider_id: str | None = None, id: str | None = None
    ) -> AppointmentSetting | None:
        """A provider's reschedule/cancel rules, None if Healthie has none. https://docs.gethealthie.com/reference/2026-01-01/queries/appointmentsetting"""
        if provider_id is None and id is None:
            raise ValueError("provider_id or id is required")
        node = self._execute("appointmentSetting", {"provider_id": provider_id, "id": id})
        return None if node is None else self._read("appointmentSetting", _setting, node)

    # ----------------------------------------------------------------------------------------
    # Availability (staff key)

    def availabilities(
        self,
        *,
        provider_id: str,
        is_repeating: bool | None = None,
        one_time: bool | None = None,
        include_repeating: bool | None = None,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
        timezone: str | None = None,
    ) -> list[Availability]:
        """A provider's availabilities; Healthie needs is_repeating or one_time. https://docs.gethealthie.com/reference/2026-01-01/queries/availabilities"""
        if is_repeating is None and one_time is None:
            raise ValueError("Healthie returns nothing unless is_repeating or one_time is given")
        variables = {
            "provider_id": provider_id,
            "availability_provider_id": provider_id,
            "is_repeating": is_repeating,
            "one_time": one_time,
            "includeRepeating": include_repeating,
            "startDate": _date_or_datetime(start),
            "endDate": _date_or_datetime(end),
            "timezone": timezone,
        }
        nodes = self._execute("availabilities", variables)
        with self._reading("availabilities"):
            return [_availability(node) for node in nodes or [] if node is not None]

    def create_availability(self, **hours: Any) -> Availability:
        """Open hours (`availability_hours`'s keyword arguments). https://docs.gethealthie.com/reference/2026-01-01/mutations/createavailability"""
        payload = self._execute("createAvailability", availability_hours(**hours))
        return self._payload("createAvailability", payload, "availability", _availability)

    def edit_availability(self, *, id: str, **hours: Any) -> Availability:
        """Replace an availability's hours (`availability_hours`'s keyword arguments). https://docs.gethealthie.com/reference/2026-01-01/mutations/editavailability"""
        payload = self._execute("editAvailability", {"id": id, **availability_hours(**hours)})
        return self._payload("editAvailability", payload, "availability", _availability)

    def delete_availability(self, id: str) -> None:
        """Delete an availability. https://docs.gethealthie.com/reference/2026-01-01/mutations/deleteavailability"""
        self._execute("deleteAvailability", {"id": id})

    # ----------------------------------------------------------------------------------------
    # Patients (staff key)

    def find_patient(self, *, email: str) -> Patient | None:
        """The patient whose email matches exactly (case-insensitive), else None; with several,
        the oldest-looking (lowest numeric) id. https://docs.gethealthie.com/reference/2026-01-01/queries/users"""
        matches = self.find_patients(email=email)
        return matches[0] if matches else None

    def find_patients(self, *, email: str) -> list[Patient]:
        """Every patient whose email matches exactly (case-insensitive), lowest id first. https://docs.gethealthie.com/reference/2026-01-01/queries/users"""
        wanted = email.strip().casefold()
        if not wanted:
            raise ValueError("email is required")
        matches = []
        for node in self._pages("users", {"keywords": email.strip()}):
            patient = self._read("users", _patient, node)
            if (patient.email or "").strip().casefold() == wanted:
                matches.append(patient)
        return sorted(matches, key=_id_sort_key)

    def patient(self, id: str) -> Patient | None:
        """One user by id (name, e-mail, phone), None if Healthie has none. https://docs.gethealthie.com/reference/2026-01-01/queries/user"""
        node = self._execute("user", {"id": id})
        return None if node is None else self._read("user", _patient, node)

    # ----------------------------------------------------------------------------------------
    # Webhooks (staff key). Secrets are returned, never logged.

    def webhooks(self, *, keywords: str | None = None) -> list[Webhook]:
        """Every registered webhook, oldest first. https://docs.gethealthie.com/reference/2026-01-01/queries/webhooks"""
        return [
            self._read("webhooks", _webhook, node)
            for node in self._pages("webhooks", {"keywords": keywords})
        ]

    def create_webhook(self, *, url: str, event_types: list[str]) -> Webhook:
        """Register `url` for `event_types` (enum names, e.g. "APPOINTMENT_UPDATED"); Healthie
        generates the signature secret. https://docs.gethealthie.com/reference/2026-01-01/mutations/createwebhook"""
        variables = {"url": url, "webhook_events": [{"event_type": e} for e in event_types]}
        payload = self._execute("createWebhook", variables)
        return self._payload("createWebhook", payload, "webhook", _webhook)

    def update_webhook(self, *, id: str, url: str, event_types: list[str]) -> Webhook:
        """Point a webhook at `url` for `event_types`, enabled. https://docs.gethealthie.com/reference/2026-01-01/mutations/updatewebhook"""
        variables = {
            "id": id,
            "url": url,
            "webhook_events": [{"event_type": e} for e in event_types],
        }
        payload = self._execute("updateWebhook", variables)
        return self._payload("updateWebhook", payload, "webhook", _webhook)

    def rotate_webhook_secret(self, id: str) -> Webhook:
        """A new signature secret for the webhook. https://docs.gethealthie.com/reference/2026-01-01/mutations/expirewebhooksignature"""
        payload = self._execute("expireWebhookSignature", {"id": id})
        return self._payload("expireWebhookSignature", payload, "webhook", _webhook)

    # ----------------------------------------------------------------------------------------
    # Plumbing

    def _headers(self, *, public: bool) -> dict[str, str]:
        headers = {"Healthie-GraphQL-API-Version": self.api_version}
        if not public and self._api_key:  # without a key every call goes out as public
            headers["Authorization"] = f"Basic {self._api_key}"
            headers["AuthorizationSource"] = "API"
        if self.authorization_shard:
            headers["AuthorizationShard"] = self.authorization_shard
        return headers

    def _execute(self, operation: str, variables: dict[str, Any], *, public: bool = False) -> Any:
        """Send one operation; return `data.<operation>` (None when Healthie answers null)."""
        if public and operation not in PUBLIC_OPERATIONS:
            raise ValueError(f"{operation} is not a public Healthie operation")
        variables = {k: v for k, v in variables.items() if v is not None}
        return super()._execute(operation, variables, headers=self._headers(public=public))

    def _routine(self, error: VendorError) -> bool:
        # A refusal (slot taken, bad input) is business as usual; the rest needs a look.
        return isinstance(error, RejectedError) and not error.code

    def _interpret(self, operation: str, response: httpx.Response, *, is_write: bool) -> Any:
        body = self._json_object(operation, response, is_write=is_write, damaged_is_lost=False)
        _note_warnings(operation, body.get("extensions"))
        errors = body.get("errors")
        if errors:
            _raise_for_errors(operation, errors, response)
        if response.status_code in (401, 403):
            raise RejectedError(
                VENDOR,
                operation,
                f"HTTP {response.status_code}",
                code=f"HTTP_{response.status_code}",
            )
        result = graphql.root_field(VENDOR, operation, response, body)
        if is_write:
            _raise_for_messages(operation, result)
        return result

    def _pages(
        self,
        operation: str,
        variables: dict[str, Any],
        *,
        public: bool = False,
        max_pages: int | None = None,
    ) -> Iterator[dict]:
        """Nodes of every page of a connection (the first `max_pages` when given: a caller
        that must stay cheap), following page_info.end_cursor."""
        after = None
        seen: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            connection = self._execute(
                operation, {**variables, "first": PAGE_SIZE, "after": after}, public=public
            )
            if connection is None:
                return
            with self._reading(operation):
                nodes = connection["nodes"]
                page = _page_info(connection["page_info"])
                if not isinstance(nodes, list):
                    raise TypeError("nodes is not a list")
            yield from (node for node in nodes if node is not None)
            if not page.has_next_page or (max_pages is not None and number >= max_pages):
                return
            if not page.end_cursor or page.end_cursor in seen:
                raise ContractError(VENDOR, operation, "pagination cursor did not advance")
            seen.add(page.end_cursor)
            after = page.end_cursor
        raise ContractError(VENDOR, operation, f"more than {MAX_PAGES} pages")


# --------------------------------------------------------------------------------------------
# Errors and warnings


def _raise_for_errors(operation: str, errors: Any, response: httpx.Response) -> None:
    found = Errors.read(VENDOR, operation, errors)
    if THROTTLED in found.codes:
        raise TransientError(
            VENDOR, operation, THROTTLED, retry_after=transport.retry_after(response)
        )
    for code in found.codes:
        if code in VERSION_CODES:
            raise RejectedError(VENDOR, operation, found.detail, code=code)
    for error, code in zip(found.entries, found.codes, strict=True):
        # Parse/validation errors point at our document and carry no execution path.
        if code in DOCUMENT_CODES or (
            code is None and "locations" in error and "path" not in error
        ):
            raise ContractError(VENDOR, operation, f"Healthie refused the document: {found.detail}")
    raise found.rejected()


def _raise_for_messages(operation: str, payload: Any) -> None:
    messages = graphql.payload_refusal(VENDOR, operation, payload, "messages", list, "a list")
    if messages is None:
        return
    field_messages = []
    for item in messages:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            raise ContractError(VENDOR, operation, "unreadable messages entry")
        field = item.get("field")
        field_messages.append(
            FieldMessage(field=str(field) if field else None, message=item["message"])
        )
    detail = "; ".join(m.message for m in field_messages)[:500]
    raise RejectedError(VENDOR, operation, detail, messages=field_messages)


def _note_warnings(operation: str, extensions: Any) -> None:
    """Log each extensions.warnings code once per process and hand it to staff notices."""
    if not isinstance(extensions, dict) or not isinstance(extensions.get("warnings"), list):
        return
    for warning in extensions["warnings"]:
        if not isinstance(warning, dict):
            continue
        code = str(warning.get("code") or "UNKNOWN_WARNING")
        with _warned_lock:
            if code in _warned:
                continue
            _warned.add(code)
        logger.warning("healthie warning %s (first seen on %s)", code, operation)
        try:
            notices.record_vendor_warning(
                vendor=VENDOR, code=code, message=str(warning.get("message") or "")
            )
        except Exception:
            # A warning must never break the call that carried it; try again on the next one.
            logger.exception("could not record healthie warning %s", code)
            with _warned_lock:
                _warned.discard(code)


# --------------------------------------------------------------------------------------------
# Variables


def _open_time_query(query: OpenTimeQuery) -> dict[str, Any]:
    """What every open-time read sends. Healthie needs provider_id even across providers (any
    one of them) plus org_level."""
    unknown = query.keys() - OpenTimeQuery.__annotations__.keys()
    if unknown or "appointment_type_id" not in query:
        what = f"unexpected {sorted(unknown)}" if unknown else "appointment_type_id is required"
        raise TypeError(f"open-time query: {what}")
    provider_id, provider_ids = query.get("provider_id"), query.get("provider_ids")
    org_level = query.get("org_level")
    if not provider_id and not provider_ids:
        raise ValueError("provider_id or provider_ids is required")
    if provider_ids:
        providers = {
            "provider_id": provider_id or provider_ids[0],
            "provider_ids": list(provider_ids),
            "org_level": True if org_level is None else org_level,
        }
    else:
        providers = {"provider_id": provider_id, "org_level": org_level}
    return {
        **providers,
        "appt_type_id": query["appointment_type_id"],
        "contact_type": query.get("contact_type"),
        "timezone": query.get("timezone"),
        "appointment_to_reschedule_id": query.get("appointment_to_reschedule_id"),
    }


def _date_or_datetime(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_datetime(value)
    return value.isoformat()


def availability_hours(
    *,
    provider_id: str,
    range_start: date,
    start_time: time,
    end_time: time,
    timezone: str,
    is_repeating: bool = True,
    day_of_week: int | None = None,
    range_end: date | None = None,
    end_on: date | None = None,
    appointment_type_id: str | None = None,
    contact_type_id: str | None = None,
) -> dict[str, Any]:
    """The variables of createAvailability and editAvailability: a provider's open hours, weekly
    when repeating (day_of_week 0 = Sunday, defaults to range_start's)."""
    if end_time <= start_time:
        raise ValueError("end_time must be after start_time")
    if day_of_week is None and is_repeating:
        day_of_week = (range_start.weekday() + 1) % 7  # Python Monday=0 -> Healthie Sunday=0
    if day_of_week is not None and not 0 <= day_of_week <= 6:
        raise ValueError("day_of_week is 0 (Sunday) to 6 (Saturday)")
    return {
        "user_id": provider_id,
        "is_repeating": is_repeating,
        "day_of_week": day_of_week,
        "range_start": format_long_date(range_start),
        "range_end": format_long_date(range_end) if range_end else None,
        "end_on": format_long_date(end_on) if end_on else None,
        "time": format_clock(start_time),
        "end_time": format_clock(end_time),
        "timezone": timezone,
        "appointment_type_id": appointment_type_id,
        "contact_type_id": contact_type_id,
    }


# --------------------------------------------------------------------------------------------
# Readers: raise KeyError/TypeError/ValueError on a shape we cannot read (-> ContractError)


def _id_sort_key(patient: Patient) -> tuple[int, int | str]:
    return (0, int(patient.id)) if patient.id.isdigit() else (1, patient.id)


def _page_info(node: Any) -> PageInfo:
    return PageInfo(
        end_cursor=optional_str(node.get("end_cursor")),
        has_next_page=boolean(node["has_next_page"]),
    )


def _appointment_type(node: Any) -> AppointmentType:
    contact_types = listed(node.get("available_contact_types"), "available_contact_types")
    return AppointmentType(
        id=identifier(node["id"]),
        name=optional_str(node.get("name")) or "",
        length_minutes=optional_int(node.get("length")),
        contact_types=tuple(str(c) for c in contact_types if c),
        clients_can_book=boolean(node.get("clients_can_book")),
        is_group=boolean(node.get("is_group")),
    )


def _provider(node: Any) -> Provider:
    return Provider(
        id=identifier(node["id"]),
        first_name=optional_str(node.get("first_name")) or "",
        last_name=optional_str(node.get("last_name")) or "",
        timezone=optional_str(node.get("timezone")),
    )


def _slot(node: Any) -> Slot:
    return Slot(
        start=parse_datetime(node["date"]),
        provider_id=identifier(node["user_id"]),
        is_fully_booked=boolean(node.get("is_fully_booked")),
    )


def _appointment(node: Any) -> Appointment:
    start = parse_datetime(node["date"])
    length = optional_int(node.get("length"))
    end_text = optional_str(node.get("end"))
    if end_text:
        end = parse_datetime(end_text)
    else:
        end = start + timedelta(minutes=length) if length else None
    provider = node.get("provider")
    user = node.get("user")
    appointment_type = node.get("appointment_type")
    provider_name = None
    if provider:
        names = (optional_str(provider.get(k)) or "" for k in ("first_name", "last_name"))
        provider_name = " ".join(n for n in names if n) or None
    deleted_at = optional_str(node.get("deleted_at"))
    is_blocker = boolean(node.get("is_blocker"))
    return Appointment(
        id=identifier(node["id"]),
        start=start,
        end=end,
        length_minutes=length,
        provider_id=identifier(provider["id"]) if provider else None,
        provider_name=provider_name,
        patient_id=identifier(user["id"]) if user else None,
        appointment_type_id=identifier(appointment_type["id"]) if appointment_type else None,
        appointment_type_name=(
            optional_str(appointment_type.get("name")) if appointment_type else None
        ),
        contact_type=optional_str(node.get("contact_type")),
        pm_status=optional_str(node.get("pm_status")) or None,
        external_videochat_url=optional_str(node.get("external_videochat_url")) or None,
        deleted_at=parse_datetime(deleted_at) if deleted_at else None,
        patient_reschedule_count=optional_int(node.get("patient_reschedule_count")),
        is_blocker=is_blocker,
        # A visit's notes are the provider's clinical notes: not ours to hold.
        notes=(optional_str(node.get("notes")) or None) if is_blocker else None,
    )


def _setting(node: Any) -> AppointmentSetting:
    return AppointmentSetting(
        id=identifier(node["id"]),
        allow_clients_to_reschedule_appt=boolean(node.get("allow_clients_to_reschedule_appt")),
        allow_clients_to_cancel_appt=boolean(node.get("allow_clients_to_cancel_appt")),
        minimum_advance_reschedule_time=optional_int(node.get("minimum_advance_reschedule_time")),
        minimum_advance_cancel_time=optional_int(node.get("minimum_advance_cancel_time")),
        minimum_advance_schedule_time=optional_int(node.get("minimum_advance_schedule_time")),
        patient_reschedule_count_cap=optional_int(node.get("patient_reschedule_count_cap")),
        cant_reschedule_message=optional_str(node.get("cant_reschedule_message")) or None,
        cant_cancel_message=optional_str(node.get("cant_cancel_message")) or None,
        buffer=optional_str(node.get("buffer")) or None,
        base_calendar_interval=optional_str(node.get("base_calendar_interval")),
        booking_interval_restriction=optional_int(node.get("booking_interval_restriction")),
    )


def _availability(node: Any) -> Availability:
    range_start = optional_str(node.get("range_start"))
    range_end = optional_str(node.get("range_end"))
    end_on = optional_str(node.get("end_on"))
    return Availability(
        id=identifier(node["id"]),
        provider_id=optional_identifier(node.get("user_id")),
        is_repeating=boolean(node.get("is_repeating")),
        repeating_availability_id=optional_identifier(node.get("repeating_availability_id")),
        day_of_week=optional_int(node.get("day_of_week")),
        range_start=parse_datetime(range_start) if range_start else None,
        range_end=parse_datetime(range_end) if range_end else None,
        end_on=parse_date(end_on) if end_on else None,
        duration_string=optional_str(node.get("duration_string")),
        timezone=optional_str(node.get("timezone")),
        appointment_type_id=optional_identifier(node.get("appointment_type_id")),
        contact_type_id=optional_identifier(node.get("contact_type_id")),
    )


def _patient(node: Any) -> Patient:
    return Patient(
        id=identifier(node["id"]),
        email=optional_str(node.get("email")),
        first_name=optional_str(node.get("first_name")),
        last_name=optional_str(node.get("last_name")),
        phone_number=optional_str(node.get("phone_number")),
    )


def _webhook(node: Any) -> Webhook:
    events = listed(node.get("webhook_events"), "webhook_events")
    return Webhook(
        id=identifier(node["id"]),
        url=optional_str(node.get("url")) or "",
        is_enabled=boolean(node.get("is_enabled")),
        event_types=tuple(str(e["event_type"]) for e in events if e),
        signature_secret=optional_str(node.get("signature_secret")) or "",
    )

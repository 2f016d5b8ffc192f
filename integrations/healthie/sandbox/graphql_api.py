"""GraphQL for the Healthie sandbox: the project's subset SDL executed with graphql-core.

Root resolvers read arguments the way Healthie documents them, call the store, and present records
as plain dicts shaped like the SDL's object types. Which version was requested does not matter
here: the sandbox serves this one schema for every version it accepts (see app.py).
"""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from graphql import (
    GraphQLError,
    GraphQLSchema,
    StringValueNode,
    graphql_sync,
)

from integrations.sandbox.graphql import build, nullable

from . import formats, slots
from .formats import FormatError, iso, local, zone
from .state import (
    Appointment,
    AppointmentSetting,
    AppointmentType,
    Availability,
    InvalidQuery,
    Result,
    SlotQuery,
    Store,
    User,
    Webhook,
)

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")

# Healthie marks these "(considered public)": its own booking widget calls them with no key.
PUBLIC_FIELDS = frozenset(
    {
        "appointmentTypes",
        "appointmentType",
        "appointmentSetting",
        "daysAvailableForRange",
        "availableSlotsForRange",
        "nextAvailableSlot",
        "completeCheckout",
    }
)  # Introspection (__schema, __type) never reaches these resolvers: it needs no key either.
# Healthie does not document the error for a staff field asked without a key; the sandbox answers
# with this field error (the field is null, public fields in the same document still resolve).
UNAUTHENTICATED = (
    "Unauthorized: this field needs an API key "
    "(Authorization: Basic <key>, AuthorizationSource: API)"
)
# The rate-limit guide: "If no page size is defined, the default page size is 100".
PAGE_SIZE = 100
# Baseline defaults of `availabilities(start_date_padding:, end_date_padding:)`, in hours.
START_PADDING, END_PADDING = 12, 24
INTERVALS = {5: "FIVE_MINUTES", 10: "TEN_MINUTES", 15: "FIFTEEN_MINUTES"}


@dataclass
class Context:
    store: Store
    viewer: User | None  # the user the API key acts as; None without a key

    def zone(self, name: str | None = None) -> ZoneInfo:
        """`name`, else the viewer's zone, else Healthie's fallback (guides: timezones)."""
        return zone(name or (self.viewer.timezone if self.viewer else None))


class InputProblem(Exception):
    """Bad mutation input; answered as `messages: [{field, message}]`, never as an error."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def execute(
    store: Store,
    query: str,
    variables: dict | None,
    operation_name: str | None,
    viewer: User | None,
) -> dict[str, Any]:
    """Run one GraphQL request; the store lock makes each request one atomic step."""
    with store.lock:
        result = graphql_sync(
            schema(),
            query,
            variable_values=variables,
            operation_name=operation_name,
            context_value=Context(store, viewer),
        )
    return result.formatted


# --- presentation -------------------------------------------------------------------------


@nullable
def present_user(user: User) -> dict:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "timezone": user.timezone,
        "phone_number": user.phone_number,
    }


@nullable
def present_type(appointment_type: AppointmentType) -> dict:
    return {
        "id": appointment_type.id,
        "name": appointment_type.name,
        "length": appointment_type.length,
        "available_contact_types": list(appointment_type.available_contact_types),
        "clients_can_book": appointment_type.clients_can_book,
        "is_group": False,  # the sandbox has 1:1 appointment types only
    }


@nullable
def present_setting(setting: AppointmentSetting) -> dict:
    cap = setting.patient_reschedule_count_cap
    return {
        "id": setting.id,
        "allow_clients_to_reschedule_appt": setting.allow_clients_to_reschedule_appt,
        "allow_clients_to_cancel_appt": setting.allow_clients_to_cancel_appt,
        "minimum_advance_reschedule_time": setting.minimum_advance_reschedule_time,
        "minimum_advance_cancel_time": setting.minimum_advance_cancel_time,
        "minimum_advance_schedule_time": setting.minimum_advance_schedule_time,
        "patient_reschedule_count_cap": None if cap is None else str(cap),
        "cant_reschedule_message": setting.cant_reschedule_message,
        "cant_cancel_message": setting.cant_cancel_message,
        "buffer": str(setting.buffer),
        "base_calendar_interval": INTERVALS[setting.base_calendar_interval],
        "booking_interval_restriction": setting.booking_interval_restriction,
    }


@nullable
def present_appointment(appointment: Appointment, ctx: Context) -> dict:
    """Times in the viewer's zone, or the provider's for a keyless caller (guides: timezones)."""
    store = ctx.store
    provider = store.users[appointment.provider_id]
    tz = ctx.zone(None if ctx.viewer else provider.timezone)
    return {
        "id": appointment.id,
        "date": iso(appointment.start, tz),
        "end": formats.ruby_time(appointment.end, tz),
        "length": appointment.length,
        "is_blocker": appointment.is_blocker,
        "notes": appointment.notes,
        "contact_type": appointment.contact_type,
        "pm_status": appointment.pm_status,
        "external_videochat_url": appointment.external_videochat_url,
        "deleted_at": iso(appointment.deleted_at, tz) if appointment.deleted_at else None,
        "patient_reschedule_count": appointment.patient_reschedule_count,
        "appointment_type": present_type(
            store.appointment_types.get(appointment.appointment_type_id or "")
        ),
        "provider": present_user(provider),
        "user": present_user(store.users.get(appointment.patient_id or "")),
    }


def present_availability(
    availability: Availability, period: tuple[datetime, datetime] | None = None, listed=False
) -> dict:
    """An availability, or (with `period`) one weekly occurrence of a repeating one.

    Listed repeating availabilities get an id "comprised of the date and ID of the availability"
    (the SDL); the exact format is undocumented, the sandbox uses "<id>-<YYYY-MM-DD>". Edits and
    deletes take `repeating_availability_id`, as at Healthie.
    """
    tz = zone(availability.timezone)
    if period is None:  # the first occurrence
        first = slots.first_day(availability)
        last = first if availability.is_repeating else availability.range_end or first
        period = (
            local(first, availability.start_time, tz),
            local(last, availability.end_time, tz),
        )
    opens, closes = period
    identifier = availability.id
    if listed and availability.is_repeating:
        identifier = f"{availability.id}-{opens.astimezone(tz).date().isoformat()}"
    minutes = int((closes - opens).total_seconds() // 60)
    return {
        "id": identifier,
        "repeating_availability_id": availability.id if availability.is_repeating else None,
        "user_id": int(availability.user_id),
        "is_repeating": availability.is_repeating,
        "day_of_week": availability.day_of_week,
        "range_start": iso(opens, tz),
        "range_end": iso(closes, tz),
        "end_on": (
            availability.range_end.isoformat()
            if availability.is_repeating and availability.range_end
            else None
        ),
        "duration_string": formats.duration_string(minutes),
        "timezone": availability.timezone,
        "appointment_type_id": _int_or_none(availability.appointment_type_id),
        "contact_type_id": _int_or_none(availability.contact_type_id),
    }


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None else None


def connection(items: list, args: dict, present: Callable[[Any], Any]) -> dict:
    """A forward page of `items` as Healthie's `*Connection` (graphql-ruby style cursors)."""
    if args.get("before") is not None or args.get("last") is not None:
        raise InvalidQuery("the sandbox pages forwards only: use first and after")
    offset = _decode_cursor(args["after"]) if args.get("after") else 0
    size = args.get("first")
    size = PAGE_SIZE if size is None else size
    if size < 0:
        raise InvalidQuery("first must be positive")
    page = items[offset : offset + min(size, PAGE_SIZE)]
    end = offset + len(page)
    return {
        "nodes": [present(item) for item in page],
        "page_info": {
            "end_cursor": _encode_cursor(end) if page else None,
            "has_next_page": end < len(items),
            "has_previous_page": offset > 0,
            "start_cursor": _encode_cursor(offset + 1) if page else None,
        },
        "total_count": len(items),
    }


def _encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error) as exc:
        raise InvalidQuery(f"Invalid cursor: {cursor}") from exc


# --- queries ------------------------------------------------------------------------------


def resolve_appointment(ctx: Context, **args) -> dict | None:
    found = ctx.store.appointment(args.get("id"), include_deleted=bool(args.get("include_deleted")))
    return present_appointment(found, ctx)


def resolve_appointments(ctx: Context, **args) -> dict:
    """Defaults as Healthie documents them: the viewer's own appointments unless `provider_id`,
    `provider_ids`, `user_id` or `is_org` widen or narrow it; `filter` "future"; active ones
    unless `with_all_statuses`; blockers unless `include_blockers: false` (Healthie's default is
    true: the 2026-01-01 SDL states no default, the reference for the versions before it says
    `include_blockers: Boolean = true`, and nothing says it changed). `filter` defaults to
    "future" with a date range too (the documented default), so a range reaching into the past
    needs `filter: "all"`; a bare-date `endDate` includes that whole day."""
    tz = ctx.zone()
    provider_ids = [args["provider_id"]] if args.get("provider_id") else args.get("provider_ids")
    if not provider_ids and not args.get("user_id") and not args.get("is_org"):
        provider_ids = [ctx.viewer.id]
    start = _instant(args.get("startDate"), tz)
    end = _instant(args.get("endDate"), tz)
    if end and formats.is_iso8601_date(args["endDate"]):
        end += timedelta(days=1)
    time_filter = args.get("filter") or "future"
    if time_filter not in ("future", "upcoming", "past", "ended", "all"):
        raise InvalidQuery(f"filter {time_filter!r} is not supported by the sandbox")
    found = ctx.store.list_appointments(
        provider_ids=provider_ids,
        patient_id=args.get("user_id"),
        appointment_type_id=args.get("filter_by_appointment_type_id"),
        start=start,
        end=end,
        time_filter=time_filter,
        with_all_statuses=bool(args.get("with_all_statuses")),
        include_blockers=args.get("include_blockers") is not False,
    )
    order = args.get("order_by") or "DATE_ASC"
    if order != "UNSORTED":
        key, direction = order.rsplit("_", 1)
        attribute = {"DATE": "start", "CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}[key]
        found.sort(key=lambda a: (getattr(a, attribute), int(a.id)), reverse=direction == "DESC")
    return connection(found, args, lambda a: present_appointment(a, ctx))


def resolve_appointment_setting(ctx: Context, **args) -> dict | None:
    if args.get("id"):
        return present_setting(ctx.store.setting(args["id"]))
    provider_id = args.get("provider_id") or (ctx.viewer.id if ctx.viewer else None)
    return present_setting(ctx.store.setting_for(provider_id))


def resolve_appointment_type(ctx: Context, **args) -> dict | None:
    return present_type(ctx.store.appointment_types.get(str(args.get("id"))))


def resolve_appointment_types(ctx: Context, **args) -> dict:
    """All types belong to the organisation, so every provider offers every type."""
    types = (
        []
        if args.get("show_group")
        else ctx.store.list_appointment_types(
            ids=args.get("appointment_type_ids"),
            clients_can_book=args.get("clients_can_book"),
            keywords=args.get("keywords"),
        )
    )
    order = args.get("order_by") or "POSITION_ASC"
    key, direction = order.rsplit("_", 1)
    attribute = {"POSITION": "position", "CREATED_AT": "created_at"}.get(key, "updated_at")
    types.sort(key=lambda t: (getattr(t, attribute), int(t.id)), reverse=direction == "DESC")
    return connection(types, args, present_type)


def resolve_availabilities(ctx: Context, **args) -> list[dict]:
    """As the availability guide says: nothing unless `one_time` or `is_repeating` is given;
    `includeRepeating` adds repeating ones to one-time ones. With `startDate` and `endDate`
    (widened by the paddings) repeating availabilities are listed once per weekly occurrence."""
    if args.get("show_availability") is False or not (
        args.get("one_time") or args.get("is_repeating")
    ):
        return []
    want_one_time = bool(args.get("one_time"))
    want_repeating = bool(args.get("is_repeating") or args.get("includeRepeating"))
    if args.get("availability_provider_id"):
        provider_ids = [args["availability_provider_id"]]
    elif args.get("is_org"):
        provider_ids = args.get("provider_ids") or None
    else:
        provider_ids = [args.get("provider_id") or args.get("user_id") or ctx.viewer.id]
    type_id = args.get("appointment_type_id")
    records = [
        a
        for a in ctx.store.list_availabilities(provider_ids)
        if (want_repeating if a.is_repeating else want_one_time)
        and (type_id is None or a.appointment_type_id in (None, str(type_id)))
    ]
    if not (args.get("startDate") and args.get("endDate")):
        return [present_availability(a, listed=True) for a in records]
    tz = ctx.zone(args.get("timezone"))
    before = args.get("start_date_padding")
    after = args.get("end_date_padding")
    start = _instant(args["startDate"], tz) - timedelta(
        hours=START_PADDING if before is None else before
    )
    end = _instant(args["endDate"], tz) + timedelta(hours=END_PADDING if after is None else after)
    shown = [
        (period[0], int(a.id), present_availability(a, period, listed=True))
        for a in records
        for period in slots.occurrences(a, start, end)
    ]
    return [entry for _, _, entry in sorted(shown, key=lambda item: item[:2])]


def resolve_available_slots(ctx: Context, **args) -> list[dict]:
    """Slots from `start_date` to `end_date` (whole days in `timezone`; `end_date` defaults to
    `start_date`, one day, as Healthie recommends), dated in the requested zone."""
    tz = _requested_zone(args)
    today = ctx.store.now().astimezone(tz).date()
    first = formats.parse_day(args["start_date"], tz) if args.get("start_date") else today
    last = formats.parse_day(args["end_date"], tz) if args.get("end_date") else first
    found = _slots(ctx, args, first, last, tz)
    if args.get("make_unique", True):  # one slot per time, from the first provider free then
        first_free = {}
        for instant, provider_id in found:
            first_free.setdefault(instant, provider_id)
        found = list(first_free.items())
    return [
        {"date": iso(instant, tz), "user_id": provider_id, "is_fully_booked": False}
        for instant, provider_id in found
    ]


def resolve_days_available(ctx: Context, **args) -> list[str]:
    """Days (YYYY-MM-DD in the requested zone) with at least one slot: of `date_from_month`'s
    month (the current one by default), or from `start_date` to `end_date` inclusive."""
    tz = _requested_zone(args)
    today = ctx.store.now().astimezone(tz).date()
    if bool(args.get("start_date")) != bool(args.get("end_date")):
        raise InvalidQuery("start_date and end_date must be passed in together")
    if args.get("start_date"):
        first = formats.parse_day(args["start_date"], tz)
        last = formats.parse_day(args["end_date"], tz)
    else:
        first = formats.parse_month(args.get("date_from_month"), today)
        last = formats.month_end(first)
    days = {instant.astimezone(tz).date() for instant, _ in _slots(ctx, args, first, last, tz)}
    return [day.isoformat() for day in sorted(days)]


def resolve_next_available_slot(ctx: Context, **args) -> str | None:
    """The first open slot from today to the end of the furthest booking window."""
    tz = _requested_zone(args)
    today = ctx.store.now().astimezone(tz).date()
    windows = [
        setting.max_days_in_future
        for provider_id in _slot_providers(ctx, args)
        if (setting := ctx.store.setting_for(provider_id))
    ]
    # +1: a provider west of the requested zone can still be bookable on the next local day.
    last = today + timedelta(days=max(windows, default=0) + 1)
    found = _slots(ctx, args, today, last, tz)
    return formats.ruby_time(found[0][0], tz) if found else None


def resolve_organization_members(ctx: Context, **args) -> dict:
    return connection(ctx.store.providers(args.get("keywords")), args, present_user)


def resolve_users(ctx: Context, **args) -> dict:
    """Patients (organisation members come from organizationMembers), found by `keywords`."""
    if args.get("active_status") == "archived" or (
        args.get("show_all_by_default") is False and not args.get("keywords")
    ):
        return connection([], args, present_user)
    found = ctx.store.patients(args.get("keywords"))
    if args.get("ids"):
        found = [u for u in found if u.id in {str(i) for i in args["ids"]}]
    if args.get("provider_id"):
        found = [u for u in found if u.dietitian_id == str(args["provider_id"])]
    return connection(found, args, present_user)


def resolve_user(ctx: Context, **args) -> dict | None:
    """One user by id (providers and patients share ids); the viewer with or_current_user."""
    found = ctx.store.users.get(str(args.get("id") or ""))
    if found is None and args.get("or_current_user"):
        found = ctx.viewer
    return present_user(found)


def _requested_zone(args: dict) -> ZoneInfo:
    """Slot queries: the `timezone` argument, else America/New_York (a keyless caller has no
    timezone of their own)."""
    return zone(args.get("timezone"))


def _slot_providers(ctx: Context, args: dict) -> list[str]:
    """`org_level: true` searches `provider_ids` (all providers when empty) minus
    `exclude_provider_ids`; otherwise `provider_id` alone."""
    if args.get("org_level"):
        ids = [str(i) for i in args.get("provider_ids") or [p.id for p in ctx.store.providers()]]
        excluded = {str(i) for i in args.get("exclude_provider_ids") or []}
        return [i for i in ids if i not in excluded]
    if not args.get("provider_id"):
        raise InvalidQuery("provider_id is required")
    return [str(args["provider_id"])]


def _slots(ctx: Context, args: dict, first: date, last: date, tz: ZoneInfo):
    """Open (instant, provider id) pairs on the days `first`..`last` in `tz`, clipped by the
    `*_boundary` arguments (YYYY-MM-DD, both inclusive)."""
    if args.get("start_date_boundary"):
        first = max(first, date.fromisoformat(args["start_date_boundary"]))
    if args.get("end_date_boundary"):
        last = min(last, date.fromisoformat(args["end_date_boundary"]))
    if last < first:
        return []
    length = args.get("length")
    try:
        length = int(length) if length else None
    except ValueError as exc:
        raise InvalidQuery("length must be a number of minutes") from exc
    query = SlotQuery(
        provider_ids=_slot_providers(ctx, args),
        appointment_type_id=args.get("appt_type_id"),
        contact_type=args.get("contact_type"),
        length=length,
        start=local(first, time(0), tz).astimezone(UTC),
        end=local(last + timedelta(days=1), time(0), tz).astimezone(UTC),
        reschedule_id=args.get("appointment_to_reschedule_id"),
    )
    return ctx.store.open_slots(query)


def _instant(value: str | None, tz: ZoneInfo) -> datetime | None:
    return formats.parse_datetime(value, tz) if value else None


# --- mutations ----------------------------------------------------------------------------


def payload(record_key: str, present: Callable[[Any, Context], Any]):
    """Turn a mutation returning a `Result` into Healthie's payload: the record, and
    `messages` (null on success) for anything the input got wrong."""

    def decorate(mutate):
        def resolve(ctx: Context, input=None):
            try:
                result = mutate(ctx, input or {})
            except InputProblem as problem:
                result = Result.error(problem.field, problem.message)
            record = present(result.record, ctx) if result.record is not None else None
            return {record_key: record, "messages": result.messages or None}

        return resolve

    return decorate


def _parsed(data: dict, name: str, parse: Callable[[str], Any], required=False):
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise InputProblem(name, f"{name} can't be blank")
        return None
    try:
        return parse(value)
    except FormatError as exc:
        raise InputProblem(name, str(exc)) from exc


def _input_zone(ctx: Context, data: dict) -> ZoneInfo:
    return _parsed(data, "timezone", zone) or ctx.zone()


@payload("appointment", present_appointment)
def mutate_complete_checkout(ctx: Context, data: dict) -> Result:
    """A keyless patient booking; `date` without an offset is read in `timezone`."""
    tz = _input_zone(ctx, data)
    start = _parsed(data, "date", lambda v: formats.parse_datetime(v, tz), required=True)
    return ctx.store.complete_checkout(
        appointment_type_id=data.get("appointment_type_id"),
        contact_type=data.get("contact_type"),
        start=start,
        provider_id=data.get("provider_id"),
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        email=data.get("email"),
        phone_number=data.get("phone_number"),
        timezone=data.get("timezone"),
        reason=data.get("reason"),
        location=data.get("location"),
        client=ctx.viewer,  # signed in: Healthie books for that user, not for the e-mail given
    )


@payload("appointment", present_appointment)
def mutate_update_appointment(ctx: Context, data: dict) -> Result:
    """`datetime` (YYYY-MM-DD HH:MM:SS or ISO 8601) supersedes `date`; both are read in
    `timezone`, else the viewer's zone. A separate `time` is not modelled."""
    if data.get("time") and not data.get("datetime"):
        raise InputProblem("time", "the sandbox reads datetime (or date) with the time in it")
    if data.get("end_time") and not data.get("end_date"):
        raise InputProblem("end_time", "the sandbox reads end_date (a date and time) instead")
    tz = _input_zone(ctx, data)
    field_name = "datetime" if data.get("datetime") else "date"
    start = _parsed(data, field_name, lambda v: formats.parse_datetime(v, tz))
    return ctx.store.update_appointment(
        data.get("id"),
        start=start,
        end=_parsed(data, "end_date", lambda v: formats.parse_datetime(v, tz)),
        pm_status=data.get("pm_status"),
        contact_type=data.get("contact_type"),
        external_videochat_url=data.get("external_videochat_url"),
        location=data.get("location"),
        notes=data.get("notes"),
        enforce_availability=bool(data.get("enforce_availability")),
        client_updating=bool(data.get("client_updating")),
        suppress_webhook=bool(data.get("suppress_webhook_notifications")),
    )


@payload("appointment", present_appointment)
def mutate_create_appointment(ctx: Context, data: dict) -> Result:
    """Blockers only: `is_blocker`, the provider's id in `providers` (a String; one id here,
    else the viewer), the start in `datetime` (or `date`) and the end in `end_date`, read in
    `timezone` else the viewer's zone, the reason in `notes`. A visit needs a patient, type
    and contact type, which the sandbox leaves to completeCheckout."""
    if not data.get("is_blocker"):
        raise InputProblem(
            "is_blocker", "the sandbox creates blockers only; patients book by completeCheckout"
        )
    if data.get("recurring_appointment") or data.get("repeat"):
        raise InputProblem("recurring_appointment", "the sandbox has no recurring blockers")
    if data.get("time") and not data.get("datetime"):
        raise InputProblem("time", "the sandbox reads datetime (or date) with the time in it")
    if data.get("end_time") and not data.get("end_date"):
        raise InputProblem("end_time", "the sandbox reads end_date (a date and time) instead")
    tz = _input_zone(ctx, data)
    field_name = "datetime" if data.get("datetime") else "date"
    start = _parsed(data, field_name, lambda v: formats.parse_datetime(v, tz), required=True)
    provider_ids = [p.strip() for p in str(data.get("providers") or "").split(",") if p.strip()]
    if len(provider_ids) > 1:
        raise InputProblem("providers", "the sandbox blocks one provider's time at a time")
    return ctx.store.create_blocker(
        provider_id=provider_ids[0] if provider_ids else (ctx.viewer.id if ctx.viewer else None),
        start=start,
        end=_parsed(data, "end_date", lambda v: formats.parse_datetime(v, tz)),
        notes=data.get("notes"),
        suppress_webhook=bool(data.get("suppress_webhook_notifications")),
    )


@payload("appointment", present_appointment)
def mutate_delete_appointment(ctx: Context, data: dict) -> Result:
    return ctx.store.delete_appointment(
        data.get("id"), suppress_webhook=bool(data.get("suppress_webhook_notifications"))
    )


def _availability_changes(data: dict) -> dict:
    """Store attributes from Healthie's availability input formats; absent inputs are None."""
    if data.get("start_datetime") or data.get("end_datetime"):
        raise InputProblem(
            "start_datetime", "the sandbox takes range_start, time and end_time instead"
        )
    contact_type_id = data.get("contact_type_id")
    if contact_type_id is not None and not str(contact_type_id).isdigit():
        raise InputProblem("contact_type_id", "contact_type_id must be a number")
    timezone = _parsed(data, "timezone", _zone_name)
    return {
        "user_id": data.get("user_id"),
        "is_repeating": data.get("is_repeating"),
        "day_of_week": data.get("day_of_week"),
        "range_start": _parsed(data, "range_start", formats.parse_long_date),
        "range_end": _parsed(data, "range_end", formats.parse_long_date)
        or _parsed(data, "end_on", formats.parse_long_date),
        "start_time": _parsed(data, "time", formats.parse_hh_mm),
        "end_time": _parsed(data, "end_time", formats.parse_hh_mm),
        "timezone": timezone,
        "appointment_type_id": data.get("appointment_type_id"),
        "contact_type_id": contact_type_id,
    }


def _zone_name(name: str) -> str:
    zone(name)  # raises FormatError for an unknown zone
    return name


def _present_availability(availability: Availability, _ctx: Context) -> dict:
    return present_availability(availability)


@payload("availability", _present_availability)
def mutate_create_availability(ctx: Context, data: dict) -> Result:
    """`range_start` "August 16, 2022", `time`/`end_time` "07 30", `day_of_week` 0 = Sunday;
    `user_id` defaults to the viewer, `timezone` to the provider's."""
    changes = _availability_changes(data)
    for name, label in (("range_start", "range_start"), ("start_time", "time")):
        if changes[name] is None:
            raise InputProblem(label, f"{label} can't be blank")
    if changes["end_time"] is None:
        raise InputProblem("end_time", "end_time can't be blank")
    return ctx.store.create_availability(
        **{
            **changes,
            "user_id": changes["user_id"] or ctx.viewer.id,
            "is_repeating": bool(changes["is_repeating"]),
        }
    )


@payload("availability", _present_availability)
def mutate_edit_availability(ctx: Context, data: dict) -> Result:
    return ctx.store.edit_availability(data.get("id"), **_availability_changes(data))


@payload("availability", _present_availability)
def mutate_delete_availability(ctx: Context, data: dict) -> Result:
    return ctx.store.delete_availability(data.get("id"))


# --- webhooks (the registration API; deliveries are sent by app.py) -------------------------


def event_names() -> dict[str, str]:
    """WebhookEventType values -> Healthie's event names ("APPOINTMENT_UPDATED" ->
    "appointment.updated"): each enum value's description in the reference is its name."""
    values = schema().type_map["WebhookEventType"].values
    return {name: value.description or name.lower() for name, value in values.items()}


@nullable
def present_webhook(webhook: Webhook, _ctx: Context | None = None) -> dict:
    enum_of = {event: name for name, event in event_names().items()}
    return {
        "id": webhook.id,
        "url": webhook.url,
        "is_enabled": webhook.is_enabled,
        "should_retry": webhook.should_retry,
        "signature_secret": webhook.signature_secret,
        "webhook_events": [
            {"id": f"{webhook.id}-{i}", "event_type": enum_of[event], "retry_count": 0}
            for i, event in enumerate(webhook.event_types, 1)
        ],
    }


def resolve_webhooks(ctx: Context, **args) -> dict:
    found = sorted(ctx.store.webhooks.values(), key=lambda w: int(w.id))
    if args.get("keywords"):
        found = [w for w in found if args["keywords"].lower() in w.url.lower()]
    if (args.get("order_by") or "").endswith("_DESC"):
        found.reverse()
    return connection(found, args, present_webhook)


def _webhook_events(data: dict) -> list[str] | None:
    """The event names of `webhook_events` (and the single `event_type`), None if neither."""
    names = event_names()
    chosen = [e.get("event_type") for e in data.get("webhook_events") or [] if e]
    if data.get("event_type"):
        chosen.append(data["event_type"])
    if not chosen and data.get("webhook_events") is None and not data.get("event_type"):
        return None
    return [names[value] for value in chosen if value in names]


@payload("webhook", present_webhook)
def mutate_create_webhook(ctx: Context, data: dict) -> Result:
    return ctx.store.create_webhook(
        url=data.get("url"),
        event_types=_webhook_events(data) or [],
        is_enabled=data.get("is_enabled"),
        should_retry=data.get("should_retry"),
    )


@payload("webhook", present_webhook)
def mutate_update_webhook(ctx: Context, data: dict) -> Result:
    return ctx.store.update_webhook(
        data.get("id"),
        url=data.get("url"),
        event_types=_webhook_events(data),
        is_enabled=data.get("is_enabled"),
        should_retry=data.get("should_retry"),
    )


@payload("webhook", present_webhook)
def mutate_expire_webhook_signature(ctx: Context, data: dict) -> Result:
    return ctx.store.expire_webhook_signature(data.get("id"))


ROOT_RESOLVERS = {
    "Query": {
        "appointment": resolve_appointment,
        "appointments": resolve_appointments,
        "appointmentSetting": resolve_appointment_setting,
        "appointmentType": resolve_appointment_type,
        "appointmentTypes": resolve_appointment_types,
        "availabilities": resolve_availabilities,
        "availableSlotsForRange": resolve_available_slots,
        "daysAvailableForRange": resolve_days_available,
        "nextAvailableSlot": resolve_next_available_slot,
        "organizationMembers": resolve_organization_members,
        "user": resolve_user,
        "users": resolve_users,
        "webhooks": resolve_webhooks,
    },
    "Mutation": {
        "completeCheckout": mutate_complete_checkout,
        "createAppointment": mutate_create_appointment,
        "createAvailability": mutate_create_availability,
        "createWebhook": mutate_create_webhook,
        "expireWebhookSignature": mutate_expire_webhook_signature,
        "updateWebhook": mutate_update_webhook,
        "deleteAppointment": mutate_delete_appointment,
        "deleteAvailability": mutate_delete_availability,
        "editAvailability": mutate_edit_availability,
        "updateAppointment": mutate_update_appointment,
    },
}


# --- schema -------------------------------------------------------------------------------


def _guarded(name: str, resolve: Callable[..., Any]):
    def resolver(_root, info, **args):
        ctx: Context = info.context
        if ctx.viewer is None and name not in PUBLIC_FIELDS:
            raise GraphQLError(UNAUTHENTICATED, extensions={"code": "UNAUTHENTICATED"})
        # InvalidQuery and FormatError become field errors carrying their message.
        return resolve(ctx, **args)

    return resolver


def _scalar(check: Callable[[Any], bool], type_name: str):
    """Input coercion as graphql-ruby does it: reject what the scalar cannot parse, keep the
    string (resolvers read it in the right zone)."""

    def parse_value(value):
        if not check(value):
            raise GraphQLError(f"{value!r} is not a valid {type_name}")
        return value

    def parse_literal(node, _variables=None):
        if not isinstance(node, StringValueNode):
            raise GraphQLError(f"{type_name} must be a string")
        return parse_value(node.value)

    return parse_value, parse_literal


@cache
def schema() -> GraphQLSchema:
    built = build(SCHEMA_PATH, ROOT_RESOLVERS, bind=_guarded)
    for type_name, check in (
        ("ISO8601DateTime", formats.is_iso8601_datetime),
        ("ISO8601Date", formats.is_iso8601_date),
    ):
        scalar = built.type_map[type_name]
        scalar.parse_value, scalar.parse_literal = _scalar(check, type_name)
    return built

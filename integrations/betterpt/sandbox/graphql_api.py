"""GraphQL for the BetterPT sandbox: the subset SDL executed with graphql-core over a room store.

Answers follow Apollo Server's conventions (BetterPT runs a Node GraphQL server and publishes no
error format): a document that does not parse or validate is HTTP 400 with
`extensions.code` GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED, bad variables are HTTP 400
BAD_USER_INPUT, and refusals raised by a resolver are HTTP 200 with `data: null` and
`errors[].extensions.code` (BAD_USER_INPUT, NOT_FOUND).

Room rules (BetterPT README): users can enter five minutes before startTime, the session lasts 60
minutes, and once a session has started (clock >= startTime) it cannot be updated. Duration and
attendance fill in two hours after startTime.
"""

import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.sandbox import graphql
from integrations.sandbox.graphql import ApolloAPI

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
OPENS_BEFORE = timedelta(minutes=5)
SESSION_LENGTH = timedelta(minutes=60)
STATS_AFTER = timedelta(hours=2)

SCHEDULED, OPEN, COMPLETED, CANCELLED = "SCHEDULED", "OPEN", "COMPLETED", "CANCELLED"
BAD_USER_INPUT, NOT_FOUND = "BAD_USER_INPUT", "NOT_FOUND"
STARTED_MESSAGE = "This PartnerVideoRoom session has already started and cannot be updated"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")


class Problem(graphql.Problem):  # noqa: N818
    """A refusal a resolver raises (BAD_USER_INPUT unless it says otherwise)."""

    default_code = BAD_USER_INPUT


@dataclass
class Room:
    uid: str
    start: datetime
    time_zone: str
    display_name: str | None
    patient_key: str
    provider_key: str
    created_at: datetime
    partner_customer_id: str | None = None
    partner_provider_email: str | None = None
    partner_patient_email: str | None = None
    partner_patient_phone: str | None = None
    partner_clinic_name: str | None = None
    cancelled_at: datetime | None = None
    patient_joined_at: datetime | None = None
    provider_joined_at: datetime | None = None
    notices: list[str] = field(default_factory=list)  # outreach BetterPT would have sent

    @property
    def outreach(self) -> bool:
        """BetterPT contacts the patient given a clinic name and an e-mail and/or phone."""
        return bool(
            self.partner_clinic_name and (self.partner_patient_email or self.partner_patient_phone)
        )

    def status(self, now: datetime) -> str:
        if self.cancelled_at is not None:
            return CANCELLED
        if now < self.start - OPENS_BEFORE:
            return SCHEDULED
        if now < self.start + SESSION_LENGTH:
            return OPEN
        return COMPLETED

    def notify(self, kind: str) -> None:
        if self.outreach:
            self.notices.append(kind)

    def summary(self, now: datetime) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "startTime": iso(self.start),
            "timeZone": self.time_zone,
            "displayName": self.display_name,
            "status": self.status(now),
            "outreach": self.outreach,
            "notices": list(self.notices),
        }


class Store:
    """All rooms, keyed by uid and by link key. Callers hold `lock` for a consistent step."""

    def __init__(self):
        self.lock = threading.RLock()
        self.rooms: dict[str, Room] = {}

    def clear(self) -> None:
        with self.lock:
            self.rooms.clear()

    def add(self, room: Room) -> Room:
        self.rooms[room.uid] = room
        return room

    def by_key(self, key: str) -> tuple[Room, str] | None:
        for room in self.rooms.values():
            if secrets.compare_digest(room.patient_key, key):
                return room, "patient"
            if secrets.compare_digest(room.provider_key, key):
                return room, "provider"
        return None

    def new_room(self, *, start: datetime, time_zone: str, now: datetime, **details) -> Room:
        return self.add(
            Room(
                uid=str(uuid.uuid4()),
                start=start,
                time_zone=time_zone,
                patient_key=secrets.token_urlsafe(16),
                provider_key=secrets.token_urlsafe(16),
                created_at=now,
                **details,
            )
        )


@dataclass
class Context:
    store: Store
    now: datetime
    base_url: str  # where the caller reached the sandbox: links point back at it


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_rfc3339(value: Any) -> datetime:
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError(f"DateTime cannot represent an invalid date-time-string {value!r}.")
    return datetime.fromisoformat(value.upper())


def present(room: Room, ctx: Context) -> dict[str, Any]:
    stats_ready = room.cancelled_at is None and ctx.now >= room.start + STATS_AFTER
    return {
        "uid": room.uid,
        "startTime": room.start,
        "timeZone": room.time_zone,
        "displayName": room.display_name,
        "patientLink": f"{ctx.base_url}/video/{room.patient_key}",
        "providerLink": f"{ctx.base_url}/video/{room.provider_key}",
        "status": room.status(ctx.now),
        "partnerCustomerId": room.partner_customer_id,
        "partnerProviderEmail": room.partner_provider_email,
        "partnerPatientEmail": room.partner_patient_email,
        "patientDuration": _minutes(room, room.patient_joined_at) if stats_ready else None,
        "providerDuration": _minutes(room, room.provider_joined_at) if stats_ready else None,
        "didPatientAttend": room.patient_joined_at is not None if stats_ready else None,
        "didProviderAttend": room.provider_joined_at is not None if stats_ready else None,
    }


def _minutes(room: Room, joined: datetime | None) -> int:
    if joined is None:
        return 0
    stayed = room.start + SESSION_LENGTH - max(joined, room.start)
    return max(0, int(stayed.total_seconds() // 60))


# --- resolvers ----------------------------------------------------------------------------


def _room(ctx: Context, uid: str) -> Room:
    room = ctx.store.rooms.get(uid)
    if room is None:
        raise Problem(f"PartnerVideoRoom {uid} not found", NOT_FOUND)
    return room


def _future(ctx: Context, start: datetime) -> datetime:
    if start <= ctx.now:
        raise Problem("startTime must be in the future")
    return start


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(f"timeZone {name!r} is not a valid time zone") from None
    return name


def _optional(data: dict, key: str, pattern: re.Pattern | None = None) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if pattern is not None and not pattern.match(value.strip()):
        raise Problem(f"{key} is invalid")
    return value.strip()


def resolve_partner_video_room(ctx: Context, uid: str) -> dict:
    return present(_room(ctx, uid), ctx)


def resolve_create(ctx: Context, input: dict) -> dict:  # noqa: A002 - the GraphQL argument name
    details = {
        "display_name": _optional(input, "displayName"),
        "partner_customer_id": _optional(input, "partnerCustomerId"),
        "partner_provider_email": _optional(input, "partnerProviderEmail", _EMAIL),
        "partner_patient_email": _optional(input, "partnerPatientEmail", _EMAIL),
        "partner_patient_phone": _optional(input, "partnerPatientPhoneNumber", _PHONE),
        "partner_clinic_name": _optional(input, "partnerClinicName"),
    }
    if details["display_name"] and len(details["display_name"]) > 255:
        raise Problem("displayName must be at most 255 characters")
    room = ctx.store.new_room(
        start=_future(ctx, input["startTime"]),
        time_zone=_zone(input["timeZone"]),
        now=ctx.now,
        **details,
    )
    room.notify("confirmation")
    return present(room, ctx)


def _changeable(ctx: Context, room: Room) -> None:
    if ctx.now >= room.start:
        raise Problem(STARTED_MESSAGE)


def resolve_reschedule(ctx: Context, input: dict) -> dict:  # noqa: A002
    room = _room(ctx, input["uid"])
    if room.cancelled_at is not None:
        raise Problem("This PartnerVideoRoom has been cancelled")
    _changeable(ctx, room)
    room.start = _future(ctx, input["startTime"])
    room.notify("reschedule")
    return present(room, ctx)


def resolve_cancel(ctx: Context, uid: str) -> dict:
    room = _room(ctx, uid)
    if room.cancelled_at is None:  # cancelling twice answers the cancelled room
        _changeable(ctx, room)
        room.cancelled_at = ctx.now
        room.notify("cancellation")
    return present(room, ctx)


ROOT_RESOLVERS = {
    "Query": {"partnerVideoRoom": resolve_partner_video_room},
    "Mutation": {
        "createPartnerVideoRoom": resolve_create,
        "reschedulePartnerVideoRoom": resolve_reschedule,
        "cancelPartnerVideoRoom": resolve_cancel,
    },
}


def _serialize(value: Any) -> str:
    if isinstance(value, datetime):
        return iso(value)
    return iso(parse_rfc3339(value))


API = ApolloAPI(SCHEMA_PATH, ROOT_RESOLVERS, scalar=("DateTime", parse_rfc3339, _serialize))
execute = API.execute

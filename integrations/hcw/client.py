"""HCW@Home REST client (the open-source `/api/v1` backend): patient invites for teleconsultations.

Auth: a **scheduler** account (doctor and admin logins need SMS 2FA) logs in with
`POST /api/v1/login-local`; its JWT lives 15 minutes. The session is cached (Django cache, key
without secrets, with an in-process copy when the cache is down or empty) and renewed 60 s before
it runs out (`POST /api/v1/refresh-token`, else a fresh login), and once more on a 401 (renew
once, retry once). Every call carries both `Authorization: Bearer <jwt>` (backend >= 0.5.92) and
`x-access-token: <jwt>` (older backends).

Results are the frozen values of `types.py`; failures are the typed errors of `integrations.errors`:

- TransientError: HTTP 429/5xx or a network failure; reads and idempotent writes (patch, delete)
  are retried with jittered backoff.
- OutcomeUnknownError: `create_invite` was sent but its answer was lost (timeout, reset, 5xx,
  unreadable 2xx): never resend it blindly, look it up with `find_invites` first.
- RejectedError: HCW said no. `.messages` carries its text, whichever of its three 400 shapes it
  used (`[{"message"}]`, `{"success": false, "error"}`, `{"error": true, "message"}`), and `.code`
  says why: INVITE_ACCEPTED, SCHEDULED_IN_PAST, QUEUE_NOT_FOUND, DOCTOR_NOT_FOUND,
  DOCTOR_OR_QUEUE_REQUIRED, INVALID_TIMEZONE, VALIDATION, NOT_FOUND, UNAUTHORIZED, FORBIDDEN,
  LOGIN_FAILED, TWO_FACTOR_REQUIRED.
- ContractError: JSON of a shape we cannot read.

Reference: ../shared/vendor-contracts/hcw/bruno-collection/ and the backend's
api/controllers/InviteController.js. Logs carry operation names, statuses, codes and durations:
never patient data, the password, tokens, or URLs that contain an invite token.
"""

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Unpack
from urllib.parse import quote

import httpx
from django.core.cache import cache as django_cache

from integrations import readers
from integrations.client import ClientOptions, VendorClient, json_or_none
from integrations.errors import (
    ContractError,
    FieldMessage,
    OutcomeUnknownError,
    RejectedError,
)
from integrations.hcw.types import Consultation, Invite

logger = logging.getLogger(__name__)

VENDOR = "hcw"
TOKEN_LIFETIME_SECONDS = 15 * 60  # when the JWT carries no `exp`
RENEW_MARGIN_SECONDS = 60.0
SESSION_CACHE_SECONDS = 12 * 3600  # how long a cached session (with its refresh token) is kept
GENDERS = frozenset({"male", "female"})

# RejectedError codes.
INVITE_ACCEPTED = "INVITE_ACCEPTED"
INVITE_ACCEPTED_BY_TRANSLATOR = "INVITE_ACCEPTED_BY_TRANSLATOR"
SCHEDULED_IN_PAST = "SCHEDULED_IN_PAST"
QUEUE_NOT_FOUND = "QUEUE_NOT_FOUND"
DOCTOR_NOT_FOUND = "DOCTOR_NOT_FOUND"
DOCTOR_OR_QUEUE_REQUIRED = "DOCTOR_OR_QUEUE_REQUIRED"
INVALID_TIMEZONE = "INVALID_TIMEZONE"
VALIDATION = "VALIDATION"
NOT_FOUND = "NOT_FOUND"
UNAUTHORIZED = "UNAUTHORIZED"
FORBIDDEN = "FORBIDDEN"
LOGIN_FAILED = "LOGIN_FAILED"
TWO_FACTOR_REQUIRED = "TWO_FACTOR_REQUIRED"
REFRESH_FAILED = "REFRESH_FAILED"

_CODES = (  # (lower-case text in HCW's message, code), first match wins
    ("accepted by patient", INVITE_ACCEPTED),
    ("accepted by translator", INVITE_ACCEPTED_BY_TRANSLATOR),
    ("cannot be in the past", SCHEDULED_IN_PAST),
    ("doctoremail or queue", DOCTOR_OR_QUEUE_REQUIRED),
    ("doctor with email", DOCTOR_NOT_FOUND),
    ("timezone", INVALID_TIMEZONE),
)

# Sessions kept by this process, by cache key: used when the shared cache fails or lost them.
_LOCAL_SESSIONS: dict[str, dict] = {}
_LOCAL_LOCK = threading.Lock()


@dataclass(frozen=True)
class Session:
    token: str
    refresh_token: str | None
    expires_at: float  # epoch seconds
    refresh_expires_at: float | None = None


def session_cache_key(url: str, email: str) -> str:
    """The cache key of a session: a digest of the backend URL and account, never a secret."""
    digest = hashlib.sha256(f"{url}\n{email.strip().lower()}".encode()).hexdigest()[:32]
    return f"hcw:session:{digest}"


class SessionStore:
    """One account's session in the Django cache, mirrored in this process's memory."""

    def __init__(self, key: str, cache=None):
        self.key = key
        self._cache = cache

    def _shared(self):
        return django_cache if self._cache is None else self._cache

    def get(self) -> Session | None:
        try:
            value = self._shared().get(self.key)
        except Exception:
            # Only an unreachable cache falls back to this process's copy: a cache that answers
            # "none" means none (dropped after a 401 elsewhere, or expired).
            logger.warning("hcw session cache unavailable; using this process's copy")
            with _LOCAL_LOCK:
                value = _LOCAL_SESSIONS.get(self.key)
        if not isinstance(value, dict):
            return None
        try:
            return Session(**value)
        except TypeError:
            return None

    def set(self, session: Session, *, ttl: float) -> None:
        value = asdict(session)
        with _LOCAL_LOCK:
            _LOCAL_SESSIONS[self.key] = value
        try:
            self._shared().set(self.key, value, timeout=max(1, int(ttl)))
        except Exception:
            logger.warning("hcw session cache unavailable; kept in this process only")

    def delete(self) -> None:
        with _LOCAL_LOCK:
            _LOCAL_SESSIONS.pop(self.key, None)
        try:
            self._shared().delete(self.key)
        except Exception:
            logger.warning("hcw session cache unavailable")


class HCWClient(VendorClient):
    """Holds one pooled httpx.Client; use it as a context manager or call close().

    `clock` (epoch seconds) is this client's idea of now for token expiry; tests move it.
    Operations name paths below `url` (e.g. "/api/v1/invite").
    """

    vendor = VENDOR  # `repr` shows the url only: never the password or a token
    settings_prefix = "HCW"

    def __init__(
        self,
        *,
        email: str | None = None,
        password: str | None = None,
        doctor_url: str | None = None,
        cache=None,
        clock: Callable[[], float] = time.time,
        renew_margin_seconds: float = RENEW_MARGIN_SECONDS,
        **options: Unpack[ClientOptions],
    ):
        super().__init__(**options)
        self.url = self.url.rstrip("/")
        self._email = self._setting("SCHEDULER_EMAIL", email)
        self._password = self._setting("SCHEDULER_PASSWORD", password)
        # The doctors' app (the backend's DOCTOR_URL): what a new invite's `doctorURL` says.
        # Only the create answer carries it, so an invite found again is given this one.
        self.doctor_url = self._setting("DOCTOR_URL", doctor_url)
        self.clock = clock
        self.renew_margin_seconds = renew_margin_seconds
        self._sessions = SessionStore(session_cache_key(self.url, self._email), cache)
        self._renew_lock = threading.Lock()

    # ----------------------------------------------------------------------------------------
    # Invites

    def create_invite(
        self,
        *,
        first_name: str,
        last_name: str,
        scheduled_for: datetime | None,
        email: str | None = None,
        phone_number: str | None = None,
        gender: str | None = None,
        patient_tz: str | None = None,
        language: str | None = None,
        doctor_email: str | None = None,
        queue: str | None = None,
        send_invite: bool = False,
        reference: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Invite:
        """Invite a patient (`isPatientInvite: true`) for a doctor (by email) or a queue (name or
        id); a scheduler must name one. `gender` is "male" or "female", omitted when unknown
        (a backend whose ENABLE_FIELDS_FORM_DOCTOR keeps the default requires it). With
        `send_invite=False` (the scheduler default) HCW sends nothing: the link is ours to give.

        `reference` goes into `metadata` so the invite can be found again: never resent
        blindly; after an OutcomeUnknownError call `find_invites(scheduled_for=..., email=...,
        reference=...)` and create only if that finds nothing. POST /api/v1/invite
        """
        if not email and not phone_number:
            raise ValueError("email or phone_number is required")
        if not doctor_email and not queue:
            raise ValueError("a scheduler must send doctor_email or queue")
        body: dict[str, Any] = {
            "isPatientInvite": True,
            "firstName": readers.required_argument(first_name, "first_name"),
            "lastName": readers.required_argument(last_name, "last_name"),
            "sendInvite": bool(send_invite),
        }
        if scheduled_for is not None:
            body["scheduledFor"] = format_instant(scheduled_for)
        if email:
            body["emailAddress"] = email.strip()
        if phone_number:
            body["phoneNumber"] = phone_number.strip()
        if gender is not None:
            if gender not in GENDERS:
                raise ValueError("gender is 'male' or 'female' (omit it when unknown)")
            body["gender"] = gender
        if patient_tz:
            body["patientTZ"] = readers.time_zone(patient_tz)
        if language:
            body["language"] = language
        if doctor_email:
            body["doctorEmail"] = doctor_email.strip()
        if queue:
            body["queue"] = queue
        if metadata or reference:
            body["metadata"] = {
                **(metadata or {}),
                **({"reference": reference} if reference else {}),
            }
        answer = self._request("invite.create", "POST", "/api/v1/invite", json=body, is_write=True)
        return self._invite_payload("invite.create", answer)

    def get_invite(self, invite_id: str) -> Invite | None:
        """The invite, None if HCW has none by that id that we may see. GET /api/v1/invite/:id"""
        try:
            answer = self._request("invite.get", "GET", _invite_path(invite_id), is_write=False)
        except RejectedError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        return self._read("invite.get", answer)

    def get_invite_consultation(self, invite_id: str) -> Consultation | None:
        """The consultation the invite opened, None while there is none (the patient has not
        come in, or the invite was deleted unused). HCW still answers once the consultation is
        closed and the invite deleted, for the scheduler who made the invite.
        GET /api/v1/invite/:id/consultation"""
        operation = "invite.consultation.get"
        path = f"{_invite_path(invite_id)}/consultation"
        try:
            answer = self._request(operation, "GET", path, is_write=False)
        except RejectedError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        with self._reading(operation):
            return _consultation(answer)

    def find_invites(
        self,
        *,
        scheduled_for: datetime,
        email: str | None = None,
        phone_number: str | None = None,
        reference: str | None = None,
        limit: int = 100,
    ) -> list[Invite]:
        """Our patient invites at `scheduled_for`, narrowed to the given email, phone number and
        `reference` (matched here, so no patient data goes into the URL). The lookup to make
        after a lost `create_invite` answer. GET /api/v1/invite?where={"scheduledFor": ms}"""
        where = {"scheduledFor": epoch_millis(scheduled_for)}
        params = {"where": json.dumps(where, separators=(",", ":")), "limit": str(limit)}
        answer = self._request(
            "invite.list", "GET", "/api/v1/invite", params=params, is_write=False
        )
        with self._reading("invite.list"):
            if not isinstance(answer, list):
                raise TypeError("the invite list is not a JSON array")
            invites = [_invite(node) for node in answer]
        wanted_email = email.strip().casefold() if email else None
        return [
            invite
            for invite in invites
            if (wanted_email is None or (invite.email_address or "").casefold() == wanted_email)
            and (phone_number is None or invite.phone_number == phone_number.strip())
            and (reference is None or invite.reference == reference)
        ]

    def reschedule_invite(
        self, invite_id: str, *, scheduled_for: datetime, patient_tz: str | None = None
    ) -> Invite:
        """Move an invite. Once the patient opened the link HCW refuses: RejectedError with
        code INVITE_ACCEPTED. Idempotent (retried on a lost answer). PATCH /api/v1/invite/:id"""
        body: dict[str, Any] = {"scheduledFor": format_instant(scheduled_for)}
        if patient_tz:
            body["patientTZ"] = readers.time_zone(patient_tz)
        answer = self._request(
            "invite.update", "PATCH", _invite_path(invite_id), json=body, is_write=False
        )
        return self._invite_payload("invite.update", answer)

    def delete_invite(self, invite_id: str) -> Invite | None:
        """Delete an invite (no state check at HCW); the deleted invite, or None if it was gone
        already, so it is safe to repeat. DELETE /api/v1/invite/:id"""
        try:
            answer = self._request(
                "invite.delete", "DELETE", _invite_path(invite_id), is_write=False
            )
        except RejectedError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        if answer is None:
            return None
        return self._read("invite.delete", answer)

    def revoke_invite(self, invite_id: str) -> None:
        """Revoke an invite and its guest invites (HCW answers 500 for an unknown id, so this is
        not repeated on a lost answer: prefer `delete_invite` to cancel).
        POST /api/v1/invite/:id/revoke"""
        self._request("invite.revoke", "POST", f"{_invite_path(invite_id)}/revoke", is_write=True)

    # ----------------------------------------------------------------------------------------
    # Session

    @property
    def token_expires_at(self) -> datetime | None:
        """When this client thinks the cached access token runs out (None: no session)."""
        session = self._sessions.get()
        return datetime.fromtimestamp(session.expires_at, UTC) if session else None

    def forget_session(self) -> None:
        """Drop the cached session (shared cache and this process): the next call logs in."""
        self._sessions.delete()

    def _token(self) -> str:
        session = self._sessions.get()
        if session and self._fresh(session):
            return session.token
        with self._renew_lock:
            session = self._sessions.get()  # another thread may have renewed it meanwhile
            if session and self._fresh(session):
                return session.token
            return self._renew(session).token

    def _renewed_after_401(self, rejected_token: str) -> str:
        with self._renew_lock:
            session = self._sessions.get()
            if session and session.token != rejected_token and self._fresh(session):
                return session.token  # renewed by another thread already
            return self._renew(session, after_401=True).token

    def _fresh(self, session: Session) -> bool:
        return session.expires_at - self.clock() > self.renew_margin_seconds

    def _renew(self, session: Session | None, *, after_401: bool = False) -> Session:
        renewed = None
        now = self.clock()
        refresh_usable = (
            session is not None
            and session.refresh_token
            and (session.refresh_expires_at is None or session.refresh_expires_at > now)
        )
        if refresh_usable:
            try:
                renewed = self._refresh(session.refresh_token)
            except RejectedError as exc:
                logger.info("hcw refresh-token refused (%s); logging in again", exc.code)
        if renewed is None:
            renewed = self._login()
        logger.info(
            "hcw session %s%s",
            "started" if session is None else "renewed",
            " after a 401" if after_401 else "",
        )
        ttl = SESSION_CACHE_SECONDS
        if renewed.refresh_expires_at:
            ttl = min(ttl, renewed.refresh_expires_at - self.clock())
        self._sessions.set(renewed, ttl=max(ttl, renewed.expires_at - self.clock(), 1))
        return renewed

    def _login(self) -> Session:
        operation = "login-local"
        response = self._send(
            operation,
            "POST",
            "/api/v1/login-local",
            json={"email": self._email, "password": self._password},
            is_write=False,
        )
        body = json_or_none(response)
        if response.status_code != 200:
            messages = error_messages(body if body is not None else response.text)
            code = FORBIDDEN if response.status_code == 403 else LOGIN_FAILED
            raise RejectedError(
                VENDOR,
                operation,
                "; ".join(messages)[:300] or f"HTTP {response.status_code}",
                messages=[FieldMessage(None, m) for m in messages],
                code=code,
            )
        if isinstance(body, dict) and "localLoginToken" in body:
            raise RejectedError(
                VENDOR,
                operation,
                "this account needs SMS two-factor login: use a scheduler account",
                code=TWO_FACTOR_REQUIRED,
            )
        with self._reading(operation):
            user = body["user"]
            token = readers.text(user["token"], "token")
            refresh = user.get("refreshToken")
            if user.get("role") not in (None, "scheduler"):
                logger.warning("hcw account is not a scheduler (%s)", user.get("role"))
        return self._session(token, refresh)

    def _refresh(self, refresh_token: str) -> Session:
        operation = "refresh-token"
        response = self._send(
            operation,
            "POST",
            "/api/v1/refresh-token",
            json={"refreshToken": refresh_token},
            is_write=False,
        )
        body = json_or_none(response)
        if response.status_code in (400, 401, 403):
            raise RejectedError(
                VENDOR, operation, f"HTTP {response.status_code}", code=REFRESH_FAILED
            )
        if response.status_code != 200:
            raise ContractError(VENDOR, operation, f"unexpected HTTP {response.status_code}")
        with self._reading(operation):
            return self._session(readers.text(body["token"], "token"), body.get("refreshToken"))

    def _session(self, token: str, refresh_token: Any) -> Session:
        now = self.clock()
        refresh = refresh_token if isinstance(refresh_token, str) and refresh_token else None
        return Session(
            token=token,
            refresh_token=refresh,
            expires_at=jwt_expiry(token) or now + TOKEN_LIFETIME_SECONDS,
            refresh_expires_at=jwt_expiry(refresh) if refresh else None,
        )

    # ----------------------------------------------------------------------------------------
    # Plumbing

    def _send(
        self, operation: str, method: str, path: str, *, is_write: bool, **request
    ) -> httpx.Response:
        return super()._send(operation, method, f"{self.url}{path}", is_write=is_write, **request)

    def _attempt(self, operation: str, method: str, path: str, *, is_write: bool, **request) -> Any:
        """One authenticated try. A 401 means the call was refused before it ran: the session
        is renewed and the call sent once more (safe even for a write)."""
        token = self._token()
        response = self._send(operation, method, path, is_write=is_write, **_auth(token), **request)
        if response.status_code == 401:
            token = self._renewed_after_401(token)
            response = self._send(
                operation, method, path, is_write=is_write, **_auth(token), **request
            )
            if response.status_code == 401:
                raise RejectedError(
                    VENDOR, operation, "Unauthorized after renewing", code=UNAUTHORIZED
                )
        return self._interpret(operation, response, is_write=is_write)

    def _interpret(self, operation: str, response: httpx.Response, *, is_write: bool) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if not response.content.strip():
                return None
            body = json_or_none(response)
            if body is None:
                if is_write:  # it ran, but we cannot read what it did
                    raise OutcomeUnknownError(
                        VENDOR, operation, f"unreadable answer to a write (HTTP {status})"
                    )
                raise ContractError(VENDOR, operation, f"non-JSON body (HTTP {status})")
            return body
        if status == 404:
            raise RejectedError(VENDOR, operation, "Not Found", code=NOT_FOUND)
        body = json_or_none(response)
        messages = error_messages(body if body is not None else response.text)
        detail = "; ".join(messages)[:500] or f"HTTP {status}"
        field_messages = [FieldMessage(None, m) for m in messages]
        if status == 400:
            raise RejectedError(VENDOR, operation, detail, field_messages, code=classify(messages))
        if status == 403:
            raise RejectedError(VENDOR, operation, detail, field_messages, code=FORBIDDEN)
        raise ContractError(VENDOR, operation, f"unexpected HTTP {status}")

    def _invite_payload(self, operation: str, answer: Any) -> Invite:
        """`{"success": true, "invite": {...}}` (create and update)."""
        with self._reading(operation):
            if not isinstance(answer, dict):
                raise TypeError("answer is not an object")
            if answer.get("success") is False:
                messages = error_messages(answer)
                raise RejectedError(
                    VENDOR,
                    operation,
                    "; ".join(messages)[:500] or "success: false",
                    messages=[FieldMessage(None, m) for m in messages],
                    code=classify(messages),
                )
            return _invite(answer["invite"])

    def _read(self, operation: str, answer: Any) -> Invite:
        with self._reading(operation):
            return _invite(answer)


# --------------------------------------------------------------------------------------------
# Answers and errors


def error_messages(body: Any) -> list[str]:
    """HCW's error text from any of its shapes: `[{"message": ...}]`, `{"success": false,
    "error": "..." | [{"message": ...}]}`, `{"error": true, "message": "..."}`,
    `{"error": "Unauthorized"}`, `{"message": ..., "user": false}`, or plain text."""
    if isinstance(body, str):
        text = body.strip()
        return [text[:300]] if text else []
    if isinstance(body, list):
        return [m for item in body for m in _item_messages(item)]
    if isinstance(body, dict):
        for key in ("error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return [value.strip()]
            if isinstance(value, list):
                found = [m for item in value for m in _item_messages(item)]
                if found:
                    return found
    return []


def _item_messages(item: Any) -> list[str]:
    if isinstance(item, str) and item.strip():
        return [item.strip()]
    if isinstance(item, dict) and isinstance(item.get("message"), str):
        return [item["message"].strip()]
    return []


def classify(messages: list[str]) -> str:
    text = " ".join(messages).lower()
    if "queue" in text and ("doesn't exist" in text or "does not exist" in text):
        return QUEUE_NOT_FOUND
    for needle, code in _CODES:
        if needle in text:
            return code
    return VALIDATION


# --------------------------------------------------------------------------------------------
# Values


def format_instant(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the backend's own examples send it."""
    return readers.utc_millis(value, "scheduled_for")


def epoch_millis(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("scheduled_for must be an aware datetime")
    return int(round(value.timestamp() * 1000))


def jwt_expiry(token: str | None) -> float | None:
    """The `exp` claim of a JWT (not verified: only to know when to renew), else None."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp")
        return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    except (AttributeError, IndexError, ValueError, TypeError):
        return None


def _invite_path(invite_id: str) -> str:
    if not isinstance(invite_id, str) or not invite_id.strip():
        raise ValueError("invite_id is required")
    return f"/api/v1/invite/{quote(invite_id.strip(), safe='')}"


def _auth(token: str) -> dict[str, dict[str, str]]:
    """The session's headers: backends >= 0.5.92 read the first, older ones the second."""
    return {"headers": {"Authorization": f"Bearer {token}", "x-access-token": token}}


def _ref(value: Any) -> str | None:
    """A reference to another record: its id, or the populated record itself."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return _ref(value.get("id"))
    if isinstance(value, str):
        return value
    raise TypeError(f"expected an id, got {type(value).__name__}")


def parse_instant(value: Any) -> datetime | None:
    """HCW's times: epoch milliseconds (0 for none) or, from some versions, ISO strings."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, bool):
        raise TypeError("expected a time, got a boolean")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        return readers.aware_datetime(value).astimezone(UTC)
    raise TypeError(f"expected a time, got {type(value).__name__}")


def _invite(node: Any) -> Invite:
    if not isinstance(node, dict):
        raise TypeError("invite is not an object")
    metadata = node.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        metadata = None  # some backends store a display string here
    reference = metadata.get("reference") if metadata else None
    return Invite(
        id=readers.text(node["id"], "id"),
        status=readers.text(node["status"], "status"),
        scheduled_for=parse_instant(node.get("scheduledFor")),
        patient_tz=readers.optional_text(node.get("patientTZ")),
        language=readers.optional_text(node.get("patientLanguage")),
        gender=readers.optional_text(node.get("gender")),
        doctor_id=_ref(node.get("doctor")),
        queue_id=_ref(node.get("queue")),
        invited_by=_ref(node.get("invitedBy")),
        created_at=parse_instant(node.get("createdAt")),
        updated_at=parse_instant(node.get("updatedAt")),
        reference=str(reference) if reference is not None else None,
        first_name=readers.optional_text(node.get("firstName")),
        last_name=readers.optional_text(node.get("lastName")),
        email_address=readers.optional_text(node.get("emailAddress")),
        phone_number=readers.optional_text(node.get("phoneNumber")),
        invite_token=readers.optional_text(node.get("inviteToken")),
        patient_url=readers.optional_text(node.get("patientURL")),
        doctor_url=readers.optional_text(node.get("doctorURL")),
        metadata=dict(metadata) if metadata else None,
    )


def _consultation(node: Any) -> Consultation:
    """The backend's anonymous details of a consultation (or, once the closed consultation
    has expired, its anonymous record, whose own `id` is not the consultation's)."""
    if not isinstance(node, dict):
        raise TypeError("consultation is not an object")
    calls = node.get("successfulCallsCount")
    average = node.get("averageCallDuration")
    return Consultation(
        id=readers.text(node.get("consultationId") or node["id"], "consultationId"),
        created_at=parse_instant(node.get("consultationCreatedAt") or node.get("createdAt")),
        accepted_at=parse_instant(node.get("acceptedAt")),
        closed_at=parse_instant(node.get("closedAt")),
        first_call_at=parse_instant(node.get("firstCallAt")),
        successful_calls=_count(calls),
        average_call_minutes=float(average) if _is_number(average) else None,
        status=readers.optional_text(node.get("status")),
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if not _is_number(value) or value < 0:
        raise TypeError("a count is not a non-negative number")
    return int(value)

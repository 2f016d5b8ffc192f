"""BetterPT video rooms client: GraphQL over OAuth client-credentials (Auth0).

Every call is one named operation from `operations/<name>.graphql` (file name = operation name =
root field), written against `../shared/vendor-contracts/betterpt/schema-inferred-current.graphql`
(the real schema sits behind BetterPT's login-protected playground).

Auth: `POST <token URL> {client_id, client_secret, audience, grant_type: "client_credentials"}`
→ `{access_token, token_type: "Bearer", expires_in}`, sent as `authorization: Bearer <token>`.
BetterPT warns that fetching a token per call gets the account rate-limited and rooms will not be
created, so the token is cached until shortly before it expires: in Django's cache (shared by every
process; the key is a digest of token URL, client id and audience, never the secret) with an
in-process copy used when the cache is unreachable. A 401 (or an UNAUTHENTICATED error) drops the
cached token and the call is sent once more with a new one; a second refusal is a RejectedError.

Failures are the typed errors of `integrations.errors`:
- TransientError: 429/5xx, network, an unreadable 200 body on a query, INTERNAL_SERVER_ERROR on a
  query. Queries are retried with jittered backoff; a write is retried only when it provably did
  not run (connect error, 429, 401).
- OutcomeUnknownError: a write whose answer was lost (timeout, reset, 5xx, unreadable 200 body,
  INTERNAL_SERVER_ERROR). BetterPT has no idempotency key and no list/search query, so a lost
  `createPartnerVideoRoom` cannot be looked up: see `create_video_room`.
- RejectedError: GraphQL errors BetterPT raised on purpose (`.code` = `extensions.code`, e.g.
  BAD_USER_INPUT for a session that has already started, NOT_FOUND), credentials refused.
- ContractError: BetterPT refused our document (GRAPHQL_PARSE_FAILED / _VALIDATION_FAILED) or
  answered a shape we cannot read.

Error bodies follow Apollo Server's conventions (`errors[].extensions.code`); BetterPT does not
document its own, so the codes above are what the client understands, not a published list.
Logs carry operation names, error codes and durations only: never links, patient data or tokens.

Docs: https://github.com/betterPT/gitbook (README.md, introduction.md);
../shared/notes/vendor-facts.md (BetterPT).
"""

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Unpack

import httpx
from django.core.cache import cache as django_cache

from integrations import graphql, readers
from integrations.betterpt.types import Outreach, VideoRoom
from integrations.client import ClientOptions, json_or_none
from integrations.errors import (
    ContractError,
    RejectedError,
    TransientError,
    VendorError,
)
from integrations.graphql import Errors
from integrations.readers import (
    aware_datetime,
    optional_bool,
    optional_str,
    required_argument,
    text,
    utc_millis,
)

logger = logging.getLogger(__name__)

VENDOR = "betterpt"
TOKEN_OPERATION = "oauth/token"  # noqa: S105 - the operation name in logs and faults
# Refresh this long before expiry (at most a tenth of the token's lifetime).
TOKEN_MARGIN_SECONDS = 60.0
UNAUTHENTICATED = "UNAUTHENTICATED"
NOT_FOUND = "NOT_FOUND"


# --------------------------------------------------------------------------------------------
# Access-token cache


def token_cache_key(token_url: str, client_id: str, audience: str) -> str:
    """The cache key for one set of credentials; a digest, so it names no secret."""
    digest = hashlib.sha256(f"{token_url}\n{client_id}\n{audience}".encode()).hexdigest()
    return f"betterpt:access-token:{digest[:32]}"


_local_tokens: dict[str, tuple[str, float]] = {}  # key -> (token, refresh at), this process only
_local_lock = threading.Lock()
_fetch_locks: dict[str, threading.Lock] = {}


class TokenCache:
    """One access token per credentials in Django's cache, mirrored in-process.

    Django's cache is read first so every process (web, Celery workers) shares one token; if the
    cache is unreachable the in-process copy is used and the failure is logged, never raised.
    Stored values are {"token", "refresh_at"} (epoch seconds); entries expire at refresh_at.
    """

    def __init__(self, key: str, *, clock: Callable[[], float] = time.time):
        self.key = key
        self.clock = clock
        with _local_lock:
            self.fetch_lock = _fetch_locks.setdefault(key, threading.Lock())

    def get(self) -> str | None:
        now = self.clock()
        try:
            value = django_cache.get(self.key)
        except Exception as exc:  # the shared cache being down must not stop video rooms
            logger.warning(
                "betterpt token cache unavailable (%s); using this process's copy",
                type(exc).__name__,
            )
            value = None
        else:
            fresh = isinstance(value, dict) and float(value.get("refresh_at") or 0) > now
            if fresh and isinstance(value.get("token"), str):
                return value["token"]
            # The shared cache answered: no token there means none (it was dropped after a
            # 401 elsewhere, or expired); this process's copy is only for an unreachable cache.
            return None
        with _local_lock:
            token, refresh_at = _local_tokens.get(self.key, ("", 0.0))
        return token if token and refresh_at > now else None

    def put(self, token: str, expires_in: float) -> None:
        margin = min(TOKEN_MARGIN_SECONDS, expires_in / 10)
        refresh_at = self.clock() + expires_in - margin
        with _local_lock:
            _local_tokens[self.key] = (token, refresh_at)
        try:
            django_cache.set(
                self.key,
                {"token": token, "refresh_at": refresh_at},
                timeout=max(1, int(expires_in - margin)),
            )
        except Exception as exc:
            logger.warning(
                "betterpt token cache unavailable (%s); kept in this process only",
                type(exc).__name__,
            )

    def drop(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given)."""
        with _local_lock:
            if token is None or _local_tokens.get(self.key, ("",))[0] == token:
                _local_tokens.pop(self.key, None)
        try:
            value = django_cache.get(self.key)
            if token is None or (isinstance(value, dict) and value.get("token") == token):
                django_cache.delete(self.key)
        except Exception as exc:
            logger.warning(
                "betterpt token cache unavailable (%s) while dropping a token", type(exc).__name__
            )


class _Unauthorized(Exception):
    """BetterPT refused the access token (HTTP 401 or extensions.code UNAUTHENTICATED)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


# --------------------------------------------------------------------------------------------
# The client


class BetterPTClient(graphql.GraphQLClient):
    """Holds one pooled httpx.Client; use it as a context manager or call close()."""

    vendor = VENDOR
    settings_prefix = "BETTERPT"
    shown = ("url", "client_id")  # never the secret

    def __init__(
        self,
        *,
        token_url: str | None = None,
        audience: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        clock: Callable[[], float] = time.time,
        **options: Unpack[ClientOptions],
    ):
        super().__init__(**options)
        self.token_url = self._setting("TOKEN_URL", token_url)
        self.audience = self._setting("AUDIENCE", audience)
        self.client_id = self._setting("CLIENT_ID", client_id)
        self._client_secret = self._setting("CLIENT_SECRET", client_secret)
        self.tokens = TokenCache(
            token_cache_key(self.token_url, self.client_id, self.audience), clock=clock
        )

    # ----------------------------------------------------------------------------------------
    # Video rooms

    def create_video_room(
        self,
        *,
        start: datetime,
        time_zone: str,
        display_name: str | None = None,
        outreach: Outreach | None = None,
    ) -> VideoRoom:
        """Create a room for a session at `start` (aware), shown in `time_zone` (IANA name).

        With `outreach`, BetterPT itself sends the patient a confirmation, reschedule/cancel
        notices and reminders; without it no patient contact detail is sent to BetterPT.

        Never resent blindly. BetterPT offers no idempotency key and no way to list or search
        rooms, so after an OutcomeUnknownError the room may exist and cannot be found. The caller
        records the uid before acknowledging its task, and on a lost answer: without outreach a
        second create is safe for the patient (an orphan room is never shown to anyone and closes
        60 minutes after its start); with outreach an orphan room has already e-mailed the
        patient, so do not create another automatically; leave it for staff to check.
        """
        variables = {
            "input": {
                "startTime": format_datetime(start),
                "timeZone": readers.time_zone(time_zone),  # the schema takes a String
                **({"displayName": display_name} if display_name else {}),
                **(outreach.as_input() if outreach else {}),
            }
        }
        return self._room(
            "createPartnerVideoRoom", self._execute("createPartnerVideoRoom", variables)
        )

    def video_room(self, uid: str) -> VideoRoom | None:
        """One room, None if BetterPT has none by that uid."""
        try:
            node = self._execute("partnerVideoRoom", {"uid": _uid(uid)})
        except RejectedError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        return self._room("partnerVideoRoom", node)

    def reschedule_video_room(self, *, uid: str, start: datetime) -> VideoRoom:
        """Move a room to `start`. Refused (RejectedError) once the session has started.

        After an OutcomeUnknownError, read the room (`video_room`) and compare its start
        before sending again: a resend is harmless for the room but, with outreach, BetterPT
        would send the patient a second reschedule notice.
        """
        variables = {"input": {"uid": _uid(uid), "startTime": format_datetime(start)}}
        return self._room(
            "reschedulePartnerVideoRoom", self._execute("reschedulePartnerVideoRoom", variables)
        )

    def cancel_video_room(self, uid: str) -> VideoRoom | None:
        """Cancel a room; returns it as BetterPT answers (the field is nullable).

        After an OutcomeUnknownError, read the room and check its status before sending again.
        """
        node = self._execute("cancelPartnerVideoRoom", {"uid": _uid(uid)})
        return None if node is None else self._room("cancelPartnerVideoRoom", node)

    def forget_token(self) -> None:
        """Drop the cached access token (all processes); the next call fetches a new one."""
        self.tokens.drop()

    # ----------------------------------------------------------------------------------------
    # Plumbing: tokens

    def _access_token(self) -> str:
        token = self.tokens.get()
        if token:
            return token
        with self.tokens.fetch_lock:  # one fetch per process at a time; others wait and reuse
            token = self.tokens.get()
            if token:
                return token
            token, expires_in = self._fetch_token()
            self.tokens.put(token, expires_in)
            return token

    def _fetch_token(self) -> tuple[str, float]:
        body = {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "audience": self.audience,
            "grant_type": "client_credentials",
        }

        # An extra token is harmless: safe to retry.
        return self._retried(
            TOKEN_OPERATION,
            lambda: self._read_token(
                self._send(TOKEN_OPERATION, "POST", self.token_url, json=body, is_write=False)
            ),
        )

    @staticmethod
    def _read_token(response: httpx.Response) -> tuple[str, float]:
        body = json_or_none(response)
        if response.status_code in (400, 401, 403):
            # Auth0: {"error": "access_denied", "error_description": "Unauthorized"}
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            raise RejectedError(
                VENDOR,
                TOKEN_OPERATION,
                str(description or f"HTTP {response.status_code}")[:300],
                code=str(error or f"HTTP_{response.status_code}"),
            )
        if response.status_code != 200:
            raise ContractError(VENDOR, TOKEN_OPERATION, f"unexpected HTTP {response.status_code}")
        if body is None:
            raise TransientError(VENDOR, TOKEN_OPERATION, "unreadable token answer")
        try:
            token = body["access_token"]
            expires_in = float(body["expires_in"])
            token_type = str(body.get("token_type") or "Bearer")
        except (KeyError, TypeError, ValueError) as exc:
            raise ContractError(VENDOR, TOKEN_OPERATION, "unreadable token answer") from exc
        if not isinstance(token, str) or not token or expires_in <= 0:
            raise ContractError(VENDOR, TOKEN_OPERATION, "token answer without a usable token")
        if token_type.lower() != "bearer":
            raise ContractError(VENDOR, TOKEN_OPERATION, f"token type {token_type!r}, not Bearer")
        return token, expires_in

    # ----------------------------------------------------------------------------------------
    # Plumbing: GraphQL

    def _attempt(self, operation: str, method: str, url: str, *, is_write: bool, **request) -> Any:
        """One try with the cached access token. A token refused before the call ran is dropped
        and the call sent once more with a new one (safe even for a write)."""
        for refreshed in (False, True):
            token = self._access_token()
            request["headers"] = {"authorization": f"Bearer {token}"}
            response = self._send(operation, method, url, is_write=is_write, **request)
            try:
                return self._interpret(operation, response, is_write=is_write)
            except _Unauthorized as refused:
                self.tokens.drop(token)
                if refreshed:
                    raise RejectedError(
                        VENDOR,
                        operation,
                        f"access token refused after a refresh: {refused.detail}",
                        code=UNAUTHENTICATED,
                    ) from None
                logger.info("betterpt %s: access token refused, fetching a new one", operation)
        raise AssertionError("unreachable")

    def _routine(self, error: VendorError) -> bool:
        return isinstance(error, RejectedError) and error.code in ("BAD_USER_INPUT", NOT_FOUND)

    def _interpret(self, operation: str, response: httpx.Response, *, is_write: bool) -> Any:
        if response.status_code == 401:
            body = json_or_none(response)
            errors = body.get("errors") if isinstance(body, dict) else None
            raise _Unauthorized(_error_detail(errors) or f"HTTP 401 ({operation})")
        body = self._json_object(operation, response, is_write=is_write, damaged_is_lost=True)
        errors = body.get("errors")
        if errors:
            _raise_for_errors(operation, errors, is_write=is_write)
        return graphql.root_field(VENDOR, operation, response, body)

    def _room(self, operation: str, node: Any) -> VideoRoom:
        with self._reading(operation):
            if node is None:
                raise ValueError("no PartnerVideoRoom in the answer")
            return _video_room(node)


# --------------------------------------------------------------------------------------------
# Errors


def _error_detail(errors: Any) -> str:
    """The messages of `errors`, read leniently: a 401 answer may carry anything."""
    if not isinstance(errors, list):
        return ""
    messages = [str(e.get("message") or "") for e in errors if isinstance(e, dict)]
    return "; ".join(m for m in messages if m)[:500]


def _raise_for_errors(operation: str, errors: Any, *, is_write: bool) -> None:
    found = Errors.read(VENDOR, operation, errors)
    if UNAUTHENTICATED in found.codes:
        raise _Unauthorized(found.detail)
    raise found.apollo_failure(is_write=is_write, name="BetterPT")


# --------------------------------------------------------------------------------------------
# Variables and readers


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. 2020-12-03T10:15:30.000Z."""
    return utc_millis(value, "start")


parse_datetime = aware_datetime


def _uid(value: str) -> str:
    return required_argument(value, "a video room uid")


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _video_room(node: Any) -> VideoRoom:
    status = node.get("status")
    return VideoRoom(
        uid=text(node["uid"], "uid"),
        start=parse_datetime(node["startTime"]),
        time_zone=text(node["timeZone"], "timeZone"),
        display_name=optional_str(node.get("displayName")),
        patient_link=text(node["patientLink"], "patientLink"),
        provider_link=text(node["providerLink"], "providerLink"),
        status=None if status is None else str(status),  # opaque: values are unpublished
        patient_duration=_optional_int(node.get("patientDuration")),
        provider_duration=_optional_int(node.get("providerDuration")),
        did_patient_attend=optional_bool(node.get("didPatientAttend")),
        did_provider_attend=optional_bool(node.get("didProviderAttend")),
    )

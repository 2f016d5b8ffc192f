"""`BetterPTSandbox`: BetterPT's token endpoint and video-room GraphQL API, as the sandbox
serves them.

- `POST /betterpt/oauth/token` — Auth0 client-credentials, as BetterPT's introduction shows:
  JSON (or form) `{client_id, client_secret, audience, grant_type: "client_credentials"}` →
  `{access_token, scope, expires_in, token_type: "Bearer"}`; Auth0's error bodies
  `{error, error_description}` (401 bad credentials, 403 unknown audience or grant type, 429 past
  the token rate limit: BetterPT warns that fetching a token per call gets you rate-limited).
- `POST /betterpt/graphql` — `authorization: Bearer <token>`; a missing, unknown or expired token
  is HTTP 401 `{"errors": [{"message", "extensions": {"code": "UNAUTHENTICATED"}}]}`. Then the
  subset SDL runs against the room store (graphql_api.py).
- `GET /betterpt/video/<key>` — the page a patient or provider link opens (so demo links work);
  opening it while the room is open records attendance.

Faults and the call log belong to the shared server. `/_sandbox/config/betterpt` reads and
changes the options and returns the state summary (rooms, tokens issued, the room list).
"""

import json
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from integrations.sandbox import shared
from integrations.sandbox.base import Request, Response, SeededSandbox

from . import graphql_api
from .graphql_api import Context, Store

DEFAULT_CLIENT_ID = "sandbox-betterpt-client"
DEFAULT_CLIENT_SECRET = "sandbox-betterpt-secret"  # noqa: S105 - the sandbox's demo credential
DEFAULT_AUDIENCE = "https://api.betterpt.com"
SCOPE = "mutate:partnerVideoRooms query:partnerSessions"  # as in BetterPT's sample token
DEFAULTS = {
    "token_lifetime_seconds": 86400,  # Auth0's default, as in BetterPT's sample token
    "token_rate_limit_per_minute": 30,
    "client_id": None,  # None: settings.SANDBOX_BETTERPT_CLIENT_ID
    "client_secret": None,  # None: settings.SANDBOX_BETTERPT_CLIENT_SECRET
    "audience": None,  # None: settings.BETTERPT_AUDIENCE
    "accept_tokens": True,  # False: the API refuses every token (a disabled API client)
}
UNAUTHENTICATED = "UNAUTHENTICATED"

SEED_ROOMS = [
    # (uid, days from now, hour UTC, time zone, display name, cancelled)
    ("5e1d0a7c-0000-4000-8000-000000000001", 2, 15, "America/New_York", "Dana Rivera, PT", False),
    ("5e1d0a7c-0000-4000-8000-000000000002", 3, 18, "America/Chicago", "Sam Okafor, DPT", True),
]


class BetterPTSandbox(SeededSandbox):
    name = "betterpt"
    defaults = DEFAULTS
    store_type = Store
    store: Store

    # --- VendorSandbox --------------------------------------------------------------------

    def _forget(self) -> None:
        self._tokens: dict[str, datetime] = {}  # access token -> expires at (sandbox clock)
        self.tokens_issued = 0

    def _seed(self, now: datetime) -> None:
        for uid, days, hour, zone, name, cancelled in SEED_ROOMS:
            start = (now + timedelta(days=days)).replace(
                hour=hour, minute=0, second=0, microsecond=0
            )
            room = self.store.add(
                graphql_api.Room(
                    uid=uid,
                    start=start,
                    time_zone=zone,
                    display_name=name,
                    patient_key=f"seed-patient-{uid[-4:]}",
                    provider_key=f"seed-provider-{uid[-4:]}",
                    created_at=now,
                )
            )
            if cancelled:
                room.cancelled_at = now

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options: client_id, client_secret, audience, token_lifetime_seconds,
        token_rate_limit_per_minute, accept_tokens; and the action `revoke_tokens: true` (every
        issued token becomes invalid, as after a key rotation). Returns the options (never the
        secret) and the state: rooms, tokens_issued, active_tokens, room_list."""
        checks = {
            "token_lifetime_seconds": lambda v: isinstance(v, int | float) and v > 0,
            "token_rate_limit_per_minute": lambda v: isinstance(v, int) and v > 0,
            "client_id": lambda v: v is None or (isinstance(v, str) and v != ""),
            "client_secret": lambda v: v is None or (isinstance(v, str) and v != ""),
            "audience": lambda v: v is None or (isinstance(v, str) and v != ""),
            "accept_tokens": lambda v: isinstance(v, bool),
            "revoke_tokens": lambda v: isinstance(v, bool),
        }
        shared.check_options("BetterPT", options, checks)
        with self._lock:
            if options.get("revoke_tokens"):
                self._tokens.clear()
            self._options.update({k: v for k, v in options.items() if k != "revoke_tokens"})
        return self.state()

    def state(self) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            options = {k: v for k, v in self._options.items() if k != "client_secret"}
            tokens = {
                "tokens_issued": self.tokens_issued,
                "active_tokens": sum(1 for exp in self._tokens.values() if exp > now),
            }
        with self.store.lock:
            rooms = [room.summary(now) for room in self.store.rooms.values()]
        return {
            **options,
            "client_id": self._client_id(),
            "audience": self._audience(),
            **tokens,
            "rooms": len(rooms),
            "room_list": rooms,
        }

    def operation(self, request: Request) -> str:
        path = request.path.rstrip("/")
        if path == "/oauth/token":
            return "oauth/token"
        if path.startswith("/video/"):
            return "video"
        return shared.operation_of(request)

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/oauth/token":
            return self._token(request)
        if path == "/graphql":
            return self._graphql(request)
        if path.startswith("/video/") and request.method.upper() == "GET":
            return self._video_page(request, path.removeprefix("/video/"))
        return shared.NOT_FOUND

    # --- token endpoint (Auth0) -----------------------------------------------------------

    def _client_id(self) -> str:
        return self._options["client_id"] or shared.setting(
            "SANDBOX_BETTERPT_CLIENT_ID", DEFAULT_CLIENT_ID
        )

    def _client_secret(self) -> str:
        return self._options["client_secret"] or shared.setting(
            "SANDBOX_BETTERPT_CLIENT_SECRET", DEFAULT_CLIENT_SECRET
        )

    def _audience(self) -> str:
        return self._options["audience"] or shared.setting("BETTERPT_AUDIENCE", DEFAULT_AUDIENCE)

    def _token(self, request: Request) -> Response:
        if request.method.upper() != "POST":
            return Response.json({"error": "Not Found"}, status=404)
        content_type = (request.headers.get("Content-Type") or "").lower()
        try:
            if "application/x-www-form-urlencoded" in content_type:
                body = dict(parse_qsl(request.body.decode()))
            else:
                body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _oauth_error(400, "invalid_request", "Invalid request body")
        grant_type = body.get("grant_type")
        if grant_type != "client_credentials":
            return _oauth_error(
                403, "unsupported_grant_type", f"Unsupported grant type: {grant_type}"
            )
        for name in ("client_id", "client_secret", "audience"):
            if not isinstance(body.get(name), str) or not body[name]:
                return _oauth_error(400, "invalid_request", f"Missing required parameter: {name}")
        if not (
            secrets.compare_digest(body["client_id"].encode(), self._client_id().encode())
            and secrets.compare_digest(
                body["client_secret"].encode(), self._client_secret().encode()
            )
        ):
            return _oauth_error(401, "access_denied", "Unauthorized")
        if body["audience"] != self._audience():
            return _oauth_error(
                403, "access_denied", f"Service not enabled within domain: {body['audience']}"
            )
        with self._lock:
            if not self._throttle.allow(
                "tokens", self._options["token_rate_limit_per_minute"], 60.0
            ):
                return _oauth_error(429, "too_many_requests", "Global limit has been reached")
            lifetime = self._options["token_lifetime_seconds"]
            token = "sbx." + secrets.token_urlsafe(32)
            self._tokens[token] = self.clock.now() + timedelta(seconds=lifetime)
            self.tokens_issued += 1
        return Response.json(
            {
                "access_token": token,
                "scope": SCOPE,
                "expires_in": int(lifetime) if float(lifetime).is_integer() else lifetime,
                "token_type": "Bearer",
            }
        )

    def _authenticate(self, request: Request) -> str | None:
        """None when the bearer token is valid, else the express-jwt style reason."""
        scheme, _, token = (request.headers.get("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "No authorization token was found"
        with self._lock:
            expires_at = self._tokens.get(token.strip())
            accepting = self._options["accept_tokens"]
        if expires_at is None or not accepting:
            return "invalid token"
        if self.clock.now() >= expires_at:
            return "jwt expired"
        return None

    # --- GraphQL --------------------------------------------------------------------------

    def _graphql(self, request: Request) -> Response:
        if not_post := shared.refuse_non_post(request):
            return not_post
        refused = self._authenticate(request)
        if refused:
            return Response.json(
                {"errors": [{"message": refused, "extensions": {"code": UNAUTHENTICATED}}]},
                status=401,
            )
        payload, unreadable = shared.apollo_payload(request)
        if unreadable:
            return unreadable
        ctx = Context(self.store, self.clock.now(), _base_url(request))
        status, body = graphql_api.execute(ctx, payload)
        return Response.json(body, status=status)

    # --- the link page --------------------------------------------------------------------

    def _video_page(self, request: Request, key: str) -> Response:
        now = self.clock.now()
        with self.store.lock:
            found = self.store.by_key(key)
            if found is None:
                return shared.page("Video room not found", "This link is not valid.", status=404)
            room, role = found
            status = room.status(now)
            if status == graphql_api.OPEN:
                attribute = f"{role}_joined_at"
                if getattr(room, attribute) is None:
                    setattr(room, attribute, now)
        messages = {
            graphql_api.SCHEDULED: "The room opens five minutes before the session starts.",
            graphql_api.OPEN: "The room is open. (Sandbox: no video is streamed.)",
            graphql_api.COMPLETED: "This session has ended.",
            graphql_api.CANCELLED: "This session was cancelled.",
        }
        title = f"BetterPT video room — {room.display_name or 'your session'}"
        detail = f"{messages[status]} Starts {graphql_api.iso(room.start)} ({room.time_zone})."
        return shared.page(title, detail)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json({"error": error, "error_description": description}, status=status)


def _base_url(request: Request) -> str:
    host = request.headers.get("Host") or "127.0.0.1:8100"
    return f"http://{host}/betterpt"

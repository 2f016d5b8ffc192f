"""`HealthieSandbox`: Healthie's GraphQL endpoint as the sandbox server sees it.

`POST /graphql` goes through what Healthie does before running a query: throttling per API key
(per client IP without one), the `Healthie-GraphQL-API-Version` header, and the API key; then
the query runs against the store (graphql_api.py). Store changes become signed webhook deliveries
sent from a background thread. Faults and the call log belong to the shared server, not here.
"""

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx

from integrations.sandbox import shared
from integrations.sandbox.base import Clock, Request, Response, Throttle

from . import graphql_api, seed
from .state import Event, Store, User

logger = logging.getLogger(__name__)

DEFAULT_API_KEY = "gh_sbox_demo_staff_key"
DEFAULTS = {
    "rate_limit_per_second": 250,  # the seed's documented 250 requests/s per key
    "webhook_url": None,
    "webhook_secret": None,
    "webhook_retry_base_seconds": 0.5,
    "webhook_max_attempts": 5,
    # A fault: the next N events are never delivered (Healthie gave up, or a network ate them),
    # so only reconciliation can find the change.
    "webhook_drop_next": 0,
}

# --- versions (guides: api-concepts-versioning) ---------------------------------------------
# Every published release date. The sandbox serves its one schema for each version it accepts:
# the project's operations are written for 2026-01-01, whose shapes 2026-07-01 keeps.
RELEASES = frozenset(
    {
        "2024-06-01",  # the baseline a request without the header falls back to
        "2024-07-01",
        "2024-10-01",
        "2024-10-20",
        "2024-11-01",
        "2025-01-01",
        "2025-04-01",
        "2025-05-15",
        "2025-07-31",
        "2025-10-15",
        "2025-11-30",
        "2026-01-01",
        "2026-07-01",
    }
)
BASELINE = "2024-06-01"
LATEST = "2026-07-01"
WARNINGS_FROM = date(2026, 7, 1)  # deprecation warnings begin
SUNSET = date(2027, 1, 31)  # enforcement: header required, versions before 2026-07-01 rejected
VERSION_HEADER = "Healthie-GraphQL-API-Version"

THROTTLED = {
    "errors": [
        {
            "message": "Too many requests. Please try again later.",
            "extensions": {"code": "TOO_MANY_REQUESTS"},
        }
    ]
}


def sunset_warning(version: str) -> dict:
    return {
        "code": "API_VERSION_SUNSET_WARNING",
        "message": f"API version {version} is deprecated and will be sunset on {SUNSET}. "
        "Please upgrade to a supported version.",
        "requested_version": version,
        "sunset_date": str(SUNSET),
        "latest_version": LATEST,
    }


MISSING_HEADER_WARNING = {
    "code": "MISSING_API_VERSION_HEADER",
    "message": f"No {VERSION_HEADER} header was sent. Defaulting to baseline version {BASELINE}. "
    f"This fallback will be removed on {SUNSET}; please include the header in all requests.",
    "latest_version": LATEST,
}
MISSING_HEADER_ERROR = {
    "message": f"Missing required header: {VERSION_HEADER}. "
    "All API requests must include a version header.",
    "extensions": {"code": "MISSING_API_VERSION_HEADER", "latest_version": LATEST},
}


def unsupported_version_error(version: str, minimum: str) -> dict:
    return {
        "message": f"API version '{version}' is no longer supported. "
        "Please upgrade to a supported version.",
        "extensions": {
            "code": "UNSUPPORTED_API_VERSION",
            "requested_version": version,
            "minimum_supported_version": minimum,
            "latest_version": LATEST,
        },
    }


def check_version(header: str | None, today: date) -> tuple[dict | None, list[dict]]:
    """(a request-level error, or None) and the warnings for a served request."""
    enforcing = today >= SUNSET
    version = (header or "").strip()
    if not version:
        if enforcing:
            return MISSING_HEADER_ERROR, []
        warned = today >= WARNINGS_FROM
        return None, [MISSING_HEADER_WARNING, sunset_warning(BASELINE)] if warned else []
    if version not in RELEASES or (enforcing and version < LATEST):
        return unsupported_version_error(version, LATEST if enforcing else BASELINE), []
    if version < LATEST and today >= WARNINGS_FROM:
        return None, [sunset_warning(version)]
    return None, []


# --- throttling -----------------------------------------------------------------------------


# --- webhooks (notes: vendor-facts, healthie-api-research section 4) --------------------------


def signed_headers(secret: str, method: str, path: str, query: str, body: bytes) -> dict:
    """Healthie's webhook headers: the digest keeps its base64 padding, the signature is the
    lower-case hex HMAC-SHA256 of "<method> <path> <query> <digest> application/json <length>"."""
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    signed = f"{method.lower()} {path} {query} {digest} application/json {len(body)}"
    signature = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "Content-Digest": f"sha-256={digest}",
        "Signature-Input": 'sig1=("@method" "@path" "@query" "content-digest" "content-type" '
        '"content-length")',
        "Signature": f"sig1={signature}",
    }


@dataclass
class Delivery:
    """One event on its way to the webhook URL; carries ids only, never patient data."""

    id: int
    event: Event
    url: str
    secret: str
    generation: int
    status: str = "pending"  # pending, delivered, failed (attempts exhausted) or dropped (fault)
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None

    def body(self) -> bytes:
        return json.dumps(
            {
                "resource_id": self.event.resource_id,
                "resource_id_type": self.event.resource_id_type,
                "event_type": self.event.event_type,
                "changed_fields": list(self.event.changed_fields),
            }
        ).encode()

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "event_type": self.event.event_type,
            "resource_id": self.event.resource_id,
            "resource_id_type": self.event.resource_id_type,
            "changed_fields": list(self.event.changed_fields),
            "status": self.status,
            "attempts": self.attempts,
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
        }


class WebhookSender:
    """Delivers events in order from one daemon thread, retrying non-2xx answers and network
    failures with exponential backoff (Healthie keeps trying for ~3 days; the sandbox for
    `max_attempts`). A reset drops whatever is still queued from before it."""

    def __init__(self):
        self._cond = threading.Condition()
        self._due: list[tuple[float, int, Delivery]] = []
        self._deliveries: list[Delivery] = []
        self._ids = itertools.count(1)
        self._generation = 0
        self._thread: threading.Thread | None = None
        self.url: str | None = None
        self.secret: str | None = None
        self.retry_base_seconds = DEFAULTS["webhook_retry_base_seconds"]
        self.max_attempts = DEFAULTS["webhook_max_attempts"]
        self.drop_next = 0

    def enqueue(self, event: Event, targets: list[tuple[str, str]]) -> None:
        """One delivery of `event` per (url, secret) target: the configured URL and every
        registered webhook that subscribed to the event."""
        with self._cond:
            if not targets:
                return
            dropped = self.drop_next > 0
            if dropped:
                self.drop_next -= 1
            for url, secret in targets:
                delivery = Delivery(next(self._ids), event, url, secret, self._generation)
                self._deliveries.append(delivery)
                if dropped:
                    delivery.status = "dropped"
                    continue
                heapq.heappush(self._due, (time.monotonic(), delivery.id, delivery))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="healthie-sandbox-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def configure(self, url, secret, retry_base_seconds, max_attempts, drop_next=None) -> None:
        with self._cond:
            self.url, self.secret = url, secret
            self.retry_base_seconds, self.max_attempts = retry_base_seconds, max_attempts
            if drop_next is not None:
                self.drop_next = drop_next

    def deliveries(self) -> list[dict]:
        with self._cond:
            return [d.as_dict() for d in self._deliveries]

    def reset(self) -> None:
        with self._cond:
            self._generation += 1
            self._due.clear()
            self._deliveries.clear()

    def _run(self) -> None:
        with httpx.Client(timeout=5.0, follow_redirects=False) as client:
            while True:
                with self._cond:
                    while not self._due or self._due[0][0] > time.monotonic():
                        self._cond.wait(
                            timeout=self._due[0][0] - time.monotonic() if self._due else None
                        )
                    _, _, delivery = heapq.heappop(self._due)
                self._attempt(client, delivery)

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        body = delivery.body()
        parts = urlsplit(delivery.url)
        headers = signed_headers(delivery.secret, "POST", parts.path or "/", parts.query, body)
        status_code, error = None, None
        try:
            status_code = client.post(delivery.url, content=body, headers=headers).status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        with self._cond:
            if delivery.generation != self._generation:
                return
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = status_code, error
            if status_code is not None and 200 <= status_code < 300:
                delivery.status = "delivered"
            elif delivery.attempts >= self.max_attempts:
                delivery.status = "failed"
                logger.warning(
                    "webhook %s for %s %s failed after %s attempts",
                    delivery.event.event_type,
                    delivery.event.resource_id_type,
                    delivery.event.resource_id,
                    delivery.attempts,
                )
            else:
                wait = self.retry_base_seconds * 2 ** (delivery.attempts - 1)
                heapq.heappush(self._due, (time.monotonic() + wait, delivery.id, delivery))
                self._cond.notify()


# --- the sandbox ----------------------------------------------------------------------------


def configured_api_key() -> str:
    """The staff key: Django's SANDBOX_HEALTHIE_API_KEY, else the environment, else the demo key."""
    return shared.setting("SANDBOX_HEALTHIE_API_KEY", DEFAULT_API_KEY)


class HealthieSandbox:
    name = "healthie"

    def __init__(self, clock: Clock, *, api_key: str | None = None, monotonic=time.monotonic):
        self.clock = clock
        self._api_key = api_key  # fixed by the constructor; else settings (see configured_api_key)
        self._lock = threading.Lock()
        self._throttle = Throttle(monotonic)
        self._webhooks = WebhookSender()
        self.store = Store(clock, on_event=self._announce)
        self.reset()

    # --- VendorSandbox --------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._options = dict(DEFAULTS, api_key=None)
            self._throttle.reset()
            self._webhooks.reset()
            self._apply_webhook_options()
        seed.populate(self.store, self.clock.now())

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options: rate_limit_per_second, webhook_url, webhook_secret,
        webhook_retry_base_seconds, webhook_max_attempts, webhook_drop_next (a fault: that
        many upcoming events are never delivered), api_key (the staff key).
        Returns them all, with `webhook_deliveries` (event, status, attempts of each)."""
        checks = {
            "rate_limit_per_second": lambda v: isinstance(v, int) and v > 0,
            "webhook_url": lambda v: v is None or (isinstance(v, str) and v.startswith("http")),
            "webhook_secret": lambda v: v is None or isinstance(v, str),
            "webhook_retry_base_seconds": lambda v: isinstance(v, int | float) and v >= 0,
            "webhook_max_attempts": lambda v: isinstance(v, int) and v >= 1,
            "webhook_drop_next": lambda v: (
                isinstance(v, int) and not isinstance(v, bool) and v >= 0
            ),
            "api_key": lambda v: v is None or (isinstance(v, str) and v != ""),
        }
        shared.check_options("Healthie", options, checks)
        with self._lock:
            self._options.update(options)
            self._apply_webhook_options()
            return self._described()

    def webhook_deliveries(self) -> list[dict]:
        return self._webhooks.deliveries()

    def operation(self, request: Request) -> str:
        """The first root field the request's GraphQL operation selects, e.g. completeCheckout."""
        return shared.operation_of(request)

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != "/graphql":
            return shared.NOT_FOUND
        if not_post := shared.refuse_non_post(request):
            return not_post
        viewer, key = self._authenticate(request)
        caller = f"key:{key}" if viewer else f"ip:{request.client_ip}"
        if not self._throttle.allow(caller, self._options["rate_limit_per_second"], 1.0):
            return Response.json(THROTTLED, status=429, headers={"Retry-After": "1"})
        error, warnings = check_version(
            request.headers.get(VERSION_HEADER), self.clock.now().date()
        )
        if error:
            return Response.json({"errors": [error]})
        try:
            payload = request.json()
        except ValueError:
            return Response.json({"errors": [{"message": "The body is not valid JSON"}]}, 400)
        if not isinstance(payload, dict) or not payload.get("query"):
            result = {"errors": [{"message": "No query string was present"}]}
        else:
            result = graphql_api.execute(
                self.store,
                payload["query"],
                payload.get("variables") or None,
                payload.get("operationName"),
                viewer,
            )
        if warnings:
            result.setdefault("extensions", {})["warnings"] = warnings
        return Response.json(result)

    # --- helpers --------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> tuple[User | None, str | None]:
        """`Authorization: Basic <key>` (the raw key, not base64 user:password) or
        `Bearer <key>`, with `AuthorizationSource: API`; the staff key acts as the
        organisation's owner. Anything else is a keyless caller."""
        scheme, _, key = (request.headers.get("Authorization") or "").strip().partition(" ")
        source = (request.headers.get("AuthorizationSource") or "").strip().upper()
        key = key.strip()
        staff_key = self._options["api_key"] or self._api_key or configured_api_key()
        if (
            scheme.lower() in ("basic", "bearer")
            and source == "API"
            and key
            and hmac.compare_digest(key.encode(), staff_key.encode())
        ):
            return self.store.users.get(seed.OWNER_ID), key
        return None, None

    def _apply_webhook_options(self) -> None:
        self._webhooks.configure(
            self._options["webhook_url"],
            self._options["webhook_secret"],
            self._options["webhook_retry_base_seconds"],
            self._options["webhook_max_attempts"],
            self._options["webhook_drop_next"],
        )
        self._options["webhook_drop_next"] = None  # counted down by the sender from here on

    def _announce(self, event: Event) -> None:
        """Called by the store (its lock held) for each change: the configured URL (the demo's
        and the tests' shortcut) and every registered webhook subscribed to the event."""
        targets = [
            (webhook.url, webhook.signature_secret)
            for webhook in self.store.webhooks_for(event.event_type)
        ]
        if self._webhooks.url:
            targets.insert(0, (self._webhooks.url, self._webhooks.secret or ""))
        self._webhooks.enqueue(event, targets)

    def _described(self) -> dict[str, Any]:
        return {
            **self._options,
            "api_key": self._options["api_key"] or self._api_key or configured_api_key(),
            "webhook_drop_next": self._webhooks.drop_next,
            "webhook_deliveries": self._webhooks.deliveries(),
        }

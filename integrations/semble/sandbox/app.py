"""`SembleSandbox`: Semble's GraphQL API and questionnaire links as the sandbox serves them.

- `POST /semble/graphql` — `x-token: <API token>` (the raw token: `Bearer <token>` is refused, as
  at Semble). A missing or wrong token is HTTP 401
  `{"errors": [{"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}]}`.
  Throttling (default 240 requests a minute per token) answers HTTP 200 with a GraphQL error
  whose message says "too often", as Semble does. Then the subset SDL runs (graphql_api.py).
- `GET /semble/questionnaire/<questionnaire token>/<integration token>` — a tiny page:
  "Questionnaire" for a valid, unexpired integration token, "Failed to load questionnaire."
  otherwise (both HTTP 200, as Semble's single-page app shows them), so demo links work.

Faults and the call log belong to the shared server. `/_sandbox/config/semble` reads and changes
the options and returns the counts (patients, tokens) and the patient list.
"""

import hmac
from datetime import date, datetime, timedelta
from typing import Any

from integrations.sandbox import shared
from integrations.sandbox.base import Request, Response, SeededSandbox

from . import graphql_api
from .graphql_api import Context, Store

DEFAULT_API_TOKEN = "sandbox-semble-token"  # noqa: S105 - the sandbox's demo credential
DEFAULTS = {
    "api_token": None,  # None: settings.SANDBOX_SEMBLE_API_TOKEN
    "rate_limit_per_minute": 240,  # Semble: 120-240 requests a minute
    "rate_limit_window_seconds": 60,  # shorten in tests; the limit applies per window
}
THROTTLED = {
    "errors": [
        {
            "message": "You are making requests too often. Please slow down and try again later.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ],
    "data": None,
}
UNAUTHORIZED = {"errors": [{"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}]}

# Deterministic seed: near-duplicate e-mails prove the client's exact matching.
SEED_PATIENTS = [  # PatientRecord fields
    dict(first="Jordan", last="Lee", email="jordan.lee@example.com", dob=date(1984, 3, 9)),
    dict(first="Jordan", last="Leigh", email="jordan.lee@example.com.au", dob=date(1990, 7, 21)),
    dict(first="Ann", last="Jordan-Lee", email="ann.jordan.lee@example.com", dob=date(1978, 11, 2)),
    dict(first="Casey", last="Morgan", email="Casey.Morgan@Example.com", dob=date(1995, 1, 30)),
    dict(
        first="Riley",
        last="Stone",
        email="riley.stone@example.com",
        dob=date(1969, 5, 17),
        deleted=True,
    ),
]
# Any questionnaire token is served; demo data can use this one (from Semble's example link).
SEED_QUESTIONNAIRE = "5d8f731a48250f7992ff4a10"


class SembleSandbox(SeededSandbox):
    name = "semble"
    defaults = DEFAULTS
    store_type = Store
    store: Store

    # --- VendorSandbox --------------------------------------------------------------------

    def _seed(self, now: datetime) -> None:
        for patient in SEED_PATIENTS:
            self.store.add_patient(**patient, created_at=now - timedelta(days=30))

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options: api_token, rate_limit_per_minute (requests per window),
        rate_limit_window_seconds. Returns them (never the token) with the counts: patients,
        tokens, valid_tokens, and patient_list."""
        checks = {
            "api_token": lambda v: v is None or (isinstance(v, str) and v != ""),
            "rate_limit_per_minute": lambda v: isinstance(v, int) and v > 0,
            "rate_limit_window_seconds": lambda v: isinstance(v, int | float) and v > 0,
        }
        shared.check_options("Semble", options, checks)
        with self._lock:
            self._options.update(options)
            if {"rate_limit_per_minute", "rate_limit_window_seconds"} & set(options):
                self._throttle.reset()
        return self.state()

    def state(self) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            options = {k: v for k, v in self._options.items() if k != "api_token"}
        with self.store.lock:
            patients = [
                p.summary() for p in sorted(self.store.patients.values(), key=lambda p: p.id)
            ]
            tokens = len(self.store.tokens)
            valid = sum(1 for t in self.store.tokens if self.store.valid_token(t, now))
        return {
            **options,
            "patients": len(patients),
            "tokens": tokens,
            "valid_tokens": valid,
            "patient_list": patients,
        }

    def operation(self, request: Request) -> str:
        path = request.path.rstrip("/")
        if path.startswith("/questionnaire/"):
            return "questionnaire"
        return shared.operation_of(request)

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/graphql":
            return self._graphql(request)
        if path.startswith("/questionnaire/") and request.method.upper() == "GET":
            return self._questionnaire(path.removeprefix("/questionnaire/"))
        return shared.NOT_FOUND

    # --- GraphQL --------------------------------------------------------------------------

    def _graphql(self, request: Request) -> Response:
        if not_post := shared.refuse_non_post(request):
            return not_post
        token = (request.headers.get("x-token") or "").strip()
        with self._lock:
            limit = self._options["rate_limit_per_minute"]
            window = float(self._options["rate_limit_window_seconds"])
            expected = self._options["api_token"] or shared.setting(
                "SANDBOX_SEMBLE_API_TOKEN", DEFAULT_API_TOKEN
            )
        caller = f"token:{token}" if token else f"ip:{request.client_ip}"
        if not self._throttle.allow(caller, limit, window):
            return Response.json(THROTTLED)
        if not token or not hmac.compare_digest(token.encode(), expected.encode()):
            return Response.json(UNAUTHORIZED, status=401)
        payload, unreadable = shared.apollo_payload(request)
        if unreadable:
            return unreadable
        status, body = graphql_api.execute(Context(self.store, self.clock.now()), payload)
        return Response.json(body, status=status)

    # --- questionnaire links --------------------------------------------------------------

    def _questionnaire(self, rest: str) -> Response:
        questionnaire, _, token = rest.partition("/")
        valid = False
        if questionnaire and token and "/" not in token:
            with self.store.lock:
                valid = self.store.valid_token(token, self.clock.now()) is not None
        if valid:
            return shared.page(
                "Questionnaire",
                "Your details are already filled in from the clinic's link. "
                "(Sandbox: the questions themselves are not shown.)",
            )
        return shared.page("Questionnaire", "Failed to load questionnaire.")

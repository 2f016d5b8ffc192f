"""HealthieSandbox.handle(): auth, versions, throttling, GraphQL behaviour, webhooks."""

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.healthie.sandbox import HealthieSandbox
from integrations.sandbox.base import Request

from .conftest import STAFF_KEY, make_request

TYPES = "{ appointmentTypes { total_count } }"
STAFF_ONLY = '{ appointments(provider_id: "101") { total_count } }'
SLOTS = """
query($provider: ID!, $type: ID, $day: ISO8601DateTime, $tz: String, $ids: [ID], $org: Boolean,
      $unique: Boolean, $reschedule: ID) {
  availableSlotsForRange(provider_id: $provider, provider_ids: $ids, org_level: $org,
      appt_type_id: $type, start_date: $day, end_date: $day, timezone: $tz, make_unique: $unique,
      appointment_to_reschedule_id: $reschedule) { date user_id is_fully_booked }
}"""
CHECKOUT = """
mutation($date: ISO8601DateTime, $email: String, $type: ID, $contact: String) {
  completeCheckout(input: {appointment_type_id: $type, contact_type: $contact, date: $date,
      timezone: "America/New_York", provider_id: "101", first_name: "Pat", last_name: "Doe",
      email: $email, phone_number: "5550100100"}) {
    appointment { id date end provider { id } user { id email } }
    messages { field message }
  }
}"""


def checkout(gql, date="2026-12-02T16:00:00-05:00", email="pat.doe@example.com", **options):
    variables = {"date": date, "email": email, "type": "302", "contact": "Healthie Video Call"}
    return gql(CHECKOUT, variables, key=None, **options)["data"]["completeCheckout"]


# --- auth -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Basic", "Bearer"])
def test_the_staff_key_unlocks_staff_fields(gql, scheme):
    assert gql(STAFF_ONLY, scheme=scheme)["data"]["appointments"]["total_count"] == 2


@pytest.mark.parametrize(
    "request_options",
    [
        {"key": None},
        {"key": "wrong-key"},
        {"source": None},  # the key alone is not enough: AuthorizationSource: API
        {"scheme": "Token"},
        {"key": base64.b64encode(f"{STAFF_KEY}:".encode()).decode()},  # not user:password
    ],
)
def test_staff_fields_without_a_valid_key_are_unauthorized(gql, request_options):
    body = gql(STAFF_ONLY, **request_options)
    assert body["data"] == {"appointments": None}
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert body["errors"][0]["path"] == ["appointments"]


def test_public_fields_need_no_key_and_resolve_next_to_refused_ones(gql):
    mixed = gql(
        '{ appointmentTypes { total_count } appointments(provider_id: "101") { total_count } }',
        key=None,
    )
    assert mixed["data"]["appointmentTypes"]["total_count"] == 5
    assert mixed["data"]["appointments"] is None
    assert [e["path"] for e in mixed["errors"]] == [["appointments"]]


def test_the_default_key_comes_from_django_settings(clock, settings):
    app = HealthieSandbox(clock)
    call = {"query": STAFF_ONLY}
    settings.SANDBOX_HEALTHIE_API_KEY = "from-settings"
    body = json.loads(app.handle(make_request(call, key="from-settings")).body)
    assert body["data"]["appointments"]["total_count"] == 2
    settings.SANDBOX_HEALTHIE_API_KEY = "gh_sbox_demo_staff_key"
    body = json.loads(app.handle(make_request(call, key="gh_sbox_demo_staff_key")).body)
    assert "errors" not in body
    app.configure({"api_key": "configured"})
    assert "errors" in json.loads(app.handle(make_request(call, key="gh_sbox_demo_staff_key")).body)
    assert "errors" not in json.loads(app.handle(make_request(call, key="configured")).body)


# --- versions (exact bodies from guides/api-concepts-versioning.md) ---------------------------

SUNSET_2024_06_01 = {
    "code": "API_VERSION_SUNSET_WARNING",
    "message": "API version 2024-06-01 is deprecated and will be sunset on 2027-01-31. "
    "Please upgrade to a supported version.",
    "requested_version": "2024-06-01",
    "sunset_date": "2027-01-31",
    "latest_version": "2026-07-01",
}
MISSING_WARNING = {
    "code": "MISSING_API_VERSION_HEADER",
    "message": "No Healthie-GraphQL-API-Version header was sent. Defaulting to baseline version "
    "2024-06-01. This fallback will be removed on 2027-01-31; please include the header in all "
    "requests.",
    "latest_version": "2026-07-01",
}


def at(clock, instant):
    clock.set(datetime.fromisoformat(instant))


def test_before_the_lifecycle_starts_no_warnings(gql, clock):
    at(clock, "2026-06-30T23:59:00+00:00")
    for version in (None, "2024-06-01", "2026-01-01", "2026-07-01"):
        body = gql(TYPES, version=version)
        assert "extensions" not in body and body["data"]["appointmentTypes"]["total_count"] == 5


def test_warn_mode_without_the_header(gql):
    body = gql(TYPES, version=None)
    assert body["data"]["appointmentTypes"]["total_count"] == 5
    assert body["extensions"] == {"warnings": [MISSING_WARNING, SUNSET_2024_06_01]}


def test_warn_mode_with_an_old_version(gql):
    body = gql(TYPES, version="2025-10-15")
    assert body["extensions"]["warnings"] == [
        {
            "code": "API_VERSION_SUNSET_WARNING",
            "message": "API version 2025-10-15 is deprecated and will be sunset on 2027-01-31. "
            "Please upgrade to a supported version.",
            "requested_version": "2025-10-15",
            "sunset_date": "2027-01-31",
            "latest_version": "2026-07-01",
        }
    ]
    assert [
        w["requested_version"] for w in gql(TYPES, version="2026-01-01")["extensions"]["warnings"]
    ] == ["2026-01-01"]


def test_the_current_version_gets_no_warning(gql, clock):
    assert "extensions" not in gql(TYPES)
    at(clock, "2027-06-01T00:00:00+00:00")
    assert "extensions" not in gql(TYPES)


def test_enforce_mode_requires_the_header(gql, clock):
    at(clock, "2027-01-31T00:00:00+00:00")
    assert gql(TYPES, version=None) == {
        "errors": [
            {
                "message": "Missing required header: Healthie-GraphQL-API-Version. "
                "All API requests must include a version header.",
                "extensions": {
                    "code": "MISSING_API_VERSION_HEADER",
                    "latest_version": "2026-07-01",
                },
            }
        ]
    }


@pytest.mark.parametrize("version", ["2025-10-15", "2026-01-01", "2024-06-01"])
def test_enforce_mode_rejects_versions_before_2026_07_01(gql, clock, version):
    at(clock, "2027-01-31T00:00:00+00:00")
    assert gql(TYPES, version=version) == {
        "errors": [
            {
                "message": f"API version '{version}' is no longer supported. "
                "Please upgrade to a supported version.",
                "extensions": {
                    "code": "UNSUPPORTED_API_VERSION",
                    "requested_version": version,
                    "minimum_supported_version": "2026-07-01",
                    "latest_version": "2026-07-01",
                },
            }
        ]
    }


@pytest.mark.parametrize("instant", ["2026-03-01T00:00:00+00:00", "2027-03-01T00:00:00+00:00"])
@pytest.mark.parametrize("version", ["2025-06-15", "latest", "2026-07-02"])
def test_an_unpublished_version_is_always_unsupported(gql, clock, instant, version):
    at(clock, instant)
    error = gql(TYPES, version=version)["errors"][0]
    assert error["extensions"]["code"] == "UNSUPPORTED_API_VERSION"
    assert error["extensions"]["requested_version"] == version


# --- throttling -----------------------------------------------------------------------------


class FakeMonotonic:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_throttling_per_key_and_per_ip(clock):
    ticks = FakeMonotonic()
    app = HealthieSandbox(clock, api_key=STAFF_KEY, monotonic=ticks)
    assert app.configure({"rate_limit_per_second": 3})["rate_limit_per_second"] == 3
    body = {"query": TYPES}
    assert [app.handle(make_request(body)).status for _ in range(4)] == [200, 200, 200, 429]
    throttled = app.handle(make_request(body))
    assert throttled.status == 429 and throttled.headers["Retry-After"] == "1"
    assert json.loads(throttled.body) == {
        "errors": [
            {
                "message": "Too many requests. Please try again later.",
                "extensions": {"code": "TOO_MANY_REQUESTS"},
            }
        ]
    }
    # keyless callers are counted per IP, separately from the key
    assert app.handle(make_request(body, key=None, ip="10.0.0.1")).status == 200
    assert app.handle(make_request(body, key=None, ip="10.0.0.2")).status == 200
    ticks.now += 0.5
    assert app.handle(make_request(body)).status == 429
    ticks.now += 0.6  # the first three requests left the one-second window
    assert app.handle(make_request(body)).status == 200
    app.reset()
    assert app.configure({})["rate_limit_per_second"] == 250


def test_configure_rejects_unknown_or_invalid_options(sandbox_app):
    with pytest.raises(ValueError, match="unknown"):
        sandbox_app.configure({"rate_limit": 1})
    with pytest.raises(ValueError, match="invalid"):
        sandbox_app.configure({"rate_limit_per_second": 0})


# --- transport ------------------------------------------------------------------------------


def test_operation_names_the_root_field(sandbox_app):
    query = (
        "query A { appointmentTypes { total_count } } "
        "mutation B { completeCheckout { messages { field } } }"
    )
    assert sandbox_app.operation(make_request({"query": query, "operationName": "B"})) == (
        "completeCheckout"
    )
    assert sandbox_app.operation(
        make_request({"query": "{ __typename users { total_count } }"})
    ) == ("users")
    assert sandbox_app.operation(make_request(b"not json")) == "graphql"


def test_requests_that_are_not_graphql(sandbox_app, gql):
    headers = make_request({}).headers
    assert sandbox_app.handle(Request("POST", "/other", {}, headers, b"{}")).status == 404
    assert sandbox_app.handle(Request("GET", "/graphql", {}, headers, b"")).status == 405
    assert sandbox_app.handle(make_request(b"{nope")).status == 400
    assert gql("")["errors"][0]["message"] == "No query string was present"
    assert "errors" in gql("{ noSuchField }")


# --- slots over GraphQL ---------------------------------------------------------------------


def test_slots_are_dated_in_the_requested_timezone(gql):
    variables = {"provider": "101", "type": "302", "day": "2026-12-02", "tz": "America/Los_Angeles"}
    found = gql(SLOTS, variables, key=None)["data"]["availableSlotsForRange"]
    assert found[0] == {
        "date": "2026-12-02T06:00:00-08:00",
        "user_id": "101",
        "is_fully_booked": False,
    }
    times = [s["date"][11:16] for s in found]
    assert "07:00" not in times and "07:30" not in times  # 10:00-11:00 New York is booked
    assert "12:00" in times  # 15:00 New York: that appointment is cancelled
    default_zone = gql(SLOTS, {**variables, "tz": None}, key=None)["data"]["availableSlotsForRange"]
    assert default_zone[0]["date"] == "2026-12-02T09:00:00-05:00"


def test_slots_for_several_providers(gql):
    variables = {"provider": "101", "ids": ["101", "102"], "org": True, "type": "302"}
    variables["day"] = "2026-12-03"
    unique = gql(SLOTS, variables, key=None)["data"]["availableSlotsForRange"]
    # Dr Okafor's 9:00 appointment and its 10-minute buffer keep him busy from 8:50 to 9:40.
    assert [s["date"][11:16] for s in unique][:4] == ["09:00", "09:30", "09:45", "10:00"]
    assert [s["user_id"] for s in unique][:4] == ["101", "101", "102", "101"]
    everyone = gql(SLOTS, {**variables, "unique": False}, key=None)["data"][
        "availableSlotsForRange"
    ]
    assert len(everyone) > len(unique)
    assert len({(s["date"], s["user_id"]) for s in everyone}) == len(everyone)


def test_slots_for_a_reschedule_include_the_appointments_own_time(gql):
    variables = {"provider": "101", "type": "301", "day": "2026-12-02"}
    plain = gql(SLOTS, variables, key=None)["data"]["availableSlotsForRange"]
    moving = gql(SLOTS, {**variables, "reschedule": "50001"}, key=None)["data"]
    assert "2026-12-02T10:00:00-05:00" not in {s["date"] for s in plain}
    assert "2026-12-02T10:00:00-05:00" in {s["date"] for s in moving["availableSlotsForRange"]}


def test_dates_must_be_iso8601(gql):
    variables = {"provider": "101", "type": "302", "day": "2026-12-02 09:00"}
    body = gql(SLOTS, variables, key=None)
    assert body.get("data") is None and "ISO8601DateTime" in body["errors"][0]["message"]


def test_slots_across_spring_forward_keep_local_hours(gql, clock):
    at(clock, "2026-03-01T12:00:00+00:00")
    variables = {"provider": "101", "type": "302", "tz": "America/Los_Angeles"}
    friday = gql(SLOTS, {**variables, "day": "2026-03-06"}, key=None)["data"]
    monday = gql(SLOTS, {**variables, "day": "2026-03-09"}, key=None)["data"]
    assert friday["availableSlotsForRange"][0]["date"] == "2026-03-06T06:00:00-08:00"
    assert monday["availableSlotsForRange"][0]["date"] == "2026-03-09T06:00:00-07:00"


def test_days_available(gql):
    month = gql(
        '{ daysAvailableForRange(provider_id: "103", appt_type_id: "304", '
        'timezone: "America/Los_Angeles") }',
        key=None,
    )["data"]["daysAvailableForRange"]
    assert month[0] == "2026-12-01" and "2026-12-05" not in month  # no Saturday hours
    assert month[-1] == "2026-12-31"
    january = gql(
        '{ daysAvailableForRange(provider_id: "103", appt_type_id: "304", '
        'date_from_month: "2027-01-10") }',
        key=None,
    )["data"]["daysAvailableForRange"]
    assert january[-1] == "2027-01-15"  # Dr Alvarez books 45 days ahead
    ranged = gql(
        '{ daysAvailableForRange(provider_id: "101", appt_type_id: "302", '
        'start_date: "2026-12-04", end_date: "2026-12-08") }',
        key=None,
    )["data"]["daysAvailableForRange"]
    assert ranged == ["2026-12-04", "2026-12-07", "2026-12-08"]
    half = gql(
        '{ daysAvailableForRange(provider_id: "101", appt_type_id: "302", '
        'start_date: "2026-12-04") }'
    )
    assert "together" in half["errors"][0]["message"]


def test_next_available_slot(gql):
    first = gql('{ nextAvailableSlot(provider_id: "101", appt_type_id: "301") }', key=None)
    assert first["data"]["nextAvailableSlot"] == "2026-12-01 12:00:00 -0500"  # 2 hours' notice
    later = gql(
        '{ nextAvailableSlot(provider_id: "103", appt_type_id: "304", '
        'timezone: "America/Los_Angeles", start_date_boundary: "2026-12-04") }',
        key=None,
    )
    assert later["data"]["nextAvailableSlot"] == "2026-12-04 09:00:00 -0800"
    none = gql(
        '{ nextAvailableSlot(provider_id: "101", appt_type_id: "302", contact_type: "In Person") }',
        key=None,
    )
    assert none["data"]["nextAvailableSlot"] is None


# --- checkout and appointments ----------------------------------------------------------------


def test_checkout_books_and_the_loser_gets_a_message(gql):
    won = checkout(gql)
    assert won["messages"] is None
    assert won["appointment"]["date"] == "2026-12-02T16:00:00-05:00"
    assert won["appointment"]["end"] == "2026-12-02 16:30:00 -0500"
    assert won["appointment"]["user"]["email"] == "pat.doe@example.com"
    lost = checkout(gql, email="someone@example.com")
    assert lost == {
        "appointment": None,
        "messages": [{"field": "date", "message": "This time slot is no longer available"}],
    }


def test_checkout_input_problems_are_messages(gql):
    assert checkout(gql, date=None)["messages"][0]["field"] == "date"
    bad_type = gql(CHECKOUT, {"date": "2026-12-02T16:00:00-05:00", "type": "305"}, key=None)
    assert bad_type["data"]["completeCheckout"]["messages"][0]["field"] == "appointment_type_id"


def test_twenty_concurrent_checkouts_over_handle_book_once(sandbox_app, gql):
    barrier = threading.Barrier(20)
    outcomes = []

    def attempt(n):
        barrier.wait()
        outcomes.append(checkout(gql, email=f"racer{n}@example.com", ip=f"10.0.0.{n}"))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(o["appointment"] is not None for o in outcomes) == 1
    assert all(o["messages"][0]["field"] == "date" for o in outcomes if o["appointment"] is None)
    listed = gql(
        '{ appointments(startDate: "2026-12-02T16:00:00-05:00", '
        'endDate: "2026-12-02T16:30:00-05:00") { total_count } }'
    )
    assert listed["data"]["appointments"]["total_count"] == 1


def test_appointments_are_paged_with_cursors(gql):
    query = """query($after: String) { appointments(is_org: true, first: 3, after: $after) {
        nodes { id } page_info { end_cursor has_next_page } total_count } }"""
    first = gql(query)["data"]["appointments"]
    assert [n["id"] for n in first["nodes"]] == ["50001", "50002", "50004"]
    assert first["page_info"]["has_next_page"] and first["total_count"] == 5
    rest = gql(query, {"after": first["page_info"]["end_cursor"]})["data"]["appointments"]
    assert [n["id"] for n in rest["nodes"]] == ["50005", "49001"]  # then the seeded blocker
    assert rest["page_info"]["has_next_page"] is False
    assert "cursor" in gql(query, {"after": "%%%"})["errors"][0]["message"]


def test_staff_times_are_in_the_viewers_zone(gql):
    found = gql('{ appointment(id: "50005") { date end } }')["data"]["appointment"]
    assert found == {"date": "2026-12-03T14:00:00-05:00", "end": "2026-12-03 14:45:00 -0500"}


def test_users_and_organization_members(gql):
    users = gql('{ users(keywords: "avery.brooks@") { nodes { id email } total_count } }')
    assert users["data"]["users"] == {
        "nodes": [{"id": "104", "email": "avery.brooks@example.com"}],
        "total_count": 1,
    }
    members = gql("{ organizationMembers { nodes { id timezone } } }")
    assert [m["id"] for m in members["data"]["organizationMembers"]["nodes"]] == [
        "103",
        "101",
        "102",
    ]


# --- webhooks -------------------------------------------------------------------------------


class Receiver:
    """A tiny HTTP server recording webhook POSTs; answers the queued statuses, then 200."""

    def __init__(self):
        self.received = []
        self.statuses = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers.items()), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def verify(secret, method, target, headers, body):
    """The receiver's check, written from the documented algorithm, not from the sandbox."""
    path, _, query = target.partition("?")
    digest_header = headers["Content-Digest"]
    assert digest_header == "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    digest = digest_header.split("=", 1)[1]  # everything after the FIRST "=": padding kept
    signed = f"{method.lower()} {path} {query} {digest} application/json {len(body)}"
    expected = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest("sig1=" + expected, headers["Signature"])


def test_webhooks_are_signed_as_healthie_signs_them(sandbox_app, gql, receiver):
    url = f"{receiver.url}/hooks/healthie/?tenant=a"
    sandbox_app.configure({"webhook_url": url, "webhook_secret": "whsec_test"})
    appointment_id = checkout(gql)["appointment"]["id"]
    gql(
        'mutation($id: ID) { updateAppointment(input: {id: $id, pm_status: "Cancelled"}) '
        "{ messages { field } } }",
        {"id": appointment_id},
    )
    wait_for(lambda: len(receiver.received) == 3)
    bodies = [json.loads(body) for _, _, body in receiver.received]
    assert bodies == [
        {
            "resource_id": "107",
            "resource_id_type": "User",
            "event_type": "patient.created",
            "changed_fields": [],
        },
        {
            "resource_id": appointment_id,
            "resource_id_type": "Appointment",
            "event_type": "appointment.created",
            "changed_fields": [],
        },
        {
            "resource_id": appointment_id,
            "resource_id_type": "Appointment",
            "event_type": "appointment.updated",
            "changed_fields": ["pm_status"],
        },
    ]
    for target, headers, body in receiver.received:
        assert target == "/hooks/healthie/?tenant=a"
        assert headers["Content-Type"] == "application/json"
        assert headers["Signature-Input"] == (
            'sig1=("@method" "@path" "@query" "content-digest" "content-type" "content-length")'
        )
        assert verify("whsec_test", "POST", target, headers, body)
        assert not verify("another-secret", "POST", target, headers, body)
    wait_for(lambda: all(d["status"] == "delivered" for d in sandbox_app.webhook_deliveries()))
    assert [(d["event_type"], d["attempts"]) for d in sandbox_app.webhook_deliveries()] == [
        ("patient.created", 1),
        ("appointment.created", 1),
        ("appointment.updated", 1),
    ]


def test_failed_deliveries_are_retried_then_given_up(sandbox_app, gql, receiver):
    receiver.statuses = [500, 503]
    sandbox_app.configure(
        {
            "webhook_url": receiver.url + "/hook",
            "webhook_secret": "s",
            "webhook_retry_base_seconds": 0.01,
            "webhook_max_attempts": 3,
        }
    )
    gql('mutation { deleteAppointment(input: {id: "50001"}) { messages { field } } }')
    wait_for(lambda: sandbox_app.webhook_deliveries()[0]["status"] == "delivered")
    delivery = sandbox_app.webhook_deliveries()[0]
    assert (delivery["event_type"], delivery["attempts"], delivery["last_status_code"]) == (
        "appointment.deleted",
        3,
        200,
    )
    receiver.close()  # nobody listens any more: network errors until the attempts run out
    gql('mutation { deleteAppointment(input: {id: "50002"}) { messages { field } } }')
    wait_for(lambda: sandbox_app.configure({})["webhook_deliveries"][1]["status"] == "failed")
    failed = sandbox_app.webhook_deliveries()[1]
    assert failed["attempts"] == 3 and failed["last_error"]


CREATE_WEBHOOK = """
mutation($url: String) {
  createWebhook(input: {url: $url, webhook_events: [{event_type: APPOINTMENT_UPDATED}]}) {
    webhook { id signature_secret } messages { field message }
  }
}"""


def test_a_registered_webhook_gets_its_events_signed_with_its_generated_secret(
    sandbox_app, gql, receiver
):
    made = gql(CREATE_WEBHOOK, {"url": receiver.url + "/registered/"})["data"]["createWebhook"]
    secret = made["webhook"]["signature_secret"]
    appointment_id = checkout(gql)["appointment"]["id"]  # created: not subscribed
    gql(
        'mutation($id: ID) { updateAppointment(input: {id: $id, pm_status: "Cancelled"}) '
        "{ messages { field } } }",
        {"id": appointment_id},
    )
    wait_for(lambda: len(receiver.received) == 1)
    target, headers, body = receiver.received[0]
    assert json.loads(body)["event_type"] == "appointment.updated"
    assert verify(secret, "POST", target, headers, body)
    rotated = gql(
        "mutation($id: ID!) { expireWebhookSignature(input: {id: $id}) "
        "{ webhook { signature_secret } messages { field message } } }",
        {"id": made["webhook"]["id"]},
    )["data"]["expireWebhookSignature"]["webhook"]["signature_secret"]
    assert rotated != secret


def test_the_drop_fault_loses_the_next_deliveries_only(sandbox_app, gql, receiver):
    sandbox_app.configure({"webhook_url": receiver.url, "webhook_secret": "s"})
    sandbox_app.configure({"webhook_drop_next": 2})
    assert sandbox_app.configure({})["webhook_drop_next"] == 2
    checkout(gql)  # patient.created and appointment.created: both dropped
    gql('mutation { deleteAppointment(input: {id: "50001"}) { messages { field } } }')
    wait_for(lambda: len(receiver.received) == 1)
    assert [d["status"] for d in sandbox_app.webhook_deliveries()][:2] == ["dropped", "dropped"]
    assert json.loads(receiver.received[0][2])["event_type"] == "appointment.deleted"


def test_a_keyed_checkout_books_for_the_caller_not_the_email(gql):
    keyed = gql(CHECKOUT, {"date": "2026-12-02T16:00:00-05:00", "email": "pat.doe@example.com",
                           "type": "302", "contact": "Healthie Video Call"})  # fmt: skip
    appointment = keyed["data"]["completeCheckout"]["appointment"]
    found = gql('query($id: ID) { appointment(id: $id) { user { id email } } }',
                {"id": appointment["id"]})["data"]["appointment"]  # fmt: skip
    assert found["user"]["id"] == "101"  # the staff key's own user
    public = checkout(gql, date="2026-12-02T16:30:00-05:00")["appointment"]
    other = gql('query($id: ID) { appointment(id: $id) { user { email } } }',
                {"id": public["id"]})["data"]["appointment"]  # fmt: skip
    assert other["user"]["email"] == "pat.doe@example.com"


def test_nothing_is_delivered_without_a_webhook_url(sandbox_app, gql, receiver):
    checkout(gql)
    assert sandbox_app.webhook_deliveries() == []
    sandbox_app.configure({"webhook_url": receiver.url})
    sandbox_app.reset()
    checkout(gql)
    time.sleep(0.1)
    assert receiver.received == [] and sandbox_app.webhook_deliveries() == []


def test_reset_restores_the_seed_relative_to_the_clock(sandbox_app, gql, clock):
    checkout(gql)
    clock.set(datetime(2027, 3, 1, 15, 0, tzinfo=UTC))  # a Monday
    sandbox_app.reset()
    found = gql('{ appointment(id: "50001") { date } }')["data"]["appointment"]
    assert found == {"date": "2027-03-02T10:00:00-05:00"}
    assert gql('{ appointment(id: "50007") { id } }')["data"]["appointment"] is None

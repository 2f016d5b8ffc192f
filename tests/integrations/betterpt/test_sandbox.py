"""BetterPTSandbox.handle() in-process on a frozen clock: token endpoint, room rules, controls."""

import json
from datetime import UTC, datetime, timedelta
from email.message import Message
from urllib.parse import urlencode

import pytest

from integrations.betterpt.sandbox import BetterPTSandbox
from integrations.sandbox.base import Clock, Request

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CREDENTIALS = {
    "client_id": "sandbox-betterpt-client",
    "client_secret": "sandbox-betterpt-secret",
    "audience": "https://api.betterpt.com",
    "grant_type": "client_credentials",
}
CREATE = """mutation($input: CreatePartnerVideoRoomInput!) {
  createPartnerVideoRoom(input: $input) { uid startTime status patientLink providerLink }
}"""
ROOM = """query($uid: ID!) { partnerVideoRoom(uid: $uid) {
  uid status didPatientAttend patientDuration didProviderAttend providerDuration } }"""


@pytest.fixture
def clock():
    frozen = Clock()
    frozen.set(NOW)
    return frozen


@pytest.fixture
def app(clock, settings):
    settings.SANDBOX_BETTERPT_CLIENT_ID = CREDENTIALS["client_id"]
    settings.SANDBOX_BETTERPT_CLIENT_SECRET = CREDENTIALS["client_secret"]
    settings.BETTERPT_AUDIENCE = CREDENTIALS["audience"]
    return BetterPTSandbox(clock)


def request(path, body=b"", method="POST", **headers):
    message = Message()
    message["Host"] = "sandbox.test"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request(method, path, {}, message, raw)


def token(app, **overrides):
    response = app.handle(request("/oauth/token", {**CREDENTIALS, **overrides}))
    return response.status, json.loads(response.body)


def gql(app, query, variables=None, *, bearer=None):
    bearer = bearer or token(app)[1]["access_token"]
    response = app.handle(
        request(
            "/graphql",
            {"query": query, "variables": variables or {}},
            Authorization=f"Bearer {bearer}",
        )
    )
    return response.status, json.loads(response.body)


def test_the_token_answer_is_auth0s(app):
    status, body = token(app)
    assert status == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    assert body["scope"] == "mutate:partnerVideoRooms query:partnerSessions"
    form = request(
        "/oauth/token",
        urlencode(CREDENTIALS).encode(),
        Content_Type="application/x-www-form-urlencoded",
    )
    assert app.handle(form).status == 200
    assert app.state()["tokens_issued"] == 2


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "nope"}, 401, "access_denied"),
        ({"client_id": "nope"}, 401, "access_denied"),
        ({"audience": "https://elsewhere"}, 403, "access_denied"),
        ({"grant_type": "password"}, 403, "unsupported_grant_type"),
        ({"audience": ""}, 400, "invalid_request"),
    ],
)
def test_token_refusals(app, overrides, status, error):
    assert token(app, **overrides)[0] == status
    assert token(app, **overrides)[1]["error"] == error
    assert app.state()["tokens_issued"] == 0


def test_fetching_a_token_per_call_gets_you_rate_limited(app):
    app.configure({"token_rate_limit_per_minute": 2})
    assert [token(app)[0] for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "No authorization token was found"),
        ("Bearer forged", "invalid token"),
        ("Basic x", "No authorization token was found"),
    ],
)
def test_the_api_needs_a_valid_bearer_token(app, header, message):
    headers = {"Authorization": header} if header else {}
    response = app.handle(request("/graphql", {"query": ROOM}, **headers))
    assert response.status == 401
    error = json.loads(response.body)["errors"][0]
    assert (error["message"], error["extensions"]["code"]) == (message, "UNAUTHENTICATED")


def test_an_expired_token_is_refused(app, clock):
    bearer = token(app)[1]["access_token"]
    clock.set(NOW + timedelta(days=1))
    status, body = gql(app, ROOM, {"uid": "x"}, bearer=bearer)
    assert status == 401 and body["errors"][0]["message"] == "jwt expired"


def test_the_seeds_nullable_variable_fails_validation(app):
    seed = CREATE.replace("CreatePartnerVideoRoomInput!", "CreatePartnerVideoRoomInput")
    status, body = gql(
        app, seed, {"input": {"startTime": "2026-12-03T10:15:30Z", "timeZone": "America/New_York"}}
    )
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_bad_datetime_is_bad_user_input(app):
    status, body = gql(
        app, CREATE, {"input": {"startTime": "2026-12-03 10:15", "timeZone": "America/New_York"}}
    )
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_rooms_open_five_minutes_early_last_an_hour_and_report_attendance(app, clock):
    start = NOW + timedelta(days=1)
    _, body = gql(
        app, CREATE, {"input": {"startTime": start.isoformat(), "timeZone": "America/New_York"}}
    )
    room = body["data"]["createPartnerVideoRoom"]
    assert room["patientLink"].startswith("http://sandbox.test/betterpt/video/")

    def status_at(moment):
        clock.set(moment)
        return gql(app, ROOM, {"uid": room["uid"]})[1]["data"]["partnerVideoRoom"]

    assert status_at(start - timedelta(minutes=6))["status"] == "SCHEDULED"
    early = app.handle(request(room["patientLink"].split("/betterpt")[1], method="GET"))
    assert "opens five minutes before" in early.body.decode()
    assert status_at(start - timedelta(minutes=5))["status"] == "OPEN"
    clock.set(start + timedelta(minutes=10))  # the patient joins ten minutes late
    app.handle(request(room["patientLink"].split("/betterpt")[1], method="GET"))
    assert status_at(start + timedelta(minutes=59))["didPatientAttend"] is None
    assert status_at(start + timedelta(minutes=60))["status"] == "COMPLETED"
    done = status_at(start + timedelta(hours=2))
    assert (done["didPatientAttend"], done["patientDuration"]) == (True, 50)
    assert (done["didProviderAttend"], done["providerDuration"]) == (False, 0)


def test_an_unknown_link_is_a_404_page(app):
    assert app.handle(request("/video/nope", method="GET")).status == 404


def test_reset_restores_the_seed_and_forgets_tokens(app):
    _, body = gql(
        app, CREATE, {"input": {"startTime": "2027-01-05T15:00:00Z", "timeZone": "America/Chicago"}}
    )
    assert app.state()["rooms"] == 3
    app.reset()
    state = app.state()
    assert (state["rooms"], state["tokens_issued"], state["active_tokens"]) == (2, 0, 0)
    assert [r["status"] for r in state["room_list"]] == ["SCHEDULED", "CANCELLED"]


def test_configure_checks_options_and_never_shows_the_secret(app):
    with pytest.raises(ValueError):
        app.configure({"rooms": 3})
    with pytest.raises(ValueError):
        app.configure({"token_lifetime_seconds": 0})
    state = app.configure({"client_secret": "rotated"})
    assert "rotated" not in json.dumps(state)
    assert token(app)[0] == 401
    assert token(app, client_secret="rotated")[0] == 200


def test_operations_are_named_for_faults_and_the_call_log(app):
    assert app.operation(request("/oauth/token", CREDENTIALS)) == "oauth/token"
    assert app.operation(request("/graphql", {"query": CREATE})) == "createPartnerVideoRoom"
    assert app.operation(request("/video/abc", method="GET")) == "video"
    assert app.operation(request("/graphql", b"not json")) == "graphql"

"""SembleSandbox.handle() in-process on a frozen clock: auth, throttling, search, tokens, pages."""

import json
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest

from integrations.sandbox.base import Clock, Request
from integrations.semble.sandbox import SembleSandbox

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TOKEN = "test-semble-token"
SEARCH = """query($search: String, $page: Int, $size: Int, $deleted: Boolean) {
  patients(search: $search, pagination: {page: $page, pageSize: $size},
           options: {includeDeleted: $deleted}) {
    data { id email } pageInfo { page pageSize hasMore } } }"""
CREATE_TOKEN = """mutation($patient: ID!) {
  createIntegrationToken(patient: $patient) { data { token } error } }"""
READ_TOKEN = "query($patient: ID!) { integrationToken(patient: $patient) { token } }"
JORDAN = "6553f1a05e3b1e0c9d2a0001"


@pytest.fixture
def clock():
    frozen = Clock()
    frozen.set(NOW)
    return frozen


@pytest.fixture
def app(clock, settings):
    settings.SANDBOX_SEMBLE_API_TOKEN = TOKEN
    return SembleSandbox(clock)


def request(path, body=b"", method="POST", **headers):
    message = Message()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request(method, path, {}, message, raw)


def gql(app, query, variables=None, token=TOKEN):
    headers = {"x_token": token} if token is not None else {}
    response = app.handle(
        request("/graphql", {"query": query, "variables": variables or {}}, **headers)
    )
    return response.status, json.loads(response.body)


@pytest.mark.parametrize("token", [None, "wrong", f"Bearer {TOKEN}"])
def test_the_x_token_must_be_the_raw_api_token(app, token):
    status, body = gql(app, SEARCH, token=token)
    assert status == 401 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_throttling_answers_200_with_too_often(app):
    app.configure({"rate_limit_per_minute": 2})
    statuses = [gql(app, SEARCH) for _ in range(3)]
    assert [s for s, _ in statuses] == [200, 200, 200]
    assert "too often" in statuses[2][1]["errors"][0]["message"]
    assert statuses[2][1]["data"] is None


def test_search_is_fuzzy_and_paged(app):
    _, body = gql(app, SEARCH, {"search": "JORDAN.LEE@example.com", "size": 2})
    page = body["data"]["patients"]
    assert [p["email"] for p in page["data"]] == [
        "jordan.lee@example.com",
        "jordan.lee@example.com.au",
    ]
    assert page["pageInfo"] == {"page": 1, "pageSize": 2, "hasMore": True}
    _, body = gql(app, SEARCH, {"search": "jordan.lee@example.com", "size": 2, "page": 2})
    assert [p["email"] for p in body["data"]["patients"]["data"]] == ["ann.jordan.lee@example.com"]
    _, body = gql(app, SEARCH, {"search": "Morgan"})  # names too
    assert [p["email"] for p in body["data"]["patients"]["data"]] == ["Casey.Morgan@Example.com"]


def test_deleted_patients_show_only_when_asked(app):
    _, hidden = gql(app, SEARCH, {"search": "riley"})
    _, shown = gql(app, SEARCH, {"search": "riley", "deleted": True})
    assert hidden["data"]["patients"]["data"] == []
    assert len(shown["data"]["patients"]["data"]) == 1


def test_the_deprecated_top_level_arguments_still_create(app):
    query = 'mutation { createPatient(first: "Old", last: "Style") { data { id } error } }'
    _, body = gql(app, query)
    assert body["data"]["createPatient"]["error"] is None
    assert app.state()["patients"] == 6


def test_stub_inputs_are_refused(app):
    query = """mutation { createPatient(patientData: {first: "A", last: "B",
      placeOfBirth: {_stub: "x"}}) { data { id } error } }"""
    _, body = gql(app, query)
    assert "STUB" in body["errors"][0]["message"]


def test_a_bad_object_id_is_mongooses_cast_error(app):
    status, body = gql(app, READ_TOKEN, {"patient": "1234"})
    assert status == 200 and body["data"] == {"integrationToken": None}
    assert body["errors"][0]["message"].startswith('Cast to ObjectId failed for value "1234"')


def test_tokens_last_a_week_and_the_page_says_so(app, clock):
    _, body = gql(app, CREATE_TOKEN, {"patient": JORDAN})
    token = body["data"]["createIntegrationToken"]["data"]["token"]
    assert gql(app, READ_TOKEN, {"patient": JORDAN})[1]["data"]["integrationToken"] == {
        "token": token
    }

    def page():
        response = app.handle(
            request(f"/questionnaire/5d8f731a48250f7992ff4a10/{token}", method="GET")
        )
        assert response.status == 200
        return response.body.decode()

    assert "Failed to load questionnaire." not in page()
    clock.set(NOW + timedelta(days=7))
    assert "Failed to load questionnaire." in page()
    assert gql(app, READ_TOKEN, {"patient": JORDAN})[1]["data"]["integrationToken"] is None
    assert app.state()["valid_tokens"] == 0 and app.state()["tokens"] == 1


def test_reset_restores_the_seed_with_the_same_ids(app):
    before = app.state()["patient_list"]
    gql(app, 'mutation { createPatient(patientData: {first: "A", last: "B"}) { error } }')
    gql(app, CREATE_TOKEN, {"patient": JORDAN})
    app.reset()
    state = app.state()
    assert state["patient_list"] == before and (state["patients"], state["tokens"]) == (5, 0)


def test_configure_checks_options_and_never_shows_the_token(app):
    with pytest.raises(ValueError):
        app.configure({"rate_limit": 5})
    state = app.configure({"api_token": "rotated-token"})
    assert "rotated-token" not in json.dumps(state)
    assert gql(app, SEARCH)[0] == 401
    assert gql(app, SEARCH, token="rotated-token")[0] == 200


def test_operations_are_named_for_faults_and_the_call_log(app):
    assert app.operation(request("/graphql", {"query": SEARCH})) == "patients"
    assert app.operation(request("/questionnaire/a/b", method="GET")) == "questionnaire"
    assert app.operation(request("/graphql", b"{")) == "graphql"

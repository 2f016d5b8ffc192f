"""Qualiphy contract: our requests and the sandbox's answers against Qualiphy's openapi.json.

(a) the request bodies the client sends validate strictly (no undeclared property) against the
    operation's request schema; the api key travels in the body, never in a header;
(b) the sandbox's answers over HTTP validate against the response schemas, and its webhook
    payloads against the WebhookEvent schema (oneOf events 1, 2, 3);
(c) the validator covers every keyword the document uses, and refuses what it should.
"""

import json

import httpx
import pytest
import respx

from integrations.qualiphy.client import QualiphyClient

from . import openapi_subset as oas
from .conftest import API_KEY, GFE_EXAM, PATIENT, RX_EXAM

BASE = "https://qualiphy.contract.test/api"


def request_schema(path: str) -> dict:
    body = oas.spec()["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return body["schema"]


def response_schema(path: str, status: str = "200") -> dict:
    content = oas.spec()["paths"][path]["post"]["responses"][status]["content"]
    return content["application/json"]["schema"]


def canned(path: str) -> dict:
    return oas.spec()["paths"][path]["post"]["responses"]["200"]["content"]["application/json"][
        "example"
    ]


# --- (c) the validator ------------------------------------------------------------------------


def test_the_validator_implements_every_keyword_the_document_uses():
    assert oas.unsupported_keywords() == set()


def test_the_validator_refuses_what_it_should():
    invite = oas.schema("ExamInviteRequest")
    good = {
        "api_key": "k",
        "exams": [1],
        "first_name": "a",
        "last_name": "b",
        "email": "e@example.com",
        "dob": "1990-06-30",
        "phone_number": "5552223232",
        "tele_state": "NY",
    }
    assert oas.errors(good, invite, strict=True) == []
    assert oas.errors({k: v for k, v in good.items() if k != "tele_state"}, invite)
    assert oas.errors({**good, "exams": ["1"]}, invite)
    assert oas.errors({**good, "pharmacy_id": "16"}, invite)
    assert oas.errors({**good, "apiKey": "k"}, invite, strict=True)
    assert oas.errors({"event": 4, "patient_exam_id": "1"}, oas.schema("WebhookEvent"))
    assert oas.errors({"event": 1, "exam_status": "Maybe"}, oas.schema("WebhookEvent"))
    assert oas.errors({"cancelled_at": "yesterday"}, oas.schema("ExamCancelResponse"))


# --- (a) what the client sends ----------------------------------------------------------------


@respx.mock(assert_all_called=False)
def test_client_request_bodies_match_the_request_schemas(respx_mock):
    sent: dict[str, httpx.Request] = {}

    def answer(name):
        def side_effect(request):
            sent[name] = request
            return httpx.Response(200, json=canned(f"/api/{name}"))

        return side_effect

    for name in ("exam_invite", "exam_invite_cancel", "exam_list"):
        respx_mock.post(f"{BASE}/{name}").mock(side_effect=answer(name))

    with QualiphyClient(url=BASE, api_key="the-key", timeout=2) as client:
        client.exam_list()
        client.exam_invite(
            exams=[RX_EXAM],
            **{**PATIENT, "tele_state": "NY"},
            state="NY",
            webhook_url="https://clinic.example/webhooks/qualiphy/s3cret/",
            additional_data={"booking": "b-1"},
            pharmacy_id=16,
            order_set_id=610,
            exam_pos_id=27708,
        )
        client.cancel_exam_invite(4844)

    for name, path in (
        ("exam_list", "/api/exam_list"),
        ("exam_invite", "/api/exam_invite"),
        ("exam_invite_cancel", "/api/exam_invite_cancel"),
    ):
        request = sent[name]
        body = json.loads(request.content)
        assert oas.errors(body, request_schema(path), strict=True) == [], name
        assert body["api_key"] == "the-key"  # in the body ...
        assert "the-key" not in str(request.headers) and "the-key" not in str(request.url)
        assert request.headers["Content-Type"] == "application/json"
    invite_body = json.loads(sent["exam_invite"].content)
    assert invite_body["phone_number"] == "5552223232"
    assert invite_body["dob"] == "1990-06-30"
    assert invite_body["additional_data"] == '{"booking":"b-1"}'


@respx.mock
def test_canned_openapi_examples_are_read_by_the_client(respx_mock):
    for name in ("exam_invite", "exam_invite_cancel", "exam_list"):
        respx_mock.post(f"{BASE}/{name}").respond(200, json=canned(f"/api/{name}"))
    with QualiphyClient(url=BASE, api_key="k", timeout=2) as client:
        assert client.exam_invite(exams=[4226], **PATIENT).patient_exam_ids == (4844,)
        assert client.cancel_exam_invite(55322).cancelled_at.year == 2026
        assert len(client.exam_list()) == 5


# --- (b) what the sandbox answers -------------------------------------------------------------


def post(sandbox, name, body) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/qualiphy/api/{name}", json={"api_key": API_KEY, **body})


def test_sandbox_answers_match_the_response_schemas(sandbox):
    listed = post(sandbox, "exam_list", {})
    assert oas.errors(listed.json(), response_schema("/api/exam_list")) == []

    patient = {**PATIENT, "dob": PATIENT["dob"].isoformat(), "phone_number": "+15552223232"}
    created = post(sandbox, "exam_invite", {"exams": [GFE_EXAM, RX_EXAM], **patient})
    assert created.status_code == 200
    assert oas.errors(created.json(), response_schema("/api/exam_invite"), strict=True) == []

    exam_id = created.json()["patient_exams"][0]["patient_exam_id"]
    cancelled = post(sandbox, "exam_invite_cancel", {"patient_exam_id": exam_id})
    assert (
        oas.errors(cancelled.json(), response_schema("/api/exam_invite_cancel"), strict=True) == []
    )


MISSING = object()


def sandbox_body(name: str, **changes) -> dict:
    body = {"api_key": API_KEY}
    if name == "exam_invite":
        body |= {**PATIENT, "exams": [GFE_EXAM], "dob": "1990-06-30", "phone_number": "5552223232"}
    for key, value in changes.items():
        if value is MISSING:
            body.pop(key)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("name", "changes", "status", "key"),
    [
        ("exam_list", {"api_key": "wrong"}, 401, "error_message"),
        ("exam_invite", {"tele_state": MISSING}, 400, "error_message"),
        ("exam_invite", {"exams": [12345]}, 400, "error_message"),
        ("exam_invite", {"tele_state": "Texas"}, 400, "message"),
        ("exam_invite", {"dob": "06/30/1990"}, 400, "message"),
        ("exam_invite", {"phone_number": "555-222-3232"}, 400, "message"),
        ("exam_invite_cancel", {"patient_exam_id": "x"}, 400, "message"),
        ("exam_invite_cancel", {"patient_exam_id": 1}, 400, "error_message"),
    ],
)
def test_sandbox_error_bodies_use_qualiphys_two_keys(sandbox, name, changes, status, key):
    response = httpx.post(f"{sandbox.url}/qualiphy/api/{name}", json=sandbox_body(name, **changes))
    assert response.status_code == status
    assert isinstance(response.json()[key], str) and response.json()[key]


def test_sandbox_webhook_payloads_match_the_webhook_schema(sandbox, receiver):
    patient = {**PATIENT, "dob": "1990-06-30", "phone_number": "5552223232"}
    body = {"exams": [RX_EXAM], **patient, "webhook_url": receiver.url(), "additional_data": "x"}
    exam_id = post(sandbox, "exam_invite", body).json()["patient_exams"][0]["patient_exam_id"]
    for event in (1, 2, 3):
        sandbox.configure("qualiphy", trigger={"patient_exam_id": exam_id, "event": event})
    payloads = receiver.payloads()
    assert [p["event"] for p in payloads] == [1, 2, 3]
    for payload in payloads:
        assert oas.errors(payload, oas.schema("WebhookEvent")) == [], payload["event"]

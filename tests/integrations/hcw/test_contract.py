"""HCW@Home contract: our requests against the Bruno collection kept in the backend repository
(v0.5.94, ../shared/vendor-contracts/hcw/bruno-collection/), and the sandbox against its requests.

(a) every request the client makes has a Bruno counterpart with the same method and path shape;
    the JSON keys we send are keys Bruno sends, with the same JSON types; the token goes in
    `Authorization: Bearer` (Bruno) and `x-access-token` (the seed, older backends);
(b) the sandbox accepts Bruno's own login, invite and update bodies (dates moved to the future,
    the doctor and queue swapped for the sandbox's seeded ones);
(c) the client's session logic at the edges a sandbox cannot easily stage (respx).
"""

import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import httpx
import pytest
import respx
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache

from integrations.contracts import reference_path
from integrations.errors import RejectedError
from integrations.hcw import client as hcw_client
from integrations.hcw.client import HCWClient, SessionStore
from integrations.hcw.sandbox.app import DOCTOR_EMAIL, sign_jwt

BASE = "https://hcw.contract.test"
API = "/api/v1"
INVITE_FILES = [
    "INVITE/ADD invite.bru",
    "INVITE/ADD invite -no schedule-.bru",
    "INVITE/ADD invite by queue.bru",
    "INVITE/ADD invite by queue -minimal-.bru",
    "GRECO/ADD invite.bru",
    "GRECO/ADD invite -test-.bru",
]
UPDATE_FILES = ["INVITE/UPDATE invite.bru", "GRECO/UPDATE Invite.bru"]


def collection() -> Path:
    return reference_path("hcw", "bruno-collection") / "HCW-HOME"


@cache
def bru(name: str) -> dict:
    """method, path (below {{BASE_URI}} = /api/v1), headers and JSON body of one .bru file."""
    text = (collection() / name).read_text()
    method, url = re.search(
        r"^(get|post|put|patch|delete) \{\s*\n\s*url: (\S+)", text, re.M
    ).groups()
    headers = {}
    block = re.search(r"^headers \{\n(.*?)\n\}", text, re.M | re.S)
    for line in (block[1] if block else "").splitlines():
        key, _, value = line.strip().partition(":")
        headers[key.strip()] = value.strip()
    body = re.search(r"^body:json \{\n(.*?)\n\}\s*$", text, re.M | re.S)
    return {
        "method": method.upper(),
        "path": url.replace("{{BASE_URI}}", API),
        "headers": headers,
        "body": json.loads(body[1]) if body else None,
        "raw_body": body[1] if body else None,
    }


def path_shape(path: str) -> str:
    """/api/v1/invite/607d4d9954cde435454643d8 -> /api/v1/invite/:id"""
    return re.sub(r"/[0-9a-f]{24}(?=/|$)", "/:id", path.rstrip("/"))


def json_type(value) -> str:
    return type(value).__name__ if value is not None else "null"


# --- (a) our requests -------------------------------------------------------------------------


@pytest.fixture
def recorded(monkeypatch):
    """Every request a client makes against a respx-mocked HCW that answers like the sandbox."""
    monkeypatch.setattr(hcw_client, "_LOCAL_SESSIONS", {})
    now = int(datetime.now(UTC).timestamp())
    token = sign_jwt({"id": "u", "role": "scheduler", "iat": now, "exp": now + 900}, "k")
    invite = {
        "id": "65f1a0c9e2b7d40013000001",
        "status": "SENT",
        "scheduledFor": (now + 86400) * 1000,
        "createdAt": now * 1000,
        "inviteToken": "t0k3n",
        "patientURL": f"{BASE}/inv/?invite=t0k3n",
    }
    requests: list[httpx.Request] = []

    def record(answer):
        def side_effect(request):
            requests.append(request)
            return answer

        return side_effect

    with respx.mock(base_url=BASE) as mock:
        mock.post(f"{API}/login-local").mock(
            side_effect=record(
                httpx.Response(200, json={"message": "Login Successful", "user": {"token": token}})
            )
        )
        ok = httpx.Response(200, json={"success": True, "invite": invite})
        mock.post(f"{API}/invite").mock(side_effect=record(ok))
        mock.get(f"{API}/invite").mock(side_effect=record(httpx.Response(200, json=[invite])))
        mock.get(url__regex=rf"{API}/invite/\w+$").mock(
            side_effect=record(httpx.Response(200, json=invite))
        )
        mock.patch(url__regex=rf"{API}/invite/\w+$").mock(side_effect=record(ok))
        mock.delete(url__regex=rf"{API}/invite/\w+$").mock(
            side_effect=record(httpx.Response(200, json=invite))
        )
        yield requests


def test_the_collection_holds_the_requests_we_compare_with():
    for name in [*INVITE_FILES, *UPDATE_FILES, "LOGIN/Login local.bru", "INVITE/DEL invite.bru"]:
        assert bru(name)["path"].startswith(API), name


def test_every_client_request_has_a_bruno_counterpart(recorded):
    when = datetime.now(UTC) + timedelta(days=1)
    cache = LocMemCache("contract", {})
    with HCWClient(url=BASE, email="s@hcw.example", password="p", timeout=2, cache=cache) as hcw:
        hcw.create_invite(
            first_name="Avery",
            last_name="Brooks",
            scheduled_for=when,
            email="avery@example.com",
            phone_number="+15552223232",
            gender="female",
            patient_tz="Europe/Paris",
            language="fr",
            doctor_email=DOCTOR_EMAIL,
            send_invite=True,
            reference="booking-1",
        )
        hcw.create_invite(
            first_name="Avery", last_name="Brooks", scheduled_for=when, email="a@example.com",
            queue="Oncologie",
        )  # fmt: skip
        hcw.get_invite("65f1a0c9e2b7d40013000001")
        hcw.find_invites(scheduled_for=when)
        hcw.reschedule_invite("65f1a0c9e2b7d40013000001", scheduled_for=when)
        hcw.delete_invite("65f1a0c9e2b7d40013000001")

    login, create_doctor, create_queue, get, listed, update, delete = recorded
    creates = [bru(name) for name in INVITE_FILES]
    counterparts = {
        "login": [bru("LOGIN/Login local.bru")],
        "create": creates,
        "update": [bru(name) for name in UPDATE_FILES],
        "list": [bru("INVITE/GET invite.bru"), bru("GRECO/GET invite.bru")],
        "delete": [bru("INVITE/DEL invite.bru"), bru("GRECO/DELETE Invite.bru")],
    }
    for kind, request in [
        ("login", login),
        ("create", create_doctor),
        ("create", create_queue),
        ("list", listed),
        ("update", update),
        ("delete", delete),
    ]:
        shapes = {(b["method"], path_shape(b["path"])) for b in counterparts[kind]}
        assert (request.method, path_shape(request.url.path)) in shapes, kind
        if request.content:
            ours = json.loads(request.content)
            theirs: dict[str, set[str]] = {}
            for example in counterparts[kind]:
                for key, value in (example["body"] or {}).items():
                    theirs.setdefault(key, set()).add(json_type(value))
            for key, value in ours.items():
                assert key in theirs, f"{kind}: Bruno never sends {key}"
                assert json_type(value) in theirs[key], f"{kind}: {key} is {json_type(value)}"
    # GET /api/v1/invite/:id is in the seed's guide rather than the collection.
    assert (get.method, path_shape(get.url.path)) == ("GET", "/api/v1/invite/:id")

    body = json.loads(create_doctor.content)
    assert body["isPatientInvite"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["scheduledFor"])
    assert body["metadata"] == {"reference": "booking-1"}
    assert json.loads(listed.url.params["where"]) == {
        "scheduledFor": int(round(when.timestamp() * 1000))
    }
    for request in recorded[1:]:
        token = request.headers["x-access-token"]
        assert request.headers["Authorization"] == f"Bearer {token}"  # as Bruno sends it
    assert "Authorization" not in login.headers and "x-access-token" not in login.headers


def test_the_consultation_read_is_brunos_get_consultation(monkeypatch):
    """GET /invite/:id/consultation (GRECO/GET Consultation and close.bru), and its answer: the
    backend's anonymous details, read without a `status` (the backend sends none)."""
    monkeypatch.setattr(hcw_client, "_LOCAL_SESSIONS", {})
    theirs = bru("GRECO/GET Consultation and close.bru")
    details = {"consultationId": "c1", "acceptedAt": 1_700_000_000_000, "closedAt": 1}
    with respx.mock(base_url=BASE) as mock:
        mock.post(f"{API}/login-local").respond(200, json={"user": {"token": "t"}})
        read = mock.get(url__regex=rf"{API}/invite/\w+/consultation$").respond(200, json=details)
        with HCWClient(
            url=BASE, email="s@x", password="p", timeout=2, cache=LocMemCache("c", {})
        ) as hcw:
            consultation = hcw.get_invite_consultation("65f1a0c9e2b7d40013000001")
    [request] = [call.request for call in read.calls]
    assert (request.method, path_shape(request.url.path)) == (
        theirs["method"],
        path_shape(theirs["path"]),
    )
    assert request.headers["Authorization"] == "Bearer t" and not request.content
    assert consultation.id == "c1" and consultation.status is None
    assert consultation.accepted_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


# --- (b) the sandbox takes Bruno's requests ----------------------------------------------------


def sandbox_body(raw: str) -> dict:
    future = re.sub(r"\b20(21|22)\b", "2033", raw)  # Bruno's dates are long past
    body = json.loads(future)
    if body.get("doctorEmail"):
        body["doctorEmail"] = DOCTOR_EMAIL
    if body.get("queue"):
        body["queue"] = "Oncologie"
    return body


@pytest.fixture
def bearer(sandbox) -> dict:
    login = bru("LOGIN/Login local.bru")
    raw = login["raw_body"].replace("{{EMAIL}}", settings.SANDBOX_HCW_SCHEDULER_EMAIL)
    raw = raw.replace("{{PASS}}", settings.SANDBOX_HCW_SCHEDULER_PASSWORD)
    response = httpx.post(f"{sandbox.url}/hcw{login['path']}", json=json.loads(raw))
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert user["role"] == "scheduler" and user["refreshToken"]
    return {"Authorization": f"Bearer {user['token']}"}


@pytest.mark.parametrize("name", INVITE_FILES)
def test_the_sandbox_accepts_brunos_invite_bodies(sandbox, bearer, name):
    request = bru(name)
    body = sandbox_body(request["raw_body"])
    response = httpx.post(f"{sandbox.url}/hcw{request['path']}", json=body, headers=bearer)
    assert response.status_code == 200, response.text
    invite = response.json()["invite"]
    assert response.json()["success"] is True and invite["status"] == "SENT"
    assert invite["patientURL"].endswith(invite["inviteToken"])


@pytest.mark.parametrize("name", UPDATE_FILES)
def test_the_sandbox_accepts_brunos_update_bodies(sandbox, bearer, name):
    create = sandbox_body(bru(INVITE_FILES[0])["raw_body"])
    created = httpx.post(f"{sandbox.url}/hcw{API}/invite", json=create, headers=bearer).json()
    request = bru(name)
    path = re.sub(r"[0-9a-f]{24}$", created["invite"]["id"], request["path"])
    body = sandbox_body(request["raw_body"])
    response = httpx.patch(f"{sandbox.url}/hcw{path}", json=body, headers=bearer)
    assert response.status_code == 200, response.text
    assert response.json()["invite"]["id"] == created["invite"]["id"]


def test_the_sandbox_answers_brunos_get_consultation(sandbox, bearer):
    create = sandbox_body(bru(INVITE_FILES[0])["raw_body"])
    created = httpx.post(f"{sandbox.url}/hcw{API}/invite", json=create, headers=bearer).json()
    invite_id = created["invite"]["id"]
    sandbox.configure("hcw", consultation={"invite": invite_id, "state": "active"})
    request = bru("GRECO/GET Consultation and close.bru")
    path = re.sub(r"[0-9a-f]{24}(?=/consultation$)", invite_id, request["path"])
    response = httpx.get(f"{sandbox.url}/hcw{path}", headers=bearer)
    assert response.status_code == 200, response.text
    assert response.json()["invite"] == invite_id and response.json()["acceptedAt"] > 0


# --- (c) session edges ------------------------------------------------------------------------


def test_a_401_after_renewing_is_unauthorized_after_exactly_one_retry(monkeypatch):
    monkeypatch.setattr(hcw_client, "_LOCAL_SESSIONS", {})
    with respx.mock(base_url=BASE) as mock:
        login = mock.post(f"{API}/login-local").respond(
            200, json={"message": "ok", "user": {"token": "opaque-token"}}
        )
        get = mock.get(f"{API}/invite/abc").respond(401, json={"error": "Unauthorized"})
        hcw = HCWClient(url=BASE, email="s@x", password="p", timeout=2, cache=LocMemCache("t", {}))
        with hcw, pytest.raises(RejectedError) as refused:
            hcw.get_invite("abc")
    assert refused.value.code == "UNAUTHORIZED"
    assert (login.call_count, get.call_count) == (2, 2)  # one renewal, one retry


def test_a_token_without_exp_is_given_fifteen_minutes():
    client = HCWClient(url=BASE, email="s@x", password="p", clock=lambda: 1000.0)
    try:
        session = client._session("opaque-token", None)
    finally:
        client.close()
    assert session.expires_at == 1000.0 + 900 and session.refresh_token is None


class BrokenCache:
    def get(self, key):
        raise ConnectionError("cache down")

    set = delete = get


def test_the_session_survives_a_broken_cache_in_this_process(monkeypatch):
    monkeypatch.setattr(hcw_client, "_LOCAL_SESSIONS", {})
    store = SessionStore("hcw:session:test", BrokenCache())
    session = hcw_client.Session(token="t", refresh_token="r", expires_at=2e9)
    store.set(session, ttl=60)
    assert store.get() == session
    store.delete()
    assert store.get() is None


def test_the_cache_key_names_no_secret():
    key = hcw_client.session_cache_key("https://hcw.example", "Scheduler@Clinic.example")
    assert key.startswith("hcw:session:") and "scheduler" not in key.lower()
    assert key == hcw_client.session_cache_key("https://hcw.example", "scheduler@clinic.example")

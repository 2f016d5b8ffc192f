"""The HCW sandbox's wire protocol, byte for byte where the backend's source fixes it: status
codes and the exact error bodies a client must read, token lifetimes, and the reset seed."""

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.conf import settings

from integrations.hcw.sandbox.app import DOCTOR_EMAIL, FOREIGN_INVITE_ID


@pytest.fixture
def api(sandbox):
    """POST/GET/PATCH/DELETE helpers against /hcw/api/v1, logged in as the scheduler."""
    base = f"{sandbox.url}/hcw/api/v1"
    login = httpx.post(
        f"{base}/login-local",
        json={
            "email": settings.SANDBOX_HCW_SCHEDULER_EMAIL,
            "password": settings.SANDBOX_HCW_SCHEDULER_PASSWORD,
        },
    )
    user = login.json()["user"]
    headers = {"Authorization": f"Bearer {user['token']}"}

    def call(method, path, body=None, **options):
        return httpx.request(method, f"{base}{path}", json=body, headers=headers, **options)

    call.user = user
    call.base = base
    return call


def future(days=2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


PATIENT = {
    "isPatientInvite": True,
    "firstName": "Jordan",
    "lastName": "Patel",
    "gender": "male",
    "emailAddress": "jordan.patel@example.com",
}


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_login_gives_a_fifteen_minute_jwt_and_a_refresh_token(api, sandbox):
    token = api.user["token"]
    assert api.user["role"] == "scheduler" and "password" not in api.user
    assert claims(token)["exp"] - claims(token)["iat"] == 900
    refreshed = httpx.post(
        f"{api.base}/refresh-token", json={"refreshToken": api.user["refreshToken"]}
    )
    assert refreshed.status_code == 200 and set(refreshed.json()) == {"token", "refreshToken"}
    assert sandbox.configure("hcw")["counts"]["refreshes"] == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "answer"),
    [
        (
            "/login-local",
            {"email": "scheduler@hcw.example", "password": "wrong"},
            400,
            {"message": "Incorrect email or password.", "user": False},
        ),
        ("/refresh-token", {}, 400, {"error": "Refresh token is required"}),
        ("/refresh-token", {"refreshToken": "x.y.z"}, 401, {"error": "Invalid refresh token"}),
        ("/invite", PATIENT, 401, {"error": "Unauthorized"}),
    ],
)
def test_auth_failures(sandbox, path, body, status, answer):
    response = httpx.post(f"{sandbox.url}/hcw/api/v1{path}", json=body)
    assert (response.status_code, response.json()) == (status, answer)


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (
            {"isPatientInvite": True, "doctorEmail": DOCTOR_EMAIL},
            [
                {"message": "emailAddress or phoneNumber are required"},
                {"message": "gender is required"},
                {"message": "firstName is required"},
                {"message": "lastName is required"},
            ],
        ),
        (
            {**PATIENT, "gender": "other", "doctorEmail": DOCTOR_EMAIL},
            [{"message": "gender must be either male or female"}],
        ),
        (PATIENT, {"success": False, "error": "doctorEmail or queue is required."}),
        (
            {**PATIENT, "queue": "General", "scheduledFor": "2020-01-01T10:00:00.000Z"},
            {"success": False, "error": "Consultation Time cannot be in the past"},
        ),
        (
            {**PATIENT, "queue": "General", "scheduledFor": "someday"},
            {"success": False, "error": "ScheduledFor is not a valid date"},
        ),
        (
            {**PATIENT, "queue": "General", "patientTZ": "Mars/Olympus"},
            {"success": False, "error": "Unknown timezone identifier Mars/Olympus"},
        ),
        (
            {**PATIENT, "doctorEmail": "nobody@hcw.example"},
            {"success": False, "error": "Doctor with email nobody@hcw.example not found"},
        ),
        (
            {**PATIENT, "queue": "Cardiology"},
            {"error": True, "message": "Queue Cardiology doesn't exist"},
        ),
        (
            {"isPatientInvite": False, "queue": "General"},
            {
                "success": False,
                "error": "You must invite at least a patient translator or a guest!",
            },
        ),
    ],
)
def test_invite_refusals_have_hcws_three_shapes(api, body, answer):
    response = api("POST", "/invite", body)
    assert (response.status_code, response.json()) == (400, answer)


def test_invite_lifecycle_bodies(api, sandbox):
    created = api("POST", "/invite", {**PATIENT, "queue": "General", "scheduledFor": future()})
    assert created.status_code == 200
    invite = created.json()["invite"]
    assert created.json()["success"] is True and invite["status"] == "SENT"
    assert {"patientURL", "doctorURL", "inviteToken", "scheduledFor", "createdAt"} <= set(invite)

    fetched = api("GET", f"/invite/{invite['id']}").json()
    assert fetched["id"] == invite["id"] and "success" not in fetched  # the bare invite

    listed = api("GET", "/invite", params={"where": json.dumps({"emailAddress": "nobody@x"})})
    assert listed.json() == []
    [shown] = api("GET", "/invite").json()  # ours only
    assert shown["id"] == invite["id"]
    # The list hides the secret token and the links built on it, as the real backend does;
    # the invite read back by id has the patient's link.
    assert not {"inviteToken", "expertToken", "patientURL", "doctorURL"} & set(shown)
    assert fetched["patientURL"] == invite["patientURL"]

    sandbox.configure("hcw", accept=invite["id"])
    refused = api("PATCH", f"/invite/{invite['id']}", {"scheduledFor": future(3)})
    assert (refused.status_code, refused.json()) == (
        400,
        {"success": False, "error": "Can't edit Invite has been accepted by patient"},
    )
    close = api("POST", f"/invite/{invite['id']}/consultation/close")
    assert (close.status_code, close.json()) == (
        404,
        {"success": False, "error": "Consultation not found"},
    )
    deleted = api("DELETE", f"/invite/{invite['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == invite["id"]
    gone = api("GET", f"/invite/{invite['id']}")
    assert (gone.status_code, gone.text, gone.headers["Content-Type"].split(";")[0]) == (
        404,
        "Not Found",
        "text/plain",
    )


def test_revoke_answers_an_empty_200_and_500_for_an_unknown_invite(api):
    invite = api("POST", "/invite", {**PATIENT, "queue": "General"}).json()["invite"]
    revoked = api("POST", f"/invite/{invite['id']}/revoke")
    assert (revoked.status_code, revoked.content) == (200, b"")
    assert api("POST", f"/invite/{invite['id']}/revoke").status_code == 500


def test_another_schedulers_invite_is_a_plain_404(api):
    for method in ("GET", "PATCH", "DELETE"):
        response = api(method, f"/invite/{FOREIGN_INVITE_ID}", {} if method == "PATCH" else None)
        assert (response.status_code, response.text) == (404, "Not Found")


def test_counts_and_reset_restore_the_seed(api, sandbox):
    first = api("POST", "/invite", {**PATIENT, "queue": "General"}).json()["invite"]
    sandbox.configure("hcw", accept=first["id"])
    api("POST", "/invite", {**PATIENT, "doctorEmail": DOCTOR_EMAIL})
    counts = sandbox.configure("hcw")["counts"]
    assert counts["invites"] == {"ACCEPTED": 1, "SENT": 1} and counts["logins"] == 1
    sandbox.reset()
    assert sandbox.configure("hcw")["counts"]["invites_total"] == 0
    old_token = api("GET", "/invite")  # tokens from before the reset are void
    assert old_token.status_code == 401
    login = httpx.post(
        f"{api.base}/login-local",
        json={
            "email": settings.SANDBOX_HCW_SCHEDULER_EMAIL,
            "password": settings.SANDBOX_HCW_SCHEDULER_PASSWORD,
        },
    )
    headers = {"Authorization": f"Bearer {login.json()['user']['token']}"}
    again = httpx.post(
        f"{api.base}/invite", json={**PATIENT, "queue": "General"}, headers=headers
    ).json()["invite"]
    assert (again["id"], again["inviteToken"]) == (first["id"], first["inviteToken"])

"""An invite's consultation, as the backend's InviteController.getConsultation answers it
(v0.5.94): the sandbox's wire bodies, and the client's reading of each stage into a state."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.conf import settings

from integrations.hcw import types
from integrations.hcw.sandbox.app import DOCTOR_EMAIL, FOREIGN_INVITE_ID

PATIENT = {
    "isPatientInvite": True,
    "firstName": "Jordan",
    "lastName": "Patel",
    "gender": "male",
    "emailAddress": "jordan.patel@example.com",
}


@pytest.fixture
def api(sandbox):
    base = f"{sandbox.url}/hcw/api/v1"
    login = httpx.post(
        f"{base}/login-local",
        json={
            "email": settings.SANDBOX_HCW_SCHEDULER_EMAIL,
            "password": settings.SANDBOX_HCW_SCHEDULER_PASSWORD,
        },
    )
    headers = {"Authorization": f"Bearer {login.json()['user']['token']}"}

    def call(method, path, body=None):
        return httpx.request(method, f"{base}{path}", json=body, headers=headers)

    return call


def new_invite(api) -> str:
    when = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    created = api("POST", "/invite", {**PATIENT, "doctorEmail": DOCTOR_EMAIL, "scheduledFor": when})
    assert created.status_code == 200, created.text
    return created.json()["invite"]["id"]


def test_the_sandbox_answers_each_stage_as_the_backend_does(api, sandbox):
    invite_id = new_invite(api)
    path = f"/invite/{invite_id}/consultation"
    none_yet = api("GET", path)
    assert (none_yet.status_code, none_yet.text) == (404, "Not Found")  # Sails res.notFound()

    sandbox.configure("hcw", consultation={"invite": invite_id, "state": "pending"})
    pending = api("GET", path).json()
    assert api("GET", f"/invite/{invite_id}").json()["status"] == "ACCEPTED"
    # getAnonymousDetails: no status, no acceptedAt yet, closedAt is "now" while open.
    assert "status" not in pending and "acceptedAt" not in pending
    assert pending["invite"] == invite_id and pending["closedAt"] > 0
    assert not {"firstName", "lastName", "emailAddress"} & set(pending)  # anonymous

    sandbox.configure("hcw", consultation={"invite": invite_id, "state": "active"})
    active = api("GET", path).json()
    assert active["acceptedAt"] > 0 and active["consultationId"] == pending["consultationId"]

    closed = api("POST", f"{path}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api("GET", f"/invite/{invite_id}").status_code == 404  # the close deletes it
    after = api("GET", path)  # still ours to read: we invited the patient
    assert after.status_code == 200 and after.json()["consultationId"] == active["consultationId"]
    assert api("POST", f"{path}/close").status_code == 200  # its anonymous record again


def test_a_deleted_invite_without_consultation_and_a_foreign_one_are_plain_404s(api):
    invite_id = new_invite(api)
    assert api("DELETE", f"/invite/{invite_id}").status_code == 200
    for path in (f"/invite/{invite_id}/consultation", f"/invite/{FOREIGN_INVITE_ID}/consultation"):
        response = api("GET", path)
        assert (response.status_code, response.text) == (404, "Not Found")


def test_a_pending_consultation_cannot_be_closed(api, sandbox):
    invite_id = new_invite(api)
    sandbox.configure("hcw", consultation={"invite": invite_id, "state": "pending"})
    refused = api("POST", f"/invite/{invite_id}/consultation/close")
    assert (refused.status_code, refused.json()) == (
        404,
        {"success": False, "error": "Consultation not found"},
    )


def state_of(hcw, invite_id: str) -> str:
    return types.consultation_state(
        hcw.get_invite(invite_id), hcw.get_invite_consultation(invite_id)
    )


def test_the_client_reads_every_state(make_hcw, sandbox):
    hcw = make_hcw()
    when = datetime.now(UTC) + timedelta(days=2)
    made = [
        hcw.create_invite(
            first_name="Jordan", last_name="Patel", scheduled_for=when,
            email="jordan.patel@example.com", gender="male", doctor_email=DOCTOR_EMAIL,
        ).id
        for _ in range(2)
    ]  # fmt: skip
    first, second = made
    assert hcw.get_invite_consultation(first) is None
    assert state_of(hcw, first) == types.NOT_STARTED

    sandbox.configure("hcw", consultation={"invite": first, "state": "pending"})
    consultation = hcw.get_invite_consultation(first)
    assert consultation.accepted_at is None and consultation.status is None
    assert consultation.created_at is not None and consultation.successful_calls == 0
    assert state_of(hcw, first) == types.PATIENT_WAITING

    sandbox.configure("hcw", consultation={"invite": first, "state": "active"})
    assert state_of(hcw, first) == types.IN_PROGRESS
    assert hcw.get_invite_consultation(first).accepted_at is not None

    sandbox.configure("hcw", consultation={"invite": first, "state": "closed"})
    assert hcw.get_invite(first) is None
    assert state_of(hcw, first) == types.CLOSED

    hcw.delete_invite(second)
    assert state_of(hcw, second) == types.INVITE_DELETED


def test_an_older_backend_that_sends_the_status_is_read_by_it():
    invite = types.Invite(id="i", status="ACCEPTED", scheduled_for=None)
    active = types.Consultation(id="c", status="active")
    closed = types.Consultation(id="c", status="closed")
    assert types.consultation_state(invite, active) == types.IN_PROGRESS
    assert types.consultation_state(invite, closed) == types.CLOSED
    assert types.consultation_state(None, closed) == types.CLOSED

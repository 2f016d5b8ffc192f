"""The real HCW@Home client against the HCW sandbox over real HTTP.

The scheduler session (cached, renewed before its 15 minutes run out, renewed once on a 401),
invites end to end, HCW's three 400 shapes, ownership, and faults on the create.
Seed (integrations/hcw/sandbox/app.py): doctor dr.maya.chen@hcw.example, queues "General" and
"Oncologie", one invite of another scheduler (FOREIGN_INVITE_ID).
"""

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache

from integrations.errors import ContractError, OutcomeUnknownError, RejectedError, TransientError
from integrations.hcw.client import jwt_expiry, session_cache_key
from integrations.hcw.sandbox.app import DOCTOR_EMAIL, DOCTOR_PASSWORD, FOREIGN_INVITE_ID
from integrations.transport import NO_RETRY

PATIENT = {
    "first_name": "Avery",
    "last_name": "Brooks",
    "email": "avery.brooks@example.com",
    "gender": "female",
    "patient_tz": "America/New_York",
    "language": "en",
}


def soon(days: int = 2) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def create(client, **overrides):
    options = {**PATIENT, "scheduled_for": soon(), "doctor_email": DOCTOR_EMAIL, **overrides}
    return client.create_invite(**options)


def operations(sandbox) -> list[tuple[str, int | None]]:
    return [(c["operation"], c["status"]) for c in sandbox.calls(vendor="hcw")]


def counts(sandbox) -> dict:
    return sandbox.configure("hcw")["counts"]


# --- invites ----------------------------------------------------------------------------------


def test_an_invite_is_created_read_found_moved_and_deleted(hcw, sandbox):
    when = soon()
    invite = create(hcw, scheduled_for=when, reference="booking-1")
    assert invite.status == "SENT"
    assert invite.scheduled_for == when
    assert (invite.patient_tz, invite.language, invite.gender) == (
        "America/New_York",
        "en",
        "female",
    )
    assert invite.reference == "booking-1" and invite.doctor_id and invite.queue_id is None
    assert invite.invite_token and invite.invite_token in invite.patient_url
    assert invite.invite_token not in repr(invite) and PATIENT["email"] not in repr(invite)
    assert httpx.get(invite.patient_url).status_code == 200  # the sandbox serves the link

    fetched = hcw.get_invite(invite.id)
    assert (fetched.id, fetched.scheduled_for, fetched.patient_url) == (
        invite.id,
        when,
        invite.patient_url,
    )
    [found] = hcw.find_invites(scheduled_for=when, email="AVERY.brooks@example.com")
    assert (found.id, found.reference, found.patient_url) == (invite.id, "booking-1", None)
    assert hcw.find_invites(scheduled_for=when, reference="another") == []
    assert hcw.find_invites(scheduled_for=when + timedelta(minutes=1)) == []

    later = when + timedelta(hours=3)
    moved = hcw.reschedule_invite(invite.id, scheduled_for=later)
    assert moved.scheduled_for == later and moved.id == invite.id

    deleted = hcw.delete_invite(invite.id)
    assert deleted is not None and deleted.id == invite.id
    assert hcw.get_invite(invite.id) is None
    assert hcw.delete_invite(invite.id) is None  # already gone: done
    assert counts(sandbox)["notifications"] == 0  # a scheduler's invite is not sent by HCW


def test_an_invite_for_a_queue_by_name(hcw):
    invite = create(hcw, doctor_email=None, queue="Oncologie", phone_number="+41791234567")
    assert invite.queue_id and invite.doctor_id is None


def test_the_client_refuses_what_a_scheduler_may_not_send(hcw, sandbox):
    with pytest.raises(ValueError, match="doctor_email or queue"):
        create(hcw, doctor_email=None)
    with pytest.raises(ValueError, match="gender"):
        create(hcw, gender="other")
    with pytest.raises(ValueError, match="email or phone"):
        create(hcw, email=None)
    with pytest.raises(ValueError, match="aware"):
        create(hcw, scheduled_for=datetime(2030, 1, 1, 9))
    assert sandbox.calls(vendor="hcw") == []


def test_revoke_removes_the_invite(hcw):
    invite = create(hcw)
    assert hcw.revoke_invite(invite.id) is None
    assert hcw.get_invite(invite.id) is None


# --- HCW's error shapes -----------------------------------------------------------------------


def test_patient_field_errors_come_as_a_json_array(hcw, sandbox):
    with pytest.raises(RejectedError) as refused:  # gender omitted: required by default
        create(hcw, gender=None, first_name="  x  ", last_name="y")
    assert refused.value.code == "VALIDATION"
    assert [m.message for m in refused.value.messages] == ["gender is required"]
    sandbox.configure("hcw", required_fields=["firstName", "lastName"])  # ENABLE_FIELDS_FORM_DOCTOR
    assert create(hcw, gender=None).gender is None


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        (
            {"scheduled_for": datetime(2020, 1, 1, tzinfo=UTC)},
            "SCHEDULED_IN_PAST",
            "Consultation Time cannot be in the past",
        ),
        (
            {"doctor_email": "nobody@hcw.example"},
            "DOCTOR_NOT_FOUND",
            "Doctor with email nobody@hcw.example not found",
        ),
        (  # {"error": true, "message": ...}: another shape again
            {"doctor_email": None, "queue": "Cardiology"},
            "QUEUE_NOT_FOUND",
            "Queue Cardiology doesn't exist",
        ),
    ],
)
def test_refusals_carry_hcws_message_and_a_code(hcw, overrides, code, message):
    with pytest.raises(RejectedError) as refused:
        create(hcw, **overrides)
    assert refused.value.code == code
    assert [m.message for m in refused.value.messages] == [message]


def test_an_accepted_invite_can_no_longer_be_moved(hcw, sandbox):
    invite = create(hcw)
    sandbox.configure("hcw", accept=invite.id)  # the patient opened the link
    assert hcw.get_invite(invite.id).is_accepted
    with pytest.raises(RejectedError) as refused:
        hcw.reschedule_invite(invite.id, scheduled_for=soon(3))
    assert refused.value.code == "INVITE_ACCEPTED"
    assert refused.value.detail == "Can't edit Invite has been accepted by patient"
    assert hcw.delete_invite(invite.id) is not None  # delete has no state check


def test_another_schedulers_invite_is_not_found(hcw):
    assert hcw.get_invite(FOREIGN_INVITE_ID) is None
    with pytest.raises(RejectedError) as refused:
        hcw.reschedule_invite(FOREIGN_INVITE_ID, scheduled_for=soon())
    assert refused.value.code == "NOT_FOUND"
    assert hcw.delete_invite(FOREIGN_INVITE_ID) is None
    assert hcw.find_invites(scheduled_for=datetime(2026, 2, 4, 9, tzinfo=UTC)) == []


def test_a_plain_text_404_and_an_unknown_revoke(hcw, sandbox):
    response = httpx.get(f"{sandbox.url}/hcw/api/v1/nowhere")
    assert (response.status_code, response.text) == (404, "Not Found")
    with pytest.raises(OutcomeUnknownError):  # HCW throws (500) on an unknown id
        hcw.revoke_invite("65f1a0c9e2b7d40013ffffff")


# --- the session ------------------------------------------------------------------------------


def test_many_calls_and_two_clients_share_one_login(make_hcw, sandbox):
    first, second = make_hcw(), make_hcw()
    invite = create(first)
    for _ in range(4):
        assert first.get_invite(invite.id) is not None
        assert second.get_invite(invite.id) is not None
    assert counts(sandbox)["logins"] == 1
    assert [c for c in operations(sandbox) if c[0] == "login-local"] == [("login-local", 200)]


def test_the_default_django_cache_holds_the_session(make_hcw, sandbox):
    first, second = make_hcw(cache=None), make_hcw(cache=None)
    first.forget_session()
    try:
        invite = create(first)
        assert second.get_invite(invite.id) is not None
        key = session_cache_key(first.url, settings.HCW_SCHEDULER_EMAIL)
        assert cache.get(key)["token"]
        assert counts(sandbox)["logins"] == 1
    finally:
        first.forget_session()
    assert cache.get(key) is None


def test_the_token_is_renewed_before_its_fifteen_minutes_run_out(make_hcw, sandbox, frozen):
    hcw = make_hcw(clock=frozen)
    invite = create(hcw)
    expires = hcw.token_expires_at
    assert expires == datetime.fromtimestamp(frozen.now + 900, UTC)

    sandbox.set_clock(datetime.fromtimestamp(frozen.now + 13 * 60, UTC).isoformat())
    frozen.advance(minutes=13)  # two minutes left: still fresh
    hcw.get_invite(invite.id)
    assert hcw.token_expires_at == expires

    sandbox.set_clock(datetime.fromtimestamp(frozen.now + 90, UTC).isoformat())
    frozen.advance(seconds=90)  # 30 s left, inside the 60 s margin: renew first
    hcw.get_invite(invite.id)
    assert hcw.token_expires_at == datetime.fromtimestamp(frozen.now + 900, UTC)
    assert operations(sandbox) == [
        ("login-local", 200),
        ("invite.create", 200),
        ("invite.get", 200),
        ("refresh-token", 200),  # the refresh token, not a new login
        ("invite.get", 200),
    ]
    assert counts(sandbox)["logins"] == 1


def test_a_401_renews_once_and_retries_once(make_hcw, sandbox, frozen):
    hcw = make_hcw(clock=frozen)
    invite = create(hcw)
    # The backend's clock says the token ran out; ours does not know yet.
    sandbox.set_clock(datetime.fromtimestamp(frozen.now + 16 * 60, UTC).isoformat())
    assert hcw.get_invite(invite.id).id == invite.id
    assert operations(sandbox)[2:] == [
        ("invite.get", 401),
        ("refresh-token", 200),
        ("invite.get", 200),
    ]


def test_a_refused_refresh_falls_back_to_a_fresh_login(hcw, sandbox):
    invite = create(hcw)
    sandbox.configure("hcw", revoke_tokens=True)  # every token, refresh tokens too, is void
    created = create(hcw, reference="after-revoke")  # a write after a 401 is safe to resend
    assert created.reference == "after-revoke"
    assert operations(sandbox)[2:] == [
        ("invite.create", 401),
        ("refresh-token", 401),
        ("login-local", 200),
        ("invite.create", 200),
    ]
    assert hcw.get_invite(invite.id) is not None
    assert counts(sandbox)["invites_total"] == 2


def test_a_wrong_password_or_a_doctor_account_cannot_log_in(make_hcw, sandbox):
    with pytest.raises(RejectedError) as wrong:
        make_hcw(password="not-it").get_invite("x")
    assert wrong.value.code == "LOGIN_FAILED"
    assert wrong.value.messages[0].message == "Incorrect email or password."
    with pytest.raises(RejectedError) as doctor:
        make_hcw(email=DOCTOR_EMAIL, password=DOCTOR_PASSWORD).get_invite("x")
    assert doctor.value.code == "TWO_FACTOR_REQUIRED"


def test_the_backend_takes_either_auth_header_and_answers_401_without(hcw, sandbox):
    invite = create(hcw)
    session = hcw._sessions.get()
    url = f"{sandbox.url}/hcw/api/v1/invite/{invite.id}"
    for headers in (
        {"Authorization": f"Bearer {session.token}"},
        {"x-access-token": session.token},
        {"Authorization": f"Bearer {session.token}", "x-access-token": session.token},
    ):
        assert httpx.get(url, headers=headers).json()["id"] == invite.id
    for headers in ({}, {"Authorization": session.token}, {"x-access-token": "nope"}):
        response = httpx.get(url, headers=headers)
        assert (response.status_code, response.json()) == (401, {"error": "Unauthorized"})
    assert jwt_expiry(session.token) == session.expires_at


# --- faults on the create ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset", "malformed"])
def test_a_lost_answer_to_a_create_is_outcome_unknown_then_found_not_resent(
    make_hcw, sandbox, kind
):
    hcw = make_hcw(timeout=0.5)
    hcw.get_invite("warm-up")  # log in first, so the fault hits the create itself
    when = soon()
    sandbox.fault("hcw", kind, operation="invite.create", when="after", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        create(hcw, scheduled_for=when, reference="booking-9")
    assert len(sandbox.calls(operation="invite.create")) == 1  # no blind resend
    # The caller's lookup settles it: exactly one invite, ours.
    found = hcw.find_invites(scheduled_for=when, email=PATIENT["email"], reference="booking-9")
    assert len(found) == 1
    assert counts(sandbox)["invites_total"] == 1


def test_a_throttled_create_is_retried_because_it_did_not_run(hcw, sandbox):
    sandbox.fault("hcw", "http_429", operation="invite.create", retry_after=0)
    create(hcw)
    assert [c["status"] for c in sandbox.calls(operation="invite.create")] == [429, 200]
    assert counts(sandbox)["invites_total"] == 1


def test_without_retries_a_throttled_create_is_transient_not_unknown(make_hcw, sandbox):
    hcw = make_hcw(retry_policy=NO_RETRY)
    hcw.get_invite("warm-up")
    sandbox.fault("hcw", "http_429", operation="invite.create", retry_after=2)
    with pytest.raises(TransientError) as throttled:
        create(hcw)
    assert not isinstance(throttled.value, OutcomeUnknownError)
    assert throttled.value.retry_after == 2
    assert counts(sandbox)["invites_total"] == 0


@pytest.mark.parametrize("kind", ["http_500", "http_429", "timeout", "reset"])
def test_reads_and_the_login_ride_out_transient_faults(make_hcw, sandbox, kind):
    hcw = make_hcw(timeout=0.5)
    sandbox.fault("hcw", kind, operation="login-local", timeout_seconds=1)
    sandbox.fault("hcw", kind, operation="invite.get", timeout_seconds=1)
    assert hcw.get_invite(FOREIGN_INVITE_ID) is None
    assert [c["fault"] for c in sandbox.calls(operation="invite.get")] == [kind, None]


def test_a_malformed_answer_to_a_read_is_a_contract_error(hcw, sandbox):
    invite = create(hcw)
    sandbox.fault("hcw", "malformed", operation="invite.get")
    with pytest.raises(ContractError):
        hcw.get_invite(invite.id)


def test_a_lost_answer_to_a_move_is_retried_because_a_move_is_idempotent(make_hcw, sandbox):
    hcw = make_hcw(timeout=0.5)
    invite = create(hcw)
    later = soon(5)
    sandbox.fault("hcw", "reset", operation="invite.update", when="after")
    assert hcw.reschedule_invite(invite.id, scheduled_for=later).scheduled_for == later
    assert len(sandbox.calls(operation="invite.update")) == 2


# --- what reaches the logs --------------------------------------------------------------------


def test_logs_carry_no_password_token_or_patient_data(hcw, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    invite = create(hcw)
    sandbox.configure("hcw", revoke_tokens=True)
    hcw.get_invite(invite.id)
    with pytest.raises(RejectedError):
        create(hcw, queue="Cardiology", doctor_email=None)
    session = hcw._sessions.get()
    text = caplog.text
    assert "invite.create ok" in text and "renewed after a 401" in text
    for secret in (
        "sandbox-hcw-pass",
        session.token,
        session.refresh_token,
        invite.invite_token,
        PATIENT["email"],
        "Brooks",
    ):
        assert secret not in text

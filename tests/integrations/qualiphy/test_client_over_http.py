"""The real Qualiphy client against the Qualiphy sandbox over real HTTP.

Invites and their cancellation, every documented error shape, faults on the write, and the exam
lifecycle webhook delivered to a tiny HTTP server and read by `webhooks.parse_event`.
Seed (integrations/qualiphy/sandbox/app.py): GFE exams 4226, 2228, 1822; Rx exams 2769, 1486;
patient exam ids start at 4844.
"""

import logging
import time

import httpx
import pytest

from integrations.errors import (
    ContractError,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
)
from integrations.qualiphy import client as qualiphy_client
from integrations.qualiphy import webhooks
from integrations.transport import NO_RETRY

from .conftest import API_KEY, FILLER_EXAM, GFE_EXAM, OTHER_RX_EXAM, PATIENT, RX_EXAM


def invite(client, **overrides):
    return client.exam_invite(**{"exams": [GFE_EXAM], **PATIENT, **overrides})


def counts(sandbox) -> dict:
    return sandbox.configure("qualiphy")["counts"]


# --- exams and invites ------------------------------------------------------------------------


def test_exam_list_reads_the_clinics_exams(qualiphy):
    exams = {exam.id: exam for exam in qualiphy.exam_list()}
    assert {GFE_EXAM, FILLER_EXAM, RX_EXAM} <= set(exams)
    assert exams[FILLER_EXAM].price == "27.99" and not exams[FILLER_EXAM].is_rx
    assert exams[RX_EXAM].is_rx and exams[RX_EXAM].attachments == ("ID",)


def test_an_invite_for_two_exams_is_one_meeting_with_two_patient_exams(qualiphy, sandbox):
    result = invite(qualiphy, exams=[GFE_EXAM, FILLER_EXAM], additional_data={"booking": "b-1"})
    assert result.patient_exam_ids == (4844, 4845)
    assert [e.exam_id for e in result.patient_exams] == [GFE_EXAM, FILLER_EXAM]
    assert result.patient_exams[0].exam_title == "GFE Aesthetic"
    assert result.meeting_url.endswith(f"/meeting/{result.meeting_uuid}")
    assert result.meeting_url not in repr(result)  # the patient's link stays out of logs
    described = sandbox.configure("qualiphy")
    assert described["counts"]["invites"] == 1
    assert described["invites"][0]["additional_data"] == '{"booking":"b-1"}'
    assert httpx.get(result.meeting_url).status_code == 200  # the sandbox serves the link


def test_the_client_checks_what_qualiphy_would_refuse_before_sending(qualiphy, sandbox):
    with pytest.raises(ValueError, match="tele_state"):
        invite(qualiphy, tele_state="New York")
    with pytest.raises(ValueError, match="phone_number"):
        invite(qualiphy, phone_number="555-2323")
    with pytest.raises(ValueError, match="exam"):
        invite(qualiphy, exams=[])
    assert sandbox.calls(vendor="qualiphy") == []
    assert qualiphy_client.normalize_phone("+1 (555) 222-3232") == "+15552223232"
    assert qualiphy_client.normalize_phone("555.222.3232") == "5552223232"


# --- documented errors ------------------------------------------------------------------------


def test_a_wrong_api_key_is_rejected_as_unauthorized(make_qualiphy):
    with pytest.raises(RejectedError) as refused:
        make_qualiphy(api_key="not-the-key").exam_list()
    assert refused.value.code == "UNAUTHORIZED"
    assert refused.value.detail == "Unauthorized access."


def test_no_provider_for_the_patients_state_is_a_401_reason(qualiphy, sandbox):
    sandbox.configure("qualiphy", provider_states=["NY", "NJ"])
    assert invite(qualiphy, tele_state="NY").patient_exam_ids
    with pytest.raises(RejectedError) as refused:
        invite(qualiphy, tele_state="CA")
    assert refused.value.code == "PROVIDER_MISSING"
    assert "Patient Care Provider" in refused.value.messages[0].message


def test_unsigned_contracts_are_401_reasons(qualiphy, sandbox):
    sandbox.configure("qualiphy", rx_contract_signed=False)
    assert invite(qualiphy).patient_exam_ids  # a GFE needs no Rx contract
    with pytest.raises(RejectedError) as rx:
        invite(qualiphy, exams=[RX_EXAM])
    assert rx.value.code == "RX_CONTRACT_UNSIGNED"
    sandbox.configure("qualiphy", contract_signed=False)
    with pytest.raises(RejectedError) as unsigned:
        invite(qualiphy)
    assert unsigned.value.code == "CONTRACT_UNSIGNED"


def test_400s_are_read_under_error_message_and_under_message(qualiphy):
    with pytest.raises(RejectedError) as unknown_exam:  # {"error_message": ...}
        invite(qualiphy, exams=[99])
    assert unknown_exam.value.code == "INVALID_REQUEST"
    assert unknown_exam.value.messages[0].message == "Invalid exam id: 99"

    with pytest.raises(RejectedError) as bad_state:  # {"message": ...}
        invite(qualiphy, tele_state="ZZ")
    assert bad_state.value.code == "INVALID_REQUEST"
    assert bad_state.value.messages[0].field == "tele_state"
    assert bad_state.value.messages[0].message.startswith("Invalid tele_state")

    with pytest.raises(RejectedError) as two_rx:
        invite(qualiphy, exams=[RX_EXAM, OTHER_RX_EXAM])
    assert "Only 1 prescriptive exam" in two_rx.value.detail


def test_both_error_keys_and_a_body_only_error_code_are_understood(qualiphy):
    def interpret(status, body):
        response = httpx.Response(status, json=body)
        return qualiphy._interpret("exam_invite", response, is_write=True)

    with pytest.raises(RejectedError) as by_message:
        interpret(400, {"message": "dob must be YYYY-MM-DD"})
    assert by_message.value.messages[0].field == "dob"
    with pytest.raises(RejectedError) as in_body:
        interpret(200, {"http_code": 401, "error_message": "Need to sign contract!"})
    assert in_body.value.code == "CONTRACT_UNSIGNED"
    with pytest.raises(OutcomeUnknownError):
        interpret(200, {"http_code": 500, "error_message": "Something went wrong."})
    with pytest.raises(ContractError):
        interpret(418, {"error_message": "teapot"})


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_then_a_second_cancel_is_done(qualiphy, sandbox):
    exam_id = invite(qualiphy).patient_exam_ids[0]
    first = qualiphy.cancel_exam_invite(exam_id)
    assert (first.patient_exam_id, first.already_cancelled) == (exam_id, False)
    assert first.cancelled_at is not None and first.cancelled_at.tzinfo is not None
    second = qualiphy.cancel_exam_invite(exam_id)  # Qualiphy: 400 "already cancelled"
    assert second.already_cancelled
    assert [c["status"] for c in sandbox.calls(operation="exam_invite_cancel")] == [200, 400]
    assert counts(sandbox)["cancelled"] == 1


def test_cancel_after_the_verdict_or_of_an_unknown_exam_is_rejected(qualiphy, sandbox, receiver):
    exam_id = invite(qualiphy, webhook_url=receiver.url()).patient_exam_ids[0]
    sandbox.configure("qualiphy", trigger={"patient_exam_id": exam_id, "exam_status": "Approved"})
    with pytest.raises(RejectedError) as decided:
        qualiphy.cancel_exam_invite(exam_id)
    assert decided.value.code == "EXAM_ALREADY_COMPLETED"
    assert decided.value.detail == "Exam status is already approved."
    with pytest.raises(RejectedError) as unknown:
        qualiphy.cancel_exam_invite(999999)
    assert unknown.value.code == "INVALID_REQUEST"


def test_a_cancel_whose_answer_is_lost_is_repeated_and_settles_as_done(make_qualiphy, sandbox):
    qualiphy = make_qualiphy(timeout=0.5)
    exam_id = invite(qualiphy).patient_exam_ids[0]
    sandbox.fault("qualiphy", "reset", operation="exam_invite_cancel", when="after")
    assert qualiphy.cancel_exam_invite(exam_id).already_cancelled
    calls = sandbox.calls(operation="exam_invite_cancel")
    assert [(c["fault"], c["status"]) for c in calls] == [("reset", None), (None, 400)]


# --- faults on the write ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset", "malformed"])
def test_a_lost_answer_to_an_invite_is_outcome_unknown_and_never_resent(
    make_qualiphy, sandbox, kind
):
    qualiphy = make_qualiphy(timeout=0.5)
    sandbox.fault("qualiphy", kind, operation="exam_invite", when="after", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        invite(qualiphy, additional_data="booking-77")
    assert len(sandbox.calls(operation="exam_invite")) == 1  # no blind resend
    # It did happen: the sandbox holds one invite carrying our reference.
    described = sandbox.configure("qualiphy")
    assert described["counts"]["invites"] == 1
    assert described["invites"][0]["additional_data"] == "booking-77"


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset"])
def test_an_invite_failing_before_qualiphy_ran_it_is_still_outcome_unknown(
    make_qualiphy, sandbox, kind
):
    """The client cannot tell before from after: it never resends, whichever it was."""
    qualiphy = make_qualiphy(timeout=0.5)
    sandbox.fault("qualiphy", kind, operation="exam_invite", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        invite(qualiphy)
    assert len(sandbox.calls(operation="exam_invite")) == 1
    assert counts(sandbox)["invites"] == 0


def test_a_throttled_invite_is_retried_because_it_did_not_run(qualiphy, sandbox):
    sandbox.fault("qualiphy", "http_429", operation="exam_invite", retry_after=0)
    assert invite(qualiphy).patient_exam_ids
    assert [c["status"] for c in sandbox.calls(operation="exam_invite")] == [429, 200]
    assert counts(sandbox)["invites"] == 1


def test_without_retries_a_throttled_invite_is_transient_not_unknown(make_qualiphy, sandbox):
    qualiphy = make_qualiphy(retry_policy=NO_RETRY)
    sandbox.fault("qualiphy", "http_429", operation="exam_invite", retry_after=3)
    with pytest.raises(TransientError) as throttled:
        invite(qualiphy)
    assert not isinstance(throttled.value, OutcomeUnknownError)
    assert throttled.value.retry_after == 3
    assert counts(sandbox)["invites"] == 0


@pytest.mark.parametrize("kind", ["http_500", "http_429", "timeout", "reset"])
def test_the_exam_list_rides_out_transient_faults(make_qualiphy, sandbox, kind):
    qualiphy = make_qualiphy(timeout=0.5)
    sandbox.fault("qualiphy", kind, operation="exam_list", count=2, timeout_seconds=1)
    assert qualiphy.exam_list()
    assert [c["fault"] for c in sandbox.calls(operation="exam_list")] == [kind, kind, None]


def test_a_malformed_answer_to_a_read_is_a_contract_error(qualiphy, sandbox):
    sandbox.fault("qualiphy", "malformed", operation="exam_list")
    with pytest.raises(ContractError):
        qualiphy.exam_list()


# --- webhooks ---------------------------------------------------------------------------------


def test_a_consultation_complete_event_reaches_our_endpoint_and_parses(qualiphy, sandbox, receiver):
    url = receiver.url("topsecret")
    exam_id = invite(qualiphy, webhook_url=url, additional_data="booking-1").patient_exam_ids[0]
    answer = sandbox.configure("qualiphy", trigger={"patient_exam_id": exam_id})
    assert answer["delivery"]["status"] == "delivered"

    [request] = receiver.received
    assert request["path"] == "/webhooks/qualiphy/topsecret/"
    assert request["headers"]["Content-Type"] == "application/json"
    assert not any("signature" in name.lower() for name in request["headers"])  # unsigned
    event = webhooks.parse_event(request["body"])
    assert isinstance(event, webhooks.ConsultationComplete)
    assert event.exam_status == "Approved" and event.is_approved  # "Test Approve" in test mode
    assert event.dedupe_key == (1, str(exam_id))
    assert event.exam_id == str(GFE_EXAM)
    assert event.additional_data == "booking-1"
    assert event.exam_url and event.exam_url not in repr(event)
    assert PATIENT["email"] not in repr(event)
    assert webhooks.secret_matches("topsecret", "topsecret")


def test_test_mode_names_decide_the_verdict_and_a_retry_keeps_the_dedupe_key(
    qualiphy, sandbox, receiver
):
    exam_id = invite(qualiphy, first_name="Test Reject", webhook_url=receiver.url())
    exam_id = exam_id.patient_exam_ids[0]
    sandbox.configure("qualiphy", trigger={"patient_exam_id": exam_id, "repeat": 2})
    events = [webhooks.parse_event(r["body"]) for r in receiver.received]
    assert [e.exam_status for e in events] == ["Rejected", "Rejected"]
    assert len({e.dedupe_key for e in events}) == 1  # Qualiphy's retry dedupes


def test_prescription_events_carry_integer_ids_then_tracking(qualiphy, sandbox, receiver):
    sandbox.configure("qualiphy", webhook_url=receiver.url())  # the invite names no URL
    result = invite(qualiphy, exams=[RX_EXAM], first_name="Test Prescription Approve")
    exam_id = result.patient_exam_ids[0]
    for event in (1, 2, 3):
        sandbox.configure("qualiphy", trigger={"patient_exam_id": exam_id, "event": event})
    raw = receiver.payloads()
    assert isinstance(raw[1]["patient_exam_id"], int) and isinstance(raw[0]["patient_exam_id"], str)
    first, confirmed, tracking = (webhooks.parse_event(r["body"]) for r in receiver.received)
    assert first.rx_status == "Pharmacy Confirmed"
    assert isinstance(confirmed, webhooks.PrescriptionConfirmed)
    assert confirmed.dedupe_key == (2, str(exam_id))
    assert confirmed.prescriptions[0].drug_name == "Semaglutide"
    assert isinstance(tracking, webhooks.PrescriptionTracking)
    assert tracking.dedupe_key == (3, str(exam_id))
    assert tracking.prescription_id == confirmed.prescriptions[0].prescription_id


def test_a_failing_endpoint_is_reported_by_the_trigger(qualiphy, sandbox, receiver):
    receiver.answer_status = 500
    exam_id = invite(qualiphy, webhook_url=receiver.url()).patient_exam_ids[0]
    delivery = sandbox.configure("qualiphy", trigger={"patient_exam_id": exam_id})["delivery"]
    assert (delivery["status"], delivery["status_code"]) == ("failed", 500)


def test_test_mode_verdicts_can_arrive_by_themselves(qualiphy, sandbox, receiver):
    sandbox.configure("qualiphy", auto_complete_test_mode=True, auto_complete_delay_seconds=0)
    invite(qualiphy, first_name="Test N/A", webhook_url=receiver.url())
    assert receiver.event.wait(5)
    event = webhooks.parse_event(receiver.received[0]["body"])
    assert event.exam_status == "NA" and event.exam_url is None and event.provider_name is None


# --- what reaches the logs --------------------------------------------------------------------


def test_logs_carry_no_patient_data_key_or_links(qualiphy, sandbox, caplog, receiver):
    caplog.set_level(logging.DEBUG)
    secret_url = receiver.url("webhook-secret-xyz")
    result = invite(qualiphy, webhook_url=secret_url)
    with pytest.raises(RejectedError):
        invite(qualiphy, exams=[99], webhook_url=secret_url)
    time.sleep(0.05)
    text = caplog.text
    assert "exam_invite ok" in text
    for secret in (
        API_KEY,
        PATIENT["email"],
        "2223232",
        "1990-06-30",
        "webhook-secret-xyz",
        result.meeting_url,
        result.meeting_uuid,
    ):
        assert secret not in text


def test_reset_restores_the_seed(qualiphy, sandbox):
    first = invite(qualiphy)
    qualiphy.cancel_exam_invite(first.patient_exam_ids[0])
    sandbox.configure("qualiphy", contract_signed=False)
    sandbox.reset()
    described = sandbox.configure("qualiphy")
    assert described["counts"] == {
        "invites": 0,
        "patient_exams": 0,
        "cancelled": 0,
        "by_status": {},
    }
    assert described["contract_signed"] is True
    again = invite(qualiphy)
    assert (again.meeting_uuid, again.patient_exam_ids) == (first.meeting_uuid, (4844,))

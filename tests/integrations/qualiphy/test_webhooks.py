"""Parsing Qualiphy webhook bodies: the vendor's own examples, id spellings, bad payloads."""

import json

import pytest

from integrations.qualiphy import webhooks

from .openapi_subset import spec


def examples() -> dict[str, dict]:
    content = spec()["webhooks"]["examLifecycleWebhook"]["post"]["requestBody"]["content"]
    return {
        name: example["value"] for name, example in content["application/json"]["examples"].items()
    }


def test_the_vendors_three_examples_parse_into_their_types():
    parsed = {name: webhooks.parse_event(json.dumps(value)) for name, value in examples().items()}
    approved = parsed["event1Approved"]
    assert isinstance(approved, webhooks.ConsultationComplete)
    assert approved.dedupe_key == (1, "patient-exam-789")
    assert approved.exam_status == "Approved"
    assert approved.additional_data == '{"order_id":"WC-12847"}'
    assert approved.questions_answers[0].answer == "Good."

    prescription = parsed["event2Prescription"]
    assert isinstance(prescription, webhooks.PrescriptionConfirmed)
    assert prescription.dedupe_key == (2, "149784")  # an integer on the wire
    assert prescription.exam_id == "1292"
    assert prescription.prescribed_os_id == 486
    [item] = prescription.prescriptions
    assert (item.prescription_id, item.drug_name, item.schedule_code) == (
        "3320",
        "Semaglutide",
        None,
    )

    tracking = parsed["event3Tracking"]
    assert isinstance(tracking, webhooks.PrescriptionTracking)
    assert tracking.dedupe_key == (3, "patient-exam-789")
    assert tracking.tracking_number == "123ABC456DEF"


def test_an_id_sent_as_string_or_integer_dedupes_the_same():
    one = webhooks.parse_event(
        {"event": 1, "patient_exam_id": 4844, "exam_id": 1, "exam_status": "NA"}
    )
    two = webhooks.parse_event(
        {"event": "1", "patient_exam_id": "4844", "exam_id": "1", "exam_status": "NA"}
    )
    assert one.dedupe_key == two.dedupe_key == (1, "4844")


def test_patient_data_stays_out_of_repr():
    event = webhooks.parse_event(examples()["event1Approved"])
    text = repr(event)
    for secret in ("patient@example.com", "5551234567", "cloudfront", "How are you feeling"):
        assert secret not in text


EXAM = '"patient_exam_id": "1", "exam_id": "2"'


@pytest.mark.parametrize(
    "body",
    [
        f'{{"event": 1, {EXAM}, "exam_status": "Escalated"}}',  # not a documented verdict
        '{"event": 9, "patient_exam_id": 5}',  # not a documented event
        f'{{"event": -1, {EXAM}, "exam_status": "Approved"}}',
        f'{{"event": 70000, {EXAM}, "exam_status": "Approved"}}',
        f'{{"event": 10000000000000000000000, {EXAM}, "exam_status": "Approved"}}',
        '{{"event": 1, {}, "exam_status": "{}"}}'.format(EXAM, "A" * 10_000),
        '{"event": 1, "patient_exam_id": "%s", "exam_id": "2", "exam_status": "NA"}'
        % ("1" * 10_000),
        '{"event": 1, "patient_exam_id": "12 ab\\u0000", "exam_id": "2", "exam_status": "NA"}',
        f'{{"event": 2, {EXAM}, "exam_status": "Maybe"}}',
        "[" * 100_000 + "]" * 100_000,  # RecursionError in the JSON reader
        '{{"event": 1, {}, "exam_status": "NA", "x": {}}}'.format(
            EXAM, "[" * 100_000 + "]" * 100_000
        ),
    ],
    ids=[
        "verdict",
        "event-9",
        "event-negative",
        "event-smallint",
        "event-huge",
        "status-10kB",
        "id-10kB",
        "id-odd-characters",
        "rx-status",
        "nested",
        "nested-inside",
    ],
)
def test_undocumented_events_verdicts_and_oversized_values_are_refused(body):
    with pytest.raises(webhooks.WebhookPayloadError):
        webhooks.parse_event(body.encode())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"patient_exam_id": "1"}',
        b'{"event": 1, "exam_id": "1", "exam_status": "Approved"}',
        b'{"event": 1, "patient_exam_id": "1", "exam_id": "1"}',
        b'{"event": 2, "patient_exam_id": true, "exam_id": 1}',
        b'{"event": 3, "patient_exam_id": ""}',
        b'{"event": "one", "patient_exam_id": "1"}',
        b'{"event": 1, "patient_exam_id": "1", "exam_id": "1", "exam_status": "Approved", '
        b'"questions_answers": "none"}',
    ],
)
def test_bodies_that_are_not_events_are_refused(body):
    with pytest.raises(webhooks.WebhookPayloadError):
        webhooks.parse_event(body)


def test_the_url_secret_is_compared_safely():
    assert webhooks.secret_matches("abc", "abc")
    assert not webhooks.secret_matches("abd", "abc")
    assert not webhooks.secret_matches("", "")  # no secret configured: nothing matches
    assert not webhooks.secret_matches(None, "abc")

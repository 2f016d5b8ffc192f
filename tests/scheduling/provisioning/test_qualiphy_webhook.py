"""Qualiphy's webhook endpoint with the right secret and a body Qualiphy would never send:
400, never 500 (Qualiphy retries 5xx forever), and nothing stored."""

import pytest

from scheduling.models import ExamEvent

SECRET = "whk-secret-for-tests"
EXAM = '"patient_exam_id": "1", "exam_id": "2"'
NESTED = "[" * 100_000 + "]" * 100_000

BAD_BODIES = {
    "event-negative": f'{{"event": -1, {EXAM}, "exam_status": "Approved"}}',
    "event-smallint": f'{{"event": 70000, {EXAM}, "exam_status": "Approved"}}',
    "event-huge": f'{{"event": 10000000000000000000000, {EXAM}, "exam_status": "Approved"}}',
    "event-undocumented": f'{{"event": 4, {EXAM}, "exam_status": "Approved"}}',
    "nested": NESTED,
    "nested-inside": f'{{"event": 1, {EXAM}, "exam_status": "NA", "x": {NESTED}}}',
    "id-10kB": '{"event": 1, "patient_exam_id": "%s", "exam_id": "2", "exam_status": "NA"}'
    % ("7" * 10_000),
    "status-10kB": f'{{"event": 1, {EXAM}, "exam_status": "{"A" * 10_000}"}}',
    "status-free-text": f'{{"event": 1, {EXAM}, "exam_status": "Escalated"}}',
    "nul": '{"event": 1, "patient_exam_id": "1\\u0000", "exam_id": "2", "exam_status": "NA"}',
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_bad_body_with_the_right_secret_is_a_400_and_stores_nothing(client, settings, db, body):
    settings.QUALIPHY_WEBHOOK_SECRET = SECRET
    response = client.post(
        f"/webhooks/qualiphy/{SECRET}/", body.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    assert not ExamEvent.objects.exists()


def test_a_documented_event_is_stored_once(client, settings, db):
    settings.QUALIPHY_WEBHOOK_SECRET = SECRET
    body = f'{{"event": 1, {EXAM}, "exam_status": "Deferred to Medical Director"}}'
    for _ in range(2):
        response = client.post(
            f"/webhooks/qualiphy/{SECRET}/", body.encode(), content_type="application/json"
        )
        assert response.status_code == 200
    [event] = ExamEvent.objects.all()
    assert (event.event, event.patient_exam_id, event.exam_status) == (
        1,
        "1",
        "Deferred to Medical Director",
    )

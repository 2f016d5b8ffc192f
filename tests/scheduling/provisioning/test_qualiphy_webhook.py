"""Qualiphy's webhook endpoint: with the right secret and a body Qualiphy would never send,
400, never 500 (Qualiphy retries 5xx forever), and nothing stored; an event about a stray
invite (sent again after a lost answer) is recognised by our tag and cancelled."""

import pytest
from django.test import override_settings

from scheduling.models import ExamEvent, Provision, QualiphyExam
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import cancel_stray_exam, provision_part

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


@pytest.mark.django_db(transaction=True)
@override_settings(VENDOR_TIMEOUT_SECONDS=0.5)
def test_a_stray_invite_is_recognised_by_the_tag_its_webhook_echoes_and_cancelled(
    exam_booking, exam_plan, sandbox, live_server, settings, django_capture_on_commit_callbacks
):
    """The invite's answer was lost, so it was sent again (a possible orphan, recorded). When
    Qualiphy reports on the orphan's exam, the tag echoed in `additional_data` ties it to
    the booking: the stray is noted on the part and cancelled at Qualiphy (or, when the verdict
    already came, noted as completed for staff)."""
    settings.SITE_URL = live_server.url
    settings.QUALIPHY_WEBHOOK_SECRET = SECRET
    booking = exam_booking()
    sandbox.fault("qualiphy", "reset", operation="exam_invite", when="after")
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    part = Provision.objects.get(booking=booking, part=Provision.Part.QUALIPHY_EXAMS)
    assert part.status == Provision.Status.READY
    assert len(part.details["possible_orphans"]) == 1

    invites = sandbox.configure("qualiphy")["invites"]
    # Named by its id: the reference (a secret: it opens the confirmation page) stays here.
    assert [i["additional_data"] for i in invites] == [f"booking-{booking.pk}"] * 2
    kept = set(
        QualiphyExam.objects.filter(provision=part).values_list("patient_exam_id", flat=True)
    )
    [stray] = [
        e["patient_exam_id"]
        for i in invites
        for e in i["patient_exams"]
        if str(e["patient_exam_id"]) not in kept
    ]

    # A verdict on the stray's exam: recognised, noted, and its cancel queued.
    delivery = sandbox.configure(
        "qualiphy", trigger={"patient_exam_id": stray, "event": 1, "exam_status": "Missed"}
    )["delivery"]
    assert delivery["status_code"] == 200, delivery
    part.refresh_from_db()
    assert part.details["stray_exams"] == {str(stray): "found"}
    assert cancel_stray_exam.apply(args=[part.id, str(stray)]).get() == "completed"
    part.refresh_from_db()
    assert part.details["stray_exams"] == {str(stray): "completed"}
    assert not QualiphyExam.objects.filter(patient_exam_id=str(stray)).exists()


@pytest.mark.django_db(transaction=True)
@override_settings(VENDOR_TIMEOUT_SECONDS=0.5)
def test_a_stray_exam_still_pending_is_cancelled_at_qualiphy(
    exam_booking, exam_plan, sandbox, django_capture_on_commit_callbacks
):
    booking = exam_booking()
    sandbox.fault("qualiphy", "timeout", operation="exam_invite", when="after", timeout_seconds=1)
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    part = Provision.objects.get(booking=booking, part=Provision.Part.QUALIPHY_EXAMS)
    kept = set(
        QualiphyExam.objects.filter(provision=part).values_list("patient_exam_id", flat=True)
    )
    [stray] = [
        str(e["patient_exam_id"])
        for i in sandbox.configure("qualiphy")["invites"]
        for e in i["patient_exams"]
        if str(e["patient_exam_id"]) not in kept
    ]
    assert cancel_stray_exam.apply(args=[part.id, stray]).get() == "cancelled"
    statuses = {
        str(e["patient_exam_id"]): e["status"]
        for i in sandbox.configure("qualiphy")["invites"]
        for e in i["patient_exams"]
    }
    assert statuses[stray].lower() == "cancelled"
    assert {statuses[k] for k in kept} != {"cancelled"}


def test_a_tag_names_the_booking_by_id_and_older_invites_by_reference(exam_booking, exam_plan):
    from scheduling.provisioning import selectors

    booking = exam_booking()
    part = Provision.objects.create(booking=booking, part=Provision.Part.QUALIPHY_EXAMS)
    assert provisioning_services.vendor_tag(booking) == f"booking-{booking.pk}"
    assert selectors.exams_part_by_tag(tag=f"booking-{booking.pk}") == part
    assert selectors.exams_part_by_tag(tag=booking.reference) == part  # sent before tags
    for other in (f"booking-{booking.pk + 1}", "booking-", '{"order_id":"WC-1"}', None, ""):
        assert selectors.exams_part_by_tag(tag=other) is None

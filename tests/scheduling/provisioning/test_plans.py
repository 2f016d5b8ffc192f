"""Provisioning after a confirmed booking, against the vendor sandboxes over HTTP.

Each vendor's happy path, refusals, recovery and what the patient sees. The fault matrix (each
vendor's write x each fault) is in test_fault_matrix.py. Tasks run through Celery's `apply()`
(in-process, with its real retry path); test_worker.py runs them through Redis and real workers.
"""

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from integrations.hcw.client import HCWClient
from integrations.healthie.client import HealthieClient
from scheduling.models import (
    AppointmentTypePlan,
    Booking,
    ExamEvent,
    ProviderVideoRoute,
    Provision,
    QualiphyExam,
)
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part
from tests.scheduling.html import Page


def provision_everything(booking: Booking, django_capture_on_commit_callbacks) -> dict:
    """Start provisioning as a confirmed booking does, and run each queued task to its end."""
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    return {p.part: p for p in Provision.objects.filter(booking=booking)}


def counts(sandbox) -> dict:
    return {
        "rooms": sandbox.configure("betterpt")["rooms"],
        "patients": sandbox.configure("semble")["patients"],
        "tokens": sandbox.configure("semble")["tokens"],
    }


def test_video_room_and_questionnaire_are_provisioned_and_the_link_reaches_healthie(
    booked, plan, sandbox, django_capture_on_commit_callbacks, client
):
    booking = booked()
    before = counts(sandbox)
    parts = provision_everything(booking, django_capture_on_commit_callbacks)

    room = parts[Provision.Part.BETTERPT_ROOM]
    assert room.status == Provision.Status.READY and room.external_id and room.patient_url
    assert room.written_to_healthie
    with HealthieClient() as healthie:
        appointment = healthie.appointment(booking.healthie_appointment_id)
    assert appointment.external_videochat_url == room.details["provider_url"]

    questionnaire = parts[Provision.Part.SEMBLE_QUESTIONNAIRE]
    assert questionnaire.status == Provision.Status.READY
    assert counts(sandbox) == {
        "rooms": before["rooms"] + 1,
        "patients": before["patients"] + 1,
        "tokens": before["tokens"] + 1,
    }

    # Running every task again (a redelivery) creates nothing more.
    for provision in parts.values():
        provision_part.apply(args=[provision.id])
    assert counts(sandbox)["rooms"] == before["rooms"] + 1
    assert counts(sandbox)["patients"] == before["patients"] + 1

    # The patient's questionnaire link mints a fresh token and lands on Semble's page.
    response = client.get(reverse("scheduling:questionnaire", args=[booking.reference]))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{sandbox.url}/semble/questionnaire/intake-form/")
    assert counts(sandbox)["tokens"] == before["tokens"] + 2


def test_an_existing_semble_patient_is_found_by_exact_email(
    booked, plan, sandbox, django_capture_on_commit_callbacks
):
    existing = next(p for p in sandbox.configure("semble")["patient_list"] if p.get("email"))
    booking = booked(email=existing["email"].upper())
    before = counts(sandbox)
    parts = provision_everything(booking, django_capture_on_commit_callbacks)
    assert parts[Provision.Part.SEMBLE_QUESTIONNAIRE].external_id == existing["id"]
    assert counts(sandbox)["patients"] == before["patients"]


def test_a_refusal_fails_the_part_with_the_reason_and_staff_can_retry_it(
    booked, plan, sandbox, django_capture_on_commit_callbacks
):
    booking = booked()
    sandbox.configure("betterpt", accept_tokens=False)
    parts = provision_everything(booking, django_capture_on_commit_callbacks)
    room = parts[Provision.Part.BETTERPT_ROOM]
    assert room.status == Provision.Status.FAILED and room.failure_reason
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    sandbox.configure("betterpt", accept_tokens=True)
    with django_capture_on_commit_callbacks(execute=False):
        provisioning_services.provision_retry(provision_id=room.id)
    provision_part.apply(args=[room.id])
    room.refresh_from_db()
    assert room.status == Provision.Status.READY


def test_a_part_held_by_another_worker_is_not_run_twice_at_once(
    booked, plan, sandbox, django_capture_on_commit_callbacks
):
    booking = booked()
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    provisioning_services._claim(ids[0])
    with pytest.raises(provisioning_services.ProvisionBusy):
        provisioning_services.provision_run(provision_id=ids[0])


# --- HCW@Home and Qualiphy ----------------------------------------------------------------------


def exam_counts(sandbox) -> dict:
    return {
        "hcw_invites": sandbox.configure("hcw")["counts"]["invites_total"],
        "qualiphy_invites": sandbox.configure("qualiphy")["counts"]["invites"],
    }


def test_hcw_teleconsultation_and_qualiphy_exam_are_provisioned(
    exam_booking, exam_plan, sandbox, django_capture_on_commit_callbacks
):
    before = exam_counts(sandbox)
    booking = exam_booking()
    parts = provision_everything(booking, django_capture_on_commit_callbacks)

    invite = parts[Provision.Part.HCW_INVITE]
    assert invite.status == Provision.Status.READY and invite.patient_url
    with HealthieClient() as healthie:
        appointment = healthie.appointment(booking.healthie_appointment_id)
    assert appointment.external_videochat_url == invite.details["provider_url"]

    exams = parts[Provision.Part.QUALIPHY_EXAMS]
    assert exams.status == Provision.Status.READY and exams.patient_url
    assert [e.exam_id for e in QualiphyExam.objects.filter(provision=exams)] == ["4226"]
    assert exam_counts(sandbox) == {
        "hcw_invites": before["hcw_invites"] + 1,
        "qualiphy_invites": before["qualiphy_invites"] + 1,
    }


def test_a_provider_without_an_hcw_route_fails_the_part_with_a_reason(
    exam_booking, exam_plan, sandbox, django_capture_on_commit_callbacks
):
    ProviderVideoRoute.objects.all().delete()
    parts = provision_everything(exam_booking(), django_capture_on_commit_callbacks)
    assert parts[Provision.Part.HCW_INVITE].status == Provision.Status.FAILED
    assert "doctor or queue" in parts[Provision.Part.HCW_INVITE].failure_reason
    assert parts[Provision.Part.QUALIPHY_EXAMS].status == Provision.Status.READY


@pytest.mark.django_db(transaction=True)
def test_qualiphy_webhook_lands_once_and_records_the_verdict(
    exam_booking,
    exam_plan,
    sandbox,
    live_server,
    settings,
    django_capture_on_commit_callbacks,
    client,
):
    settings.SITE_URL = live_server.url
    settings.QUALIPHY_WEBHOOK_SECRET = "whk-secret-for-tests"
    booking = exam_booking()
    provision_everything(booking, django_capture_on_commit_callbacks)
    exam = QualiphyExam.objects.get(provision__booking=booking)

    for _ in range(2):  # Qualiphy retries a slow answer: the second delivery is a repeat
        delivery = sandbox.configure(
            "qualiphy",
            trigger={
                "patient_exam_id": int(exam.patient_exam_id),
                "event": 1,
                "exam_status": "Approved",
            },
        )["delivery"]
        assert delivery["status_code"] == 200, delivery
    exam.refresh_from_db()
    assert exam.status == "Approved"
    assert ExamEvent.objects.filter(patient_exam_id=exam.patient_exam_id).count() == 1

    wrong = client.post(
        "/webhooks/qualiphy/not-the-secret/", b"{}", content_type="application/json"
    )
    assert wrong.status_code == 404
    garbage = client.post(
        "/webhooks/qualiphy/whk-secret-for-tests/", b"[1,2", content_type="application/json"
    )
    assert garbage.status_code == 400


# --- what the patient sees ----------------------------------------------------------------------


def test_the_details_form_asks_for_birth_date_and_state_only_when_an_exam_is_ordered(patient, db):
    AppointmentTypePlan.objects.filter(appointment_type_id="302").delete()
    review_plain, _ = patient.to_review(type_id="302")
    assert "Date of birth" not in review_plain.content.decode()

    AppointmentTypePlan.objects.update_or_create(
        appointment_type_id="302", defaults={"qualiphy_exam_ids": [4226]}
    )
    times_response = patient.times_page(type_id="302")
    details = patient.details_page(patient.hold(times_response)[0])
    page = details.content.decode()
    assert "Date of birth" in page and ">State<" in page
    missing = patient.submit_details(details)
    assert missing.status_code == 422
    assert "Enter your date of birth." in missing.content.decode()

    review = patient.submit_details(details, date_of_birth="1990-05-17", patient_state="NY")
    assert review.status_code == 200
    booked = patient.confirm(review)
    assert booked.status_code in (200, 302)
    booking = Booking.objects.get(email=patient.details["email"], appointment_type_id="302")
    assert (booking.date_of_birth, booking.patient_state) == (date(1990, 5, 17), "NY")


def test_the_confirmation_page_polls_until_the_links_are_ready(
    patient, plan, sandbox, django_capture_on_commit_callbacks
):
    review, _ = patient.to_review(type_id="302")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = patient.confirm(review)
    booking = Booking.objects.get(email=patient.details["email"])
    confirmation = patient.client.get(f"/book/{patient.slug}/booked/{booking.reference}/")
    access_url = f"/book/{patient.slug}/booked/{booking.reference}/access/"
    assert response.status_code in (200, 302)

    # Committed but not yet provisioned: the section polls and says so.
    for callback in callbacks:
        callback()  # queues provision_part.delay_on_commit -> nothing runs without a worker
    confirmation = patient.client.get(f"/book/{patient.slug}/booked/{booking.reference}/")
    page = confirmation.content.decode()
    assert f'hx-get="{access_url}"' in page and "being set up" in page

    for provision in Provision.objects.filter(booking=booking):
        provision_part.apply(args=[provision.id])
    polled = patient.client.get(access_url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 286  # htmx stops polling
    body = polled.content.decode()
    room = Provision.objects.get(booking=booking, part=Provision.Part.BETTERPT_ROOM)
    assert room.patient_url in body and "Join your video visit" in body
    assert f"/questionnaire/{booking.reference}/" in body


# --- recovery -----------------------------------------------------------------------------------


@override_settings(VENDOR_TIMEOUT_SECONDS=0.5)
def test_a_lost_hcw_invite_answer_is_recovered_with_the_link_read_back_by_id(
    exam_booking, exam_plan, sandbox, django_capture_on_commit_callbacks
):
    """The invite is made but its answer is lost: the list finds it (without links), the invite
    read back by id gives the patient's link, and the doctors' link reaches Healthie."""
    before = exam_counts(sandbox)
    booking = exam_booking()
    sandbox.fault("hcw", "reset", operation="invite.create", when="after")
    parts = provision_everything(booking, django_capture_on_commit_callbacks)

    invite = parts[Provision.Part.HCW_INVITE]
    assert invite.status == Provision.Status.READY and invite.written_to_healthie
    assert "/inv/?invite=" in invite.patient_url
    assert invite.details["provider_url"].endswith("/app")
    operations = [c["operation"] for c in sandbox.calls(vendor="hcw")]
    invite_calls = [o for o in operations if o.startswith("invite.")]  # not the logins
    assert invite_calls[:4] == ["invite.list", "invite.create", "invite.list", "invite.get"]
    assert exam_counts(sandbox)["hcw_invites"] == before["hcw_invites"] + 1


def test_an_unexpected_error_fails_the_part_with_its_reason_instead_of_looping(
    booked, plan, sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(provision):
        raise ValueError("nothing to update")

    monkeypatch.setitem(provisioning_services.RUNNERS, Provision.Part.BETTERPT_ROOM, broken)
    parts = provision_everything(booked(), django_capture_on_commit_callbacks)
    room = parts[Provision.Part.BETTERPT_ROOM]
    assert room.status == Provision.Status.FAILED
    assert room.failure_reason == "unexpected error (ValueError): nothing to update"
    assert room.attempts == 1
    assert parts[Provision.Part.SEMBLE_QUESTIONNAIRE].status == Provision.Status.READY


def test_the_sweeper_requeues_a_part_whose_worker_died_as_soon_as_its_lease_runs_out(
    booked, plan, sandbox, django_capture_on_commit_callbacks, pinned_clock
):
    from datetime import timedelta

    from django.utils import timezone

    from scheduling.provisioning import selectors

    with django_capture_on_commit_callbacks(execute=False):
        died, queued = provisioning_services.provisioning_start(booking_id=booked().id)
    provisioning_services._claim(died)  # a worker took it, then was killed: no release
    older_than = timedelta(minutes=10)
    assert selectors.stalled_provisions(older_than=older_than) == []  # live lease; fresh task

    pinned_clock.move_to(timezone.now() + provisioning_services.lease() + timedelta(seconds=1))
    assert selectors.stalled_provisions(older_than=older_than) == [died]

    pinned_clock.move_to(timezone.now() + older_than)  # a task that never reached a worker
    assert sorted(selectors.stalled_provisions(older_than=older_than)) == sorted([died, queued])


def test_the_details_form_asks_for_gender_when_the_video_visit_is_at_hcw(
    patient, sandbox, django_capture_on_commit_callbacks
):
    """A default HCW@Home backend requires the patient's gender (male or female): the form asks
    for it when the type's plan uses HCW, and the invite is made with it (the sandbox requires
    it as that default does)."""
    review_plain, _ = patient.to_review(type_id="301")  # the demo plan: no HCW, no question
    assert "Gender" not in review_plain.content.decode()

    AppointmentTypePlan.objects.update_or_create(
        appointment_type_id="301",
        defaults={"video": AppointmentTypePlan.Video.HCW, "semble_questionnaire_token": ""},
    )
    ProviderVideoRoute.objects.create(
        provider_id="101", hcw_doctor_email="dr.maya.chen@hcw.example"
    )
    times_response = patient.times_page(type_id="301")
    details = patient.details_page(patient.hold(times_response)[0])
    gender = Page(details).one("combobox", "Gender")
    assert [o.value for o in gender.find_all("option")] == ["", "female", "male"]
    for value, message in (("", "Choose female or male."), ("other", "Select a valid choice.")):
        refused = patient.submit_details(details, gender=value)
        assert refused.status_code == 422
        assert message in refused.content.decode()

    review = patient.submit_details(details, gender="male")
    assert review.status_code == 200 and "Male" in review.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        confirmed = patient.confirm(review)
    assert confirmed.status_code in (200, 302)
    booking = Booking.objects.get(email=patient.details["email"], appointment_type_id="301")
    assert booking.gender == "male"

    parts = provision_everything(booking, django_capture_on_commit_callbacks)
    invite = parts[Provision.Part.HCW_INVITE]
    assert invite.status == Provision.Status.READY, invite.failure_reason
    with HCWClient() as hcw:
        assert hcw.get_invite(invite.external_id).gender == "male"

"""A video visit's confirmation says what will actually arrive: a link on the confirmation page
when the type's plan makes a video room, otherwise the clinic's own video call. The demo's video
visits get a room, and a phone or in-person visit of the same type never does."""

import pytest
from django.core.management import call_command
from django.test import Client

from scheduling.models import AppointmentTypePlan, Provision
from scheduling.provisioning import services as provisioning_services
from tests.scheduling.html import Page
from tests.security.helpers import confirmed

ROOM_PROMISE = "Your secure link to join appears on your confirmation page"


def next_steps(booking) -> str:
    response = Client().get(f"/book/{booking.page.slug}/booked/{booking.reference}/")
    assert response.status_code == 200
    return Page(response.content.decode()).by_id("next-heading").parent.text


def test_the_demo_gives_every_video_type_a_room(db):
    call_command("seed_demo", verbosity=0)
    for type_id in ("301", "302"):  # Initial Consultation (video among others), Video Follow-up
        plan = AppointmentTypePlan.objects.get(appointment_type_id=type_id)
        assert plan.video != AppointmentTypePlan.Video.NONE, type_id


def test_a_video_visit_with_a_room_promises_the_link_on_the_page(pages):
    booking = confirmed(pages["riverside"])  # type 302, its plan a BetterPT room
    text = next_steps(booking)
    assert ROOM_PROMISE in text
    assert "You'll get a secure link to join" not in text


def test_a_video_visit_without_a_room_promises_no_link(pages):
    AppointmentTypePlan.objects.filter(appointment_type_id="302").update(
        video=AppointmentTypePlan.Video.NONE
    )
    text = next_steps(confirmed(pages["riverside"]))
    assert "secure link" not in text
    assert "the clinic will send you how to join" in text


@pytest.mark.parametrize(
    ("contact", "video_part"),
    [("Healthie Video Call", True), ("Phone Call", False), ("In Person", False)],
)
def test_only_a_video_visit_of_the_type_gets_a_room(pages, contact, video_part):
    booking = confirmed(pages["riverside"])
    booking.appointment_type_id, booking.contact_type = "301", contact
    booking.save()
    provisioning_services.provisioning_start(booking_id=booking.pk)
    parts = set(Provision.objects.filter(booking=booking).values_list("part", flat=True))
    assert (Provision.Part.BETTERPT_ROOM in parts) is video_part, parts
    assert Provision.Part.SEMBLE_QUESTIONNAIRE in parts

"""The fault matrix: each vendor's provisioning write x {HTTP 500, 429, timeout, connection reset,
malformed answer}, against the sandboxes over HTTP.

Every fault but the 429 strikes after the vendor did the write (the answer is lost or damaged on
the way back): the case that makes duplicates. Each cell ends with the booking kept, every part
ready and, at the vendor, exactly one object; or, where the vendor cannot be searched (BetterPT,
Qualiphy), one object more per possible orphan that the part recorded for staff.
Tasks run through Celery's `apply()`, with their real retry path.
"""

from dataclasses import dataclass

import pytest
from django.test import override_settings

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, Provision
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part

FAULTS = ["http_500", "http_429", "timeout", "reset", "malformed"]


@dataclass(frozen=True)
class Write:
    """A vendor's provisioning write: the part that makes it and how to count what exists."""

    vendor: str
    operation: str
    part: str
    exams: bool  # the HCW + Qualiphy plan (type 301), else the BetterPT + Semble one (302)
    searchable: bool

    def count(self, sandbox, booking: Booking) -> int:
        if self.vendor == "betterpt":
            return sandbox.configure("betterpt")["rooms"]
        if self.vendor == "semble":
            key = "patients" if self.operation == "createPatient" else "tokens"
            return sandbox.configure("semble")[key]
        if self.vendor == "qualiphy":
            return sandbox.configure("qualiphy")["counts"]["invites"]
        if self.vendor == "hcw":
            return sandbox.configure("hcw")["counts"]["invites_total"]
        # Healthie: provisioning writes the video link on the booking's one appointment.
        with HealthieClient() as healthie:
            found = healthie.appointments(
                provider_id=booking.provider_id, start=booking.start, end=booking.end
            )
        return len([a for a in found if a.start == booking.start])


WRITES = [
    Write("healthie", "updateAppointment", Provision.Part.BETTERPT_ROOM, False, True),
    Write("betterpt", "createPartnerVideoRoom", Provision.Part.BETTERPT_ROOM, False, False),
    Write("semble", "createPatient", Provision.Part.SEMBLE_QUESTIONNAIRE, False, True),
    Write("semble", "createIntegrationToken", Provision.Part.SEMBLE_QUESTIONNAIRE, False, True),
    Write("qualiphy", "exam_invite", Provision.Part.QUALIPHY_EXAMS, True, False),
    Write("hcw", "invite.create", Provision.Part.HCW_INVITE, True, True),
]


@pytest.fixture
def booking_for(request, sandbox, db):
    def book(write: Write) -> Booking:
        if write.exams:
            request.getfixturevalue("exam_plan")
            return request.getfixturevalue("exam_booking")()
        request.getfixturevalue("plan")
        return request.getfixturevalue("booked")()

    return book


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: f"{w.vendor}-{w.operation}")
@override_settings(VENDOR_TIMEOUT_SECONDS=0.5, HEALTHIE_TIMEOUT_SECONDS=0.5)
def test_provisioning_converges_with_no_unrecorded_duplicate(
    booking_for, sandbox, django_capture_on_commit_callbacks, write, kind
):
    booking = booking_for(write)
    before = write.count(sandbox, booking)
    when = "before" if kind == "http_429" else "after"  # a throttled call did not run
    sandbox.fault(
        write.vendor, kind, operation=write.operation, count=2, when=when, timeout_seconds=1
    )

    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    parts = {p.part: p for p in Provision.objects.filter(booking=booking)}
    assert {p.status for p in parts.values()} == {Provision.Status.READY}
    faulted = [c for c in sandbox.calls(vendor=write.vendor) if c["fault"]]
    assert 1 <= len(faulted) <= 2

    part = parts[write.part]
    orphans = part.details.get("possible_orphans", [])
    assert "in_flight" not in part.details
    made = write.count(sandbox, booking) - before
    if write.searchable:
        assert made == (0 if write.vendor == "healthie" else 1)
        assert orphans == []
    else:
        # Each create whose answer was lost made one object we could not find again: each is
        # recorded (when and why), and nothing else was made.
        assert made == 1 + len(orphans)
        assert len(orphans) == (0 if when == "before" else len(faulted))
        assert all(o["why"] == "the answer was lost" and o["sent_at"] for o in orphans)
    if write.vendor == "healthie" or write.part == Provision.Part.HCW_INVITE:
        with HealthieClient() as healthie:
            appointment = healthie.appointment(booking.healthie_appointment_id)
        assert appointment.external_videochat_url == part.details["provider_url"]

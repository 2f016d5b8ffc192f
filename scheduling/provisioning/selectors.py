"""Provisioning reads: a type's plan, parts stuck before a worker, and what a patient's
confirmation page shows of them (video and questionnaire links)."""

import re
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from scheduling.common import upstream
from scheduling.models import (
    AppointmentTypePlan,
    Booking,
    Provision,
)
from scheduling.models.booking import REFERENCE_SHAPE

BOOKING_TAG = re.compile(r"booking-(\d{1,18})")


def booking_by_reference(*, reference: str) -> Booking | None:
    if not REFERENCE_SHAPE.fullmatch(reference or ""):
        return None
    return Booking.objects.filter(reference=reference).first()


def plan_for(appointment_type_id: str) -> AppointmentTypePlan | None:
    return AppointmentTypePlan.objects.filter(appointment_type_id=appointment_type_id).first()


def stalled_provisions(*, older_than: timedelta) -> list[int]:
    """Pending parts nobody is working on: a worker died holding the lease (it ran out: a
    finished run always gives it back), or no task ever reached a worker (unclaimed and
    untouched for `older_than`)."""
    now = timezone.now()
    return list(
        Provision.objects.filter(status=Provision.Status.PENDING)
        .filter(
            Q(claimed_until__lt=now)
            | Q(claimed_until__isnull=True, updated_at__lt=now - older_than)
        )
        .values_list("id", flat=True)
    )


def exams_part_by_tag(*, tag: str | None) -> Provision | None:
    """The Qualiphy part of the booking a tag names (Qualiphy echoes it back): `booking-<id>`,
    or the reference that invites sent before tags named bookings by id carry."""
    exams = Provision.objects.filter(part=Provision.Part.QUALIPHY_EXAMS)
    if match := BOOKING_TAG.fullmatch(tag or ""):
        return exams.filter(booking_id=int(match[1])).first()
    if REFERENCE_SHAPE.fullmatch(tag or ""):
        return exams.filter(booking__reference=tag).first()
    return None


def qualiphy_webhook_url() -> str | None:
    """Our endpoint, with the secret in its path (Qualiphy does not sign its webhooks)."""
    secret = settings.QUALIPHY_WEBHOOK_SECRET
    if not secret:
        return None
    return f"{settings.SITE_URL}{reverse('scheduling:qualiphy_webhook', args=[secret])}"


def visit_access(*, booking: Booking) -> dict:
    """The booking's provisioned parts for the confirmation page, and whether all are settled."""
    parts = list(booking.provisions.all()) if booking.status == Booking.Status.CONFIRMED else []
    return {
        "parts": parts,
        "settled": all(part.settled for part in parts),
        "reference": booking.reference,
    }


def questionnaire_link(*, booking: Booking) -> str | None:
    """A Semble questionnaire link with a freshly minted integration token (they last a week)."""
    provision = booking.provisions.filter(
        part=Provision.Part.SEMBLE_QUESTIONNAIRE, status=Provision.Status.READY
    ).first()
    if provision is None:
        return None
    semble = upstream.semble()
    token = semble.create_integration_token(provision.external_id)
    return semble.questionnaire_link(provision.details.get("questionnaire_token", ""), token)

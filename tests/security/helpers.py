"""Bookings to look at, made straight in the mirror: the confirmation pages read only the mirror."""

from datetime import timedelta

from django.utils import timezone

from scheduling.models import Booking


def confirmed(page, n: int = 0) -> Booking:
    start = timezone.now().replace(microsecond=0) + timedelta(days=4, hours=n)
    return Booking.objects.create(
        idempotency_key=f"mirror-only-{n}",
        page=page,
        status=Booking.Status.CONFIRMED,
        provider_id="101",
        provider_name="Maya Chen",
        appointment_type_id="302",
        appointment_type_name="Video Follow-up",
        contact_type="Healthie Video Call",
        start=start,
        end=start + timedelta(minutes=30),
        patient_timezone="America/New_York",
        first_name="Grace",
        last_name="Hopper",
        email=f"grace{n}@example.com",
        phone="5551234567",
        healthie_appointment_id=f"9{n:04d}",
    )


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources}."""
    header = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";"))

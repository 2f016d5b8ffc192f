"""Reads for the sync: which secrets sign Healthie's deliveries, the status row, the mirror."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from scheduling.models import Booking, HealthieWebhook, SyncStatus

# After a rotation the old secret still verifies for this long: deliveries Healthie signed and
# queued before it (and their retries) are not refused.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)


def webhook_secrets() -> list[str]:
    """Every secret a genuine delivery may be signed with: the setting (the demo and any
    manually registered webhook) and the registered webhook's current and previous secret."""
    found = [settings.HEALTHIE_WEBHOOK_SECRET]
    now = timezone.now()
    for webhook in HealthieWebhook.objects.all():
        found.append(webhook.secret)
        if webhook.rotated_at and now - webhook.rotated_at < PREVIOUS_SECRET_GRACE:
            found.append(webhook.previous_secret)
    return [secret for secret in found if secret]


def sync_status() -> SyncStatus:
    status, _ = SyncStatus.objects.get_or_create(pk=1)
    return status


def mirror_for(*, appointment_id: str) -> Booking | None:
    return (
        Booking.objects.filter(healthie_appointment_id=appointment_id).order_by("id").first()
        if appointment_id
        else None
    )


def mirrors_between(*, start: datetime, end: datetime) -> dict[str, Booking]:
    """Mirrored bookings (confirmed or cancelled) in start..end, by Healthie appointment id."""
    bookings = Booking.objects.filter(
        start__gte=start,
        start__lt=end,
        status__in=[Booking.Status.CONFIRMED, Booking.Status.CANCELLED],
    ).exclude(healthie_appointment_id="")
    return {b.healthie_appointment_id: b for b in bookings}

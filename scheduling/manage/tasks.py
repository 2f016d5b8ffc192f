"""Manage tasks: settle reschedules and cancels whose Healthie answer was lost."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from scheduling.manage import services
from scheduling.models import BookingChange


@shared_task(acks_late=True)
def settle_unknown_changes() -> int:
    """Sweeper for celery beat: reschedules and cancels whose Healthie answer was lost."""
    stale = timezone.now() - timedelta(minutes=2)
    ids = list(
        BookingChange.objects.filter(
            state=BookingChange.State.UNKNOWN, updated_at__lt=stale
        ).values_list("id", flat=True)
    )
    for change_id in ids:
        services.booking_change_settle(change_id=change_id)
    return len(ids)

"""Booking tasks: settle checkouts whose Healthie answer was lost. Take ids, call a service,
safe to run twice."""

from datetime import timedelta

from celery import shared_task

from scheduling.booking import selectors, services
from scheduling.common import conf
from scheduling.models import Booking

MAX_SETTLE_RETRIES = 40  # ~20 minutes at the default 30 s countdown


@shared_task(bind=True, acks_late=True, max_retries=MAX_SETTLE_RETRIES)
def settle_booking(self, booking_id: int) -> str:
    """Settle a booking whose Healthie answer was lost; retried while Healthie cannot be asked."""
    booking = services.booking_settle(booking_id=booking_id)
    if booking.status == Booking.Status.UNKNOWN:
        raise self.retry(countdown=conf.settle_retry_seconds())
    return booking.status


@shared_task(acks_late=True)
def settle_unknown_bookings() -> int:
    """Sweeper for celery beat: unknown bookings, and pending ones whose request died."""
    ids = selectors.bookings_to_settle(older_than=timedelta(minutes=2))
    for booking_id in ids:
        services.booking_settle(booking_id=booking_id)
    return len(ids)

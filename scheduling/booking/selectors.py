"""Booking reads: the booking pages, a booking by its reference, bookings left to settle."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from scheduling.models import Booking, BookingPage
from scheduling.models.booking import REFERENCE_SHAPE


def pages_list() -> list[BookingPage]:
    return list(BookingPage.objects.filter(is_active=True).order_by("title"))


def page_get(*, slug: str) -> BookingPage | None:
    return BookingPage.objects.filter(slug=slug, is_active=True).first()


def booking_get(*, reference: str) -> Booking | None:
    if not REFERENCE_SHAPE.fullmatch(reference or ""):
        return None
    return Booking.objects.select_related("page").filter(reference=reference).first()


def booking_by_key(*, idempotency_key: str) -> Booking | None:
    """The booking a confirm token's key recorded, if it got that far."""
    return Booking.objects.filter(idempotency_key=idempotency_key).first()


def bookings_to_settle(*, older_than: timedelta) -> list[int]:
    """Unknown bookings, and pending ones whose request died mid-checkout, for the sweeper."""
    cutoff = timezone.now() - older_than
    return list(
        Booking.objects.filter(
            Q(status=Booking.Status.UNKNOWN)
            | Q(status=Booking.Status.PENDING, updated_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )

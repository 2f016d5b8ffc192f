"""Celery tasks: take ids, call a service, safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.errors import ContractError, TransientError
from integrations.transport import RetryPolicy
from scheduling import conf, manage_services, provisioning, selectors, services
from scheduling.models import Booking, BookingChange, Provision

MAX_SETTLE_RETRIES = 40  # ~20 minutes at the default 30 s countdown


@shared_task(bind=True, acks_late=True, max_retries=MAX_SETTLE_RETRIES)
def settle_booking(self, booking_id: int) -> str:
    """Settle a booking whose Healthie answer was lost; retried while Healthie cannot be asked."""
    booking = services.booking_settle(booking_id=booking_id)
    if booking.status == Booking.Status.UNKNOWN:
        raise self.retry(countdown=conf.settle_retry_seconds())
    return booking.status


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
        manage_services.booking_change_settle(change_id=change_id)
    return len(ids)


@shared_task(acks_late=True)
def settle_unknown_bookings() -> int:
    """Sweeper for celery beat: unknown bookings, and pending ones whose request died."""
    ids = selectors.bookings_to_settle(older_than=timedelta(minutes=2))
    for booking_id in ids:
        services.booking_settle(booking_id=booking_id)
    return len(ids)


@shared_task(bind=True, acks_late=True, max_retries=None)
def provision_part(self, provision_id: int) -> str | None:
    """Provision one part of a booking; retried with jittered backoff while the vendor fails."""
    return _with_retries(self, provisioning.provision_run, provision_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def provision_sync_part(self, provision_id: int) -> str | None:
    """Make one part follow its rescheduled, cancelled or restored booking."""
    return _with_retries(self, provisioning.provision_sync, provision_id)


def _with_retries(task, service, provision_id: int) -> str | None:
    try:
        return service(provision_id=provision_id).status
    except Provision.DoesNotExist:
        return None  # its booking was deleted
    except provisioning.ProvisionBusy:
        raise task.retry(countdown=provisioning.lease().total_seconds()) from None
    except (TransientError, ContractError) as exc:
        if task.request.retries >= settings.PROVISIONING_MAX_RETRIES:
            provisioning.provision_give_up(provision_id=provision_id, reason=str(exc))
            return None
        policy = RetryPolicy(
            base_delay=settings.PROVISIONING_RETRY_BASE_SECONDS,
            max_delay=settings.PROVISIONING_RETRY_MAX_SECONDS,
        )
        delay = policy.delay(task.request.retries, getattr(exc, "retry_after", None))
        raise task.retry(countdown=delay) from None


@shared_task(acks_late=True)
def requeue_stalled_provisions() -> int:
    """Sweeper for celery beat: parts whose task never reached a worker (broker was down)."""
    ids = provisioning.stalled_provisions(older_than=timedelta(minutes=10))
    for provision_id in ids:
        provision_part.delay(provision_id)
    return len(ids)

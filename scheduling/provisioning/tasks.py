"""Provisioning tasks: take ids, call a service, safe to run twice; retried with backoff while
a vendor fails."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from integrations.errors import ContractError, TransientError
from integrations.transport import RetryPolicy
from scheduling.models import Provision
from scheduling.provisioning import selectors, services


@shared_task(bind=True, acks_late=True, max_retries=None)
def provision_part(self, provision_id: int) -> str | None:
    """Provision one part of a booking; retried with jittered backoff while the vendor fails."""
    return _with_retries(self, services.provision_run, provision_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def provision_sync_part(self, provision_id: int) -> str | None:
    """Make one part follow its rescheduled, cancelled or restored booking."""
    return _with_retries(self, services.provision_sync, provision_id)


def _with_retries(task, service, provision_id: int) -> str | None:
    try:
        return service(provision_id=provision_id).status
    except Provision.DoesNotExist:
        return None  # its booking was deleted
    except services.ProvisionBusy:
        raise task.retry(countdown=services.lease().total_seconds()) from None
    except (TransientError, ContractError) as exc:
        if task.request.retries >= settings.PROVISIONING_MAX_RETRIES:
            services.provision_give_up(provision_id=provision_id, reason=str(exc))
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
    ids = selectors.stalled_provisions(older_than=timedelta(minutes=10))
    for provision_id in ids:
        provision_part.delay(provision_id)
    return len(ids)

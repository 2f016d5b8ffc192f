"""Provisioning tasks: take ids, call a service, safe to run twice; retried with backoff while
a vendor fails."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from integrations.errors import ContractError, TransientError
from integrations.redaction import redact
from integrations.transport import RetryPolicy
from scheduling.models import Provision
from scheduling.provisioning import selectors, services

logger = logging.getLogger(__name__)


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
    except (TransientError, ContractError, OperationalError, InterfaceError) as exc:
        if task.request.retries >= settings.PROVISIONING_MAX_RETRIES:
            services.provision_give_up(provision_id=provision_id, reason=str(exc))
            return None
        raise _retry_later(task, exc) from None
    except Exception as exc:
        # A bug or an answer nobody planned for: retrying would loop on it forever. The part
        # fails with the reason (staff see it and can retry once it is fixed).
        logger.exception("provision %s: unexpected %s", provision_id, type(exc).__name__)
        reason = f"unexpected error ({type(exc).__name__}): {redact(str(exc))}"
        services.provision_give_up(provision_id=provision_id, reason=reason)
        return None


@shared_task(bind=True, acks_late=True, max_retries=None)
def cancel_stray_exam(self, provision_id: int, patient_exam_id: str) -> str | None:
    """Cancel an exam of a stray Qualiphy invite (see services.exam_event_record)."""
    try:
        return services.stray_exam_cancel(
            provision_id=provision_id, patient_exam_id=patient_exam_id
        )
    except Provision.DoesNotExist:
        return None
    except (TransientError, ContractError) as exc:
        if self.request.retries >= settings.PROVISIONING_MAX_RETRIES:
            return None  # left as "found" on the part, for staff
        raise _retry_later(self, exc) from None


def _retry_later(task, exc: Exception):
    """The task's Retry after a jittered, growing delay (or the vendor's Retry-After)."""
    policy = RetryPolicy(
        base_delay=settings.PROVISIONING_RETRY_BASE_SECONDS,
        max_delay=settings.PROVISIONING_RETRY_MAX_SECONDS,
    )
    delay = policy.delay(task.request.retries, getattr(exc, "retry_after", None))
    return task.retry(countdown=delay)


@shared_task(acks_late=True)
def requeue_stalled_provisions() -> int:
    """Sweeper for celery beat: parts whose worker died (their lease ran out) or whose task
    never reached a worker (the broker was down, or lost the task with its worker)."""
    ids = selectors.stalled_provisions(older_than=timedelta(minutes=10))
    for provision_id in ids:
        provision_part.delay(provision_id)
    return len(ids)

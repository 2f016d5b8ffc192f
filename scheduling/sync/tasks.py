"""Sync tasks: apply one Healthie event; reconcile on a beat. Take ids, call a service, safe to
run twice."""

import logging

from celery import shared_task
from django.conf import settings

from integrations.errors import VendorError
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.sync import services

logger = logging.getLogger(__name__)

MAX_EVENT_RETRIES = 8


@shared_task(bind=True, acks_late=True, max_retries=MAX_EVENT_RETRIES)
def apply_healthie_event(self, event_id: int) -> str:
    """Read the appointment back from Healthie and converge the mirror; retried with backoff
    while Healthie cannot answer or a checkout of ours for that time is still unsettled."""
    try:
        return services.event_apply(event_id=event_id)
    except (VendorError, UpstreamUnavailable, services.NotYet) as exc:
        if self.request.retries >= self.max_retries:
            services.event_give_up(event_id=event_id)
            return "failed"
        base = settings.HEALTHIE_EVENT_RETRY_BASE_SECONDS
        raise self.retry(countdown=base * 2**self.request.retries) from exc


@shared_task(acks_late=True)
def reconcile_healthie() -> dict:
    """Beat: repair the drift the webhooks missed (see services.reconcile)."""
    checked, fixed = services.reconcile()
    return {"checked": checked, "fixed": fixed}

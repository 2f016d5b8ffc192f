"""Healthie's webhook: verified by its signature, answered fast, processed by a worker."""

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from scheduling.sync import payloads, selectors, services, verification

logger = logging.getLogger(__name__)


# Healthie signs its deliveries; a CSRF token cannot exist for a server-to-server POST, and the
# signature is a stronger proof than one. Exempt here, and only here.
@csrf_exempt
@require_POST
def healthie_webhook(request: HttpRequest) -> HttpResponse:
    """401 for anything not provably signed by Healthie, 400 for a signed body we cannot read,
    202 once the event is queued (503 if it could not be: Healthie retries)."""
    delivery = verification.Delivery(
        method=request.method,
        path=request.path,  # as called, SCRIPT_NAME (a proxy prefix) included
        query=request.META.get("QUERY_STRING", ""),
        headers=request.headers,
        body=request.body,
    )
    try:
        verification.verify(delivery, selectors.webhook_secrets())
    except verification.Refused as refused:
        services.delivery_refused(reason=refused.reason)
        return HttpResponse(
            "Not a valid Healthie delivery.\n", status=401, content_type="text/plain"
        )
    try:
        event = payloads.parse(request.body)
    except payloads.Malformed:
        services.delivery_refused(reason="malformed_body")
        return HttpResponse("Unreadable event.\n", status=400, content_type="text/plain")
    try:
        services.delivery_accept(event=event)
    except Exception:
        logger.exception("could not queue healthie event")
        return HttpResponse("Try again later.\n", status=503, content_type="text/plain")
    return HttpResponse(status=202)

"""What provisioning serves to the outside: the questionnaire link (minted per click) and
Qualiphy's exam webhook."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from integrations.errors import VendorError
from integrations.qualiphy import webhooks as qualiphy_webhooks
from scheduling.common import limits, messages, pages
from scheduling.common.origin import embeddable
from scheduling.provisioning import selectors, services


@require_GET
@embeddable
@pages.secret_link
@limits.limited(*limits.QUESTIONNAIRE)  # each click is a Semble write: a few per hour
def questionnaire(request: HttpRequest, reference: str) -> HttpResponse:
    """The patient's questionnaire: a fresh Semble integration token per click (they last a
    week), so a link from an old e-mail still opens."""
    booking = selectors.booking_by_reference(reference=reference)
    if booking is None:
        raise Http404
    try:
        url = selectors.questionnaire_link(booking=booking)
    except VendorError:
        return pages.problem(
            request,
            messages.QUESTIONNAIRE_UNAVAILABLE_TITLE,
            messages.QUESTIONNAIRE_UNAVAILABLE_MESSAGE,
            status=503,
        )
    if url is None:
        raise Http404
    return redirect(url)


@csrf_exempt  # a server-to-server POST: the secret in the URL is the protection
@require_POST
@limits.limited(*limits.WEBHOOK)  # wrong secrets (404) are counted per address: no guessing
def qualiphy_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    """Qualiphy's exam events. Unsigned, so the URL carries our secret; answered fast."""
    expected = settings.QUALIPHY_WEBHOOK_SECRET
    if not expected or not qualiphy_webhooks.secret_matches(secret, expected):
        raise Http404
    try:
        event = qualiphy_webhooks.parse_event(request.body)
    except qualiphy_webhooks.WebhookPayloadError:
        return HttpResponse(status=400)
    services.exam_event_record(event=event)
    return HttpResponse(status=200)

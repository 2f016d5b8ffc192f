"""Booking pages (clinic admin): list and edit, providers and types picked by name from
Healthie; each page's public link, embed code and allowed embed origins."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from scheduling.common import embed
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.models import BookingPage
from scheduling.staff.access import clinic_admin_required
from scheduling.staff.clinic import selectors
from scheduling.staff.clinic.forms import BookingPageForm
from scheduling.staff.render import staff_render


@clinic_admin_required
@require_http_methods(["GET", "HEAD"])
def page_list(request):
    pages = BookingPage.objects.all()
    return staff_render(request, "staff/clinic/pages.html", {"pages": pages}, section="pages")


def _choices():
    providers = [(p.id, p.name) for p in selectors.providers()]
    # Only what a patient can book on a page (the booking pages drop group and staff-only types).
    types = [
        (t.id, t.name)
        for t in selectors.appointment_types()
        if t.clients_can_book and not t.is_group
    ]
    return providers, types


@clinic_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def page_edit(request, pk: int | None = None):
    page = get_object_or_404(BookingPage, pk=pk) if pk is not None else BookingPage()
    saved_slug = page.slug  # a refused form changes the instance; the links show what is live
    try:
        providers, types = _choices()
    except UpstreamUnavailable:
        messages.error(
            request,
            "Healthie is not answering, so its providers and types cannot be listed. Try again.",
        )
        return staff_render(
            request, "staff/clinic/page_edit.html", {"page": page}, section="pages", status=503
        )
    form = BookingPageForm(
        request.POST if request.method == "POST" else None,
        instance=page,
        provider_choices=providers,
        type_choices=types,
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Booking page “{saved.title}” saved.")
        return redirect(reverse("staff:page_edit", args=[saved.pk]))
    context = {"page": page, "form": form}
    if page.pk:
        base_url = settings.SITE_URL.rstrip("/")
        context.update(
            public_link=base_url + reverse("scheduling:start", args=[saved_slug]),
            embed_inline=embed.snippet(base_url=base_url, slug=saved_slug),
            embed_popup=embed.snippet(base_url=base_url, slug=saved_slug, popup=True),
        )
    status = 422 if request.method == "POST" else 200
    return staff_render(
        request, "staff/clinic/page_edit.html", context, section="pages", status=status
    )

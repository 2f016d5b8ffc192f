"""The availability editor (clinic admin): a provider's weekly hours, one-off openings and
blocked time, read from and written to Healthie, in the provider's own zone."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from scheduling.common import timefmt
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.staff.access import clinic_admin_required
from scheduling.staff.clinic import selectors, services
from scheduling.staff.clinic.forms import BlockDeleteForm, BlockForm, HoursForm
from scheduling.staff.forms import new_key
from scheduling.staff.render import staff_render

TEMPLATE = "staff/clinic/availability.html"
UNAVAILABLE = "Healthie is not answering right now, so the hours cannot be shown. Try again."


def _unavailable(request, context=None):
    messages.error(request, UNAVAILABLE)
    return staff_render(
        request, TEMPLATE, {**(context or {}), "unavailable": True},
        section="availability", status=503,
    )  # fmt: skip


def _type_choices() -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in selectors.appointment_types()]


def _provider_or_404(provider_id: str):
    provider = selectors.provider_get(provider_id)
    if provider is None:
        raise Http404("No such provider")
    return provider


def _page(
    request,
    provider,
    *,
    form=None,
    status=200,
    editing=None,
    block_form=None,
    editing_block=None,
):
    """The provider's hours and blocked time, with the add (or edit) forms."""
    zone = selectors.provider_zone(provider)
    types = _type_choices()
    hours = selectors.hours_for(provider)
    names = dict(types)
    context = {
        "blocks": selectors.blocks_for(provider),
        "blocks_ahead_days": selectors.BLOCKS_AHEAD_DAYS,
        "block_form": block_form or BlockForm(timezone=zone, initial=_new_block(zone)),
        "editing_block": editing_block,
        "providers": selectors.providers(),
        "provider": provider,
        "zone": zone,
        "zone_label": timefmt.zone_label(zone),
        "weekly": [(h, names.get(h.appointment_type_id or "")) for h in hours.weekly],
        "one_off": [(h, names.get(h.appointment_type_id or "")) for h in hours.one_off],
        "form": form or HoursForm(timezone=zone, type_choices=types, initial=_new_hours(zone)),
        "editing": editing,
    }
    return staff_render(request, TEMPLATE, context, section="availability", status=status)


def _new_hours(zone: str) -> dict:
    """The add form's starting values: weekly, from today in the provider's zone."""
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    return {"kind": "weekly", "weekday": str((today.weekday() + 1) % 7), "day": today}


def _new_block(zone: str) -> dict:
    """The block form's starting values: today in the provider's zone, a fresh key."""
    return {"day": timezone.now().astimezone(ZoneInfo(zone)).date(), "key": new_key()}


def _back(provider_id: str):
    return redirect(f"{reverse('staff:availability')}?provider={provider_id}")


ALREADY_SENT = "This form was already sent: its change is shown below (or on its way)."


def _save(request, provider, sent, write, *, done: str, **shown):
    """An hours or block form `sent`: once it is valid, `write()` (its service, to Healthie),
    then back to the list saying `done`; a form or a change Healthie refuses shows the page
    again with the errors (422). `shown`: the form and what is being edited, for `_page`."""
    if sent.is_valid():
        try:
            write()
        except services.HoursRefused as refusal:
            sent.add_error(None, str(refusal))
        except services.AlreadySent:
            messages.info(request, ALREADY_SENT)
            return _back(provider.id)
        else:
            messages.success(request, done)
            return _back(provider.id)
    return _page(request, provider, status=422, **shown)


@clinic_admin_required
@require_http_methods(["GET", "HEAD"])
def availability(request):
    try:
        provider_id = request.GET.get("provider", "")
        if not provider_id:
            return staff_render(
                request, TEMPLATE, {"providers": selectors.providers()}, section="availability"
            )
        return _page(request, _provider_or_404(provider_id))
    except UpstreamUnavailable:
        return _unavailable(request)


@clinic_admin_required
@require_POST
def hours_add(request, provider_id: str):
    try:
        provider = _provider_or_404(provider_id)
        zone = selectors.provider_zone(provider)
        form = HoursForm(request.POST, timezone=zone, type_choices=_type_choices())
        return _save(
            request, provider, form,
            lambda: services.hours_create(provider_id=provider.id, hours=form.hours()),
            done=f"Hours added for {provider.name}.", form=form,
        )  # fmt: skip
    except UpstreamUnavailable:
        return _unavailable(request)


@clinic_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def hours_edit(request, provider_id: str, hours_id: str):
    try:
        provider = _provider_or_404(provider_id)
        hours = selectors.hours_get(provider, hours_id)
        if hours is None:
            raise Http404("No such hours")
        zone = selectors.provider_zone(provider)
        types = _type_choices()
        if request.method != "POST":
            form = HoursForm(
                timezone=zone, type_choices=types, initial=HoursForm.initial_for(hours)
            )
            return _page(request, provider, form=form, editing=hours)
        form = HoursForm(request.POST, timezone=zone, type_choices=types)
        return _save(
            request, provider, form,
            lambda: services.hours_edit(
                provider_id=provider.id, hours_id=hours.id, hours=form.hours()
            ),
            done=f"Hours changed for {provider.name}.", form=form, editing=hours,
        )  # fmt: skip
    except UpstreamUnavailable:
        return _unavailable(request)


@clinic_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def hours_delete(request, provider_id: str, hours_id: str):
    """GET asks to confirm (patients lose these hours at once); POST deletes."""
    try:
        provider = _provider_or_404(provider_id)
        hours = selectors.hours_get(provider, hours_id)
        if hours is None:
            raise Http404("No such hours")
        if request.method != "POST":
            zone = selectors.provider_zone(provider)
            context = {"provider": provider, "hours": hours, "zone_label": timefmt.zone_label(zone)}
            return staff_render(
                request, "staff/clinic/availability_delete.html", context, section="availability"
            )
        services.hours_delete(provider_id=provider.id, hours_id=hours_id)
    except UpstreamUnavailable:
        return _unavailable(request)
    except services.HoursRefused as refusal:
        messages.error(request, str(refusal))
        return _back(provider.id)
    messages.success(request, f"Hours removed for {provider.name}.")
    return _back(provider.id)


# --------------------------------------------------------------------------------------------
# Blocked time: Healthie blockers, each form sent once (its key)


def _block_or_404(provider, block_id: str):
    block = selectors.block_get(provider, block_id)
    if block is None:
        raise Http404("No such blocked time")
    return block


@clinic_admin_required
@require_POST
def block_add(request, provider_id: str):
    try:
        provider = _provider_or_404(provider_id)
        form = BlockForm(request.POST, timezone=selectors.provider_zone(provider))
        return _save(
            request, provider, form,
            lambda: services.block_create(
                provider_id=provider.id, block=form.block(), key=form.cleaned_data["key"],
                user=request.user,
            ),
            done=f"Time blocked for {provider.name}.", block_form=form,
        )  # fmt: skip
    except UpstreamUnavailable:
        return _unavailable(request)


@clinic_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def block_edit(request, provider_id: str, block_id: str):
    try:
        provider = _provider_or_404(provider_id)
        block = _block_or_404(provider, block_id)
        zone = selectors.provider_zone(provider)
        if request.method != "POST":
            form = BlockForm(timezone=zone, initial=BlockForm.initial_for(block))
            return _page(request, provider, block_form=form, editing_block=block)
        form = BlockForm(request.POST, timezone=zone, current_start=block.start)
        return _save(
            request, provider, form,
            lambda: services.block_edit(
                provider_id=provider.id, block_id=block.id, block=form.block(),
                key=form.cleaned_data["key"], user=request.user,
            ),
            done=f"Blocked time changed for {provider.name}.", block_form=form,
            editing_block=block,
        )  # fmt: skip
    except UpstreamUnavailable:
        return _unavailable(request)


@clinic_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def block_delete(request, provider_id: str, block_id: str):
    """GET asks to confirm (patients can book the time again at once); POST deletes."""
    try:
        provider = _provider_or_404(provider_id)
        if request.method == "POST":
            form = BlockDeleteForm(request.POST)
            if form.is_valid():
                # Sent twice: the first one deleted it and it is no longer listed, so the key
                # is asked first (a 404 would tell staff nothing).
                if services.block_form_sent(form.cleaned_data["key"]):
                    raise services.AlreadySent
                services.block_delete(
                    provider_id=provider.id,
                    block_id=_block_or_404(provider, block_id).id,
                    key=form.cleaned_data["key"],
                    user=request.user,
                )
                messages.success(request, f"Blocked time removed for {provider.name}.")
                return _back(provider.id)
        else:
            form = BlockDeleteForm(initial={"key": new_key()})
        block = _block_or_404(provider, block_id)
        zone = selectors.provider_zone(provider)
        context = {
            "provider": provider,
            "time_off": block,  # not "block": templates use that name for {% block %}
            "form": form,
            "zone_label": timefmt.zone_label(zone),
        }
        status = 422 if form.is_bound else 200
        return staff_render(
            request,
            "staff/clinic/availability_block_delete.html",
            context,
            section="availability",
            status=status,
        )
    except UpstreamUnavailable:
        return _unavailable(request)
    except services.AlreadySent:
        messages.info(request, ALREADY_SENT)
        return _back(provider.id)
    except services.HoursRefused as refusal:
        messages.error(request, str(refusal))
        return _back(provider.id)

"""Patient booking pages: parse input, call one selector or service, render a page or a partial.

Every step is a GET URL carrying the flow in query parameters (booking.flow); the writes (hold,
details, confirm) are POSTs protected by signed step tokens and an Origin check instead of a CSRF
cookie (common.origin explains why). htmx only swaps partials: without JavaScript the same URLs
return full pages.
"""

import re
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from integrations.errors import VendorError
from scheduling.availability import selectors as availability_selectors
from scheduling.availability import services as availability_services
from scheduling.booking import calendar_files, prefill, selectors, services
from scheduling.booking.flow import ANY_PROVIDER, PREFILL_FIELDS, FlowState
from scheduling.booking.forms import PatientDetailsForm
from scheduling.booking.steps import ConfirmToken, DetailsToken, TimesToken
from scheduling.common import conf, limits, messages, pages, timefmt, tokens
from scheduling.common.origin import embeddable
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.models import Booking, BookingPage
from scheduling.provisioning import selectors as provisioning_selectors

BRAND_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")  # as BookingPage.brand_colour's validator


def _bad_token(request, page: BookingPage, exc: tokens.TokenInvalid):
    restart = reverse("scheduling:start", kwargs={"slug": page.slug})
    return pages.bad_token(request, exc, "booking", page=page, restart=restart)


def _prefill_on_entry(view):
    """Prefill in the query (name, e-mail, phone) is put aside (booking.prefill) and the patient
    sent on to the same step with only its key, so the values stay out of every later URL."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        values = {k: request.GET[k][:254] for k in PREFILL_FIELDS if request.GET.get(k)}
        if not values:
            return view(request, *args, **kwargs)
        query = {k: v for k, v in request.GET.items() if k not in PREFILL_FIELDS}
        query[prefill.PARAM] = prefill.stash(values)
        return redirect(f"{request.path}?{urlencode(query)}")

    return wrapped


def _flow_page(view):
    """A step page of the flow (GET): embeddable, prefill taken on entry, and the 503 page when
    Healthie is down."""
    return require_GET(embeddable(_prefill_on_entry(pages.upstream_guard(view))))


def _flow_form(token_type: type[tokens.StepToken], field: str, methods=("POST",)):
    """A step that posts: embeddable, the Origin check, the page (404) and this step's token
    (common.pages.signed_step), and the 503 page when Healthie is down."""
    signed = pages.signed_step(
        token_type, field=field, load=lambda slug: _page_or_404(slug), on_bad=_bad_token
    )
    return lambda view: require_http_methods(methods)(
        embeddable(limits.limited(limits.BOOKING_POSTS)(signed(pages.upstream_guard(view))))
    )


def _page_or_404(slug: str) -> BookingPage:
    page = selectors.page_get(slug=slug)
    if page is None:
        raise Http404("No such booking page")
    return page


def _clinic_timezone(page: BookingPage) -> str | None:
    providers = availability_selectors.providers_for_page(page=page)
    return next((p.timezone for p in providers if p.timezone), None)


def _load(request, slug: str):
    """The page, its appointment types and the flow state (with a zone to show times in)."""
    page = _page_or_404(slug)
    types = availability_selectors.appointment_types_for_page(page=page)
    state = FlowState.from_query(page, request.GET, types)
    state = state.with_default_tz(_clinic_timezone(page))
    return page, types, state


def _first_missing_step(state: FlowState) -> str | None:
    if not state.type_id:
        return "start"
    if not state.contact:
        return "contact"
    if not state.provider:
        return "provider"
    return None


def _onward(state: FlowState) -> HttpResponse:
    return redirect(state.url(_first_missing_step(state) or "calendar", notice=state.notice))


def _common(state: FlowState, types) -> dict:
    chosen = next((t for t in types if t.id == state.type_id), None)
    providers = {p.id: p for p in availability_selectors.providers_for_page(page=state.page)}
    provider = providers.get(state.provider)
    change = {}
    if len(types) > 1:
        change["type"] = state.url("start", type="", contact="", month="", day="", hold="")
    if chosen and len(chosen.contact_types) > 1:
        change["contact"] = state.url("contact", contact="", month="", day="", hold="")
    if state.page.offers_provider_choice:
        change["provider"] = state.url("provider", provider="", month="", day="", hold="")
    return {
        "page": state.page,
        "state": state,
        "change": change,
        "times_url": reverse("scheduling:times", kwargs={"slug": state.page.slug}),
        "chosen_type": chosen,
        "contact_label": messages.contact_label(state.contact),
        "chosen_provider": provider,
        "first_available": state.provider == ANY_PROVIDER,
        **pages.zone_switcher(state),
    }


@require_GET
@embeddable
def page_list(request: HttpRequest) -> HttpResponse:
    pages = selectors.pages_list()
    if len(pages) == 1:
        query = request.GET.urlencode()
        url = reverse("scheduling:start", kwargs={"slug": pages[0].slug})
        return redirect(f"{url}?{query}" if query else url)
    return render(request, "scheduling/page_list.html", {"pages": pages})


def _choose(request, state: FlowState, types, step: str, choices: list[dict]) -> HttpResponse:
    """One of the choice steps (type, contact type, provider): a list of links onwards."""
    context = {**_common(state, types), "step": step, "choices": choices}
    return render(request, "scheduling/choose.html", {**context, "heading": messages.CHOOSE[step]})


def _choice(label: str, url: str, detail: str = "") -> dict:
    return {"label": label, "detail": detail, "url": url}


@_flow_page
def step_type(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if state.type_id or len(types) == 1:
        if not state.type_id:
            state = FlowState.from_query(page, {**request.GET.dict(), "type": types[0].id}, types)
            state = state.with_default_tz(_clinic_timezone(page))
        return _onward(state)

    def onward(type_id: str) -> str:
        chosen = FlowState.from_query(page, {**request.GET.dict(), "type": type_id}, types)
        return chosen.with_default_tz(state.tz).url("contact")

    choices = [
        _choice(t.name, onward(t.id), f"{t.length_minutes} minutes" if t.length_minutes else "")
        for t in types
    ]
    return _choose(request, state, types, "type", choices)


@_flow_page
def step_contact(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if not state.type_id or state.contact:
        return _onward(state)
    chosen = next(t for t in types if t.id == state.type_id)
    choices = [
        _choice(messages.contact_label(c), state.url("provider", contact=c))
        for c in chosen.contact_types
    ]
    return _choose(request, state, types, "contact", choices)


@_flow_page
def step_provider(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if _first_missing_step(state) != "provider":
        return _onward(state)
    choices = [
        _choice(p.name or _("Provider %(id)s") % {"id": p.id}, state.url("calendar", provider=p.id))
        for p in availability_selectors.providers_for_page(page=page)
    ]
    if page.offer_first_available:
        url = state.url("calendar", provider=ANY_PROVIDER)
        choices.insert(0, _choice(messages.FIRST_AVAILABLE, url, messages.FIRST_AVAILABLE_DETAIL))
    return _choose(request, state, types, "provider", choices)


def _availability_args(state: FlowState) -> dict:
    return {
        "page": state.page,
        "appointment_type_id": state.type_id,
        "contact_type": state.contact,
        "provider_ids": state.provider_ids,
        "tz": state.tz,
    }


def _picker_context(state: FlowState, types) -> dict:
    """The month grid, and the times of the chosen day when there is one."""
    reads = availability_selectors.Picker(**_availability_args(state))
    reads.prefetch(state.day)
    state, picker = pages.month_picker(
        state,
        today=timezone.now().astimezone(ZoneInfo(state.tz)).date(),
        calendar_step="calendar",
        first_open_day=reads.first_open_day,
        open_days=reads.open_days,
    )
    context = {**_common(state, types), **picker, "picker_reads": reads}
    if state.day:
        context.update(_times_context(state, reads))
    return context


def _times_context(state: FlowState, reads: availability_selectors.Picker) -> dict:
    slots = reads.open_times(state.day, keep_hold_token=state.hold or None)
    token = TimesToken(
        page=state.page.slug,
        type=state.type_id,
        contact=state.contact,
        provider=state.provider,
        day=state.day.isoformat(),
        tz=state.tz,
        tz_detected=state.tz_detected,
        hold=state.hold,
        prefill=state.prefill_key,
    )
    return pages.day_times(
        state,
        [slot.start for slot in slots],
        times_token=token.sign(),
        hold_url=reverse("scheduling:hold", kwargs={"slug": state.page.slug}),
    )


def _render_picker(request, context: dict, *, push: str, status: int = 200) -> HttpResponse:
    """The picker, whole page or partial; its reads stay on the response for
    booking.picker_cache to store the partial by."""
    response = pages.render_step(
        request, "scheduling/calendar.html", context, status=status, partial="picker", push=push
    )
    response.picker_reads = context["picker_reads"]
    return response


@_flow_page
def step_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if _first_missing_step(state):
        return _onward(state)
    state = replace(state, day=None)
    context = _picker_context(state, types)
    return _render_picker(request, context, push=context["state"].url("calendar"))


@_flow_page
def step_times(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if _first_missing_step(state):
        return _onward(state)
    if state.day is None:
        return redirect(state.url("calendar"))
    status = 409 if state.notice == "taken" else 200
    context = _picker_context(state, types)
    return _render_picker(request, context, push=state.url("times"), status=status)


def _state_from_step(page: BookingPage, step: TimesToken | DetailsToken, **overrides) -> FlowState:
    state = FlowState(
        page=page,
        type_id=step.type,
        contact=step.contact,
        provider=step.provider,
        tz=step.tz,
        tz_detected=step.tz_detected,
        hold=step.hold,
        prefill_key=prefill.valid_key(step.prefill),
    )
    return replace(state, **overrides)


@_flow_form(TimesToken, "form_token")
def hold_create(request: HttpRequest, page: BookingPage, step: TimesToken) -> HttpResponse:
    """A time was picked: hold it for the patient, then ask for their details."""
    types = availability_selectors.appointment_types_for_page(page=page)
    day = timefmt.parse_day(step.day)
    state = _state_from_step(page, step, day=day, month=day.replace(day=1))
    start = timefmt.parse_instant(request.POST.get("slot", ""))
    chosen = next((t for t in types if t.id == state.type_id), None)
    if start is None or chosen is None:
        raise tokens.TokenInvalid("bad slot")
    try:
        slot = availability_services.Slot(
            page=page,
            provider_id="",  # each of the state's providers in turn
            start=start,
            end=start + timedelta(minutes=chosen.length_minutes or 30),
            appointment_type_id=state.type_id,
            contact_type=state.contact,
            provider_choice=state.provider,
        )
        hold = availability_services.hold_open_slot(
            slot, provider_ids=state.provider_ids, tz=state.tz, day=day, replaces=state.hold or None
        )
    except UpstreamUnavailable:
        return redirect(state.url("times", notice="unavailable"))
    except availability_services.SlotTaken:
        return redirect(state.url("times", notice="taken"))
    return redirect(state.url("details", hold=hold.token, day="", month=""))


def _hold_summary(hold_start: datetime, tz: str, provider, chosen_type, contact: str) -> dict:
    local = hold_start.astimezone(ZoneInfo(tz))
    return {
        "when_date": timefmt.full_date(local.date()),
        "when_time": timefmt.at_clock(local),
        "tz_label": timefmt.zone_label(tz),
        "provider_name": provider.name if provider else "",
        "type_name": chosen_type.name if chosen_type else "",
        "type_length": chosen_type.length_minutes if chosen_type else None,
        "contact_label": messages.contact_label(contact),
    }


def _details_context(page, step: DetailsToken, form, *, types, details_token: str = "") -> dict:
    """The details form (or review page) for a held slot; `details_token` is the one the
    patient posted, kept as it is (its age still counts), else a freshly signed one."""
    chosen = next((t for t in types if t.id == step.type), None)
    provider = availability_selectors.provider_get(provider_id=step.provider_id)
    zone = ZoneInfo(step.tz)
    state = _state_from_step(page, step, day=step.start_at.astimezone(zone).date())
    return {
        "page": page,
        "form": form,
        "details_token": details_token or step.details().sign(),
        "summary": _hold_summary(step.start_at, step.tz, provider, chosen, step.contact),
        "hold_until": timefmt.at_clock(step.hold_expires_at.astimezone(zone)),
        "change_time_url": state.url("times"),
        "details_url": reverse("scheduling:details", kwargs={"slug": page.slug}),
        "confirm_url": reverse("scheduling:confirm", kwargs={"slug": page.slug}),
    }


def _details_form(step: DetailsToken | ConfirmToken, **kwargs) -> PatientDetailsForm:
    plan = provisioning_selectors.plan_for(step.type)
    needs = bool(plan and plan.needs_date_of_birth_and_state)
    gender = bool(plan and plan.needs_gender)
    return PatientDetailsForm(needs_exam_details=needs, needs_gender=gender, **kwargs)


def _details_step(request, page: BookingPage, types) -> DetailsToken | HttpResponse:
    """The step token for the hold in the query (a fresh idempotency key), or the redirect back
    to the times when the hold ran out (the slot shows again if still free)."""
    hold = availability_selectors.hold_get(token=request.GET.get("hold", ""))
    if hold is None or hold.page_id != page.pk or hold.expires_at <= timezone.now():
        state = FlowState.from_query(page, request.GET, types)
        state = state.with_default_tz(_clinic_timezone(page))
        if hold is None or hold.page_id != page.pk:
            return redirect(state.url("start", notice="expired", hold=""))
        state = replace(
            state,
            type_id=hold.appointment_type_id,
            contact=hold.contact_type,
            provider=hold.provider_choice,
            day=hold.start.astimezone(ZoneInfo(state.tz)).date(),
            hold="",
        )
        return redirect(state.url("times", notice="expired"))
    tz = request.GET.get("tz", "")
    tz_detected = timefmt.is_valid_timezone(tz)
    return DetailsToken(
        page=page.slug,
        hold=hold.token,
        hold_expires=hold.expires_at.isoformat(),
        idempotency_key=uuid.uuid4().hex,
        provider_id=hold.provider_id,
        provider=hold.provider_choice,
        type=hold.appointment_type_id,
        contact=hold.contact_type,
        start=hold.start.isoformat(),
        tz=tz if tz_detected else (_clinic_timezone(page) or "UTC"),
        tz_detected=tz_detected,
        prefill=prefill.valid_key(request.GET.get(prefill.PARAM, "")),
    )


@_flow_form(DetailsToken, "details_token", methods=("GET", "POST"))
def step_details(request: HttpRequest, page: BookingPage, step: DetailsToken | None):
    """GET: the details form for a held slot (mints the idempotency key). POST: validate, then
    show the review page (or the form again with its errors)."""
    types = availability_selectors.appointment_types_for_page(page=page)
    if step is None:
        step = _details_step(request, page, types)
        if isinstance(step, HttpResponse):
            return step
        initial = prefill.recall(request.GET.get(prefill.PARAM, ""))
        form = _details_form(step, initial=initial)
        context = _details_context(page, step, form, types=types)
        return render(request, "scheduling/details.html", context)
    posted = request.POST.get("details_token")
    if request.POST.get("edit"):
        form = _details_form(step, initial=request.POST.dict())
        context = _details_context(page, step, form, types=types, details_token=posted)
        return render(request, "scheduling/details.html", context)
    form = _details_form(step, data=request.POST)
    context = _details_context(page, step, form, types=types, details_token=posted)
    if not form.is_valid():
        return render(request, "scheduling/details.html", context, status=422)
    confirm = ConfirmToken(**vars(step), patient=form.payload())
    return render(
        request,
        "scheduling/review.html",
        {**context, "patient": form.cleaned_data, "confirm_token": confirm.sign()},
    )


@_flow_form(ConfirmToken, "confirm_token")
def booking_confirm(request: HttpRequest, page: BookingPage, step: ConfirmToken) -> HttpResponse:
    """Book it: one Healthie checkout per idempotency key, whatever the number of clicks."""
    try:
        types = availability_selectors.appointment_types_for_page(page=page)
        outcome = services.booking_confirm(page=page, **step.booking_arguments())
        return _confirm_answer(request, page, step, outcome, types)
    except services.NotOffered as exc:
        raise tokens.TokenInvalid("not offered") from exc
    except (UpstreamUnavailable, VendorError):
        # Healthie's reads fail (this process has no copy of what it needs to show). If this
        # key already sent a checkout, "can't load times" would be the wrong answer: the
        # patient must hear that we are not sure yet, and not to book elsewhere.
        booking = selectors.booking_by_key(idempotency_key=step.idempotency_key)
        if booking is None or booking.status not in (
            Booking.Status.PENDING,
            Booking.Status.UNKNOWN,
        ):
            raise
        return _not_sure(request, page, booking)


def _not_sure(request, page: BookingPage, booking: Booking) -> HttpResponse:
    status_url = reverse(
        "scheduling:booked", kwargs={"slug": page.slug, "reference": booking.reference}
    )
    context = {
        "page": page,
        "title": messages.NOT_SURE_TITLE,
        "message": messages.UNKNOWN_MESSAGE,
        "status_url": status_url,
    }
    return render(request, "scheduling/problem.html", context, status=202)


def _confirm_answer(request, page: BookingPage, step: ConfirmToken, outcome, types):
    """Booked: the confirmation. Slot taken: that day's times. Details refused: the form with
    Healthie's messages. Failed or unknown: the review page again, everything kept; the same
    button (same idempotency key) tries again, and for an unknown outcome the service looks the
    booking up before sending."""
    booking = outcome.booking
    if booking.status in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED):
        return redirect("scheduling:booked", slug=page.slug, reference=booking.reference)
    if booking.status == Booking.Status.REJECTED and booking.status_reason == "slot_taken":
        day = step.start_at.astimezone(ZoneInfo(step.tz)).date()
        state = _state_from_step(page, step, day=day, month=day.replace(day=1))
        return redirect(state.url("times", notice="taken", hold=""))
    form = _details_form(step, data=step.patient)  # with the plan's extra fields
    if booking.status == Booking.Status.REJECTED:  # Healthie refused some details
        form.is_valid()
        form.add_vendor_messages(outcome.field_errors)
        context = _details_context(page, step, form, types=types)
        return render(request, "scheduling/details.html", context, status=422)
    unknown = booking.status == Booking.Status.UNKNOWN
    status_url = reverse(
        "scheduling:booked", kwargs={"slug": page.slug, "reference": booking.reference}
    )
    return render(
        request,
        "scheduling/review.html",
        {
            **_details_context(page, step, form, types=types),
            "patient": step.patient,
            "confirm_token": request.POST.get("confirm_token"),
            "error_title": messages.NOT_SURE_TITLE if unknown else messages.NOT_BOOKED_TITLE,
            "error": messages.UNKNOWN_MESSAGE if unknown else messages.FAILED_MESSAGE,
            "status_url": status_url if unknown else "",
        },
        status=202 if unknown else 503,
    )


def _booking_or_404(slug: str, reference: str) -> Booking:
    booking = selectors.booking_get(reference=reference)
    if booking is None or booking.page is None or booking.page.slug != slug:
        raise Http404("No such booking")
    return booking


def _next_steps(booking: Booking) -> str:
    """What the patient should expect, as the type's plan says: a video room's link comes to
    the confirmation page; without one, the clinic's own video call."""
    plan = provisioning_selectors.plan_for(booking.appointment_type_id)
    if plan is not None and plan.makes_video_room(booking.contact_type):
        return messages.VIDEO_ROOM_NEXT_STEPS
    return messages.CONTACT_NEXT_STEPS.get(booking.contact_type, "")


def _calendar_description(request, booking: Booking) -> tuple[str, str]:
    """The calendar entry's text (ending with the manage link) and the manage URL."""
    manage_url = request.build_absolute_uri(
        reverse("scheduling:manage", kwargs={"token": booking.manage_token})
    )
    description = calendar_files.event_description(
        booking,
        how=messages.contact_label(booking.contact_type),
        next_steps=_next_steps(booking),
        manage_url=manage_url,
    )
    return description, manage_url


def _confirmation_page(view):
    """The confirmation page and what hangs off it (.ics, polled links): a GET at a secret URL
    (common.pages.secret_link: no-store, its 404 too), rate-limited per booking and per
    unknown reference (common.limits)."""
    return require_GET(embeddable(pages.secret_link(limits.limited(*limits.CONFIRMATION)(view))))


@_confirmation_page
def booked(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    booking = _booking_or_404(slug, reference)
    if booking.status == Booking.Status.UNKNOWN:
        # Healthie's answer was lost: look it up now (idempotent; also done by a Celery task).
        booking = services.booking_settle(booking_id=booking.pk)
    tz = booking.patient_timezone
    local = booking.start.astimezone(ZoneInfo(tz))
    clinic_tz = booking.provider_timezone
    clinic = None
    if clinic_tz and clinic_tz != tz:
        clinic_local = booking.start.astimezone(ZoneInfo(clinic_tz))
        clinic = {
            "date": timefmt.full_date(clinic_local.date()),
            "time": timefmt.at_clock(clinic_local),
            "tz_label": timefmt.zone_label(clinic_tz),
        }
    next_steps = _next_steps(booking)
    context = {
        "page": booking.page,
        "booking": booking,
        "when_date": timefmt.full_date(local.date()),
        "when_time": timefmt.at_clock(local),
        "end_time": timefmt.at_clock(booking.end.astimezone(ZoneInfo(tz))),
        "tz_label": timefmt.zone_label(tz),
        "clinic": clinic,
        "contact_label": messages.contact_label(booking.contact_type),
        "next_steps": next_steps,
        "ics_url": reverse("scheduling:booked_ics", kwargs={"slug": slug, "reference": reference}),
        "google_url": calendar_files.google_calendar_url(
            booking, details=_calendar_description(request, booking)[0]
        ),
    }
    context["access"] = _visit_access(booking, slug)
    return pages.render_step(request, "scheduling/booked.html", context, partial="status")


def _visit_access(booking: Booking, slug: str) -> dict:
    kwargs = {"slug": slug, "reference": booking.reference}
    access = provisioning_selectors.visit_access(booking=booking)
    return {
        **access,
        # Announced to screen readers when the links arrive (booking.js, section 3).
        "all_ready": all(part.status == part.Status.READY for part in access["parts"]),
        "url": reverse("scheduling:visit_access", kwargs=kwargs),
        "page_url": reverse("scheduling:booked", kwargs=kwargs),
    }


@_confirmation_page
def visit_access(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """The confirmation page's links, polled by htmx until every part is settled."""
    booking = _booking_or_404(slug, reference)
    access = _visit_access(booking, slug)
    response = render(
        request,
        "scheduling/confirmation/_visit_access.html#parts",
        {"access": access},
    )
    if access["settled"]:
        response.status_code = 286  # htmx: stop polling
    return response


@_confirmation_page
def booked_ics(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    booking = _booking_or_404(slug, reference)
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED):
        raise Http404("Not booked")
    description, manage_url = _calendar_description(request, booking)
    ics = calendar_files.booking_ics(
        booking,
        domain=conf.uid_domain(request.get_host()),
        description=description,
        manage_url=manage_url,
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="appointment-{booking.reference[:8]}.ics"'
    )
    return response


@require_GET
def brand_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The booking page's brand colour as a stylesheet: the CSP allows no inline style. Its
    URL carries the colour (base.html), so it can be cached for a day."""
    page = _page_or_404(slug)
    colour = page.brand_colour if BRAND_COLOUR.fullmatch(page.brand_colour or "") else ""
    css = f":root {{ --brand: {colour}; }}\n" if colour else ""
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=86400)
    return response

"""Patient booking pages: parse input, call one selector or service, render a page or a partial.

Every step is a GET URL carrying the flow in query parameters (booking.flow); the writes (hold,
details, confirm) are POSTs protected by signed step tokens and an Origin check instead of a CSRF
cookie (common.origin explains why). htmx only swaps partials: without JavaScript the same URLs
return full pages.
"""

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scheduling.availability import selectors as availability_selectors
from scheduling.availability import services as availability_services
from scheduling.booking import calendar_files, selectors, services
from scheduling.booking.flow import ANY_PROVIDER, PREFILL_FIELDS, FlowState
from scheduling.booking.forms import PatientDetailsForm
from scheduling.common import conf, pages, timefmt, tokens
from scheduling.common.origin import embeddable, origin_checked
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.models import Booking, BookingPage
from scheduling.provisioning import selectors as provisioning_selectors

CONTACT_NEXT_STEPS = {
    "Healthie Video Call": (
        "This is a video visit. You'll get a secure link to join; open it a few minutes early "
        "on a device with a camera and microphone."
    ),
    "Phone Call": "This is a phone visit. Your provider will call you on the number you gave us.",
    "In Person": "This is an in-person visit. Please arrive 10 minutes early to check in.",
}


FAILED_MESSAGE = (
    "We couldn't reach the clinic's scheduling system, so your appointment is not booked yet. "
    "Your details are saved on this page: please press “Confirm booking” again in a moment."
)


UNKNOWN_MESSAGE = (
    "The clinic's scheduling system didn't answer in time, so we can't tell yet whether your "
    "appointment was booked. Please don't book it again elsewhere. Press “Confirm booking” again "
    "in a moment: we check first and never book twice."
)


def _bad_token(request, exc: tokens.TokenInvalid, page=None):
    if isinstance(exc, tokens.TokenExpired):
        title, message = (
            "This page has expired",
            "For your security, booking forms stop working after a while. "
            "Please choose your time again; nothing has been booked.",
        )
    else:
        title, message = (
            "Something went wrong with this form",
            "The form could not be read. Please start again; nothing has been booked.",
        )
    restart = reverse("scheduling:start", kwargs={"slug": page.slug}) if page else ""
    return pages.problem(request, title, message, status=400, page=page, restart=restart)


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
        "tz_hidden": [(k, v) for k, v in state.params().items() if k != "tz"],
        "times_url": reverse("scheduling:times", kwargs={"slug": state.page.slug}),
        "day_form_fields": state.hidden_fields(day="", month=""),
        "chosen_type": chosen,
        "contact_label": pages.CONTACT_LABELS.get(state.contact, state.contact),
        "chosen_provider": provider,
        "first_available": state.provider == ANY_PROVIDER,
        "tz_label": timefmt.zone_label(state.tz),
        "tz_choices": timefmt.zone_choices(state.tz),
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


@require_GET
@embeddable
@pages.upstream_guard
def step_type(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if state.type_id or len(types) == 1:
        if not state.type_id:
            state = FlowState.from_query(page, {**request.GET.dict(), "type": types[0].id}, types)
            state = state.with_default_tz(_clinic_timezone(page))
        return _onward(state)
    choices = [
        {
            "label": t.name,
            "detail": f"{t.length_minutes} minutes" if t.length_minutes else "",
            "url": FlowState.from_query(page, {**request.GET.dict(), "type": t.id}, types)
            .with_default_tz(state.tz)
            .url("contact"),
        }
        for t in types
    ]
    return render(
        request,
        "scheduling/choose.html",
        {**_common(state, types), "step": "type", "heading": "What would you like to book?",
         "choices": choices},
    )  # fmt: skip


@require_GET
@embeddable
@pages.upstream_guard
def step_contact(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if not state.type_id or state.contact:
        return _onward(state)
    chosen = next(t for t in types if t.id == state.type_id)
    choices = [
        {
            "label": pages.CONTACT_LABELS.get(c, c),
            "detail": "",
            "url": state.url("provider", contact=c),
        }
        for c in chosen.contact_types
    ]
    return render(
        request,
        "scheduling/choose.html",
        {**_common(state, types), "step": "contact", "heading": "How would you like to meet?",
         "choices": choices},
    )  # fmt: skip


@require_GET
@embeddable
@pages.upstream_guard
def step_provider(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if _first_missing_step(state) != "provider":
        return _onward(state)
    choices = []
    if page.offer_first_available:
        choices.append(
            {
                "label": "First available",
                "detail": "The earliest time with any of our providers",
                "url": state.url("calendar", provider=ANY_PROVIDER),
            }
        )
    for provider in availability_selectors.providers_for_page(page=page):
        choices.append(
            {
                "label": provider.name or f"Provider {provider.id}",
                "detail": "",
                "url": state.url("calendar", provider=provider.id),
            }
        )
    return render(
        request,
        "scheduling/choose.html",
        {**_common(state, types), "step": "provider", "heading": "Who would you like to see?",
         "choices": choices},
    )  # fmt: skip


def _availability_args(state: FlowState) -> dict:
    return {
        "page": state.page,
        "appointment_type_id": state.type_id,
        "contact_type": state.contact,
        "provider_ids": state.provider_ids,
        "tz": state.tz,
    }


def _picker_context(request, state: FlowState, types) -> dict:
    """The month grid, and the times of the chosen day when there is one."""
    today = timezone.now().astimezone(ZoneInfo(state.tz)).date()
    this_month = today.replace(day=1)
    first_open = None
    month = state.day.replace(day=1) if state.day else state.month
    if month is None:
        first_open = availability_selectors.first_open_day(**_availability_args(state))
        month = (first_open or today).replace(day=1)
    month = max(month, this_month)
    state = replace(state, month=month)
    open_days = set(availability_selectors.open_days(**_availability_args(state), month=month))
    weeks = timefmt.month_grid(month, open_days, today, state.day)
    context = {
        **_common(state, types),
        "state": state,
        "month_label": timefmt.month_name(month),
        "weeks": weeks,
        "has_open_days": bool(open_days),
        "prev_url": state.url("calendar", month=timefmt.add_months(month, -1), day="")
        if month > this_month
        else "",
        "prev_label": timefmt.month_name(timefmt.add_months(month, -1)),
        "next_url": state.url("calendar", month=timefmt.add_months(month, 1), day=""),
        "next_label": timefmt.month_name(timefmt.add_months(month, 1)),
        "nothing_soon": first_open is None and state.month is None and not state.day,
    }
    if state.day:
        context.update(_times_context(state))
    return context


def _times_context(state: FlowState) -> dict:
    slots = availability_selectors.open_times(
        **_availability_args(state), day=state.day, keep_hold_token=state.hold or None
    )
    token = tokens.sign(
        "times",
        {
            "page": state.page.slug,
            "type": state.type_id,
            "contact": state.contact,
            "provider": state.provider,
            "day": state.day.isoformat(),
            "tz": state.tz,
            "tz_detected": state.tz_detected,
            "hold": state.hold,
        },
    )
    return {
        "day_label": timefmt.full_date(state.day),
        "time_groups": timefmt.grouped_times([slot.start for slot in slots], state.tz),
        "time_count": len(slots),
        "times_token": token,
        "hold_url": reverse("scheduling:hold", kwargs={"slug": state.page.slug}),
    }


@require_GET
@embeddable
@pages.upstream_guard
def step_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if _first_missing_step(state):
        return _onward(state)
    state = replace(state, day=None)
    context = _picker_context(request, state, types)
    return pages.render_step(
        request, "scheduling/calendar.html", context, partial="picker",
        push=context["state"].url("calendar"),
    )  # fmt: skip


@require_GET
@embeddable
@pages.upstream_guard
def step_times(request: HttpRequest, slug: str) -> HttpResponse:
    page, types, state = _load(request, slug)
    if _first_missing_step(state):
        return _onward(state)
    if state.day is None:
        return redirect(state.url("calendar"))
    status = 409 if state.notice == "taken" else 200
    context = _picker_context(request, state, types)
    return pages.render_step(
        request, "scheduling/calendar.html", context, status=status, partial="picker",
        push=state.url("times"),
    )  # fmt: skip


def _state_from_payload(page: BookingPage, payload: dict, **overrides) -> FlowState:
    state = FlowState(
        page=page,
        type_id=payload["type"],
        contact=payload["contact"],
        provider=payload["provider"],
        tz=payload["tz"],
        tz_detected=payload.get("tz_detected", True),
        hold=payload.get("hold", ""),
    )
    return replace(state, **overrides)


@require_POST
@embeddable
@origin_checked
@pages.upstream_guard
def hold_create(request: HttpRequest, slug: str) -> HttpResponse:
    """A time was picked: hold it for the patient, then ask for their details."""
    page = _page_or_404(slug)
    try:
        ctx = tokens.unsign("times", request.POST.get("form_token"))
    except tokens.TokenInvalid as exc:
        return _bad_token(request, exc, page)
    if ctx.get("page") != page.slug:
        return _bad_token(request, tokens.TokenInvalid("other page"), page)
    types = availability_selectors.appointment_types_for_page(page=page)
    day = timefmt.parse_day(ctx["day"])
    state = _state_from_payload(page, ctx, day=day, month=day.replace(day=1))
    prefill = {k: request.POST[k] for k in PREFILL_FIELDS if request.POST.get(k)}
    state = replace(state, prefill=prefill)
    start = timefmt.parse_instant(request.POST.get("slot", ""))
    chosen = next((t for t in types if t.id == state.type_id), None)
    if start is None or chosen is None:
        return _bad_token(request, tokens.TokenInvalid("bad slot"), page)
    try:
        slots = availability_selectors.open_times(
            **_availability_args(state), day=day, keep_hold_token=state.hold or None
        )
    except UpstreamUnavailable:
        return redirect(state.url("times", notice="unavailable"))
    candidates = next((s.provider_ids for s in slots if s.start == start), ())
    end = start + timedelta(minutes=chosen.length_minutes or 30)
    for provider_id in candidates:
        try:
            hold = availability_services.hold_place(
                page=page,
                provider_id=provider_id,
                start=start,
                end=end,
                appointment_type_id=state.type_id,
                contact_type=state.contact,
                provider_choice=state.provider,
                replaces=state.hold or None,
            )
        except availability_services.SlotTaken:
            continue
        return redirect(state.url("details", hold=hold.token, day="", month=""), permanent=False)
    return redirect(state.url("times", notice="taken"))


def _hold_summary(hold_start: datetime, tz: str, provider, chosen_type, contact: str) -> dict:
    local = hold_start.astimezone(ZoneInfo(tz))
    return {
        "when_date": timefmt.full_date(local.date()),
        "when_time": timefmt.clock(local),
        "tz_label": timefmt.zone_label(tz),
        "provider_name": provider.name if provider else "",
        "type_name": chosen_type.name if chosen_type else "",
        "type_length": chosen_type.length_minutes if chosen_type else None,
        "contact_label": pages.CONTACT_LABELS.get(contact, contact),
    }


def _details_context(page, payload: dict, form, *, details_token: str, types) -> dict:
    chosen = next((t for t in types if t.id == payload["type"]), None)
    provider = availability_selectors.provider_get(provider_id=payload["provider_id"])
    start = datetime.fromisoformat(payload["start"])
    hold_expires = datetime.fromisoformat(payload["hold_expires"])
    state = _state_from_payload(page, payload, day=start.astimezone(ZoneInfo(payload["tz"])).date())
    return {
        "page": page,
        "form": form,
        "details_token": details_token,
        "summary": _hold_summary(start, payload["tz"], provider, chosen, payload["contact"]),
        "hold_until": timefmt.clock(hold_expires.astimezone(ZoneInfo(payload["tz"]))),
        "change_time_url": state.url("times"),
        "details_url": reverse("scheduling:details", kwargs={"slug": page.slug}),
        "confirm_url": reverse("scheduling:confirm", kwargs={"slug": page.slug}),
    }


def _details_form(payload: dict, **kwargs) -> PatientDetailsForm:
    plan = provisioning_selectors.plan_for(payload["type"])
    needs = bool(plan and plan.needs_date_of_birth_and_state)
    return PatientDetailsForm(needs_exam_details=needs, **kwargs)


@require_http_methods(["GET", "POST"])
@embeddable
@origin_checked
@pages.upstream_guard
def step_details(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the details form for a held slot (mints the idempotency key). POST: validate, then
    show the review page (or the form again with its errors)."""
    page = _page_or_404(slug)
    types = availability_selectors.appointment_types_for_page(page=page)
    if request.method == "GET":
        tz = request.GET.get("tz", "")
        hold = availability_selectors.hold_get(token=request.GET.get("hold", ""))
        if hold is None or hold.page_id != page.pk or hold.expires_at <= timezone.now():
            # The hold ran out: back to that day's times (the slot shows again if still free).
            state = FlowState.from_query(page, request.GET, types)
            state = state.with_default_tz(_clinic_timezone(page))
            if hold is None or hold.page_id != page.pk:
                return redirect(state.url("start", notice="expired", hold=""))
            day = hold.start.astimezone(ZoneInfo(state.tz)).date()
            state = replace(
                state,
                type_id=hold.appointment_type_id,
                contact=hold.contact_type,
                provider=hold.provider_choice,
                day=day,
                hold="",
            )
            return redirect(state.url("times", notice="expired"))
        tz_detected = timefmt.is_valid_timezone(tz)
        if not tz_detected:
            tz = _clinic_timezone(page) or "UTC"
        payload = {
            "page": page.slug,
            "hold": hold.token,
            "hold_expires": hold.expires_at.isoformat(),
            "idempotency_key": uuid.uuid4().hex,
            "provider_id": hold.provider_id,
            "provider": hold.provider_choice,
            "type": hold.appointment_type_id,
            "contact": hold.contact_type,
            "start": hold.start.isoformat(),
            "tz": tz,
            "tz_detected": tz_detected,
        }
        form = _details_form(payload, initial={k: request.GET.get(k, "") for k in PREFILL_FIELDS})
        token = tokens.sign("details", payload)
        return render(
            request,
            "scheduling/details.html",
            _details_context(page, payload, form, details_token=token, types=types),
        )
    token = request.POST.get("details_token")
    try:
        payload = tokens.unsign("details", token)
    except tokens.TokenInvalid as exc:
        return _bad_token(request, exc, page)
    if payload.get("page") != page.slug:
        return _bad_token(request, tokens.TokenInvalid("other page"), page)
    if request.POST.get("edit"):
        form = _details_form(payload, initial=request.POST.dict())
        context = _details_context(page, payload, form, details_token=token, types=types)
        return render(request, "scheduling/details.html", context)
    form = _details_form(payload, data=request.POST)
    if not form.is_valid():
        context = _details_context(page, payload, form, details_token=token, types=types)
        return render(request, "scheduling/details.html", context, status=422)
    confirm_token = tokens.sign("confirm", {**payload, "patient": form.payload()})
    context = _details_context(page, payload, form, details_token=token, types=types)
    return render(
        request,
        "scheduling/review.html",
        {**context, "patient": form.cleaned_data, "confirm_token": confirm_token},
    )


@require_POST
@embeddable
@origin_checked
@pages.upstream_guard
def booking_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Book it: one Healthie checkout per idempotency key, whatever the number of clicks."""
    page = _page_or_404(slug)
    try:
        payload = tokens.unsign("confirm", request.POST.get("confirm_token"))
    except tokens.TokenInvalid as exc:
        return _bad_token(request, exc, page)
    if payload.get("page") != page.slug:
        return _bad_token(request, tokens.TokenInvalid("other page"), page)
    types = availability_selectors.appointment_types_for_page(page=page)
    start = datetime.fromisoformat(payload["start"])
    patient = services.PatientDetails(**payload["patient"])
    try:
        outcome = services.booking_confirm(
            page=page,
            idempotency_key=payload["idempotency_key"],
            hold_token=payload["hold"],
            provider_choice=payload["provider"],
            provider_id=payload["provider_id"],
            appointment_type_id=payload["type"],
            contact_type=payload["contact"],
            start=start,
            patient_timezone=payload["tz"],
            patient=patient,
        )
    except services.NotOffered:
        return _bad_token(request, tokens.TokenInvalid("not offered"), page)
    booking = outcome.booking
    if booking.status == Booking.Status.CONFIRMED:
        return redirect("scheduling:booked", slug=page.slug, reference=booking.reference)
    details_token = tokens.sign("details", {k: v for k, v in payload.items() if k != "patient"})
    if booking.status == Booking.Status.REJECTED and booking.status_reason == "slot_taken":
        day = start.astimezone(ZoneInfo(payload["tz"])).date()
        state = _state_from_payload(page, payload, day=day, month=day.replace(day=1))
        return redirect(state.url("times", notice="taken", hold=""))
    if booking.status == Booking.Status.REJECTED:  # Healthie refused some details
        form = PatientDetailsForm(payload["patient"])
        form.is_valid()
        form.add_vendor_messages(outcome.field_errors)
        context = _details_context(page, payload, form, details_token=details_token, types=types)
        return render(request, "scheduling/details.html", context, status=422)
    # Failed or unknown: keep everything on the page; the same button (same idempotency key)
    # tries again, and for an unknown outcome the service looks the booking up before sending.
    context = _details_context(page, payload, PatientDetailsForm(payload["patient"]),
                               details_token=details_token, types=types)  # fmt: skip
    unknown = booking.status == Booking.Status.UNKNOWN
    return render(
        request,
        "scheduling/review.html",
        {
            **context,
            "patient": payload["patient"],
            "confirm_token": request.POST.get("confirm_token"),
            "error_title": "We're not sure yet" if unknown else "Not booked yet",
            "error": UNKNOWN_MESSAGE if unknown else FAILED_MESSAGE,
            "status_url": reverse(
                "scheduling:booked", kwargs={"slug": page.slug, "reference": booking.reference}
            )
            if unknown
            else "",
        },
        status=202 if unknown else 503,
    )


def _booking_or_404(slug: str, reference: str) -> Booking:
    booking = selectors.booking_get(reference=reference)
    if booking is None or booking.page is None or booking.page.slug != slug:
        raise Http404("No such booking")
    return booking


def _calendar_description(request, booking: Booking) -> tuple[str, str]:
    """The calendar entry's text (ending with the manage link) and the manage URL."""
    manage_url = request.build_absolute_uri(
        reverse("scheduling:manage", kwargs={"token": booking.manage_token})
    )
    description = calendar_files.event_description(
        booking,
        how=pages.CONTACT_LABELS.get(booking.contact_type, booking.contact_type),
        next_steps=CONTACT_NEXT_STEPS.get(booking.contact_type, ""),
        manage_url=manage_url,
    )
    return description, manage_url


@require_GET
@embeddable
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
            "time": timefmt.clock(clinic_local),
            "tz_label": timefmt.zone_label(clinic_tz),
        }
    next_steps = CONTACT_NEXT_STEPS.get(booking.contact_type, "")
    context = {
        "page": booking.page,
        "booking": booking,
        "when_date": timefmt.full_date(local.date()),
        "when_time": timefmt.clock(local),
        "end_time": timefmt.clock(booking.end.astimezone(ZoneInfo(tz))),
        "tz_label": timefmt.zone_label(tz),
        "clinic": clinic,
        "contact_label": pages.CONTACT_LABELS.get(booking.contact_type, booking.contact_type),
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
    return {
        **provisioning_selectors.visit_access(booking=booking),
        "url": reverse("scheduling:visit_access", kwargs=kwargs),
        "page_url": reverse("scheduling:booked", kwargs=kwargs),
    }


@require_GET
@embeddable
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


@require_GET
@embeddable
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

"""The patient's manage link: see the appointment as Healthie has it, reschedule it, cancel it.

`/manage/<token>/` is the capability: an unguessable token (Booking.manage_token, 256 bits), not
the booking id nor its reference; an unknown or altered token is a plain 404 that reveals
nothing. Like the booking flow (booking.views), these pages need no account and no cookie, so
they work inside the clinic's embedded widget: every step is a GET URL, the writes are POSTs
carrying signed, expiring step tokens (common.tokens) behind the Origin check
(common.origin), and the reschedule steps reuse the booking calendar's picker partial.
Views parse input, call one service or selector, and render.
"""

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.defaults import page_not_found

from scheduling.availability import selectors as availability_selectors
from scheduling.availability import services as availability_services
from scheduling.common import limits, messages, pages, timefmt, tokens
from scheduling.common.origin import embeddable
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.manage import rules, selectors, services
from scheduling.manage.flow import RescheduleState
from scheduling.manage.steps import CancelToken, ManageTimesToken, RescheduleToken
from scheduling.models import Booking, BookingChange

logger = logging.getLogger(__name__)

REASON_MAX = 1000


# ------------------------------------------------------------------------------------------------
# Helpers


def _private(view):
    """Manage pages live at a capability URL: keep it out of shared caches, search engines, the
    Referer sent to other sites (same-origin keeps our own posts' Origin header, which the Origin
    check needs) and our error logs (Django logs the path of every 4xx/5xx answer; here it is
    logged with the token redacted instead). Rate-limited per link and per unknown token
    (common.limits), the 429 page private too."""
    view = limits.limited(*limits.MANAGE_LINK)(view)

    @wraps(view)
    def wrapped(request, *args, token: str, **kwargs):
        try:
            response = view(request, *args, token=token, **kwargs)
        except Http404 as exc:
            response = page_not_found(request, exc)
        response["Cache-Control"] = "no-store, private"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.status_code >= 400:
            logger.info(
                "manage %s %s: %s",
                request.method,
                request.path.replace(token, "<token>"),
                response.status_code,
            )
            response._has_been_logged = True  # django.request would log the token
        return response

    return wrapped


def _booking_or_404(token: str) -> Booking:
    """The booking this manage token opens; 404 (the same for every failure) otherwise."""
    booking = selectors.booking_for_token(token=token)
    if booking is None:
        raise Http404
    return booking


def _manage_url(booking: Booking) -> str:
    return reverse("scheduling:manage", kwargs={"token": booking.manage_token})


def _booked_url(booking: Booking, changed: str = "") -> str:
    if booking.page is None:
        return _manage_url(booking)
    url = reverse(
        "scheduling:booked", kwargs={"slug": booking.page.slug, "reference": booking.reference}
    )
    return f"{url}?{urlencode({'changed': changed})}" if changed else url


def _book_again_url(booking: Booking) -> str:
    """The booking page, with the same type, contact type and (organisation pages) provider
    preselected. No patient data goes into the URL."""
    page = booking.page
    if page is None or not page.is_active:
        return reverse("scheduling:pages")
    params = {"type": booking.appointment_type_id, "contact": booking.contact_type}
    if page.org_level and booking.provider_id in page.provider_set:
        params["provider"] = booking.provider_id
    return f"{reverse('scheduling:start', kwargs={'slug': page.slug})}?{urlencode(params)}"


def _when(instant: datetime, tz: str) -> dict:
    local = instant.astimezone(ZoneInfo(tz))
    return {
        "date": timefmt.full_date(local.date()),
        "time": timefmt.at_clock(local),
        "tz_label": timefmt.zone_label(tz),
    }


def _appointment_context(booking: Booking, tz: str | None = None) -> dict:
    """The appointment as the patient reads it (their zone, and the clinic's when it differs)."""
    tz = tz if timefmt.is_valid_timezone(tz) else booking.patient_timezone
    clinic = None
    if booking.provider_timezone and booking.provider_timezone != tz:
        clinic = _when(booking.start, booking.provider_timezone)
    return {
        "page": booking.page,
        "booking": booking,
        "when": _when(booking.start, tz),
        "end_time": timefmt.at_clock(booking.end.astimezone(ZoneInfo(tz))),
        "clinic": clinic,
        "contact_label": messages.contact_label(booking.contact_type),
        "manage_url": _manage_url(booking),
    }


def _history(booking: Booking) -> list[dict]:
    """What happened to the appointment since it was booked, for the patient (done changes)."""
    tz = booking.patient_timezone
    who = {
        BookingChange.By.PATIENT: _("you"),
        BookingChange.By.STAFF: _("the clinic"),
        BookingChange.By.HEALTHIE: _("the clinic"),
    }
    rows = []
    for change in selectors.changes_done(booking=booking):
        at = _when(change.done_at or change.created_at, tz)
        row = {"by": who[change.by], "at": _("%(date)s at %(time)s") % at}
        if change.kind == BookingChange.Kind.RESCHEDULE:
            old, new = _when(change.old_start, tz), _when(change.new_start, tz)
            row["text"] = _("Moved from %(old_date)s at %(old_time)s to %(date)s at %(time)s") % {
                "old_date": old["date"],
                "old_time": old["time"],
                **new,
            }
        elif change.kind == BookingChange.Kind.CANCEL:
            row["text"] = _("Cancelled")
        else:
            row["text"] = _("Reinstated")
        rows.append(row)
    return rows


def _problem(request, booking: Booking, title: str, message: str, *, status: int, clinic=""):
    return pages.problem(
        request,
        title,
        message,
        status=status,
        page=booking.page,
        back=_manage_url(booking),
        clinic=clinic,
    )


def _bad_token(request, booking: Booking, exc: tokens.TokenInvalid):
    return pages.bad_token(request, exc, "manage", page=booking.page, back=_manage_url(booking))


def _manage_form(token_type: type[tokens.StepToken], *, load=None, methods=("POST",)):
    """A manage step that posts: private and embeddable like every manage page, the Origin
    check, the booking (404) and this step's token (common.pages.signed_step), and the 503
    page when Healthie is down."""
    signed = pages.signed_step(
        token_type, field="form_token", load=load or _booking_or_404, on_bad=_bad_token
    )
    return lambda view: _private(
        require_http_methods(methods)(embeddable(signed(pages.upstream_guard(view))))
    )


def _refused(request, booking: Booking, action: str, decision: rules.Decision):
    title = messages.REFUSED_TITLES[action]
    return _problem(request, booking, title, decision.why, status=403, clinic=decision.message)


def _decisions(booking: Booking, healthie_count: int = 0) -> rules.Rules:
    """The rules for this booking (the provider's setting, briefly cached). Raises
    UpstreamUnavailable."""
    setting = selectors.provider_setting(provider_id=booking.provider_id)
    return rules.booking_rules(
        booking=booking, setting=setting, now=timezone.now(), healthie_count=healthie_count
    )


def _reschedule_refusal(request, booking: Booking) -> HttpResponse | None:
    """The refusal page when the patient may not reschedule (checked on every step; the
    service checks again against Healthie's fresh state before acting)."""
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED):
        raise Http404
    decision = _decisions(booking).reschedule
    if decision.allowed and booking.page is None:
        decision = rules.Decision(
            allowed=False,
            code="no_page",
            why=messages.NO_PAGE_RESCHEDULE,
            message=rules.FALLBACK_RESCHEDULE,
        )
    return None if decision.allowed else _refused(request, booking, "reschedule", decision)


def _reschedule_page(view):
    """A reschedule step's page (GET): private and embeddable like every manage page; the view
    gets the booking the token opens (404), unless the patient may not reschedule it (the
    refusal page), and Healthie being unreachable is the 503 page."""

    @wraps(view)
    def with_booking(request, token: str):
        booking = _booking_or_404(token)
        return _reschedule_refusal(request, booking) or view(request, booking)

    return _private(require_GET(embeddable(pages.upstream_guard(with_booking))))


@_private
def not_found(request: HttpRequest, token: str, rest: str) -> HttpResponse:
    """Any other path under a manage link: a plain 404 (logged without the token)."""
    raise Http404


# ------------------------------------------------------------------------------------------------
# The manage page


@_private
@require_GET
@embeddable
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The appointment as Healthie has it now (mirror refreshed) and what the patient may do."""
    booking = _booking_or_404(token)
    checked, found, healthie_count = True, [], 0
    try:
        refreshed = services.booking_refresh_from_healthie(booking=booking)
    except UpstreamUnavailable:
        checked = False
        booking.refresh_from_db()
    else:
        booking, found = refreshed.booking, refreshed.changes
        if refreshed.appointment is not None:
            healthie_count = refreshed.appointment.patient_reschedule_count or 0
    decisions = None
    if booking.status in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED):
        try:
            decisions = _decisions(booking, healthie_count)
        except UpstreamUnavailable:
            checked = False
    clinic_changed = [c for c in found if c.by == BookingChange.By.HEALTHIE and c.state == "done"]
    context = {
        **_appointment_context(booking),
        "checked": checked,
        "decisions": decisions if checked else None,
        "clinic_changed": bool(clinic_changed),
        "history": _history(booking),
        "is_past": booking.start <= timezone.now(),
        "booked_url": _booked_url(booking),
        "book_again_url": _book_again_url(booking),
        "reschedule_url": RescheduleState(booking, tz=booking.patient_timezone).url(
            "manage_calendar"
        ),
        "cancel_url": reverse("scheduling:manage_cancel", kwargs={"token": token}),
        "ics_url": reverse(
            "scheduling:booked_ics",
            kwargs={"slug": booking.page.slug, "reference": booking.reference},
        )
        if booking.page
        else "",
    }
    return render(request, "scheduling/manage/manage.html", context)


# ------------------------------------------------------------------------------------------------
# Reschedule: day and time steps (the booking calendar's picker), hold, review, confirm


def _picker_context(state: RescheduleState) -> dict:
    booking = state.booking
    selectors.reschedule_prefetch(booking=booking, tz=state.tz, day=state.day)
    state, picker = pages.month_picker(
        state,
        today=timezone.now().astimezone(ZoneInfo(state.tz)).date(),
        calendar_step="manage_calendar",
        first_open_day=lambda: selectors.reschedule_first_open_day(booking=booking, tz=state.tz),
        open_days=lambda month: selectors.reschedule_open_days(
            booking=booking, month=month, tz=state.tz
        ),
    )
    context = {
        **_appointment_context(booking, state.tz),
        **picker,
        **pages.zone_switcher(state),
        "times_url": reverse("scheduling:manage_times", kwargs={"token": booking.manage_token}),
        "type_length": booking.length_minutes,
    }
    if state.day:
        starts = selectors.reschedule_open_times(
            booking=booking, day=state.day, tz=state.tz, keep_hold_token=state.hold or None
        )
        token = ManageTimesToken(
            booking=booking.reference, day=state.day.isoformat(), tz=state.tz, hold=state.hold
        )
        hold_url = reverse("scheduling:manage_hold", kwargs={"token": booking.manage_token})
        context.update(pages.day_times(state, starts, times_token=token.sign(), hold_url=hold_url))
    return context


def _render_picker(request, context: dict, *, status: int = 200, push: str = ""):
    """The whole reschedule page, or only the calendar's picker partial when htmx asks."""
    return pages.render_step(
        request,
        "scheduling/manage/reschedule.html",
        context,
        status=status,
        partial="scheduling/calendar.html#picker",
        push=push,
    )


@_reschedule_page
def reschedule_calendar(request: HttpRequest, booking: Booking) -> HttpResponse:
    state = replace(RescheduleState.from_query(booking, request.GET), day=None)
    context = _picker_context(state)
    return _render_picker(request, context, push=context["state"].url("manage_calendar"))


@_reschedule_page
def reschedule_times(request: HttpRequest, booking: Booking) -> HttpResponse:
    state = RescheduleState.from_query(booking, request.GET)
    if state.day is None:
        return redirect(state.url("manage_calendar"))
    status = 409 if state.notice == "taken" else 200
    context = _picker_context(state)
    return _render_picker(request, context, status=status, push=state.url("manage_times"))


@_manage_form(ManageTimesToken)
def reschedule_hold(request: HttpRequest, booking: Booking, step: ManageTimesToken):
    """A new time was picked: hold it, then ask the patient to confirm the move."""
    day = timefmt.parse_day(step.day)
    start = timefmt.parse_instant(request.POST.get("slot", ""))
    if day is None or start is None:
        raise tokens.TokenInvalid("bad slot")
    refusal = _reschedule_refusal(request, booking)
    if refusal:
        return refusal
    state = RescheduleState(
        booking=booking, tz=step.tz, day=day, month=day.replace(day=1), hold=step.hold
    )
    try:
        hold = services.reschedule_hold(
            booking=booking, day=day, tz=state.tz, start=start, replaces=state.hold or None
        )
    except UpstreamUnavailable:
        return redirect(state.url("manage_times", notice="unavailable"))
    except availability_services.SlotTaken:
        return redirect(state.url("manage_times", notice="taken"))
    return redirect(state.url("manage_review", hold=hold.token, day="", month=""))


def _review_context(booking: Booking, step: RescheduleToken, form_token: str) -> dict:
    tz = step.tz
    day = step.start_at.astimezone(ZoneInfo(tz)).date()
    state = RescheduleState(booking=booking, tz=tz, day=day, hold=step.hold)
    return {
        **_appointment_context(booking, tz),
        "new": _when(step.start_at, tz),
        "hold_until": timefmt.at_clock(
            datetime.fromisoformat(step.hold_expires).astimezone(ZoneInfo(tz))
        ),
        "form_token": form_token,
        "confirm_url": reverse(
            "scheduling:manage_reschedule", kwargs={"token": booking.manage_token}
        ),
        "change_time_url": state.url("manage_times"),
    }


@_reschedule_page
def reschedule_review(request: HttpRequest, booking: Booking) -> HttpResponse:
    """Old time → new time, and the button that moves it (mints the idempotency key)."""
    state = RescheduleState.from_query(booking, request.GET)
    hold = availability_selectors.hold_get(token=state.hold)
    if (
        hold is None
        or hold.provider_id != booking.provider_id
        or hold.appointment_type_id != booking.appointment_type_id
    ):
        return redirect(state.url("manage_calendar", notice="expired", hold=""))
    if hold.expires_at <= timezone.now():
        day = hold.start.astimezone(ZoneInfo(state.tz)).date()
        return redirect(state.url("manage_times", day=day, notice="expired", hold=""))
    step = RescheduleToken(
        booking=booking.reference,
        hold=hold.token,
        hold_expires=hold.expires_at.isoformat(),
        idempotency_key=uuid.uuid4().hex,
        start=hold.start.isoformat(),
        tz=state.tz,
    )
    context = _review_context(booking, step, step.sign())
    return render(request, "scheduling/manage/review.html", context)


@_manage_form(RescheduleToken)
def reschedule_confirm(request: HttpRequest, booking: Booking, step: RescheduleToken):
    """Move it: one Healthie update per idempotency key, whatever the number of clicks."""
    try:
        outcome = services.booking_reschedule(
            booking=booking,
            idempotency_key=step.idempotency_key,
            new_start=step.start_at,
            hold_token=step.hold,
            patient_timezone=step.tz,
        )
    except services.ChangeMismatch as exc:
        raise tokens.TokenInvalid("does not fit") from exc
    return _reschedule_answer(request, step, outcome)


def _reschedule_answer(request, step: RescheduleToken, outcome) -> HttpResponse:
    """Moved: the confirmation. Slot taken: that day's times. Refused: why. Failed or unknown:
    the review page again with the same token (the same idempotency key tries again)."""
    booking, change = outcome.booking, outcome.change
    State = BookingChange.State
    if change.state == State.DONE:
        return redirect(_booked_url(booking, "rescheduled"))
    if outcome.slot_taken:
        day = step.start_at.astimezone(ZoneInfo(step.tz)).date()
        state = RescheduleState(booking=booking, tz=step.tz, day=day)
        return redirect(state.url("manage_times", notice="taken"))
    if change.state == State.REJECTED:
        return _rejected(request, outcome, "reschedule")
    error, status = _not_done(
        change,
        refused_title=messages.NOT_CHANGED_TITLE,
        failed_title=messages.NOT_CHANGED_YET_TITLE,
    )
    context = _review_context(booking, step, request.POST.get("form_token"))
    return render(request, "scheduling/manage/review.html", {**context, **error}, status=status)


def _rejected(request, outcome, action: str) -> HttpResponse:
    """A refused change: why, or the manage page when no rule refuses it (the same time)."""
    decision = outcome.decision or getattr(_decisions(outcome.booking), action)
    if decision.allowed:
        return redirect(_manage_url(outcome.booking))
    return _refused(request, outcome.booking, action, decision)


def _not_done(change: BookingChange, *, refused_title: str, failed_title: str):
    """The error on the form shown again, and its status: unknown (202: we will find out) or
    failed (503: nothing changed, the same button tries again)."""
    if change.state == BookingChange.State.UNKNOWN:
        return {
            "error_title": messages.NOT_SURE_TITLE,
            "error": messages.MANAGE_UNKNOWN_MESSAGE,
        }, 202
    if change.reason == "healthie_refused":
        return {"error_title": refused_title, "error": messages.REFUSED_BY_HEALTHIE}, 503
    return {"error_title": failed_title, "error": messages.MANAGE_FAILED_MESSAGE}, 503


# ------------------------------------------------------------------------------------------------
# Cancel


def _cancellable_or_404(token: str) -> Booking:
    booking = _booking_or_404(token)
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.CANCELLED):
        raise Http404
    return booking


@_manage_form(CancelToken, load=_cancellable_or_404, methods=("GET", "POST"))
def cancel(request: HttpRequest, booking: Booking, step: CancelToken | None) -> HttpResponse:
    """GET: the confirmation step (optional reason; mints the idempotency key). POST: cancel."""
    context = {
        **_appointment_context(booking),
        "cancel_url": reverse("scheduling:manage_cancel", kwargs={"token": booking.manage_token}),
        "reason_max": REASON_MAX,
    }
    if step is None:
        decision = _decisions(booking).cancel
        if not decision.allowed:
            return _refused(request, booking, "cancel", decision)
        step = CancelToken(booking=booking.reference, idempotency_key=uuid.uuid4().hex)
        context["form_token"] = step.sign()
        return render(request, "scheduling/manage/cancel.html", context)
    # Free text bound for the database: a NUL byte can't be typed, and PostgreSQL refuses it.
    reason = request.POST.get("reason", "").replace("\x00", "").strip()[:REASON_MAX]
    try:
        outcome = services.booking_cancel(
            booking=booking, idempotency_key=step.idempotency_key, note=reason
        )
    except services.ChangeMismatch as exc:
        raise tokens.TokenInvalid("does not fit") from exc
    booking, change = outcome.booking, outcome.change
    State = BookingChange.State
    if change.state == State.DONE:
        return redirect(_booked_url(booking, "cancelled"))
    if change.state == State.REJECTED:
        return _rejected(request, outcome, "cancel")
    error, status = _not_done(
        change,
        refused_title=messages.NOT_CANCELLED_YET_TITLE,
        failed_title=messages.NOT_CANCELLED_YET_TITLE,
    )
    context.update(form_token=request.POST.get("form_token"), reason=reason, **error)
    return render(request, "scheduling/manage/cancel.html", context, status=status)

"""Front desk pages: the calendar (the console's home), the appointment panel and its actions.

Every page is for the front desk role (clinic admins hold it too); every action is a POST with
Django's CSRF check (staff pages use the session) and an idempotency key, done through
desk.services, then redirected back to the panel with what happened (post/redirect/get).
"""

import re
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.errors import VendorError
from scheduling.availability import services as availability_services
from scheduling.common import timefmt
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.manage import selectors as manage_selectors
from scheduling.manage import services as manage_services
from scheduling.models import BookingChange, Provision
from scheduling.provisioning import selectors as provisioning_selectors
from scheduling.staff.access import front_desk_required
from scheduling.staff.desk import forms, grid, selectors, services
from scheduling.staff.forms import new_key
from scheduling.staff.render import staff_render
from scheduling.sync import selectors as sync_selectors

APPOINTMENT_ID = re.compile(r"[0-9]{1,20}")
State = BookingChange.State


def _unavailable(request):
    return staff_render(
        request,
        "staff/desk/problem.html",
        {
            "title": "Healthie is not answering",
            "message": "The calendar is read from Healthie, which could not be reached just "
            "now. Nothing was changed. Try again in a minute.",
            "retry": request.get_full_path() if request.method == "GET" else "",
        },
        section="calendar",
        status=503,
    )


def _guarded(view):
    """Healthie unreachable or unreadable: the console's 503 page, never a 500."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (UpstreamUnavailable, VendorError):
            return _unavailable(request)

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


# --------------------------------------------------------------------------------------------
# The calendar


def _week_of(day: date) -> list[date]:
    """The Sunday-to-Saturday week of `day` (as the patients' month calendar is laid out)."""
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    return [sunday + timedelta(days=n) for n in range(7)]


def _calendar_url(day: date, view: str, provider: str) -> str:
    params = {"date": day.isoformat(), "view": view}
    if provider:
        params["provider"] = provider
    return f"{reverse('staff:home')}?{urlencode(params)}"


def _title(days: list[date]) -> str:
    if len(days) == 1:
        return timefmt.full_date(days[0])
    first, last = days[0], days[-1]
    return f"Week of {timefmt.full_date(first)} to {timefmt.full_date(last)}"


def _patient_label(appointment, booking) -> str:
    if booking is not None and booking.patient_name:
        return booking.patient_name
    if appointment.patient_id:
        found = selectors.patient(patient_id=appointment.patient_id)
        name = f"{found.first_name or ''} {found.last_name or ''}".strip() if found else ""
        if name:
            return name
    return "Patient not named"


@require_GET
@front_desk_required
@_guarded
def calendar(request):
    members = selectors.providers()
    tz = selectors.clinic_zone(members)
    now = timezone.now()
    query = forms.CalendarQuery(
        request.GET,
        provider_ids={p.id for p in members},
        today=timefmt.local(now, tz).date(),
    )
    if not query.is_valid():
        errors = [e for field_errors in query.errors.values() for e in field_errors]
        return staff_render(
            request,
            "staff/desk/problem.html",
            {
                "title": "This calendar address can't be read",
                "message": " ".join(errors),
                "retry": reverse("staff:home"),
                "retry_label": "Open today's calendar",
            },
            section="calendar",
            status=400,
        )
    day, view, provider = (query.cleaned_data[k] for k in ("date", "view", "provider"))
    shown = [p for p in members if not provider or p.id == provider]
    days = [day] if view == "day" else _week_of(day)
    start, end = selectors.day_bounds(days[0], days[-1], tz)
    provider_ids = tuple(p.id for p in shown)
    selectors.prefetch(provider_ids=provider_ids, start=start, end=end)
    appointments = selectors.appointments_between(provider_ids=provider_ids, start=start, end=end)
    mirrors = selectors.mirrors(appointment_ids=[a.id for a in appointments])
    entries = [
        grid.entry_of(
            a,
            tz=tz,
            booking=mirrors.get(a.id),
            patient=_patient_label(a, mirrors.get(a.id)),
            now=now,
        )
        for a in appointments
    ]
    hours = {p.id: selectors.open_hours(provider_id=p.id, start=start, end=end) for p in shown}
    if view == "day":
        columns = [
            grid.Column(
                p.id,
                p.name or f"Provider {p.id}",
                note=timefmt.zone_label(p.timezone) if p.timezone and p.timezone != tz else "",
            )
            for p in shown
        ]
        open_periods = hours
    else:
        columns = [grid.Column(d, timefmt.full_date(d)) for d in days]
        open_periods = {d: [p for periods in hours.values() for p in periods] for d in days}
    rows = grid.build(
        columns=columns, days=days, entries=entries, open_periods=open_periods, tz=tz, now=now
    )
    step = timedelta(days=1 if view == "day" else 7)
    today = timefmt.local(now, tz).date()
    context = {
        "title": _title(days),
        "view": view,
        "day": day,
        "provider": provider,
        "providers": members,
        "zone_label": timefmt.zone_label(tz),
        "columns": columns,
        "rows": rows,
        "by_provider": view == "day",
        "entry_count": sum(not e.blocked for e in entries),  # blocked time is no appointment
        "prev_url": _calendar_url(day - step, view, provider),
        "next_url": _calendar_url(day + step, view, provider),
        "today_url": _calendar_url(today, view, provider),
        "day_url": _calendar_url(day, "day", provider),
        "week_url": _calendar_url(day, "week", provider),
        "step_label": "day" if view == "day" else "week",
    }
    return staff_render(request, "staff/desk/calendar.html", context, section="calendar")


# --------------------------------------------------------------------------------------------
# The appointment panel


def _appointment_or_404(appointment_id: str):
    if not APPOINTMENT_ID.fullmatch(appointment_id):
        raise Http404
    appointment = selectors.appointment(appointment_id=appointment_id)
    if appointment is None or appointment.is_blocker:  # blocked time has no panel
        raise Http404
    return appointment


def _mirror(appointment_id: str):
    """Our booking of this appointment, brought in line with Healthie first (staff may have
    changed it there), or None when the app does not know it."""
    booking = sync_selectors.mirror_for(appointment_id=appointment_id)
    if booking is None:
        return None
    return manage_services.booking_refresh_from_healthie(booking=booking).booking


def _links(booking) -> dict:
    """The patient's links and the doctors' join links from the provisioned parts."""
    found = {"patient_video": "", "doctor_video": "", "questionnaire": ""}
    if booking is None:
        return found
    for part in booking.provisions.all():
        if part.status != Provision.Status.READY:
            continue
        if part.part in (Provision.Part.BETTERPT_ROOM, Provision.Part.HCW_INVITE):
            found["patient_video"] = part.patient_url
            found["doctor_video"] = (part.details or {}).get("provider_url", "")
    try:
        found["questionnaire"] = provisioning_selectors.questionnaire_link(booking=booking) or ""
    except VendorError:
        found["questionnaire"] = ""
    return found


@require_GET
@front_desk_required
@_guarded
def appointment(request, appointment_id: str):
    found = _appointment_or_404(appointment_id)
    booking = _mirror(appointment_id)
    members = selectors.providers()
    tz = selectors.clinic_zone(members)
    now = timezone.now()
    patient = None
    if booking is None and found.patient_id:
        patient = selectors.patient(patient_id=found.patient_id)
    entry = grid.entry_of(
        found, tz=tz, booking=booking, patient=_patient_label(found, booking), now=now
    )
    changes = (
        list(booking.changes.select_related("staff_user").order_by("created_at", "id"))
        if booking
        else []
    )
    local_day = entry.start.date()
    context = {
        "entry": entry,
        "booking": booking,
        "patient": patient,
        "changes": changes,
        "history": list(booking.history.all()) if booking else [],
        "links": _links(booking),
        "zone_label": timefmt.zone_label(tz),
        "tz": tz,
        "key": new_key(),
        "can_change": booking is not None and entry.active and booking.status == "confirmed",
        "can_no_show": booking is not None
        and booking.status == "confirmed"
        and found.start <= now
        and entry.status != "No-show",
        "calendar_url": _calendar_url(local_day, "day", ""),
    }
    return staff_render(request, "staff/desk/appointment.html", context, section="calendar")


def _say(request, outcome, done: str) -> None:
    """What a change came to, for the panel's message."""
    change = outcome.change
    if change.state == State.DONE:
        messages.success(request, done)
    elif outcome.slot_taken:
        messages.error(request, "That time was just taken. Pick another one.")
    elif change.state == State.REJECTED:
        why = {
            "cancelled": "the appointment is cancelled",
            "not_started": "the appointment has not started yet",
            "same_time": "that is the appointment's current time",
        }.get(change.reason, f"not allowed ({change.reason})")
        messages.error(request, f"Nothing was changed: {why}.")
    elif change.state == State.UNKNOWN:
        messages.warning(
            request,
            "Healthie's answer was lost. The change is being checked; reload in a minute "
            "before trying again.",
        )
    else:
        messages.error(
            request, "Healthie could not make the change just now; nothing changed. Try again."
        )


def _booking_for_action(appointment_id: str):
    if not APPOINTMENT_ID.fullmatch(appointment_id):
        raise Http404
    booking = sync_selectors.mirror_for(appointment_id=appointment_id)
    if booking is None:
        raise Http404  # made in Healthie and unknown here: read-only, changed in Healthie
    return booking


def _bad_form(request, appointment_id: str, form):
    errors = [e for field_errors in form.errors.values() for e in field_errors]
    messages.error(request, " ".join(errors) or "This form can't be read.")
    return redirect("staff:appointment", appointment_id)


def _keyed_action(request, appointment_id: str, act, done: str):
    """A change made once per form key (cancel, no-show) through `act(booking, key, user)`."""
    booking = _booking_for_action(appointment_id)
    form = forms.ActionForm(request.POST)
    if not form.is_valid():
        return _bad_form(request, appointment_id, form)
    try:
        outcome = act(booking=booking, key=form.cleaned_data["key"], user=request.user)
    except manage_services.ChangeMismatch:
        messages.error(request, "This form was already used for something else.")
        return redirect("staff:appointment", appointment_id)
    _say(request, outcome, done)
    return redirect("staff:appointment", appointment_id)


@require_POST
@front_desk_required
@_guarded
def cancel(request, appointment_id: str):
    return _keyed_action(
        request, appointment_id, services.staff_cancel, "The appointment is cancelled in Healthie."
    )


@require_POST
@front_desk_required
@_guarded
def no_show(request, appointment_id: str):
    return _keyed_action(
        request, appointment_id, services.staff_no_show, "Marked as a no-show in Healthie."
    )


@require_POST
@front_desk_required
def retry(request, appointment_id: str, provision_id: int):
    booking = _booking_for_action(appointment_id)
    provision = booking.provisions.filter(pk=provision_id).first()
    if provision is None:
        raise Http404
    if provision.status != Provision.Status.FAILED:
        messages.info(request, f"{provision.get_part_display()} is not failed: nothing to retry.")
    else:
        services.staff_retry(provision=provision, user=request.user)
        messages.success(request, f"{provision.get_part_display()}: trying again.")
    return redirect("staff:appointment", appointment_id)


@require_http_methods(["GET", "POST"])
@front_desk_required
@_guarded
def reschedule(request, appointment_id: str):
    booking = _booking_for_action(appointment_id)
    members = selectors.providers()
    tz = selectors.clinic_zone(members)
    form = None
    if request.method == "POST":
        form = forms.RescheduleForm(request.POST, tz=tz)
        if form.is_valid():
            start = form.cleaned_data["start"]
            try:
                outcome = services.staff_reschedule(
                    booking=booking,
                    start=start,
                    tz=tz,
                    override=form.cleaned_data["override"],
                    key=form.cleaned_data["key"],
                    user=request.user,
                )
            except availability_services.SlotTaken:
                messages.error(request, "That time is not open (or was just taken).")
            except manage_services.ChangeMismatch:
                messages.error(request, "This form was already used: pick the time again.")
            else:
                local = timefmt.local(start, tz)
                when = f"{timefmt.full_date(local.date())} at {timefmt.clock(local)}"
                _say(request, outcome, f"Moved to {when} ({timefmt.zone_label(tz)}).")
                if outcome.done:
                    return redirect("staff:appointment", appointment_id)
    return _reschedule_page(request, booking, tz, form)


def _reschedule_page(request, booking, tz: str, form):
    now = timezone.now()
    today = timefmt.local(now, tz).date()
    day = timefmt.parse_day(request.GET.get("day"))
    month = timefmt.parse_month(request.GET.get("month")) or (day or today).replace(day=1)
    month = max(month, today.replace(day=1))
    open_days = set(manage_selectors.reschedule_open_days(booking=booking, month=month, tz=tz))
    starts = manage_selectors.reschedule_open_times(booking=booking, day=day, tz=tz) if day else []
    base = reverse("staff:reschedule", args=[booking.healthie_appointment_id])
    previous, following = timefmt.add_months(month, -1), timefmt.add_months(month, 1)
    local_start = timefmt.local(booking.start, tz)
    context = {
        "booking": booking,
        "appointment_id": booking.healthie_appointment_id,
        "current": f"{timefmt.full_date(local_start.date())} at {timefmt.clock(local_start)}",
        "zone_label": timefmt.zone_label(tz),
        "month_label": timefmt.month_name(month),
        "weeks": timefmt.month_grid(month, open_days, today, day),
        "base": base,
        "prev_url": f"{base}?month={previous:%Y-%m}" if month > today.replace(day=1) else "",
        "prev_label": timefmt.month_name(previous),
        "next_url": f"{base}?month={following:%Y-%m}",
        "next_label": timefmt.month_name(following),
        "day": day,
        "day_label": timefmt.full_date(day) if day else "",
        "time_groups": timefmt.grouped_times(starts, tz),
        # A fresh key on every drawing: a refused attempt's key names that attempt's time.
        "key": new_key(),
        "form": form,
        "override_date": (day or local_start.date()).isoformat(),
    }
    status = 400 if form is not None and form.errors else 200
    return staff_render(
        request, "staff/desk/reschedule.html", context, section="calendar", status=status
    )

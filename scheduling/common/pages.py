"""What every patient page shares: rendering a step whole or as an htmx partial, the problem
page, the signed-step decorator that turns a bad step token into that page, the 503 page when
Healthie cannot answer, and the day-and-time picker. The texts live in common.messages."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import lru_cache, wraps
from math import ceil

from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.defaults import page_not_found
from django_htmx.http import push_url

from integrations.errors import VendorError
from scheduling.common import messages, timefmt, tokens
from scheduling.common.origin import origin_checked
from scheduling.common.upstream import UpstreamUnavailable


def render_step(
    request, template: str, context: dict, *, status: int = 200, partial: str = "", push: str = ""
):
    """The whole page, or only `partial` when htmx asks (never for a history restore); `push`
    is the step's canonical URL for the address bar, so back/forward and sharing work.
    `partial` is a partial of `template`, or "other.html#name" for one defined elsewhere."""
    as_partial = partial and request.htmx and not request.htmx.history_restore_request
    name = template
    if as_partial:
        name = partial if "#" in partial else f"{template}#{partial}"
    response = render(request, name, context, status=status)
    if as_partial and push:
        push_url(response, push)
    patch_vary_headers(response, ["HX-Request"])
    return response


def problem(
    request,
    title: str,
    message: str,
    *,
    status: int,
    page=None,
    restart: str = "",
    back: str = "",
    clinic: str = "",
):
    """The problem page. `restart`: a "Try again" link (the booking flow). `back`: the way back
    to the patient's appointment (the manage link), with the clinic's own words in `clinic`."""
    if back:
        template = "scheduling/manage/refused.html"
        context = {
            "page": page,
            "title": title,
            "message": message,
            "clinic_message": clinic,
            "manage_url": back,
        }
    else:
        template = "scheduling/problem.html"
        context = {"title": title, "message": message, "page": page, "restart": restart}
    return render(request, template, context, status=status)


def bad_token(request, exc: tokens.TokenInvalid, flow: str, **where):
    """A step token of `flow` ("booking" or "manage") that is expired or unreadable: a 400
    problem page saying what to do; `where` is problem()'s page/restart/back."""
    expired, unreadable = messages.TOKEN_PROBLEMS[flow]
    if isinstance(exc, tokens.TokenExpired):
        return problem(request, messages.EXPIRED_TITLE, expired, status=400, **where)
    return problem(request, messages.UNREADABLE_TITLE, unreadable, status=400, **where)


def signed_step(
    token_type: type[tokens.StepToken],
    *,
    field: str,
    load: Callable,
    on_bad: Callable,
):
    """For the steps that post a signed step token: the Origin check (common.origin), then
    `load(**url_kwargs)` (the page or booking, or Http404), then on POST the token in
    `request.POST[field]` unsigned into `token_type` and checked to belong to what was loaded.
    The view is called as `view(request, owner, step)` (step is None on GET). A bad, expired or
    foreign token, or a tokens.TokenInvalid the view raises itself (a slot that does not fit),
    becomes `on_bad(request, owner, exc)`: the problem page."""

    def decorate(view):
        @origin_checked
        @wraps(view)
        def wrapped(request, **kwargs):
            owner = load(**kwargs)
            try:
                step = None
                if request.method == "POST":
                    step = token_type.unsign(request.POST.get(field))
                    if not step.belongs_to(owner):
                        raise tokens.TokenInvalid("made for another page or booking")
                return view(request, owner, step)
            except tokens.TokenInvalid as exc:
                return on_bad(request, owner, exc)

        return wrapped

    return decorate


def too_many_requests(request, *, retry_after: int):
    """The 429 page (common.limits): how long to wait, also in Retry-After (seconds)."""
    retry_after = max(1, retry_after)
    context = {
        "title": messages.TOO_MANY_TITLE,
        "message": messages.too_many_message(ceil(retry_after / 60)),
    }
    # htmx (a polled or swapped part): the problem replaces that part, as unavailable() does.
    name = "scheduling/problem.html#problem" if request.htmx else "scheduling/problem.html"
    response = render(request, name, context, status=429)
    response["Retry-After"] = str(retry_after)
    patch_cache_control(response, no_store=True, private=True)
    patch_vary_headers(response, ["HX-Request"])
    return response


def secret_link(view):
    """A page whose URL works as a secret (the confirmation page, its .ics and polled links, the
    questionnaire link): never stored by a browser or a shared cache, its 404 page included,
    kept out of search engines and out of the Referer sent to other sites."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404 as exc:
            response = page_not_found(request, exc)
        patch_cache_control(response, no_store=True, private=True)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def unavailable(request):
    context = {
        "title": messages.UNAVAILABLE_TITLE,
        "message": messages.UNAVAILABLE_MESSAGE,
        "restart": request.get_full_path() if request.method == "GET" else "",
    }
    # htmx: the problem replaces the picker it was loading (same id), announced by role="alert".
    name = "scheduling/problem.html#problem" if request.htmx else "scheduling/problem.html"
    response = render(request, name, context, status=503)
    patch_vary_headers(response, ["HX-Request"])
    return response


def upstream_guard(view):
    """Healthie unreachable while reading what to show, or answering something we cannot read
    (a malformed body, a non-GraphQL 404): a clear 503 page, nothing lost."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (UpstreamUnavailable, VendorError):
            return unavailable(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def month_picker(state, *, today: date, calendar_step: str, first_open_day, open_days):
    """The month part of the day-and-time picker, for the booking flow and the reschedule
    steps alike: the month asked for (or the first with an open day), never before this one.

    `state` is a StepState; `first_open_day()` and `open_days(month)` read availability.
    Returns the state with its month set, and the picker's context.
    """
    this_month = today.replace(day=1)
    month = state.day.replace(day=1) if state.day else state.month
    nothing_soon = False
    if month is None:
        first_open = first_open_day()
        nothing_soon = first_open is None
        month = (first_open or today).replace(day=1)
    month = max(month, this_month)
    state = replace(state, month=month)
    days = set(open_days(month))
    previous, following = timefmt.add_months(month, -1), timefmt.add_months(month, 1)
    return state, {
        "state": state,
        "month_label": timefmt.month_name(month),
        "month_rows": month_rows(month, days, today, state.day),
        "has_open_days": bool(days),
        "prev_url": state.url(calendar_step, month=previous, day="") if month > this_month else "",
        "prev_label": timefmt.month_name(previous),
        "next_url": state.url(calendar_step, month=following, day=""),
        "next_label": timefmt.month_name(following),
        "nothing_soon": nothing_soon,
        "day_form_fields": state.hidden_fields(day="", month=""),
    }


def zone_switcher(state) -> dict:
    """The "Times are shown in" switcher: the zone, the choices, the rest of the state kept."""
    return {
        "tz_hidden": [(k, v) for k, v in state.params().items() if k != "tz"],
        "tz_label": timefmt.zone_label(state.tz),
        "tz_choices": timefmt.zone_choices(state.tz),
    }


def day_times(state, starts: list, *, times_token: str, hold_url: str) -> dict:
    """The picker's times of `state.day`, grouped by part of day, and the form that holds one."""
    return {
        "day_label": timefmt.full_date(state.day),
        "time_list": time_list(starts, state.tz),
        "time_count": len(starts),
        "times_token": times_token,
        "hold_url": hold_url,
    }


# The picker's two big loops (a month's ~42 day buttons, a day's time buttons) are most of a
# picker view's rendering time, yet the same few inputs come back for every patient looking at
# the same month or day. Each is rendered once per process for its exact inputs, the data
# included (open days, the open times left after holds), and reused: nothing can go stale, as
# any change in what is offered is a different key. Bounded, least recently used first out.
PICKER_RENDERS_KEPT = 512


def month_rows(month: date, open_days, today: date, selected: date | None) -> str:
    """The calendar's week rows (`calendar.html#month_rows`) for `month`."""
    in_month = frozenset(d for d in open_days if d.replace(day=1) == month)
    return _month_rows(get_language(), month, in_month, today, selected)


@lru_cache(maxsize=PICKER_RENDERS_KEPT)
def _month_rows(language, month: date, open_days: frozenset, today: date, selected) -> str:
    weeks = timefmt.month_grid(month, set(open_days), today, selected)
    return render_to_string("scheduling/calendar.html#month_rows", {"weeks": weeks})


def time_list(starts: list, tz: str) -> str:
    """A day's time buttons (`calendar.html#time_list`), grouped by part of day; "" when none."""
    return _time_list(get_language(), tz, tuple(starts)) if starts else ""


@lru_cache(maxsize=PICKER_RENDERS_KEPT)
def _time_list(language, tz: str, starts: tuple) -> str:
    groups = timefmt.grouped_times(list(starts), tz)
    return render_to_string("scheduling/calendar.html#time_list", {"time_groups": groups})

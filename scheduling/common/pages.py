"""What every patient page shares: rendering a step whole or as an htmx partial, the problem
page, the signed-step decorator that turns a bad step token into that page, the 503 page when
Healthie cannot answer, and the labels of contact types. The texts live in common.messages."""

from collections.abc import Callable
from functools import wraps

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url

from scheduling.common import messages, tokens
from scheduling.common.origin import origin_checked
from scheduling.common.upstream import UpstreamUnavailable

CONTACT_LABELS = messages.CONTACT_LABELS


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


def bad_token(request, exc: tokens.TokenInvalid, *, expired: str, unreadable: str, **where):
    """A step token that is expired (`expired` says what to do) or unreadable: a 400 problem
    page; `where` is problem()'s page/restart/back."""
    if isinstance(exc, tokens.TokenExpired):
        title, message = messages.EXPIRED_TITLE, expired
    else:
        title, message = messages.UNREADABLE_TITLE, unreadable
    return problem(request, title, message, status=400, **where)


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
    """Healthie unreachable while reading what to show: a clear 503 page, nothing lost."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except UpstreamUnavailable:
            return unavailable(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped

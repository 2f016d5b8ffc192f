"""What every patient page shares: rendering a step whole or as an htmx partial, the problem
page, the 503 page when Healthie cannot answer, and the labels of contact types."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url

from scheduling.common.upstream import UpstreamUnavailable

CONTACT_LABELS = {
    "Healthie Video Call": "Video call",
    "Phone Call": "Phone call",
    "In Person": "In person",
}


def render_step(
    request, template: str, context: dict, *, status: int = 200, partial: str = "", push: str = ""
):
    """The whole page, or only `partial` when htmx asks (never for a history restore); `push`
    is the step's canonical URL for the address bar, so back/forward and sharing work."""
    as_partial = partial and request.htmx and not request.htmx.history_restore_request
    name = f"{template}#{partial}" if as_partial else template
    response = render(request, name, context, status=status)
    if as_partial and push:
        push_url(response, push)
    patch_vary_headers(response, ["HX-Request"])
    return response


def problem(request, title: str, message: str, *, status: int, page=None, restart: str = ""):
    return render(
        request,
        "scheduling/problem.html",
        {"title": title, "message": message, "page": page, "restart": restart},
        status=status,
    )


def unavailable(request):
    context = {
        "title": "We can't load times right now",
        "message": "The clinic's scheduling system isn't answering. Please try again in a minute.",
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

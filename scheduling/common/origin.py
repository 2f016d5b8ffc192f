"""Embedding and cross-site protection for the public booking pages, per booking page.

A booking page may be framed, and posted to, by this site, the clinic sites listed in the
BOOKING_EMBED_ORIGINS setting (every page) and the sites in its own `embed_origins` (that page
only). The page is found from the URL the view answers: `/book/<slug>/...` names it, and
`/manage/<token>/...`, `/book/<slug>/booked/<reference>/...` and `/questionnaire/<reference>/`
name a booking, whose page it is.

- `embeddable`: CSP frame-ancestors `'self'` plus those origins, added to the site's full policy.
  The browser refuses to render the page inside any other site, so the widget's frame-side
  script (static/scheduling/booking.js, last section) never runs there and no event reaches it.
  Everything else keeps Django's global X-Frame-Options: DENY (the admin included).
- `origin_checked`: Django's CSRF protection needs a cookie, and a browser that blocks
  third-party cookies drops it when the page is framed on a clinic's site, so booking posts could
  never succeed there. These views are csrf_exempt and protected instead by (1) an Origin check:
  a POST must come from this site or an allowed embed origin (falling back to Referer for the
  rare browser that sends no Origin) and (2) signed, expiring step tokens in the form
  (common.tokens), so a post cannot invent a slot, hold or booking. No booking view reads a
  session or sets a cookie, so there is no ambient authority for a forged post to ride on.

Every origin goes through `normalise_origin` before use: a page's list is typed by staff, and a
value like `https://a.example; script-src *` must never reach the CSP header.
"""

import re
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from scheduling.common import conf
from scheduling.models import Booking, BookingPage
from scheduling.models.booking import MANAGE_TOKEN_SHAPE, REFERENCE_SHAPE

# A host name or IPv4 address: letters, digits, dots and hyphens; or an IPv6 address.
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|[0-9a-f:.]*:[0-9a-f:.]*")


def normalise_origin(value) -> str | None:
    """`scheme://host[:port]` in lowercase for an http(s) origin, else None (paths, queries,
    user names, wildcards, CSP keywords, anything with spaces or semicolons)."""
    if not isinstance(value, str):
        return None
    value = value.strip().rstrip("/")
    if not value or any(c.isspace() or c in ";,'\"*\\" for c in value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a port that is no number or out of range
    except ValueError:
        return None
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or parts.path
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
        or not _HOST.fullmatch(host)
    ):
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return f"{parts.scheme}://{shown}"  # as browsers send it in Origin
    return f"{parts.scheme}://{shown}:{port}"


def clean_origins(values) -> list[str]:
    """The valid origins of `values` (a page's JSON list or the setting), in order, once each."""
    if not isinstance(values, list | tuple):
        return []
    return list(dict.fromkeys(o for o in map(normalise_origin, values) if o))


def _page_origins_from_url(kwargs: dict) -> list:
    """The `embed_origins` of the booking page the URL names (see the module docstring)."""
    slug, token, reference = kwargs.get("slug"), kwargs.get("token"), kwargs.get("reference")
    if isinstance(slug, str) and slug:
        found = BookingPage.objects.filter(slug=slug).values_list("embed_origins", flat=True)
    elif isinstance(token, str) and MANAGE_TOKEN_SHAPE.fullmatch(token):
        found = Booking.objects.filter(manage_token=token).values_list(
            "page__embed_origins", flat=True
        )
    elif isinstance(reference, str) and REFERENCE_SHAPE.fullmatch(reference):
        found = Booking.objects.filter(reference=reference).values_list(
            "page__embed_origins", flat=True
        )
    else:
        return []
    return found.first() or []


def embed_origins_for(request, url_kwargs: dict | None = None) -> list[str]:
    """The clinic sites allowed to frame and post to the page this request is for: the setting's
    and the page's own. Read once per request."""
    cached = getattr(request, "_embed_origins", None)
    if cached is None:
        if url_kwargs is None:
            match = getattr(request, "resolver_match", None)
            url_kwargs = match.kwargs if match else {}
        page_origins = _page_origins_from_url(url_kwargs)
        cached = clean_origins([*conf.embed_origins(), *page_origins])
        request._embed_origins = cached
    return cached


def frame_ancestors(request, url_kwargs: dict | None = None) -> list[str]:
    """The frame-ancestors sources for this request's page."""
    return ["'self'", *embed_origins_for(request, url_kwargs)]


def allowed_origins(request, url_kwargs: dict | None = None) -> set[str]:
    own = f"{request.scheme}://{request.get_host()}"
    trusted = getattr(settings, "CSRF_TRUSTED_ORIGINS", [])
    return {own, *trusted, *embed_origins_for(request, url_kwargs)}


def request_origin(request) -> str | None:
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.rstrip("/")
    if origin == "null":
        return None  # sandboxed or privacy-redirected context: never trusted
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


def origin_allowed(request, url_kwargs: dict | None = None) -> bool:
    origin = request_origin(request)
    return origin is not None and origin in allowed_origins(request, url_kwargs)


def _is_partial(request) -> bool:
    """An htmx swap (not a history restore, which loads a whole page): never a framed
    document, so frame-ancestors does not apply to it and the page's list need not be read."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def embeddable(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if _is_partial(request) and getattr(request, "_embed_origins", None) is None:
            ancestors = ["'self'", *clean_origins(conf.embed_origins())]
        else:
            ancestors = frame_ancestors(request, kwargs)
        # Added to the site's policy (settings.CONTENT_SECURITY_POLICY) by django-csp's
        # middleware; read per response, so a changed setting or page applies at once.
        response._csp_update = {"frame-ancestors": ancestors}
        response.xframe_options_exempt = True  # frame-ancestors decides for these pages
        return response

    return wrapped


def origin_checked(view):
    """For POST views: csrf_exempt, replaced by the Origin check (see the module docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not origin_allowed(request, kwargs):
            return render(
                request,
                "scheduling/problem.html",
                {
                    "title": "This form can't be sent from here",
                    "message": (
                        "For your security, bookings can only be sent from the clinic's own "
                        "booking pages. Please open the booking page and try again."
                    ),
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)

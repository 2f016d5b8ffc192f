"""Embedding and cross-site protection for the public booking pages.

- `embeddable`: the booking pages may be framed by this site and the clinic sites listed in
  BOOKING_EMBED_ORIGINS (CSP frame-ancestors, added to the site's full policy). Everything
  else keeps Django's global X-Frame-Options: DENY (the admin included).
- `origin_checked`: Django's CSRF protection needs a cookie, and a browser that blocks
  third-party cookies drops it when the page is framed on a clinic's site, so booking posts could
  never succeed there. These views are csrf_exempt and protected instead by (1) an Origin check:
  a POST must come from this site or an allowed embed origin (falling back to Referer for the
  rare browser that sends no Origin) and (2) signed, expiring step tokens in the form
  (common.tokens), so a post cannot invent a slot, hold or booking. No booking view reads a
  session or sets a cookie, so there is no ambient authority for a forged post to ride on.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from scheduling.common import conf


def allowed_origins(request) -> set[str]:
    own = f"{request.scheme}://{request.get_host()}"
    return {own, *conf.embed_origins(), *getattr(settings, "CSRF_TRUSTED_ORIGINS", [])}


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


def origin_allowed(request) -> bool:
    origin = request_origin(request)
    return origin is not None and origin in allowed_origins(request)


def embeddable(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # Added to the site's policy (settings.CONTENT_SECURITY_POLICY) by django-csp's
        # middleware; read per response, so a changed setting applies at once.
        response._csp_update = {"frame-ancestors": ["'self'", *conf.embed_origins()]}
        response.xframe_options_exempt = True  # frame-ancestors decides for these pages
        return response

    return wrapped


def origin_checked(view):
    """For POST views: csrf_exempt, replaced by the Origin check (see the module docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not origin_allowed(request):
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

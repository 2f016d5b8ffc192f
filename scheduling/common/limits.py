"""Rate limits on the public pages: django-ratelimit's counters, the rates in
settings.RATE_LIMITS, and the 429 page (common.pages.too_many_requests) past them.

What is counted, and by what key, is chosen so that a clinic's NAT (many patients, one address)
is not blocked by normal use, while guessing and hammering are:

- a *miss* (an unknown manage token, booking reference or webhook secret: a 404) is counted per
  client address, and past the limit that address gets 429 for every secret link until the
  window ends. Patients click their links rather than type them, so they almost never miss;
  a guesser misses nearly every time (1,000 guesses used to be answered in 47 s).
- what a valid link opens is counted per link (its token or reference), not per address, so
  one patient reloading cannot block the others behind the same address.
- posts (hold, details, confirm, reschedule, cancel) are counted per address with a rate that
  leaves room for several patients booking at once.
"""

import ipaddress
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import Http404
from django_ratelimit.core import get_usage

from scheduling.common import pages


@dataclass(frozen=True)
class Limit:
    """One counter: `rate` names a settings.RATE_LIMITS entry; `per` is "ip" or the URL argument
    that names the link ("token", "reference"); `misses` counts only 404 answers; `method`
    limits the counter to one method (e.g. "POST")."""

    rate: str
    per: str = "ip"
    misses: bool = False
    method: str | None = None


def client_ip(request) -> str:
    """The client's address: the last entry of settings.RATE_LIMIT_CLIENT_IP_HEADER (what our
    proxy saw) when set, else the connection's. An IPv6 client counts as its whole /64, which is
    what one subscriber usually gets."""
    candidates = [request.META.get("REMOTE_ADDR", "")]
    header = settings.RATE_LIMIT_CLIENT_IP_HEADER
    if header:
        candidates.insert(0, request.headers.get(header, "").split(",")[-1].strip())
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if address.version == 6:
            return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
        return str(address)
    return "unknown"


def _usage(request, limit: Limit, url_kwargs: dict, *, increment: bool) -> dict | None:
    """django-ratelimit's count for this request under `limit` (None: not counted)."""
    rate = settings.RATE_LIMITS.get(limit.rate) or None  # empty: this limit is off
    value = client_ip(request) if limit.per == "ip" else str(url_kwargs.get(limit.per, ""))
    return get_usage(
        request,
        group=f"{limit.rate}:{limit.per}",
        key=lambda group, request: value,
        rate=rate,
        method=limit.method or get_usage.ALL,
        increment=increment,
    )


def _exceeded(usage: dict | None, limit: Limit) -> bool:
    if usage is None:
        return False
    if limit.misses:  # not incremented by this request: it may not miss
        return usage["count"] >= usage["limit"]
    return usage["should_limit"]


def limited(*limits: Limit):
    """Answer 429 (with Retry-After) once any of `limits` is used up; otherwise call the view
    and count it (a miss counter only when the view answers or raises 404)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            for limit in limits:
                usage = _usage(request, limit, kwargs, increment=not limit.misses)
                if _exceeded(usage, limit):
                    return pages.too_many_requests(request, retry_after=usage["time_left"])
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                _count_miss(request, limits, kwargs)
                raise
            if response.status_code == 404:
                _count_miss(request, limits, kwargs)
            return response

        return wrapped

    return decorate


def _count_miss(request, limits, url_kwargs) -> None:
    for limit in limits:
        if limit.misses:
            _usage(request, limit, url_kwargs, increment=True)


# The limits of each kind of public page (the rates are settings).
BOOKING_POSTS = Limit("booking_posts", method="POST")
LINK_MISSES = Limit("link_misses", misses=True)
MANAGE_LINK = (LINK_MISSES, Limit("manage_link", per="token"), BOOKING_POSTS)
CONFIRMATION = (LINK_MISSES, Limit("confirmation", per="reference"))
QUESTIONNAIRE = (LINK_MISSES, Limit("questionnaire", per="reference"))
WEBHOOK = (LINK_MISSES,)

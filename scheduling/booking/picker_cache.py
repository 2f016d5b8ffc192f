"""Whole picker partials (a month's days, a day's times) reused across patients: a middleware.

Most picker views are the same few URLs asked again and again: the same page, type, providers,
zone, month or day. Rendering one costs a database query for the page, another for the holds, a
dozen cache reads and the rest of the middleware; serving a stored one costs one cache round trip
and skips the middleware below this one (sessions, auth, messages, CSRF: a patient's picker uses
none of them), so it is about as cheap as the server's cheapest view (`/healthz`, issue 12).

A stored picker is exactly what that URL showed, in that language. It is served again only
while nothing it depends on has changed:
- the providers' availability versions and holds stamps and the pages' version, read before
  anything they guard (availability.selectors.picker_stamps; bumped by
  availability.services.availability_invalidate, holds_changed and pages_changed), are still
  the same;
- the earliest expiry of the holds it left out has not passed (a released slot is offered
  again the moment its hold ends), nor the patient's midnight (past days), nor the availability
  cache's lifetime: a time made unavailable in Healthie without a webhook shows for at most
  twice BOOKING_AVAILABILITY_CACHE_SECONDS, as a read of the cached times already could.

Only htmx partials of the calendar and times steps with status 200 and no cookie are stored: a
whole page carries the patient's summary and step links around the picker, and answers to
errors must be fresh. Stored pickers live in the shared cache, and each web process keeps the
ones it served last in memory too (bounded), so a hit reads the stamps only.
"""

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import get_language

from scheduling.availability import selectors
from scheduling.common import conf

PICKER_VIEWS = {"scheduling:calendar", "scheduling:times"}

KEPT_IN_PROCESS = 256  # ~10-30 KB each


@dataclass(frozen=True)
class Stored:
    stamps: dict
    valid_until: datetime
    status: int
    headers: dict
    content: bytes
    csp_update: dict | None  # the view's frame-ancestors, applied by the CSP middleware above


class StoredPickers:
    """Serves a stored picker when there is one still valid; stores the pickers the views
    render (they leave their availability reads on the response as `picker_reads`).

    Placed right below the language middleware: the language is part of what is stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _reusable(request):
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS holds for a stored answer too
        key = _key(request)
        stored = lookup(key)
        if stored is not None:
            return stored
        response = self.get_response(request)
        reads = getattr(response, "picker_reads", None)
        if reads is not None:
            store(key, response, reads)
        return response


def _reusable(request: HttpRequest) -> bool:
    """A GET of a picker partial (not a history restore, which needs the whole page)."""
    return (
        request.method == "GET"
        and request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
        and _picker_path(request.path_info)
    )


@lru_cache(maxsize=1024)
def _picker_path(path: str) -> bool:
    try:
        return resolve(path).view_name in PICKER_VIEWS
    except Resolver404:
        return False


def _key(request: HttpRequest) -> str:
    what = f"{get_language()}\n{request.get_full_path()}"
    return f"sched:picker:{hashlib.sha256(what.encode()).hexdigest()[:32]}"


_recent: dict[str, Stored] = {}
_recent_lock = threading.Lock()


def _remember(key: str, stored: Stored) -> None:
    with _recent_lock:
        _recent.pop(key, None)
        _recent[key] = stored
        while len(_recent) > KEPT_IN_PROCESS:
            _recent.pop(next(iter(_recent)))  # the oldest first


def lookup(key: str) -> HttpResponse | None:
    """The stored picker under `key`, if it is still exactly what would be rendered."""
    stored = _recent.get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            return None
        _remember(key, stored)
    if timezone.now() >= stored.valid_until:
        return None
    if cache.get_many(list(stored.stamps)) != _present(stored.stamps):
        return None
    response = HttpResponse(stored.content, status=stored.status, headers=stored.headers)
    if stored.csp_update is not None:
        response._csp_update = stored.csp_update
    return response


def _present(stamps: dict) -> dict:
    # get_many leaves out keys never set; picker_stamps read those as 0.
    return {key: value for key, value in stamps.items() if value != 0}


def store(key: str, response: HttpResponse, reads: selectors.Picker) -> None:
    """Keep `response`, rendered from `reads`, for the next identical request."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    now = timezone.now()
    local = now.astimezone(ZoneInfo(reads.query["tz"]))
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
    limits = [
        now + timedelta(seconds=conf.availability_cache_seconds()),
        midnight.replace(tzinfo=local.tzinfo),
    ]
    if reads.valid_until is not None:
        limits.append(reads.valid_until)
    valid_until = min(limits)
    seconds = (valid_until - now).total_seconds()
    if seconds < 1:
        return
    stored = Stored(
        stamps=reads.stamps,
        valid_until=valid_until,
        status=response.status_code,
        headers=dict(response.items()),
        content=response.content,
        csp_update=getattr(response, "_csp_update", None),
    )
    cache.set(key, stored, timeout=int(seconds) + 1)
    _remember(key, stored)

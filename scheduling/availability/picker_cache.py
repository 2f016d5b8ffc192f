"""Whole picker partials (a month's days, a day's times) reused across patients.

Most picker views are the same few URLs asked again and again: the same page, type, providers,
zone, month or day. Rendering one costs a database query for the page, another for the holds and
a dozen cache reads; serving a stored rendering costs two cache reads and no query, close to the
server's cheapest view (issue 12's ceiling).

A stored picker is exactly what that URL showed, in that language. It is served again only
while nothing it depends on has changed:
- the providers' availability versions and holds stamps and the pages' version, read before
  anything they guard (selectors.picker_stamps; bumped by services.availability_invalidate,
  holds_changed and pages_changed), are still the same;
- the earliest expiry of the holds it left out has not passed (a released slot is offered
  again the moment its hold ends), nor the patient's midnight (past days), nor the availability
  cache's lifetime: a time made unavailable in Healthie without a webhook shows for at most
  twice BOOKING_AVAILABILITY_CACHE_SECONDS, as a read of the cached times already could.

Only htmx partials with status 200 are stored: a whole page carries the patient's summary and
step links around the picker, and answers to errors must be fresh.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from scheduling.availability import selectors
from scheduling.common import conf


@dataclass(frozen=True)
class Stored:
    stamps: dict
    valid_until: datetime
    status: int
    headers: dict
    content: bytes


def reusable(request: HttpRequest) -> bool:
    """A GET of a picker partial (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return request.method == "GET" and bool(htmx) and not htmx.history_restore_request


def _key(request: HttpRequest) -> str:
    what = f"{get_language()}\n{request.get_full_path()}"
    return f"sched:picker:{hashlib.sha256(what.encode()).hexdigest()[:32]}"


def lookup(request: HttpRequest) -> HttpResponse | None:
    """The stored picker for this request, if it is still exactly what would be rendered."""
    stored = cache.get(_key(request))
    if stored is None or timezone.now() >= stored.valid_until:
        return None
    if cache.get_many(list(stored.stamps)) != _present(stored.stamps):
        return None
    return HttpResponse(stored.content, status=stored.status, headers=stored.headers)


def _present(stamps: dict) -> dict:
    # get_many leaves out keys never set; picker_stamps read those as 0.
    return {key: value for key, value in stamps.items() if value != 0}


def store(request: HttpRequest, response: HttpResponse, reads: selectors.Picker) -> None:
    """Keep `response`, rendered from `reads`, for the next identical request."""
    if response.status_code != 200 or response.streaming:
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
    )
    cache.set(_key(request), stored, timeout=int(seconds) + 1)

"""Availability reads: what Healthie offers (types, providers, open days and times), cached
briefly, with live holds applied.

Availability from Healthie is cached per page, appointment type, contact type, provider set, range
or day and timezone, for `conf.availability_cache_seconds()`. Concurrent identical misses make one
upstream call (single flight, `cached_call`). Each provider has a version number in the cache that
is part of every key it appears in; `services.availability_invalidate` bumps it when one of our
bookings lands, so every cached answer for that provider is dropped at once.

Open days come from one daysAvailableForRange over the whole search window (this month and the
next `conf.search_months()`, as Healthie's own widget asks six months at once): it gives the first
open day and every month's calendar in the window, so a booking costs three Healthie calls (days,
times, checkout) and no nextAvailableSlot. A page that misses two reads fetches them side by
side (`side_by_side`): one round trip.

Live holds are never cached: they are applied on each read, so a held slot disappears for others
at once and reappears as soon as its hold expires.
"""

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import DateTimeField, Value
from django.utils import timezone

from integrations.errors import TransientError
from integrations.healthie.types import AppointmentType, Provider
from scheduling.common import conf, timefmt
from scheduling.common.upstream import UpstreamUnavailable, healthie
from scheduling.models import Booking, BookingPage, SlotHold
from scheduling.models.booking import HOLD_TOKEN_SHAPE

logger = logging.getLogger(__name__)


_MISSING = object()


CATALOGUE_SECONDS = 300  # appointment types and provider names change rarely


CATALOGUE_STALE_SECONDS = 24 * 3600  # ...so an outage shows yesterday's names, not an error


LOCK_SECONDS = 30  # a fetch that takes longer than this lets a second caller in


FAILURE_SECONDS = 3  # after an upstream failure, waiters fail fast instead of queueing calls


POLL_SECONDS = 0.025


def cache_key(kind: str, *parts: Any) -> str:
    """A short, backend-safe key (contact types contain spaces; zones contain slashes)."""
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"sched:{kind}:{digest}"


def _version_key(provider_id: str) -> str:
    return f"sched:provider-version:{provider_id}"


def provider_versions(provider_ids: tuple[str, ...]) -> tuple:
    found = cache.get_many([_version_key(p) for p in provider_ids])
    return tuple(found.get(_version_key(p), 0) for p in provider_ids)


def holds_key(provider_id: str) -> str:
    return f"sched:provider-holds:{provider_id}"


PAGES_VERSION_KEY = "sched:pages-version"


def picker_stamps(provider_ids: tuple[str, ...]) -> dict[str, Any]:
    """Everything a rendered picker shows besides its URL and the clock, by cache key: the
    providers' availability versions, their holds stamps (services.holds_changed) and the
    booking pages' version; one round trip. A stamp never set reads as 0."""
    keys = [_version_key(p) for p in provider_ids] + [holds_key(p) for p in provider_ids]
    keys.append(PAGES_VERSION_KEY)
    found = cache.get_many(keys)
    if PAGES_VERSION_KEY not in found:
        # Always set, so a picker stored before the cache was emptied (a flush, an eviction)
        # no longer matches: a web process keeps stored pickers in memory too.
        cache.add(PAGES_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        found[PAGES_VERSION_KEY] = cache.get(PAGES_VERSION_KEY)
    return {key: found.get(key, 0) for key in keys}


def cached_call(
    key: str, produce: Callable[[], Any], *, timeout: int, stale_for: int | None = None
) -> Any:
    """`produce()` at most once at a time per key across processes sharing the cache.

    The first caller to `cache.add` the lock fetches; the others poll the cache until the value
    appears. `cache.add` is atomic on locmem, Redis and the file backend's single host, which is
    all single flight needs; a lost lock (crash) expires after LOCK_SECONDS.

    With `stale_for`, a copy is kept that long and served when Healthie fails (for slow-changing
    data only: a stale time list could offer a taken slot, so availability never uses it).
    """
    if stale_for:
        fresh = produce

        def produce() -> Any:
            try:
                value = fresh()
            except TransientError:
                stale = cache.get(f"{key}:stale", _MISSING)
                if stale is _MISSING:
                    raise
                logger.info("serving stale %s while Healthie is unavailable", key.split(":")[1])
                return stale
            cache.set(f"{key}:stale", value, stale_for)
            return value

    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    lock_key, failed_key = f"{key}:lock", f"{key}:failed"
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        if cache.add(lock_key, 1, LOCK_SECONDS):
            try:
                value = cache.get(key, _MISSING)  # filled while we were waiting for the lock
                if value is _MISSING:
                    try:
                        value = produce()
                    except TransientError:
                        cache.set(failed_key, 1, FAILURE_SECONDS)
                        raise
                    cache.set(key, value, timeout)
                    cache.delete(failed_key)
                return value
            finally:
                cache.delete(lock_key)
        time.sleep(POLL_SECONDS)
        value = cache.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if cache.get(failed_key):
            raise TransientError("healthie", "cache", "a concurrent identical fetch just failed")
        if time.monotonic() > deadline:
            return produce()  # the fetcher vanished without releasing its lock


def _upstream(produce: Callable[[], Any]) -> Any:
    try:
        return produce()
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc


@dataclass(frozen=True)
class Read:
    """One cached Healthie read: its key, and how to fetch it on a miss (Healthie only, never
    the database, so a read can run in another thread)."""

    key: str
    fetch: Callable[[], Any]
    timeout: int

    def value(self) -> Any:
        return _upstream(lambda: cached_call(self.key, self.fetch, timeout=self.timeout))


def side_by_side(*reads: Read) -> dict[str, Any]:
    """Fill the cache for the reads a page needs, the misses at the same time, so a page that
    misses twice waits for one Healthie round trip instead of two. Returns what it found or
    fetched, by key (a single miss is left to its read)."""
    found = cache.get_many([read.key for read in reads])
    missing = [read for read in reads if read.key not in found]
    if len(missing) < 2:
        return found
    with ThreadPoolExecutor(max_workers=len(missing)) as pool:
        futures = {read.key: pool.submit(read.value) for read in missing}
        return {**found, **{key: future.result() for key, future in futures.items()}}


def search_window(tz: str) -> tuple[date, date]:
    """The first of this month (in `tz`) to the last day of the search horizon."""
    first = timezone.now().astimezone(_zone(tz)).date().replace(day=1)
    return first, timefmt.add_months(first, conf.search_months() + 1) - timedelta(days=1)


@dataclass(frozen=True)
class DaysRead(Read):
    """Open days over `start`..`end`, a month or the whole search window."""

    start: date = date.min
    end: date = date.min

    def covers(self, month: date) -> bool:
        return self.start <= month <= self.end

    def days(self) -> list[date]:
        return [date.fromisoformat(x) for x in self.value()]


def days_read(kind: str, scope: tuple, tz: str, month: date | None, fetch_days) -> DaysRead:
    """Open days of `month`, or of the whole search window when `month` is None, as one read.

    `scope` names whose availability it is (it goes into the key, provider versions included);
    `fetch_days(start=, end=)` asks Healthie for the open days of that range."""
    if month is None:
        start, end = search_window(tz)
    else:
        start, end = month, timefmt.add_months(month, 1) - timedelta(days=1)

    def fetch() -> list[str]:
        return [d.isoformat() for d in fetch_days(start=start, end=end)]

    key = cache_key(kind, *scope, start.isoformat(), end.isoformat(), tz)
    return DaysRead(key, fetch, conf.availability_cache_seconds(), start, end)


def days_of_month(window: DaysRead, month_read: Callable[[date], DaysRead], month: date):
    """The open days of `month`: from the window's answer when the window covers the month."""
    read = window if window.covers(month) else month_read(month)
    return [d for d in read.days() if d.replace(day=1) == month]


def first_day(window: DaysRead, tz: str) -> date | None:
    """The first open day from today on, within the window."""
    today = timezone.now().astimezone(_zone(tz)).date()
    return next((d for d in window.days() if d >= today), None)


def appointment_types_for_page(*, page: BookingPage) -> list[AppointmentType]:
    """The page's bookable types, in the page's order."""
    wanted = [str(i) for i in page.appointment_type_ids]

    def fetch() -> list[AppointmentType]:
        return healthie().appointment_types(appointment_type_ids=wanted, clients_can_book=True)

    key = cache_key("types", wanted)
    found = _upstream(
        lambda: cached_call(
            key, fetch, timeout=CATALOGUE_SECONDS, stale_for=CATALOGUE_STALE_SECONDS
        )
    )
    by_id = {t.id: t for t in found if t.clients_can_book and not t.is_group}
    return [by_id[i] for i in wanted if i in by_id]


def appointment_type_for_page(*, page: BookingPage, appointment_type_id: str):
    return next(
        (t for t in appointment_types_for_page(page=page) if t.id == appointment_type_id), None
    )


def _members() -> dict[str, Provider]:
    def fetch() -> list[Provider]:
        return healthie().organization_members()

    key = cache_key("members")
    members = _upstream(
        lambda: cached_call(
            key, fetch, timeout=CATALOGUE_SECONDS, stale_for=CATALOGUE_STALE_SECONDS
        )
    )
    return {p.id: p for p in members}


def providers_for_page(*, page: BookingPage) -> list[Provider]:
    """The page's providers in its order; an id Healthie does not list still gets a row."""
    members = _members()
    return [
        members.get(pid) or Provider(id=pid, first_name="", last_name="")
        for pid in page.provider_set
    ]


def provider_get(*, provider_id: str) -> Provider | None:
    return _members().get(provider_id)


@dataclass(frozen=True)
class OpenSlot:
    start: datetime  # aware, UTC
    provider_ids: tuple[str, ...]  # who is free then, in the page's order


def _availability_args(provider_ids: tuple[str, ...], org_level: bool) -> dict:
    if len(provider_ids) == 1 and not org_level:
        return {"provider_id": provider_ids[0]}
    return {"provider_ids": list(provider_ids), "org_level": True}


def _scope(page: BookingPage, appointment_type_id: str, contact_type: str, provider_ids, stamps):
    versions = tuple(stamps[_version_key(p)] for p in provider_ids)
    return (page.pk, appointment_type_id, contact_type, provider_ids, versions)


def _days(
    *, page, appointment_type_id, contact_type, provider_ids, tz, scope, month=None
) -> DaysRead:
    def fetch_days(*, start: date, end: date) -> list[date]:
        return healthie().days_available(
            appointment_type_id=appointment_type_id,
            contact_type=contact_type,
            start=start,
            end=end,
            timezone=tz,
            **_availability_args(provider_ids, page.org_level),
        )

    return days_read("days", scope, tz, month, fetch_days)


def _times(*, page, appointment_type_id, contact_type, provider_ids, tz, scope, day) -> Read:
    def fetch() -> list[tuple[str, str]]:
        slots = healthie().available_slots(
            appointment_type_id=appointment_type_id,
            contact_type=contact_type,
            day=day,
            timezone=tz,
            **_availability_args(provider_ids, page.org_level),
        )
        return [(s.start.isoformat(), s.provider_id) for s in slots]

    key = cache_key("times", *scope, day.isoformat(), tz)
    return Read(key, fetch, conf.availability_cache_seconds())


class Picker:
    """One view's availability reads for one page, type, contact type, providers and zone:
    the providers' stamps read once (before anything they guard), the cached days and times
    read in one round trip (`prefetch`), the misses fetched side by side. Lives for one request
    only.

    `stamps` and `valid_until` say how long what it read holds, for reusing the rendered
    picker (booking.picker_cache): until a stamp changes or the earliest of the holds it
    subtracted expires.

    `query`: page, appointment_type_id, contact_type, provider_ids, tz."""

    def __init__(self, **query):
        self.query = query
        self.stamps = picker_stamps(query["provider_ids"])
        self.scope = _scope(
            query["page"], query["appointment_type_id"], query["contact_type"],
            query["provider_ids"], self.stamps,
        )  # fmt: skip
        self.valid_until: datetime | None = None
        self._found: dict[str, Any] = {}

    def days_read(self, month: date | None = None) -> DaysRead:
        return _days(**self.query, scope=self.scope, month=month)

    def times_read(self, day: date) -> Read:
        return _times(**self.query, scope=self.scope, day=day)

    def prefetch(self, day: date | None) -> None:
        """The window's days and `day`'s times from the cache at once; both fetched side by
        side when both are missing."""
        reads = [self.days_read()] + ([self.times_read(day)] if day is not None else [])
        self._found.update(side_by_side(*reads))

    def value(self, read: Read) -> Any:
        if read.key not in self._found:
            self._found[read.key] = read.value()
        return self._found[read.key]

    def dates(self, read: DaysRead) -> list[date]:
        return [date.fromisoformat(x) for x in self.value(read)]

    def open_days(self, month: date) -> list[date]:
        """Days of `month` with open time: from the window's answer when it covers the month."""
        window = self.days_read()
        read = window if window.covers(month) else self.days_read(month)
        return [d for d in self.dates(read) if d.replace(day=1) == month]

    def first_open_day(self) -> date | None:
        """The patient-zone day of the next open slot in the search window."""
        today = timezone.now().astimezone(_zone(self.query["tz"])).date()
        return next((d for d in self.dates(self.days_read()) if d >= today), None)

    def open_times(self, day: date, keep_hold_token: str | None = None) -> list["OpenSlot"]:
        """Open start times on `day` (in `tz`): Healthie's availableSlotsForRange for that one
        day, cached, minus the slots other patients hold right now (the hold `keep_hold_token`
        is the patient's own and stays visible)."""
        provider_ids, tz = self.query["provider_ids"], self.query["tz"]
        raw = self.value(self.times_read(day))
        wanted = set(provider_ids)
        pairs = [(datetime.fromisoformat(s), p) for s, p in raw if p in wanted]
        pairs = [(s, p) for s, p in pairs if s.astimezone(_zone(tz)).date() == day]
        held = held_slots(
            provider_ids=provider_ids, starts=[s for s, _ in pairs], keep=keep_hold_token
        )
        expiries = [until for until in held.values() if until is not None]
        if expiries:
            earliest = min(expiries)
            self.valid_until = min(self.valid_until or earliest, earliest)
        order = {p: i for i, p in enumerate(provider_ids)}
        by_start: dict[datetime, list[str]] = {}
        for start, provider_id in pairs:
            if (provider_id, start) not in held:
                by_start.setdefault(start, []).append(provider_id)
        return [
            OpenSlot(start=start, provider_ids=tuple(sorted(set(ids), key=order.__getitem__)))
            for start, ids in sorted(by_start.items())
        ]


def open_days(*, month: date, **query) -> list[date]:
    """Days of `month` (in `tz`) with open time (Healthie's daysAvailableForRange), cached."""
    return Picker(**query).open_days(month)


def first_open_day(**query) -> date | None:
    """The patient-zone day of the next open slot in the search window, cached."""
    return Picker(**query).first_open_day()


def open_times(*, day: date, keep_hold_token: str | None = None, **query) -> list[OpenSlot]:
    """Open start times on `day` (Picker.open_times), for one read."""
    return Picker(**query).open_times(day, keep_hold_token)


def held_slots(
    *, provider_ids: tuple[str, ...], starts: list[datetime], keep: str | None = None
) -> dict[tuple[str, datetime], datetime | None]:
    """(provider id, start) pairs under a live hold or already booked through us, from the first
    of `starts` to the last (a range: two query parameters rather than one per start, and the
    pairs in between that are not in `starts` are harmless to the caller's lookups), each with
    when its hold expires (None: booked)."""
    if not starts:
        return {}
    now = timezone.now()
    during = (min(starts), max(starts))
    holds = SlotHold.objects.filter(
        provider_id__in=provider_ids, start__range=during, expires_at__gt=now
    )
    if keep:
        holds = holds.exclude(token=keep)
    booked = Booking.objects.filter(
        provider_id__in=provider_ids, start__range=during, status=Booking.Status.CONFIRMED
    )
    # One round trip: this runs on every view of a day's times, cached or not.
    # (No ordering: SQLite refuses ORDER BY inside a compound statement.)
    never = Value(None, output_field=DateTimeField())
    rows = (
        holds.order_by()
        .values_list("provider_id", "start", "expires_at")
        .union(booked.order_by().annotate(never=never).values_list("provider_id", "start", "never"))
    )
    held: dict[tuple[str, datetime], datetime | None] = {}
    for provider_id, start, until in rows:
        if until is None or held.get((provider_id, start), until) is not None:
            held[(provider_id, start)] = until  # booked outlasts any hold on the same slot
    return held


def hold_get(*, token: str) -> SlotHold | None:
    """A hold by its token, live or expired (None once it was released or taken over)."""
    if not HOLD_TOKEN_SHAPE.fullmatch(token or ""):
        return None
    return SlotHold.objects.select_related("page").filter(token=token).first()


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)

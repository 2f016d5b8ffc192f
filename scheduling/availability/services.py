"""Availability writes: slot holds (one live hold per provider and start, by a database
uniqueness guarantee) and dropping cached availability when a provider's calendar changes."""

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.availability import selectors
from scheduling.common import conf
from scheduling.models import Booking, BookingPage, SlotHold


class SlotTaken(Exception):
    """Someone else holds or booked this slot."""


@dataclass(frozen=True)
class Slot:
    """What a hold holds: one provider's time, for an appointment type and contact type, on a
    booking page; `provider_choice` is what the patient picked (a provider, or "any")."""

    page: BookingPage
    provider_id: str
    start: datetime
    end: datetime
    appointment_type_id: str
    contact_type: str
    provider_choice: str

    @classmethod
    def of(cls, booking: Booking, *, start: datetime, provider_choice: str) -> "Slot":
        """The booking's provider, type and contact type at `start`, for its length."""
        return cls(
            page=booking.page,
            provider_id=booking.provider_id,
            start=start,
            end=start + booking.duration,
            appointment_type_id=booking.appointment_type_id,
            contact_type=booking.contact_type,
            provider_choice=provider_choice,
        )


def availability_invalidate(*, provider_ids: list[str] | tuple[str, ...]) -> None:
    """Drop every cached day and time list that includes these providers (bump their version)."""
    stamp = timezone.now().timestamp()
    cache.set_many({f"sched:provider-version:{p}": stamp for p in provider_ids}, timeout=None)


def _new_stamp() -> str:
    # Random, not a clock reading: two changes within one tick (or under a pinned test clock)
    # must still give two different stamps.
    return uuid.uuid4().hex


def _bump(key: str) -> None:
    """A new stamp now, and again once the write is committed: a picker rendered in between
    from what was there before carries the first stamp, and the second one drops it."""
    cache.set(key, _new_stamp(), timeout=None)
    transaction.on_commit(lambda: cache.set(key, _new_stamp(), timeout=None))


def holds_changed(sender, instance: SlotHold, **kwargs) -> None:
    """A hold was placed, renewed or released (post_save/post_delete of SlotHold, connected in
    apps.py so no write is missed): pickers rendered with this provider's holds are stale."""
    _bump(selectors.holds_key(instance.provider_id))


def pages_changed(sender, instance: BookingPage, **kwargs) -> None:
    """A booking page was saved or deleted: every rendered picker is stale (its page's providers
    or types may be others now)."""
    _bump(selectors.PAGES_VERSION_KEY)


def hold_place(slot: Slot, *, replaces: str | None = None) -> SlotHold:
    """Hold a slot for conf.hold_minutes(); raises SlotTaken when another patient holds it.

    `replaces` is the patient's previous hold token: it is released (a patient holds one slot),
    or extended when it is this very slot.
    """
    with transaction.atomic():
        if replaces:  # the patient's hold on another time is given up; on this time, renewed
            SlotHold.objects.filter(token=replaces).exclude(
                provider_id=slot.provider_id, start=slot.start
            ).delete()
        return hold_ensure(slot, token=replaces)


def hold_open_slot(
    slot: Slot, *, provider_ids: tuple[str, ...], tz: str, day: date, replaces: str | None = None
) -> SlotHold:
    """Hold `slot.start` with the first of `provider_ids` still open then (one, unless the
    patient chose "first available"). Raises SlotTaken when none is, and UpstreamUnavailable
    when Healthie cannot say."""
    slots = selectors.open_times(
        page=slot.page,
        appointment_type_id=slot.appointment_type_id,
        contact_type=slot.contact_type,
        provider_ids=provider_ids,
        tz=tz,
        day=day,
        keep_hold_token=replaces,
    )
    for provider_id in next((s.provider_ids for s in slots if s.start == slot.start), ()):
        try:
            return hold_place(replace(slot, provider_id=provider_id), replaces=replaces)
        except SlotTaken:
            continue
    raise SlotTaken


def hold_insert(slot: Slot) -> SlotHold:
    """Inside the caller's transaction: free an expired hold on this key, then insert ours.

    Two patients racing for a free slot both pass the delete; the unique (provider_id, start)
    index lets one insert and makes the other wait for it and fail with IntegrityError. A patient
    racing to take over an expired hold blocks on the delete's row lock, then finds the row gone
    or renewed and likewise fails on insert. Either way: exactly one live hold.
    """
    now = timezone.now()
    key = {"provider_id": slot.provider_id, "start": slot.start}
    booked = Booking.objects.filter(**key, status=Booking.Status.CONFIRMED)
    SlotHold.objects.filter(**key, expires_at__lte=now).delete()
    if booked.exists():
        raise SlotTaken
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not poison the outer tx
            hold = SlotHold.objects.create(
                **vars(slot), expires_at=now + timedelta(minutes=conf.hold_minutes())
            )
            # Look again: the insert may have waited for a checkout that held this key and
            # released it when its booking was confirmed; that booking is visible now.
            if booked.exists():
                raise SlotTaken
            return hold
    except IntegrityError:
        raise SlotTaken from None


def hold_ensure(slot: Slot, *, token: str | None) -> SlotHold:
    """Inside the caller's transaction: the slot is held for this patient, by their own hold
    (renewed) or by a fresh one when it expired and nobody took the slot meanwhile. Raises
    SlotTaken otherwise."""
    hold = SlotHold.objects.select_for_update().filter(token=token).first() if token else None
    if hold and hold.provider_id == slot.provider_id and hold.start == slot.start:
        hold.expires_at = timezone.now() + timedelta(minutes=conf.hold_minutes())
        hold.save(update_fields=["expires_at"])
        return hold
    return hold_insert(slot)

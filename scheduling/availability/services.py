"""Availability writes: slot holds (one live hold per provider and start, by a database
uniqueness guarantee) and dropping cached availability when a provider's calendar changes."""

from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.availability import selectors
from scheduling.common import conf
from scheduling.models import Booking, BookingPage, SlotHold


class SlotTaken(Exception):
    """Someone else holds or booked this slot."""


def availability_invalidate(*, provider_ids: list[str] | tuple[str, ...]) -> None:
    """Drop every cached day and time list that includes these providers (bump their version)."""
    stamp = timezone.now().timestamp()
    cache.set_many({f"sched:provider-version:{p}": stamp for p in provider_ids}, timeout=None)


def hold_place(
    *,
    page: BookingPage,
    provider_id: str,
    start: datetime,
    end: datetime,
    appointment_type_id: str,
    contact_type: str,
    provider_choice: str,
    replaces: str | None = None,
) -> SlotHold:
    """Hold a slot for conf.hold_minutes(); raises SlotTaken when another patient holds it.

    `replaces` is the patient's previous hold token: it is released (a patient holds one slot),
    or extended when it is this very slot.
    """
    with transaction.atomic():
        if replaces:  # the patient's hold on another time is given up; on this time, renewed
            SlotHold.objects.filter(token=replaces).exclude(
                provider_id=provider_id, start=start
            ).delete()
        return hold_ensure(
            token=replaces,
            page=page,
            provider_id=provider_id,
            start=start,
            end=end,
            appointment_type_id=appointment_type_id,
            contact_type=contact_type,
            provider_choice=provider_choice,
        )


def hold_open_slot(
    *, page: BookingPage, appointment_type_id: str, contact_type: str,
    provider_ids: tuple[str, ...], tz: str, day: date, start: datetime, length: timedelta,
    provider_choice: str, replaces: str | None = None,
) -> SlotHold:  # fmt: skip
    """Hold `start` with the first of the page's providers still open then (one, unless the
    patient chose "first available"). Raises SlotTaken when none is, and UpstreamUnavailable
    when Healthie cannot say."""
    slots = selectors.open_times(
        page=page,
        appointment_type_id=appointment_type_id,
        contact_type=contact_type,
        provider_ids=provider_ids,
        tz=tz,
        day=day,
        keep_hold_token=replaces,
    )
    for provider_id in next((s.provider_ids for s in slots if s.start == start), ()):
        try:
            return hold_place(
                page=page,
                provider_id=provider_id,
                start=start,
                end=start + length,
                appointment_type_id=appointment_type_id,
                contact_type=contact_type,
                provider_choice=provider_choice,
                replaces=replaces,
            )
        except SlotTaken:
            continue
    raise SlotTaken


def hold_insert(
    *, page, provider_id, start, end, appointment_type_id, contact_type, provider_choice
):
    """Inside the caller's transaction: free an expired hold on this key, then insert ours.

    Two patients racing for a free slot both pass the delete; the unique (provider_id, start)
    index lets one insert and makes the other wait for it and fail with IntegrityError. A patient
    racing to take over an expired hold blocks on the delete's row lock, then finds the row gone
    or renewed and likewise fails on insert. Either way: exactly one live hold.
    """
    now = timezone.now()
    booked = Booking.objects.filter(
        provider_id=provider_id, start=start, status=Booking.Status.CONFIRMED
    )
    SlotHold.objects.filter(provider_id=provider_id, start=start, expires_at__lte=now).delete()
    if booked.exists():
        raise SlotTaken
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not poison the outer tx
            hold = SlotHold.objects.create(
                page=page,
                provider_id=provider_id,
                start=start,
                end=end,
                appointment_type_id=appointment_type_id,
                contact_type=contact_type,
                provider_choice=provider_choice,
                expires_at=now + timedelta(minutes=conf.hold_minutes()),
            )
            # Look again: the insert may have waited for a checkout that held this key and
            # released it when its booking was confirmed; that booking is visible now.
            if booked.exists():
                raise SlotTaken
            return hold
    except IntegrityError:
        raise SlotTaken from None


def hold_ensure(
    *, token: str, page, provider_id: str, start: datetime, end: datetime,
    appointment_type_id: str, contact_type: str, provider_choice: str,
) -> SlotHold:  # fmt: skip
    """Inside the caller's transaction: the slot is held for this patient, by their own hold
    (renewed) or by a fresh one when it expired and nobody took the slot meanwhile. Raises
    SlotTaken otherwise."""
    hold = SlotHold.objects.select_for_update().filter(token=token).first() if token else None
    if hold and hold.provider_id == provider_id and hold.start == start:
        hold.expires_at = timezone.now() + timedelta(minutes=conf.hold_minutes())
        hold.save(update_fields=["expires_at"])
        return hold
    return hold_insert(
        page=page,
        provider_id=provider_id,
        start=start,
        end=end,
        appointment_type_id=appointment_type_id,
        contact_type=contact_type,
        provider_choice=provider_choice,
    )

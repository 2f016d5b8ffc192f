"""Clinic admin writes: a provider's open hours and blocked time in Healthie, and the patient
pages' cache.

Every change, refused or not, drops the provider's cached days and times: after a lost answer
the change may have happened, and the patient pages must never offer hours that are gone.
Blocked time (Healthie's blocker appointments) is changed once per form key (a double submit is
one change) and recorded in Django's action log with the staff user; logs name users, providers
and blocks by id, never a reason.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.cache import cache

from integrations.errors import ContractError, OutcomeUnknownError, RejectedError, TransientError
from scheduling.availability.services import availability_invalidate
from scheduling.common.upstream import healthie

logger = logging.getLogger(__name__)
# How long a block form's key is remembered: longer than anyone keeps a form open.
BLOCK_KEY_SECONDS = 24 * 3600


class HoursRefused(Exception):
    """Healthie refused the change or could not be reached; the message is for staff."""


@dataclass(frozen=True)
class HoursInput:
    """Open hours as staff enter them: wall-clock times in `timezone`."""

    weekly: bool
    first_day: date  # weekly: from this day on (its weekday is the one that repeats)
    opens: time
    closes: time
    timezone: str
    last_day: date | None = None  # weekly only: the last day it applies
    appointment_type_id: str | None = None

    def as_hours(self, provider_id: str) -> dict:
        """`integrations.healthie.client.availability_hours`'s keyword arguments."""
        return {
            "provider_id": provider_id,
            "is_repeating": self.weekly,
            "range_start": self.first_day,
            "start_time": self.opens,
            "end_time": self.closes,
            "timezone": self.timezone,
            "end_on": self.last_day if self.weekly else None,
            "appointment_type_id": self.appointment_type_id,
        }


def _refusal(exc: Exception) -> HoursRefused:
    if isinstance(exc, RejectedError):
        said = "; ".join(m.message for m in exc.messages if m.message) or exc.detail
        return HoursRefused(f"Healthie refused the change: {said}")
    if isinstance(exc, OutcomeUnknownError):
        return HoursRefused(
            "Healthie's answer was lost: the change may or may not have been made. "
            "Check the list below before trying again."
        )
    if isinstance(exc, TransientError):
        return HoursRefused("Healthie is not answering right now; nothing was changed. Try again.")
    return HoursRefused("Healthie answered something unexpected; check the list below.")


def _write(operation: str, provider_id: str, call) -> None:
    try:
        call()
    except (RejectedError, TransientError, ContractError) as exc:
        logger.warning("availability %s for provider %s failed: %s", operation, provider_id, exc)
        raise _refusal(exc) from exc
    finally:
        availability_invalidate(provider_ids=[provider_id])
    logger.info("availability %s for provider %s", operation, provider_id)


def hours_create(*, provider_id: str, hours: HoursInput) -> None:
    _write(
        "create",
        provider_id,
        lambda: healthie().create_availability(**hours.as_hours(provider_id)),
    )


def hours_edit(*, provider_id: str, hours_id: str, hours: HoursInput) -> None:
    _write(
        "edit",
        provider_id,
        lambda: healthie().edit_availability(id=hours_id, **hours.as_hours(provider_id)),
    )


def hours_delete(*, provider_id: str, hours_id: str) -> None:
    _write("delete", provider_id, lambda: healthie().delete_availability(hours_id))


# --------------------------------------------------------------------------------------------
# Blocked time (Healthie blockers)


class AlreadySent(Exception):
    """This form was sent before (a double submit): its change is made or under way."""


@dataclass(frozen=True)
class BlockInput:
    """Blocked time as staff enter it, already turned into instants (aware), and its reason."""

    start: datetime
    end: datetime
    timezone: str  # the provider's zone: Healthie reads the times in it
    reason: str = ""


def _marker(key: str) -> str:
    return f"staff-block-form:{key}"


def block_form_sent(key: str) -> bool:
    """Whether the form with this key was sent before."""
    return cache.get(_marker(key)) is not None


def _once(key: str, write) -> None:
    """Run `write` once per form key. A refusal that provably changed nothing frees the key,
    so the same form can be corrected and sent again; a lost answer keeps it (the change may
    have happened: staff check the list instead)."""
    marker = _marker(key)
    if not cache.add(marker, "sent", timeout=BLOCK_KEY_SECONDS):
        raise AlreadySent
    try:
        write()
    except HoursRefused as refusal:
        cause = refusal.__cause__
        unchanged = isinstance(cause, RejectedError) or (
            isinstance(cause, TransientError) and not isinstance(cause, OutcomeUnknownError)
        )
        if unchanged:
            cache.delete(marker)
        raise


def _record(user, action_flag: int, block_id: str, provider_id: str, message: str) -> None:
    """Who changed blocked time, in Django's action log (shown in /admin/'s recent actions): a
    block is Healthie's alone, so the entry names it by id and has no model row."""
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=None,
        object_id=block_id,
        object_repr=f"Healthie block {block_id} of provider {provider_id}",
        action_flag=action_flag,
        change_message=message,
    )


def block_create(*, provider_id: str, block: BlockInput, key: str, user) -> None:
    def write():
        made = {}

        def call():
            made["block"] = healthie().create_blocker(
                provider_id=provider_id,
                start=block.start,
                end=block.end,
                timezone=block.timezone,
                reason=block.reason or None,
            )

        _write("block create", provider_id, call)
        block_id = made["block"].id
        logger.info("staff user %s blocked time %s of provider %s", user.pk, block_id, provider_id)
        _record(user, ADDITION, block_id, provider_id, "Blocked time added from the staff console.")

    _once(key, write)


def block_edit(*, provider_id: str, block_id: str, block: BlockInput, key: str, user) -> None:
    def write():
        _write(
            "block edit",
            provider_id,
            lambda: healthie().edit_blocker(
                id=block_id,
                start=block.start,
                end=block.end,
                timezone=block.timezone,
                reason=block.reason,
            ),
        )
        logger.info("staff user %s changed block %s of provider %s", user.pk, block_id, provider_id)
        _record(user, CHANGE, block_id, provider_id, "Blocked time changed from the staff console.")

    _once(key, write)


def block_delete(*, provider_id: str, block_id: str, key: str, user) -> None:
    def write():
        _write("block delete", provider_id, lambda: healthie().delete_appointment(block_id))
        logger.info("staff user %s removed block %s of provider %s", user.pk, block_id, provider_id)
        _record(
            user, DELETION, block_id, provider_id, "Blocked time removed from the staff console."
        )

    _once(key, write)

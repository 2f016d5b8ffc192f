"""Clinic admin writes: a provider's open hours in Healthie, and the patient pages' cache.

Every change, refused or not, drops the provider's cached days and times: after a lost answer
the change may have happened, and the patient pages must never offer hours that are gone.
"""

import logging
from dataclasses import dataclass
from datetime import date, time

from integrations.errors import ContractError, OutcomeUnknownError, RejectedError, TransientError
from scheduling.availability.services import availability_invalidate
from scheduling.common.upstream import healthie

logger = logging.getLogger(__name__)


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
            "Check the hours below before trying again."
        )
    if isinstance(exc, TransientError):
        return HoursRefused("Healthie is not answering right now; nothing was changed. Try again.")
    return HoursRefused("Healthie answered something unexpected; check the hours below.")


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

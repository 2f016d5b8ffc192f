"""Vendor warnings that staff must see later (not only in a log line that scrolls away)."""

import logging
import threading

from django.db import DatabaseError
from django.db.models import F

from integrations.models import VendorNotice

logger = logging.getLogger(__name__)

_logged: set[tuple[str, str]] = set()
_logged_lock = threading.Lock()


def record_vendor_warning(*, vendor: str, code: str, message: str) -> None:
    """Log a vendor warning once per process and keep it (with a count) for the admin."""
    with _logged_lock:
        first_time = (vendor, code) not in _logged
        _logged.add((vendor, code))
    if first_time:
        logger.warning("%s warning %s: %s", vendor, code, message)
    try:
        updated = VendorNotice.objects.filter(vendor=vendor, code=code).update(
            message=message, times_seen=F("times_seen") + 1
        )
        if not updated:
            VendorNotice.objects.get_or_create(
                vendor=vendor, code=code, defaults={"message": message}
            )
    except DatabaseError:
        # A warning must never break the call that carried it.
        logger.exception("could not store %s warning %s", vendor, code)

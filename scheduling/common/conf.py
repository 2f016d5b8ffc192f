"""The booking flow's settings.

Read through these functions (not at import time) so `override_settings` in tests takes effect.
The defaults live in config/settings.py, from environment variables.
"""

from django.conf import settings


def hold_minutes() -> int:
    """How long picking a time keeps that slot for the patient (Cal.com uses 5 minutes)."""
    return int(settings.BOOKING_HOLD_MINUTES)


def availability_cache_seconds() -> int:
    """How long open days and times from Healthie are reused."""
    return int(settings.BOOKING_AVAILABILITY_CACHE_SECONDS)


def form_token_max_age() -> int:
    """Seconds a signed step token (times, details, review) stays valid."""
    return int(settings.BOOKING_FORM_TOKEN_MAX_AGE)


def embed_origins() -> list[str]:
    """Origins (scheme://host[:port]) of clinic sites allowed to frame /book/ and post to it."""
    return [o.rstrip("/") for o in settings.BOOKING_EMBED_ORIGINS]


def default_timezone() -> str:
    """Used when neither the browser nor the patient chose a zone and no clinic zone is known."""
    return settings.BOOKING_DEFAULT_TIMEZONE


def search_months() -> int:
    """Months after this one that the open-days window covers (one daysAvailableForRange)."""
    return int(settings.BOOKING_SEARCH_MONTHS)


def settle_retry_seconds() -> int:
    """Countdown before the Celery task retries settling a booking whose outcome is unknown."""
    return int(settings.BOOKING_SETTLE_RETRY_SECONDS)


def uid_domain(request_host: str) -> str:
    """The domain in calendar UIDs (`<reference>@<domain>`): a setting, else the request's host."""
    configured = settings.BOOKING_UID_DOMAIN
    return configured or request_host.split(":")[0]

"""The patient's details a clinic passes in its booking link (name, e-mail, phone: the embed
loader's data-* options, or a link in the clinic's e-mail) are accepted on the first request
only. They are put aside under a random key and only that key travels on, in the step URLs and
the times step's signed token, so no later URL holds them: not the access logs, the browser's
history, the pushed htmx URLs nor a Referer. (Signed tokens are readable, not encrypted, so the
values themselves must not ride in a URL either.)

Kept in the shared cache (Redis in production, reachable from every web process) for a few hours;
once gone, the details form simply starts empty.
"""

import re
import secrets

from django.core.cache import cache

PARAM = "pf"
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
KEEP_SECONDS = 4 * 60 * 60


def _cache_key(key: str) -> str:
    return f"booking-prefill:{key}"


def stash(values: dict[str, str]) -> str:
    key = secrets.token_urlsafe(16)
    cache.set(_cache_key(key), dict(values), KEEP_SECONDS)
    return key


def recall(key: str) -> dict[str, str]:
    if not KEY_SHAPE.fullmatch(key or ""):
        return {}
    values = cache.get(_cache_key(key))
    return dict(values) if isinstance(values, dict) else {}


def valid_key(key: str) -> str:
    """The key if it has the shape of one (a forged or mangled one is dropped), else ""."""
    return key if KEY_SHAPE.fullmatch(key or "") else ""

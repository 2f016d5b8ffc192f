"""A vendor's per-key request budget, shared by every process of the deployment.

Healthie limits requests per API key, and every web process and Celery worker sends with the
same key. Time is cut into slices of 1/rate second; a request claims the next free slice in the
shared cache (Redis in production and in the demo: `cache.add` is atomic there) and leaves at
its start, so requests from all processes go out at least 1/rate apart. With a per-process cache
(locmem) the budget holds per process only.
"""

import logging
import math
import time
from time import sleep as pause  # its own reference: a test that stubs retry sleeps keeps this

from django.core.cache import cache

logger = logging.getLogger(__name__)


class SharedRate:
    def __init__(self, name: str, per_second: int):
        self.name = name
        self.per_second = per_second

    def __repr__(self) -> str:
        return f"SharedRate({self.name!r}, {self.per_second}/s)"

    def wait(self) -> None:
        """Return when this caller may send its request."""
        prefix = f"vendor-rate:{self.name}:{self.per_second}"
        try:
            now = time.time()
            # Never a slice that has begun: its start may be gone, and leaving at once would
            # bunch with the next one. Later claimers start from the hint, not from the first.
            start = max(math.ceil(now * self.per_second), cache.get(f"{prefix}:next") or 0)
            slice_ = start
            while not cache.add(f"{prefix}:{slice_}", 1, timeout=self._keep(slice_, now)):
                slice_ += 1
            cache.set(f"{prefix}:next", slice_ + 1, timeout=60)
        except Exception:  # the cache is down: send rather than stall every page
            logger.warning("%s rate budget unavailable (cache error); sending", self.name)
            return
        pause(max(0.0, slice_ / self.per_second - time.time()))

    def _keep(self, slice_: int, now: float) -> int:
        """How long a claimed slice must stay claimed: until well after it has passed."""
        return max(2, math.ceil(slice_ / self.per_second - now) + 2)

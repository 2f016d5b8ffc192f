"""Shared HTTP transport for every vendor client: explicit timeouts and one retry policy.

The pieces `integrations.client.VendorClient` runs every call through: the pooled httpx client,
one send that turns network failures and retryable statuses into typed errors, and the retry loop.

Every outgoing session declares its timeout. Retries are for idempotent reads only; a write is
never resent blindly (its caller looks the result up instead).
"""

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from integrations.errors import OutcomeUnknownError, TransientError

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff; a server's Retry-After wins when it asks for longer."""
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        if retry_after is not None:
            return min(max(retry_after, backoff), self.max_delay)
        return backoff


NO_RETRY = RetryPolicy(max_attempts=1)


def make_client(*, base_url: str = "", timeout: float, headers: dict | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers=headers or {},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the vendor asks us to wait (its Retry-After header), if it says."""
    return parse_retry_after(response.headers.get("Retry-After"))


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def send(
    vendor: str,
    operation: str,
    request: Callable[[], httpx.Response],
    *,
    is_write: bool,
) -> httpx.Response:
    """Send once. Network failures and retryable statuses become typed errors.

    For a write, a failure after the request may have reached the vendor (read timeout,
    connection dropped mid-answer, 5xx) is an OutcomeUnknownError: the caller must look it up.
    """
    try:
        response = request()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # The request never left: safe to retry, even a write.
        raise TransientError(vendor, operation, f"cannot connect ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        error = OutcomeUnknownError if is_write else TransientError
        raise error(vendor, operation, f"no answer ({type(exc).__name__})") from exc
    if response.status_code in RETRYABLE_STATUS:
        error = OutcomeUnknownError if is_write and response.status_code >= 500 else TransientError
        detail = f"HTTP {response.status_code}"
        raise error(vendor, operation, detail, retry_after=retry_after(response))
    return response


def with_retries(
    call: Callable[[], object], *, policy: RetryPolicy, vendor: str, operation: str
) -> object:
    """Run `call`, retrying TransientError (never OutcomeUnknownError) with jittered backoff."""
    for attempt in range(policy.max_attempts):
        try:
            return call()
        except OutcomeUnknownError:
            raise
        except TransientError as exc:
            if attempt + 1 >= policy.max_attempts:
                raise
            delay = policy.delay(attempt, exc.retry_after)
            logger.info(
                "%s %s transient failure (%s); retry %d in %.2fs",
                vendor,
                operation,
                exc.detail,
                attempt + 1,
                delay,
            )
            time.sleep(delay)
    raise AssertionError("unreachable")

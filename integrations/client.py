"""`VendorClient`: what every vendor client shares.

It owns one pooled httpx client (`transport.make_client`, closed by `close()` or by leaving a
`with` block), a `repr` that names only what is safe to show, and the loop every call runs:
send once (`transport.send`: network failures and retryable statuses become typed errors),
interpret the answer (the vendor's own error reading), retry TransientErrors under the client's
RetryPolicy (`transport.with_retries`), and log the outcome with its duration.

A vendor client adds only its settings and headers or auth (`settings_prefix` names them: the
url, timeout and credentials default to `settings.<PREFIX>_…`), `_interpret` (what its answers and
errors mean), `_routine` (which refusals are business as usual) and its operations. A client
whose credentials expire overrides `_attempt` to fetch, attach and renew them.
"""

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ClassVar, NotRequired, Self, TypedDict, TypeVar

import httpx
from django.conf import settings

from integrations import readers, transport
from integrations.errors import RejectedError, VendorError
from integrations.ratelimit import SharedRate

T = TypeVar("T")

HEADERS = {"Accept": "application/json", "User-Agent": "clinic-scheduling"}


class ClientOptions(TypedDict):
    """What every vendor client's constructor takes besides its own settings; each one left out
    (or None) comes from settings: `<PREFIX>_API_URL`, `<PREFIX>_TIMEOUT_SECONDS` (else
    `VENDOR_TIMEOUT_SECONDS`), and the client's `default_retry_policy()`."""

    url: NotRequired[str | None]
    timeout: NotRequired[float | None]
    retry_policy: NotRequired[transport.RetryPolicy | None]


class VendorClient:
    """Holds one pooled httpx.Client; use it as a context manager or call close()."""

    vendor: ClassVar[str]  # the name in errors and logs
    settings_prefix: ClassVar[str]  # "HEALTHIE": its settings are HEALTHIE_API_URL, ...
    # The attributes `repr` shows. Never a key, secret, password or token.
    shown: ClassVar[tuple[str, ...]] = ("url",)

    def __init__(
        self,
        *,
        url: str | None = None,
        timeout: float | None = None,
        retry_policy: transport.RetryPolicy | None = None,
    ):
        self.url = self._setting("API_URL", url)
        if timeout is None:
            timeout = getattr(
                settings, f"{self.settings_prefix}_TIMEOUT_SECONDS", settings.VENDOR_TIMEOUT_SECONDS
            )
        self.timeout = timeout
        self.retry_policy = retry_policy or self.default_retry_policy()
        # `<PREFIX>_RATE_LIMIT_PER_SECOND`, when the vendor has one: every process's budget.
        per_second = getattr(settings, f"{self.settings_prefix}_RATE_LIMIT_PER_SECOND", None)
        self.rate = SharedRate(self.vendor, int(per_second)) if per_second else None
        # The vendor module's logger, so log lines say which client wrote them.
        self.logger = logging.getLogger(type(self).__module__)
        self._http = transport.make_client(timeout=timeout, headers=dict(HEADERS))

    def _setting(self, name: str, given: Any = None) -> Any:
        """`given` unless it is None, else `settings.<PREFIX>_<name>`."""
        return getattr(settings, f"{self.settings_prefix}_{name}") if given is None else given

    def default_retry_policy(self) -> transport.RetryPolicy:
        """The policy when the constructor is given none."""
        return transport.RetryPolicy()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.shown)
        return f"{type(self).__name__}({shown})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # What a vendor client says about its answers

    def _interpret(self, operation: str, response: httpx.Response, *, is_write: bool) -> Any:
        """The result of one answer, or the typed error it means."""
        raise NotImplementedError

    def _routine(self, error: VendorError) -> bool:
        """Whether a failure is business as usual (logged at INFO, else WARNING)."""
        return isinstance(error, RejectedError)

    # ----------------------------------------------------------------------------------------
    # The loop

    def _request(self, operation: str, method: str, url: str, *, is_write: bool, **request) -> Any:
        """One operation: sent, interpreted, retried while the failure is transient.

        `is_write` marks a call that must not be repeated after a lost answer (reads and
        idempotent writes pass False). `request` goes to httpx (json, params, headers).
        """
        return self._retried(
            operation,
            lambda: self._attempt(operation, method, url, is_write=is_write, **request),
        )

    def _attempt(self, operation: str, method: str, url: str, *, is_write: bool, **request) -> Any:
        """One try: send, then interpret."""
        response = self._send(operation, method, url, is_write=is_write, **request)
        return self._interpret(operation, response, is_write=is_write)

    def _send(
        self, operation: str, method: str, url: str, *, is_write: bool, **request
    ) -> httpx.Response:
        """Send once (within the vendor's rate budget); network failures and retryable statuses
        raise typed errors."""
        if self.rate is not None:
            self.rate.wait()
        return transport.send(
            self.vendor,
            operation,
            lambda: self._http.request(method, url, **request),
            is_write=is_write,
        )

    def _retried(self, operation: str, attempt: Callable[[], T]) -> T:
        """`attempt` under the retry policy; the outcome and its duration are logged (the
        operation, the error type and code, and the time: nothing from the payload)."""
        started = time.monotonic()
        try:
            result = transport.with_retries(
                attempt, policy=self.retry_policy, vendor=self.vendor, operation=operation
            )
        except VendorError as exc:
            self.logger.log(
                logging.INFO if self._routine(exc) else logging.WARNING,
                "%s %s failed: %s%s after %.0f ms",
                self.vendor,
                operation,
                type(exc).__name__,
                f" ({exc.code})" if getattr(exc, "code", None) else "",
                (time.monotonic() - started) * 1000,
            )
            raise
        self.logger.info(
            "%s %s ok in %.0f ms", self.vendor, operation, (time.monotonic() - started) * 1000
        )
        return result

    # ----------------------------------------------------------------------------------------
    # Reading answers

    def _reading(self, operation: str) -> AbstractContextManager[None]:
        """Any surprise while reading the answer is a ContractError."""
        return readers.reading(self.vendor, operation)

    def _read(self, operation: str, parse: Callable[[Any], T], node: Any) -> T:
        with self._reading(operation):
            return parse(node)


def json_or_none(response: httpx.Response) -> Any:
    """The decoded body, None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None

"""What every vendor sandbox shares: the request/response shapes, a controllable clock, and the
interface the sandbox server drives.

A vendor sandbox is a stateful emulator of one vendor's wire protocol. The server routes
`/<vendor.name>/...` to it, applies the configured faults around it, and logs every call.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any, ClassVar, Protocol


@dataclass
class Request:
    method: str
    path: str  # path below the vendor prefix, e.g. "/graphql" for "/healthie/graphql"
    query: dict[str, str]
    headers: Message  # case-insensitive .get()
    body: bytes
    client_ip: str = "127.0.0.1"

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None):
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def text(cls, text: str, status: int = 200, headers: dict[str, str] | None = None):
        return cls(
            status=status,
            body=text.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8", **(headers or {})},
        )


class Clock:
    """The sandbox's idea of now: the real UTC clock, an instant frozen by a test, or a clock
    set to an instant that then runs on (`tick`), as a test's own pinned clock does."""

    def __init__(self):
        self._frozen: datetime | None = None
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._frozen or datetime.now(UTC) + self._offset

    def set(self, instant: datetime | None, *, tick: bool = False) -> None:
        if instant is not None and instant.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        with self._lock:
            self._frozen = None if tick else instant
            self._offset = instant - datetime.now(UTC) if tick and instant else timedelta(0)


class VendorSandbox(Protocol):
    """Implemented by `integrations/<vendor>/sandbox/app.py`."""

    name: str  # URL prefix and the vendor's name in faults and the call log

    def __init__(self, clock: Clock) -> None: ...

    def operation(self, request: Request) -> str:
        """The operation a request names (GraphQL root field, REST path), for faults and logs."""

    def handle(self, request: Request) -> Response: ...

    def reset(self) -> None:
        """Back to the deterministic demo seed, default configuration."""

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Change vendor settings (rate limit, webhook URL and secret, ...); returns them all."""


class Throttle:
    """A sliding window per caller on a monotonic clock (a test may freeze the sandbox clock;
    that must not freeze the window)."""

    def __init__(self, monotonic=time.monotonic):
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def allow(self, caller: str, limit: int, window: float) -> bool:
        now = self._monotonic()
        with self._lock:
            seen = self._seen.setdefault(caller, deque())
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= limit:
                return False
            seen.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


class SeededSandbox:
    """The setup the BetterPT and Semble sandboxes share: the clock, a store (`store_type`) of
    seeded records, options under a lock, and a throttle. `reset` restores `defaults`, clears the
    throttle and what `_forget` names, then the store, which `_seed` fills again."""

    defaults: ClassVar[dict[str, Any]]
    store_type: ClassVar[Any]

    def __init__(self, clock: Clock, *, monotonic=time.monotonic):
        self.clock = clock
        self.store = self.store_type()
        self._lock = threading.Lock()
        self._throttle = Throttle(monotonic)
        self.reset()

    def reset(self) -> None:
        now = self.clock.now()
        with self._lock:
            self._options = dict(self.defaults)
            self._throttle.reset()
            self._forget()
        with self.store.lock:
            self.store.clear()
            self._seed(now)

    def _forget(self) -> None:
        """Clear what else the sandbox remembers; called with `_lock` held."""

    def _seed(self, now: datetime) -> None:
        """Fill the emptied store; called with the store's lock held."""
        raise NotImplementedError

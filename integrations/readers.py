"""Reading vendor answers into values, and checking the arguments a client sends.

Readers raise KeyError/TypeError/ValueError on a shape they cannot read; inside `reading(...)`
(every client's `self._reading(operation)`) those become a ContractError. Argument checks raise
ValueError before anything is sent.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.errors import ContractError

T = TypeVar("T")


@contextmanager
def reading(vendor: str, operation: str) -> Iterator[None]:
    """Any surprise while reading the vendor's answer is a ContractError."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ContractError(
            vendor, operation, f"unreadable answer: {type(exc).__name__}: {exc}"
        ) from exc


# --------------------------------------------------------------------------------------------
# Answers


def _optional(value: Any, kind: type[T], what: str) -> T | None:
    """`value` when it is a `kind` (`what` names it in the error), None for null."""
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"expected {what}, got {type(value).__name__}")
    return value


def optional_str(value: Any) -> str | None:
    return _optional(value, str, "a string")


def optional_text(value: Any) -> str | None:
    """A string, None for null or ""."""
    return optional_str(value) or None


def text(value: Any, name: str = "value") -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a non-empty string, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} is empty")
    return value


def optional_bool(value: Any) -> bool | None:
    return _optional(value, bool, "a boolean")


def listed(value: Any, name: str) -> list:
    """A list, empty for null, a missing key or another empty value."""
    if not value:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{name} is not a list")
    return value


def boolean(value: Any, default: bool = False) -> bool:
    """A boolean; `default` where the answer has null."""
    parsed = optional_bool(value)
    return default if parsed is None else parsed


def identifier(value: Any) -> str:
    """An id sent as a string or an integer (vendors mix both): always a string here."""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"not an id: {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise ValueError("empty id")
    return text


def optional_identifier(value: Any) -> str | None:
    return None if value is None or value == "" else identifier(value)


_INTEGER = re.compile(r"\s*-?\d+\s*")


def optional_int(value: Any) -> int | None:
    """An integer, also spelled as a numeric string; None for null or ""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def aware_datetime(value: Any) -> datetime:
    """An ISO 8601 / RFC 3339 string with an offset ("Z" included)."""
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", value.strip()))
    if parsed.tzinfo is None:
        raise ValueError(f"datetime without an offset: {value!r}")
    return parsed


# --------------------------------------------------------------------------------------------
# Arguments


def required_argument(value: Any, what: str) -> str:
    """A non-blank string argument, stripped; ValueError("<what> is required") otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is required")
    return value.strip()


def time_zone(name: str) -> str:
    """An IANA time zone name, checked."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


def utc_millis(value: datetime, what: str) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. 2020-12-03T10:15:30.000Z."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

"""What the GraphQL vendor clients (Healthie, BetterPT, Semble) share.

Each client sends named operations read from its `operations/<name>.graphql` (file name, operation
name and root field are the same) through `integrations.transport`, and reads the answers into
frozen values. The plumbing for that is here; what a vendor's errors mean (throttling, API
versions, token refresh, refusals in a mutation payload) stays in its client.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import httpx

from integrations import transport
from integrations.errors import (
    ContractError,
    FieldMessage,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
    VendorError,
)

HEADERS = {"Accept": "application/json", "User-Agent": "clinic-scheduling"}
# Apollo Server's codes (BetterPT and Semble run it): a document the server would not run (a bug
# or schema drift on our side), and a resolver that threw.
APOLLO_DOCUMENT_CODES = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
APOLLO_SERVER_FAULT = "INTERNAL_SERVER_ERROR"

_OPERATION_HEADER = re.compile(r"^\s*(query|mutation)\s+(\w+)", re.MULTILINE)


def load_operations(directory: Path) -> dict[str, tuple[str, bool]]:
    """{operation name: (document, is_write)} from `directory`/*.graphql."""
    operations = {}
    for path in sorted(directory.glob("*.graphql")):
        document = path.read_text()
        match = _OPERATION_HEADER.search(document)
        if not match or match[2] != path.stem:
            raise RuntimeError(f"{path.name}: expected one operation named {path.stem}")
        operations[path.stem] = (document, match[1] == "mutation")
    return operations


class GraphQLClient:
    """Holds one pooled httpx.Client; use it as a context manager or call close()."""

    def __init__(self, *, operations: dict[str, tuple[str, bool]], timeout: float):
        self._operations = operations
        self._http = transport.make_client(timeout=timeout, headers=dict(HEADERS))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Answers and errors


def lost_answer(vendor: str, operation: str, detail: str, *, is_write: bool) -> TransientError:
    """An answer lost or damaged on the way: a write may have happened (OutcomeUnknownError,
    look it up before sending again); a read can simply be asked again (TransientError)."""
    error = OutcomeUnknownError if is_write else TransientError
    return error(vendor, operation, detail)


def root_field(vendor: str, operation: str, response: httpx.Response, body: dict) -> Any:
    """`data.<operation>` of an HTTP 200 answer (each operation's root field bears its name)."""
    if response.status_code != 200:
        raise ContractError(vendor, operation, f"unexpected HTTP {response.status_code}")
    data = body.get("data")
    if not isinstance(data, dict) or operation not in data:
        raise ContractError(vendor, operation, f"response has no data.{operation}")
    return data[operation]


@dataclass(frozen=True)
class Errors:
    """A GraphQL answer's top-level `errors`, read: one code and one message per error."""

    vendor: str
    operation: str
    entries: list[dict]
    codes: list[Any]  # `extensions.code`, None where an error has none
    messages: list[str]  # "" where an error has none

    @classmethod
    def read(cls, vendor: str, operation: str, errors: Any) -> "Errors":
        if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
            raise ContractError(vendor, operation, "errors is not a list of objects")
        codes = []
        for error in errors:
            extensions = error.get("extensions")
            codes.append(extensions.get("code") if isinstance(extensions, dict) else None)
        messages = [str(e.get("message") or "") for e in errors]
        return cls(vendor, operation, errors, codes, messages)

    @property
    def detail(self) -> str:
        return "; ".join(m for m in self.messages if m)[:500] or "GraphQL error"

    def rejected(self) -> RejectedError:
        """A refusal: every message, and the first code there is."""
        first_code = next((c for c in self.codes if c), None)
        return RejectedError(
            self.vendor,
            self.operation,
            self.detail,
            messages=[FieldMessage(field=None, message=m) for m in self.messages if m],
            code=str(first_code) if first_code else None,
        )

    def apollo_failure(self, *, is_write: bool, name: str) -> VendorError:
        """What Apollo Server's errors mean once the vendor's own cases are handled: our document
        refused (ContractError), a resolver that threw (a lost answer), else a refusal."""
        if any(code in APOLLO_DOCUMENT_CODES for code in self.codes):
            return ContractError(
                self.vendor, self.operation, f"{name} refused the document: {self.detail}"
            )
        if APOLLO_SERVER_FAULT in self.codes:
            detail = f"{APOLLO_SERVER_FAULT}: {self.detail}"
            return lost_answer(self.vendor, self.operation, detail, is_write=is_write)
        return self.rejected()


# --------------------------------------------------------------------------------------------
# Readers: raise KeyError/TypeError/ValueError on a shape we cannot read (-> ContractError)


@contextmanager
def reading(vendor: str, operation: str) -> Iterator[None]:
    """Any surprise while reading the vendor's answer is a ContractError."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ContractError(
            vendor, operation, f"unreadable answer: {type(exc).__name__}: {exc}"
        ) from exc


def optional_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def optional_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def boolean(value: Any, default: bool = False) -> bool:
    """A boolean; `default` where the answer has null."""
    parsed = optional_bool(value)
    return default if parsed is None else parsed


def required_argument(value: Any, what: str) -> str:
    """A non-blank string argument, stripped; ValueError("<what> is required") otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is required")
    return value.strip()

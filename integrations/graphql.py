"""What the GraphQL vendor clients (Healthie, BetterPT, Semble) share.

Each client sends named operations read from its `operations/<name>.graphql` (file name, operation
name and root field are the same) through `GraphQLClient`, a `VendorClient`, and reads the answers
into frozen values. The plumbing for that is here; what a vendor's errors mean (throttling, API
versions, token refresh, refusals in a mutation payload) stays in its client.
"""

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, Unpack

import httpx

from integrations.client import ClientOptions, VendorClient
from integrations.errors import (
    ContractError,
    FieldMessage,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
    VendorError,
)

# Apollo Server's codes (BetterPT and Semble run it): a document the server would not run (a bug
# or schema drift on our side), and a resolver that threw.
APOLLO_DOCUMENT_CODES = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
APOLLO_SERVER_FAULT = "INTERNAL_SERVER_ERROR"

T = TypeVar("T")
_OPERATION_HEADER = re.compile(r"^\s*(query|mutation)\s+(\w+)", re.MULTILINE)


@cache
def _operations_beside(module: str) -> dict[str, tuple[str, bool]]:
    module_file = sys.modules[module].__file__
    assert module_file is not None
    return load_operations(Path(module_file).resolve().parent / "operations")


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


class GraphQLClient(VendorClient):
    """A VendorClient whose operations are named GraphQL documents, POSTed to `url`."""

    def __init__(self, **options: Unpack[ClientOptions]):
        super().__init__(**options)
        self._operations = self.operations()

    @classmethod
    def operations(cls) -> dict[str, tuple[str, bool]]:
        """{operation name: (document, is_write)}, read once from the `operations/` folder
        beside the client's module."""
        return _operations_beside(cls.__module__)

    def _execute(
        self, operation: str, variables: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> Any:
        """Send one operation; return `data.<operation>` as `_interpret` reads it."""
        document, is_write = self._operations[operation]
        body = {"operationName": operation, "query": document, "variables": variables}
        return self._request(
            operation, "POST", self.url, is_write=is_write, json=body, headers=headers
        )

    def _payload(self, operation: str, payload: Any, key: str, parse: Callable[[Any], T]) -> T:
        """The record a mutation payload carries under `key`, read by `parse` (the refusals
        the payload may carry instead are read by `_interpret`)."""
        with self._reading(operation):
            node = payload[key]
            if node is None:
                raise ValueError(f"payload has no {key} and no refusal")
            return parse(node)

    def _json_object(
        self, operation: str, response: httpx.Response, *, is_write: bool, damaged_is_lost: bool
    ) -> dict:
        """The answer's JSON object. A body that is not JSON is a ContractError, except an
        HTTP 200 one when `damaged_is_lost`: an answer damaged on the way (`lost_answer`)."""
        try:
            body = response.json()
        except ValueError:
            status = response.status_code
            if status == 200 and damaged_is_lost:
                detail = "unreadable answer (HTTP 200)"
                raise lost_answer(self.vendor, operation, detail, is_write=is_write) from None
            raise ContractError(self.vendor, operation, f"non-JSON body (HTTP {status})") from None
        if not isinstance(body, dict):
            raise ContractError(self.vendor, operation, "response body is not a JSON object")
        return body


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


def payload_refusal(
    vendor: str, operation: str, payload: Any, key: str, kind: type, what: str
) -> Any:
    """The refusal a mutation payload carries under `key`, None when it carries none. A payload
    that is not an object, or a refusal that is not a `kind` (`what` names it), is a
    ContractError."""
    if not isinstance(payload, dict):
        raise ContractError(vendor, operation, "mutation payload is not an object")
    refusal = payload.get(key)
    if not refusal:
        return None
    if not isinstance(refusal, kind):
        raise ContractError(vendor, operation, f"{key} is not {what}")
    return refusal


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

"""The three ways a vendor call can fail. Callers decide what to do by type, never by message.

- TransientError: the vendor may answer differently if asked again later (throttled, 5xx, network).
- RejectedError: the vendor understood and said no; tell the patient or staff, do not retry.
- ContractError: the vendor answered something we cannot read; a bug on one side, alert staff.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldMessage:
    field: str | None
    message: str


class VendorError(Exception):
    def __init__(self, vendor: str, operation: str, detail: str):
        super().__init__(f"{vendor} {operation}: {detail}")
        self.vendor = vendor
        self.operation = operation
        self.detail = detail


class TransientError(VendorError):
    def __init__(self, vendor: str, operation: str, detail: str, retry_after: float | None = None):
        super().__init__(vendor, operation, detail)
        self.retry_after = retry_after


class OutcomeUnknownError(TransientError):
    """A write was sent but its answer was lost (timeout, reset): it may or may not have happened.

    Never resend the write blindly: look the result up first.
    """


class RejectedError(VendorError):
    """The vendor refused: `messages` carries its field messages to show the user."""

    def __init__(
        self,
        vendor: str,
        operation: str,
        detail: str,
        messages: list[FieldMessage] | None = None,
        code: str | None = None,
    ):
        super().__init__(vendor, operation, detail)
        self.messages = messages or []
        self.code = code


class ContractError(VendorError):
    pass

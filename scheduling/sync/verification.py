"""Verifying a Healthie webhook delivery as Healthie signs it (vendor-facts, "Webhooks").

- `Content-Digest: sha-256=<base64 SHA-256 of the raw body>`: the value is everything after the
  FIRST "=" (Healthie's sample splits on every "=" and loses the base64 padding).
- `Signature: sig1=<lower-case hex HMAC-SHA256>` of
  "<method lower> <path> <query> <digest value> application/json <raw body length>", the path
  exactly as Healthie called it (proxy prefix and trailing slash included), the key the
  webhook's secret as UTF-8.

Pure functions, written apart from the sandbox's signer on purpose: a bug shared by both would
pass every test and fail in production. Comparisons are constant-time.
"""

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class Refused(Exception):
    """The delivery is not provably Healthie's; `reason` is a short code for staff and logs."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    method: str
    path: str  # as called, e.g. "/webhooks/healthie/"
    query: str  # raw, without "?"
    headers: Mapping[str, str]  # case-insensitive (Django's request.headers)
    body: bytes


def _after_first_equals(value: str, *, expected_label: str, missing: str) -> str:
    label, separator, rest = value.strip().partition("=")
    if not separator or label.strip().lower() != expected_label or not rest:
        raise Refused(missing)
    return rest


def verify(delivery: Delivery, secrets: Iterable[str]) -> None:
    """Return when `delivery` carries a valid signature under one of `secrets`; else Refused."""
    secrets = [s for s in secrets if s]
    if not secrets:
        raise Refused("no_secret_configured")
    digest_header = delivery.headers.get("Content-Digest")
    signature_header = delivery.headers.get("Signature")
    if not digest_header or not signature_header:
        raise Refused("missing_headers")
    declared_length = delivery.headers.get("Content-Length")
    if declared_length is not None and declared_length.strip() != str(len(delivery.body)):
        raise Refused("length_mismatch")

    digest = _after_first_equals(digest_header, expected_label="sha-256", missing="bad_digest")
    actual = base64.b64encode(hashlib.sha256(delivery.body).digest()).decode()
    if not hmac.compare_digest(digest.encode(), actual.encode()):
        raise Refused("digest_mismatch")

    signature = _after_first_equals(
        signature_header, expected_label="sig1", missing="bad_signature"
    )
    signature = signature.strip().lower()
    if not HEX_SIGNATURE.fullmatch(signature):
        raise Refused("bad_signature")
    signed = " ".join(
        (
            delivery.method.lower(),
            delivery.path,
            delivery.query,
            digest,
            "application/json",
            str(len(delivery.body)),
        )
    ).encode()
    matches = [
        hmac.compare_digest(
            hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode(),
            signature.encode(),
        )
        for secret in secrets  # every secret is tried: timing says nothing about which matched
    ]
    if not any(matches):
        raise Refused("signature_mismatch")

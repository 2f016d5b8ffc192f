"""Signed, expiring step tokens: the booking flow's state, carried in the page instead of a cookie.

Clinics embed the booking pages in an iframe on their own sites, where browsers that block
third-party cookies drop our session and CSRF cookies. So no step depends on a cookie: what a step
needs from the previous one (which page, type, slot, hold, idempotency key, the reviewed details)
travels in a hidden field, signed with SECRET_KEY (HMAC, django.core.signing.TimestampSigner), with
a per-purpose salt so a token made for one step is useless for another, and a maximum age.

The payload is signed, not encrypted: it holds nothing the patient did not type or see.
"""

from typing import Any

from django.core import signing

from scheduling.common import conf

SALT = "scheduling.booking-flow"


class TokenInvalid(Exception):
    """The token was altered or was made for another step."""


class TokenExpired(TokenInvalid):
    """The token is genuine but older than conf.form_token_max_age()."""


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{SALT}.{purpose}")


def sign(purpose: str, payload: dict[str, Any]) -> str:
    return _signer(purpose).sign_object(payload, compress=True)


def unsign(purpose: str, token: str | None, *, max_age: int | None = None) -> dict[str, Any]:
    if not token:
        raise TokenInvalid("missing")
    try:
        payload = _signer(purpose).unsign_object(
            token, max_age=conf.form_token_max_age() if max_age is None else max_age
        )
    except signing.SignatureExpired as exc:
        raise TokenExpired("expired") from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise TokenInvalid("bad signature") from exc
    if not isinstance(payload, dict):
        raise TokenInvalid("not an object")
    return payload

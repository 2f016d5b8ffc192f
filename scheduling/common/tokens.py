"""Signed, expiring step tokens: the booking flow's state, carried in the page instead of a cookie.

Clinics embed the booking pages in an iframe on their own sites, where browsers that block
third-party cookies drop our session and CSRF cookies. So no step depends on a cookie: what a step
needs from the previous one (which page, type, slot, hold, idempotency key, the reviewed details)
travels in a hidden field, signed with SECRET_KEY (HMAC, django.core.signing.TimestampSigner), with
a per-purpose salt so a token made for one step is useless for another, and a maximum age.

The payload is signed, not encrypted: it holds nothing the patient did not type or see.

Each step's token is a `StepToken`: a frozen dataclass naming its purpose and what it carries,
with `sign()` and `unsign()`; the payload keys are its field names.
"""

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self

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


@dataclass(frozen=True)
class StepToken:
    """A step's signed state. Subclasses set PURPOSE (the salt) and declare their fields, and
    say with `belongs_to` which page or booking they were made for."""

    PURPOSE: ClassVar[str]

    def sign(self) -> str:
        return sign(self.PURPOSE, asdict(self))

    @classmethod
    def unsign(cls, token: str | None, *, max_age: int | None = None) -> Self:
        payload = unsign(cls.PURPOSE, token, max_age=max_age)
        names = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in payload.items() if k in names})
        except TypeError as exc:  # a field is missing
            raise TokenInvalid("incomplete") from exc

    def belongs_to(self, owner) -> bool:
        raise NotImplementedError

"""What the Semble client returns: frozen values, no vendor payloads."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Patient:
    """A Semble patient. Names and e-mail are patient data: left out of repr()."""

    id: str  # a 24-hex MongoDB ObjectId
    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)

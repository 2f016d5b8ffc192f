"""Log redaction: patient data and secrets never reach a log line.

Code should not log them in the first place; this filter is the safety net for what slips
through: Django's "Internal Server Error: <path>" and 4xx warnings, the production server's
access log (sent through Python logging with this filter), an exception message quoting a
payload, an httpx debug line with headers.

What is masked, wherever it occurs in a record's message, its exception text or its stack:
- the secrets in our own URLs: the manage token (`/manage/<token>/`), the confirmation
  reference (`/booked/<reference>/`, `/questionnaire/<reference>/`: the confirmation page is as
  powerful as the manage link, so its URL is a secret too) and every webhook's URL secret
  (`/webhooks/<vendor>/<secret>/`);
- query strings (prefilled patient details travel in them);
- bare references and manage tokens by their shape, and the configured webhook secrets by value;
- e-mail addresses, phone numbers, dates of birth, credentials.
"""

import logging
import re

from django.conf import settings

# A path segment: up to the next slash, query, quote or space.
_SEGMENT = r"[^/\s?#\"'<>]+"

PATTERNS = [
    # Secrets in our own paths (before anything else reads the path).
    (re.compile(rf"(/manage/){_SEGMENT}"), r"\1[token]"),
    (re.compile(rf"(/(?:booked|questionnaire)/){_SEGMENT}"), r"\1[reference]"),
    (re.compile(rf"(/webhooks/[\w-]+/){_SEGMENT}"), r"\1[secret]"),
    # Query strings of any URL or path: `?first_name=...&email=...`.
    (re.compile(r"((?:https?://[^\s/\"']+)?/[^\s?\"']*)\?[^\s\"'#]*"), r"\1?[query]"),
    # A reference (26 lowercase base32) or manage token (43 URL-safe characters) on its own.
    (re.compile(r"(?<![A-Za-z0-9_-])[a-z2-7]{26}(?![A-Za-z0-9_-])"), "[reference]"),
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"), "[token]"),
    # e-mail addresses
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    # Authorization-like headers and bearer/basic credentials
    (re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [secret]"),
    (
        re.compile(
            r"(?i)(x-token|x-access-token|api[_-]?key|token|secret|password)(\"?\s*[:=]\s*\"?)[^\s\",&}]+"
        ),
        r"\1\2[secret]",
    ),
    # phone numbers: +15552223232, 555-222-3232, (555) 222 3232
    (re.compile(r"(?<!\d)(\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)"), "[phone]"),
    # dates of birth and other calendar dates in JSON-ish payloads keyed as dob
    (re.compile(r"(?i)(\"?(?:dob|date_of_birth)\"?\s*[:=]\s*\"?)[0-9-]{8,10}"), r"\1[dob]"),
]

# Settings whose values are secrets that may sit in a URL (webhook paths).
SECRET_SETTINGS = ("QUALIPHY_WEBHOOK_SECRET", "HEALTHIE_WEBHOOK_SECRET")


def _configured_secrets() -> list[str]:
    if not settings.configured:
        return []
    values = (getattr(settings, name, "") for name in SECRET_SETTINGS)
    return [value for value in values if isinstance(value, str) and len(value) >= 4]


def redact(text: str) -> str:
    for secret in _configured_secrets():
        text = text.replace(secret, "[secret]")
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record in place: its message (with its args, whatever their shape: a tuple,
    or the mapping of atoms an access log passes), its exception text and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a malformed record: log its parts, masked
            message = f"{record.msg} {record.args}"
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # A formatter prints exc_text when set; the traceback object (whose message may
            # quote the secret) goes, so no handler renders it afresh.
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True

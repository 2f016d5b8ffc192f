"""Log redaction: patient data and secrets never reach a log line.

Code should not log them in the first place; this filter is the safety net for what slips
through (an exception message quoting a payload, an httpx debug line with headers).
"""

import logging
import re

PATTERNS = [
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
    (re.compile(r"(?i)(\"?dob\"?\s*[:=]\s*\"?)[0-9-]{8,10}"), r"\1[dob]"),
]


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

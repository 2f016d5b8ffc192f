"""The embed code a clinic pastes into its own site, and the loader it loads from /embed.js.

The loader (static/scheduling/embed.js, no dependencies) frames the booking page:

    <script src="https://APP/embed.js" data-booking-page="SLUG" async></script>   here, inline
    <div data-booking-page="SLUG"></div>                       inline, into each such element
    <button data-booking-page="SLUG" data-booking-mode="popup">  a modal dialog over the page
                                                     (Escape closes it, the focus comes back)

Options on the same element: data-first-name, data-last-name (or data-name), data-email,
data-phone, data-appointment-type, data-contact-type, data-provider (prefill: they travel once,
in the frame's first URL), data-language ("en", "es": the frame's `lang` parameter) and
data-colour ("#2f6f8f", sent to the frame in a message and applied as its brand colour).

The frame (static/scheduling/booking.js, its last section) and the loader talk with postMessage,
each only to the other's exact origin, never "*": the loader accepts a message only from its own
iframe's window with this app's origin; the frame posts only to its parent's origin, and the
browser shows the frame only on the sites the page allows (common.origin). Messages are
{source: "clinic-booking", type, ...}; the loader re-dispatches each on its container (the
element above; for the script tag, a div put where it stands) as a bubbling CustomEvent
"clinic-booking:<type>" whose detail holds only: resize {height} (the iframe is set to it, so
the frame never scrolls inside), step {step} ("type", "contact", "provider", "calendar",
"times", "details", "review", "confirmation", "manage", "reschedule", "cancel", ...), booked,
rescheduled and cancelled (nothing more: no patient data, time, reference or token).

/embed.js is one fixed URL that clinics paste, so it cannot carry a content hash as the other
static files do: it is served with a short max-age and an ETag (a changed loader reaches every
clinic site within minutes, an unchanged one costs a 304), compressed (it holds no secret, so
BREACH does not apply), and readable cross-origin (Cross-Origin-Resource-Policy) for clinic
sites that isolate themselves.
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.html import format_html

LOADER = "scheduling/embed.js"
LOADER_MAX_AGE = 300  # seconds


def snippet(*, base_url: str, slug: str, popup: bool = False) -> str:
    """The HTML to paste: the loader script, which renders the page where it stands (or, with
    `popup`, a button that opens it over the clinic's page). `base_url`: this app's origin."""
    base_url = base_url.rstrip("/")
    if popup:
        return format_html(
            '<button type="button" data-booking-page="{}" data-booking-mode="popup">'
            "Book an appointment</button>\n"
            '<script src="{}/embed.js" async></script>',
            slug,
            base_url,
        )
    return format_html(
        '<script src="{}/embed.js" data-booking-page="{}" async></script>', base_url, slug
    )


@dataclass(frozen=True)
class Loader:
    """The loader's bytes, as sent for each encoding, and its ETag: weak, since the encodings
    are one resource (the same ETag for each, as the plain bytes' hash)."""

    plain: bytes
    gzip: bytes
    br: bytes
    etag: str

    def body(self, accept_encoding: str) -> tuple[bytes, str]:
        """The body and its Content-Encoding ("" for none) for an Accept-Encoding header."""
        accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
        if "br" in accepted:
            return self.br, "br"
        if "gzip" in accepted:
            return self.gzip, "gzip"
        return self.plain, ""


def loader() -> Loader:
    """The loader, read from the static files (their source folder, or STATIC_ROOT when only the
    collected copy exists); read again when the file changes."""
    path = finders.find(LOADER) or str(Path(settings.STATIC_ROOT) / LOADER)
    stat = Path(path).stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _read(path: str, mtime_ns: int, size: int) -> Loader:
    plain = Path(path).read_bytes()
    return Loader(
        plain=plain,
        gzip=gzip.compress(plain, compresslevel=9, mtime=0),
        br=brotli.compress(plain),
        etag=f'W/"{hashlib.sha256(plain).hexdigest()[:32]}"',
    )

"""The embed code a clinic pastes into its own site (the loader at /embed.js renders the page)."""

from django.utils.html import format_html


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

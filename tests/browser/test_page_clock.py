"""The browser's clock is pinned with the server's, so the page sees the calendar the server
computed (Playwright's clock, installed by the `phone_page` fixture)."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tests.clock import pinned_instant


def test_the_page_clock_starts_at_the_servers_pinned_instant(app_server, phone_page):
    phone_page.goto(f"{app_server}/healthz")
    page_now = datetime.fromtimestamp(phone_page.evaluate("Date.now()") / 1000, UTC)
    assert abs(page_now - timezone.now()) < timedelta(seconds=5)
    assert abs(page_now - pinned_instant()) < timedelta(seconds=30)

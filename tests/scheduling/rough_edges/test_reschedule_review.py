"""The reschedule review states both times with their zone: "Now" too, not only "New time"."""

from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import Manager, book


def summary_rows(page: Page) -> dict[str, str]:
    """{label: value} of the page's summary lists (<dt>/<dd> pairs)."""
    cells = [e for e in page.iter() if e.tag in ("dt", "dd")]
    return {dt.text: dd.text for dt, dd in zip(cells[::2], cells[1::2], strict=True)}


def test_the_review_says_the_zone_of_the_current_time_too(pages, sandbox):
    manager = Manager(book())
    review, _ = manager.to_review()
    rows = summary_rows(Page(review.content.decode()))
    assert rows["Now"].endswith(", Eastern Time (America/New_York)"), rows["Now"]
    assert rows["New time"].endswith(", Eastern Time (America/New_York)"), rows["New time"]

"""The month moves with the keyboard as the ARIA grid pattern (date picker) says: one Tab stop
in the month (roving tabindex), arrows a day or a week, Home/End the week's first and last day,
PageUp/PageDown a month (the other month loads and the focus lands on the same date). A closed
day takes the focus but cannot be chosen; an open one shows its times."""

import calendar
import re
from datetime import UTC, date, datetime, timedelta

from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import FULL_DATE, tab_to

CALENDAR = (
    "/book/riverside/calendar/?type=301&contact=Healthie+Video+Call&provider=101"
    "&tz=America/New_York"
)


def focused_day(page: Page) -> str:
    return page.evaluate("() => document.activeElement.value || ''")


def tab_stops(page: Page) -> list[str]:
    return page.locator("table.month button.day").evaluate_all(
        "els => els.filter(el => el.tabIndex === 0).map(el => el.value)"
    )


def press(page: Page, key: str, expected: date) -> None:
    page.keyboard.press(key)
    page.wait_for_function(
        "value => document.activeElement && document.activeElement.value === value",
        arg=expected.isoformat(),
    )
    assert tab_stops(page) == [expected.isoformat()], "one Tab stop, on the focused day"


def month_later(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_the_month_moves_with_arrows_home_end_and_page_keys(app_server, browser):
    call_command("seed_demo", verbosity=0)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, timezone_id="America/New_York"
    )
    context.set_default_timeout(10_000)
    context.clock.install(time=datetime.now(UTC))
    page = context.new_page()
    try:
        page.goto(f"{app_server}{CALENDAR}")
        month = page.get_by_role("table")
        first_open = month.get_by_role("button", name=FULL_DATE, disabled=False).first
        stops = tab_stops(page)
        assert stops == [first_open.get_attribute("value")], stops
        assert tab_to(page, first_open) >= 1

        # A month later, so the moves below may cross into either neighbouring month.
        day = month_later(date.fromisoformat(focused_day(page)), 1)
        press(page, "PageDown", day)
        expect(month.locator("caption")).to_contain_text(f"{day:%B} {day.year}")
        for key, step in (
            ("ArrowRight", timedelta(days=1)),
            ("ArrowDown", timedelta(days=7)),
            ("ArrowLeft", timedelta(days=-1)),
            ("ArrowUp", timedelta(days=-7)),
            ("ArrowUp", timedelta(days=-7)),
        ):
            day += step
            press(page, key, day)
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        press(page, "End", sunday + timedelta(days=6))
        press(page, "Home", sunday)
        day = month_later(sunday, 1)
        press(page, "PageDown", day)
        day = month_later(day, -1)
        press(page, "PageUp", day)
        expect(month.locator("caption")).to_contain_text(f"{day:%B} {day.year}")

        # A closed day takes the focus but Enter does not choose it.
        closed = month.locator('button.day[aria-disabled="true"]').first
        closed.focus()
        url = page.url
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        assert page.url == url
        expect(page.locator("#times")).to_have_count(0)

        # An open day: Enter shows its times.
        opened = month.locator("button.day.open").first
        opened.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/times/\?"))
        expect(page.get_by_role("heading", level=2, name=re.compile("^Times on"))).to_be_focused()
    finally:
        context.close()

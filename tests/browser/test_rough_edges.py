"""Rough edges a patient saw, checked in Chromium at a laptop's and a phone's width: the visit
links' list and its busy state, time buttons on one line, the summary's columns, and a cancel
button that looks like what it does."""

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from scheduling.models import AppointmentTypePlan, Booking, BookingPage, Provision
from tests.browser.conftest import CLOCK, FULL_DATE, PHONE
from tests.scheduling.manage.helpers import book
from tests.security.helpers import confirmed

DESKTOP = {"width": 1280, "height": 800}
BAD = "rgb(179, 38, 30)"  # site.css --bad


@pytest.fixture
def pages(app_server):
    call_command("seed_demo", verbosity=0)
    return {p.slug: p for p in BookingPage.objects.all()}


@pytest.fixture
def open_page(browser):
    """`open_page(viewport)`: a fresh page of that size, in New York, on the server's clock."""
    contexts = []

    def make(viewport: dict) -> Page:
        phone = viewport == PHONE
        context = browser.new_context(
            viewport=viewport, is_mobile=phone, has_touch=phone, timezone_id="America/New_York"
        )
        context.set_default_timeout(10_000)
        context.clock.install(time=datetime.now(UTC))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def lines_of(locator) -> list[int]:
    """How many lines of text each matched element's text takes (distinct line tops)."""
    return locator.evaluate_all(
        """els => els.map(el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )


def boxes(locator) -> list[dict]:
    return locator.evaluate_all(
        "els => els.map(el => { const r = el.getBoundingClientRect();"
        " return {left: r.left, top: r.top, bottom: r.bottom}; })"
    )


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_time_buttons_keep_their_time_on_one_line(app_server, pages, open_page):
    # 700 px: a clinic's iframe, where the grid's narrowest column wrapped "12:30 PM".
    for viewport in (DESKTOP, {"width": 700, "height": 800}, PHONE):
        page = open_page(viewport)
        page.goto(
            f"{app_server}/book/riverside/calendar/"
            "?type=301&contact=Healthie+Video+Call&provider=101&tz=America/New_York"
        )
        month = page.get_by_role("table")
        month.get_by_role("button", name=FULL_DATE, disabled=False).first.click()
        times = page.get_by_role("button", name=CLOCK)
        expect(times.first).to_be_visible()
        assert times.count() > 0
        counts = lines_of(page.locator("button.time"))
        assert set(counts) == {1}, f"{viewport}: a time wraps: {counts}"


def test_summary_values_line_up_in_one_column_and_stack_on_a_phone(app_server, pages, open_page):
    booking = confirmed(pages["riverside"])
    path = f"{app_server}/book/riverside/booked/{booking.reference}/"

    page = open_page(DESKTOP)
    page.goto(path)
    labels, values = boxes(page.locator(".summary dt")), boxes(page.locator(".summary dd"))
    assert len(labels) == len(values) == 4
    assert len({round(v["left"]) for v in values}) == 1, f"values not in one column: {values}"
    for label, value in zip(labels, values, strict=True):
        assert abs(label["top"] - value["top"]) < 2, "a value is not beside its label"

    page = open_page(PHONE)
    page.goto(path)
    labels, values = boxes(page.locator(".summary dt")), boxes(page.locator(".summary dd"))
    for label, value in zip(labels, values, strict=True):
        assert value["top"] >= label["bottom"] - 1, "on a phone every value is under its label"
    assert len({round(v["left"]) for v in values}) == 1


def _booking_with_links(pages, *, status: str) -> Booking:
    AppointmentTypePlan.objects.update_or_create(
        appointment_type_id="302",
        defaults={
            "video": AppointmentTypePlan.Video.BETTERPT,
            "semble_questionnaire_token": "intake-form",
        },
    )
    booking = confirmed(pages["riverside"])
    for part in (Provision.Part.BETTERPT_ROOM, Provision.Part.SEMBLE_QUESTIONNAIRE):
        Provision.objects.create(
            booking=booking,
            part=part,
            status=status,
            patient_url="https://video.example/room" if status == "ready" else "",
        )
    return booking


def test_visit_links_show_no_list_bullets(app_server, pages, open_page):
    booking = _booking_with_links(pages, status=Provision.Status.READY)
    page = open_page(PHONE)
    page.goto(f"{app_server}/book/riverside/booked/{booking.reference}/")
    visit = page.get_by_role("region", name="For your visit")
    expect(visit.get_by_role("link", name=re.compile("^Join your video visit"))).to_be_visible()
    styles = visit.get_by_role("listitem").evaluate_all(
        "els => els.map(el => getComputedStyle(el).listStyleType)"
    )
    assert styles and set(styles) == {"none"}, styles


def test_visit_links_no_longer_look_busy_once_they_arrive(app_server, pages, open_page):
    booking = _booking_with_links(pages, status=Provision.Status.PENDING)
    page = open_page(PHONE)
    polls = []
    page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/access/") else None)
    page.goto(f"{app_server}/book/riverside/booked/{booking.reference}/")
    visit = page.get_by_role("region", name="For your visit")
    expect(visit).to_contain_text("Your video link is being set up")
    page.wait_for_timeout(2500)  # one poll, answered "still pending"
    assert polls, "the pending links are not polled"

    Provision.objects.filter(booking=booking).update(
        status=Provision.Status.READY, patient_url="https://video.example/room"
    )
    video = visit.get_by_role("link", name=re.compile("^Join your video visit"))
    expect(video).to_be_visible(timeout=10_000)
    links = page.locator("#visit-access")
    expect(links).not_to_have_attribute("aria-busy", "true")
    expect(links).to_have_css("opacity", "1")
    expect(video).to_have_css("opacity", "1")
    expect(page.locator("#announcer")).to_have_text("Your visit links are ready.")


def test_cancel_appointment_looks_destructive_and_stays_readable(
    app_server, pages, sandbox, open_page
):
    booking = book()
    page = open_page(DESKTOP)
    page.goto(f"{app_server}/manage/{booking.manage_token}/cancel/")
    cancel = page.get_by_role("button", name="Cancel appointment")
    background = cancel.evaluate("el => getComputedStyle(el).backgroundColor")
    colour = cancel.evaluate("el => getComputedStyle(el).color")
    assert background == BAD, background
    assert contrast(background, colour) >= 4.5
    keep = page.get_by_role("link", name="Keep my appointment")
    assert keep.evaluate("el => getComputedStyle(el).backgroundColor") != background

"""A patient books a video follow-up in Chromium and sees its visit links appear.

The booking goes through the real pages (elements found by role and label). Provisioning runs
for real: the confirmed booking's tasks travel through the test Redis to a Celery worker process
(`celery_worker`, tests/conftest.py) on the same database, which makes the BetterPT room and
the Semble questionnaire patient in the sandbox. The confirmation page shows "being set up…"
and polls its `access/` URL with htmx until both links are ready, then stops.
"""

import re
import time

from django.core.management import call_command
from playwright.sync_api import Page, expect

from scheduling.models import Booking, Provision
from tests.browser.conftest import CLOCK, FULL_DATE, Screenshots, arrive

ACCESS_URL = re.compile(r"/book/riverside/booked/[^/?]+/access/$")
LINK_WAIT_MS = 30_000
QUIET_SECONDS = 3.0  # longer than the 2 s poll interval
PATIENT = [
    ("First name", "Grace"),
    ("Last name", "Hopper"),
    ("Email", "grace.hopper@example.com"),
    ("Phone", "555-987-6543"),
]
PENDING = {
    "video": ("Join your video visit", "Your video link is being set up…"),
    "questionnaire": ("Fill in your questionnaire", "Your questionnaire is being prepared…"),
}


def book_a_video_follow_up(page: Page, app_server: str, problems: list[str]):
    """Type, provider, first open day and time, details, confirm; returns the response of the
    confirmation page (its HTML as the server first rendered it)."""
    page.goto(f"{app_server}/book/riverside/")
    arrive(page, r"/book/riverside/$", "What would you like to book?", problems)
    page.get_by_role("link", name=re.compile(r"^Video Follow-up")).click()
    # One contact type (video): the contact step is skipped. The zone came along in the link.
    arrive(
        page,
        r"/book/riverside/provider/\?.*tz=America%2FChicago",
        "Who would you like to see?",
        problems,
    )
    page.get_by_role("link", name=re.compile(r"Maya Chen")).click()
    arrive(page, r"/book/riverside/calendar/\?", "Choose a date and time", problems)

    open_day = page.get_by_role("table").get_by_role("button", name=FULL_DATE, disabled=False)
    day_name = open_day.first.get_attribute("aria-label")
    open_day.first.click()
    times = page.get_by_role("region", name=f"Times on {day_name}")
    times.get_by_role("button", name=CLOCK).first.click()

    arrive(page, r"/book/riverside/details/\?", "Your details", problems)
    for label, value in PATIENT:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()
    arrive(page, r"/book/riverside/details/$", "Check and confirm", problems)

    with page.expect_response(re.compile(r"/book/riverside/booked/[^/?]+/$")) as booked:
        page.get_by_role("button", name="Confirm booking").click()
    arrive(page, r"/book/riverside/booked/[^/?]+/$", "You're booked", problems)
    return booked.value


def test_video_and_questionnaire_links_appear_on_the_confirmation_page(
    app_server, phone_page, page_problems, sandbox, celery_worker, tmp_path
):
    call_command("seed_demo", verbosity=0)  # type 302: a BetterPT room and the questionnaire
    rooms_before = sandbox.configure("betterpt")["rooms"]
    # Creating the room takes 2.5 s once, so the patient normally sees the page while it is
    # still being set up, and the links arrive by polling. A faster worker is fine too.
    sandbox.fault(
        "betterpt", "latency", operation="createPartnerVideoRoom", latency_ms=2500, count=1
    )
    worker = celery_worker()  # starts while the patient books
    page = phone_page
    shots = Screenshots(page, tmp_path)
    print(f"screenshots: {tmp_path}")

    # Every htmx poll of the visit links, with when it was sent and how it was answered.
    polls: list[float] = []
    answers: list[int] = []
    page.on("request", lambda r: polls.append(time.monotonic()) if ACCESS_URL.search(r.url) else 0)
    page.on("response", lambda r: answers.append(r.status) if ACCESS_URL.search(r.url) else 0)

    confirmation = book_a_video_follow_up(page, app_server, page_problems)
    first_html = confirmation.text()
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    booking = Booking.objects.get(reference=reference)
    assert (booking.status, booking.appointment_type_id) == (Booking.Status.CONFIRMED, "302")

    visit = page.get_by_role("region", name="For your visit")
    video = visit.get_by_role("link", name=re.compile(r"^Join your video visit"))
    questionnaire = visit.get_by_role("link", name=re.compile(r"^Fill in your questionnaire"))

    # First state: each part either still being set up, or (a fast worker) already linked.
    # The server rendered a part still pending: the links' list then polls (hx-get).
    rendered_pending = re.search(r'id="visit-access"[^>]*\shx-get="', first_html) is not None
    shown_first = visit.inner_text()  # one read: no race between the two parts
    for ready_text, pending_text in PENDING.values():
        assert ready_text in shown_first or pending_text in shown_first, shown_first
    if rendered_pending:
        assert any(pending in first_html for _, pending in PENDING.values())
    shots.take("booked-first")

    # The links appear (by polling, unless the server rendered them ready).
    expect(video).to_be_visible(timeout=LINK_WAIT_MS)
    expect(questionnaire).to_be_visible(timeout=LINK_WAIT_MS)
    appeared_at = time.monotonic()
    expect(visit.get_by_text("being set up")).to_have_count(0)
    expect(visit.get_by_text("being prepared")).to_have_count(0)
    expect(visit.get_by_role("link", name="Refresh")).to_have_count(0)
    shots.take("booked-links")
    rendered_ready = all(ready in first_html for ready, _ in PENDING.values())
    assert polls or rendered_ready, "the links appeared without a poll or a server render"
    if rendered_pending:
        assert polls, "the page rendered pending parts but never polled"
        assert answers and answers[-1] == 286, f"polling was not stopped by a 286: {answers}"
        assert all(status in (200, 286) for status in answers), answers

    first = "pending" if rendered_pending else "ready"
    print(f"first render {first}; {len(polls)} polls answered {answers}")

    # Polling has stopped: nothing more is asked for over more than one poll interval.
    page.wait_for_timeout(QUIET_SECONDS * 1000)
    late = [sent for sent in polls if sent > appeared_at]
    assert late == [], f"{len(late)} polls after the links appeared ({len(polls)} in all)"

    # Both parts are ready in the database, the room once in the sandbox and on the appointment.
    parts = {p.part: p for p in Provision.objects.filter(booking=booking)}
    assert set(parts) == {Provision.Part.BETTERPT_ROOM, Provision.Part.SEMBLE_QUESTIONNAIRE}
    assert all(p.status == Provision.Status.READY for p in parts.values()), parts
    room = parts[Provision.Part.BETTERPT_ROOM]
    assert room.written_to_healthie and room.external_id
    assert sandbox.configure("betterpt")["rooms"] == rooms_before + 1
    assert parts[Provision.Part.SEMBLE_QUESTIONNAIRE].external_id  # the Semble patient

    # The video link is the sandbox room's patient link, opened in a new tab.
    href = video.get_attribute("href")
    assert href == room.patient_url, (href, room.patient_url)
    assert re.fullmatch(rf"{re.escape(sandbox.url)}/betterpt/video/[\w-]+", href), href
    expect(video).to_have_attribute("target", "_blank")

    # The questionnaire link is ours: following it mints a fresh Semble token and lands on the
    # sandbox's questionnaire page, which accepts that token.
    expect(questionnaire).to_have_attribute("href", f"/questionnaire/{reference}/")
    tokens_before = len(sandbox.calls(vendor="semble", operation="createIntegrationToken"))
    with page.expect_popup() as opened:
        questionnaire.click()
    form = opened.value
    form.wait_for_load_state()
    expect(form).to_have_url(
        re.compile(rf"^{re.escape(sandbox.url)}/semble/questionnaire/intake-form/[^/]+$")
    )
    expect(form.get_by_role("heading", level=1)).to_have_text("Questionnaire")
    expect(form.get_by_role("main")).not_to_contain_text("Failed to load questionnaire.")
    minted = len(sandbox.calls(vendor="semble", operation="createIntegrationToken"))
    assert minted == tokens_before + 1
    form.close()

    assert worker.poll() is None, "the worker died"
    assert page_problems == []

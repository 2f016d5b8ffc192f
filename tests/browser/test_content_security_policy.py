"""The full Content-Security-Policy in a real browser (issue 13, defect 11): a whole booking,
htmx swaps and polling included, without one violation, and the page's brand colour still
applied (it comes from its own stylesheet now, not an inline style)."""

from django.core.management import call_command
from playwright.sync_api import expect

from scheduling.models import BookingPage
from tests.browser.test_visit_links import book_a_video_follow_up

# Every violation, as the page itself sees it (an init script runs outside the page's policy).
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  const seen = JSON.parse(sessionStorage.getItem("csp") || "[]");
  seen.push(`${event.violatedDirective} ${event.blockedURI} line ${event.lineNumber}`);
  sessionStorage.setItem("csp", JSON.stringify(seen));
});
"""


def rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_a_whole_booking_runs_under_the_policy_with_the_brand_colour(
    app_server, phone_page, page_problems, sandbox
):
    call_command("seed_demo", verbosity=0)
    BookingPage.objects.filter(slug="riverside").update(brand_colour="#8a2be2")
    page = phone_page
    page.add_init_script(LISTEN)
    console_errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))

    booked = book_a_video_follow_up(page, app_server, page_problems)

    policy = booked.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    expect(page.locator(".site-header .brand")).to_have_css("color", rgb("#8a2be2"))
    page.wait_for_timeout(2500)  # one htmx poll of the visit links, under the policy too
    violations = page.evaluate("JSON.parse(sessionStorage.getItem('csp') || '[]')")
    assert violations == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []
    assert page_problems == []
    # The listener does hear a violation: an inline style is refused, and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    expect(page.locator("body > p").last).not_to_have_css("color", "rgb(255, 0, 0)")
    page.wait_for_function("JSON.parse(sessionStorage.getItem('csp') || '[]').length > 0")

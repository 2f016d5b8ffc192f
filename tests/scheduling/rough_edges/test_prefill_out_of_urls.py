"""Prefill (name, e-mail, phone) in a booking link is accepted on entry, then never travels in a
URL again: not in links, forms, htmx requests, pushed URLs or redirects, where access logs,
browser history and Referer headers would keep it. The details form still comes prefilled."""

import re
from urllib.parse import quote, urlencode

from django.test import Client

from tests.scheduling.conftest import ORIGIN, open_days, times
from tests.scheduling.html import Page

PREFILL = {
    "first_name": "Zebulon",
    "last_name": "Quixotically",
    "email": "zq.prefill@example.org",
    "phone": "5550199888",
}
URL_ATTRIBUTES = re.compile(r'\s(?:href|action|hx-get|hx-post|hx-push-url)="([^"]*)"')


def assert_no_prefill(where: str, text: str) -> None:
    for value in PREFILL.values():
        for form in {value, quote(value, safe=""), quote(value)}:
            assert form not in text, f"{where} carries {value!r}"


def check(response, *, html_may_hold_values: bool = False) -> str:
    """No prefill value in the response's headers (Location, HX-Push-Url, ...) nor, before the
    details form, anywhere in its HTML; on the details form only in its fields' values."""
    url = response.wsgi_request.get_full_path()
    for header, value in response.headers.items():
        assert_no_prefill(f"{url}: header {header}", value)
    content = response.content.decode()
    if html_may_hold_values:
        for attribute in URL_ATTRIBUTES.findall(content):
            assert_no_prefill(f"{url}: a URL in the page", attribute)
    else:
        assert_no_prefill(f"{url}: the page", content)
    return content


def test_prefill_is_taken_on_entry_then_kept_out_of_every_url(pages, sandbox):
    client = Client()
    entry = f"/book/riverside/?{urlencode({**PREFILL, 'tz': 'America/New_York'})}"
    response = client.get(entry)
    assert response.status_code == 302  # on to the same step, without the values
    check(response)

    response = client.get(response["Location"])
    content = check(response)
    type_link = next(a["href"] for a in Page(content).links() if "type=301" in a["href"])
    response = client.get(type_link)
    content = check(response)
    video = next(a["href"] for a in Page(content).links() if "contact=Healthie" in a["href"])
    response = client.get(video)
    content = check(response)
    provider = next(a["href"] for a in Page(content).links() if "provider=101" in a["href"])
    response = client.get(provider)
    content = check(response)
    assert response.status_code == 200, content[:300]

    # The day's times, as htmx asks for them (a partial and its pushed URL), then as a page.
    day = open_days(content)[0]
    form = Page(content).form(action="/book/riverside/times/")
    query = urlencode({**form.hidden_fields(), "day": day})
    check(client.get(f"/book/riverside/times/?{query}", HTTP_HX_REQUEST="true"))
    response = client.get(f"/book/riverside/times/?{query}")
    content = check(response)

    hold = Page(content).form(action="/book/riverside/hold/").hidden_fields()
    response = client.post(
        "/book/riverside/hold/", {**hold, "slot": times(content)[0][0]}, HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 302, response.content[:300]
    check(response)

    # The details form is prefilled from what came on entry.
    response = client.get(response["Location"])
    content = check(response, html_may_hold_values=True)
    details = Page(content)
    for name, value in PREFILL.items():
        field = next(e for e in details.iter() if e.tag == "input" and e.get("name") == name)
        assert field.get("value") == value, name


def test_prefill_never_seen_again_after_it_expired_or_was_forged(pages, sandbox):
    client = Client()
    response = client.get("/book/riverside/?type=301&pf=not-a-real-key&tz=America/New_York")
    assert response.status_code in (200, 302)
    content = response.content.decode()
    assert "not-a-real-key" not in content and "not-a-real-key" not in response.get("Location", "")

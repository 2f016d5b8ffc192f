"""The demo's sample clinic website (issue 11): a page on the sandbox server's origin that embeds
the app's widget as a clinic pastes it, under a strict policy of its own."""

import re
import threading

import httpx
import pytest

from integrations.sandbox.server import make_server

APP = "http://127.0.0.1:8000"


@pytest.fixture
def site(settings):
    settings.SITE_URL = APP
    server = make_server(
        "127.0.0.1", 0, vendors=["tests.integrations.sandbox.test_server.CounterSandbox"]
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}") as client:
        yield client
    server.shutdown()
    server.server_close()


def test_the_page_embeds_the_widget_inline_and_as_a_popup(site):
    response = site.get("/clinic-site/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert (
        f'<script src="{APP}/embed.js" data-booking-page="riverside" data-language="en" async>'
        in html
    )
    assert re.search(r'<button [^>]*data-booking-page="riverside" data-booking-mode="popup"', html)
    # Its own scripts are files: the policy allows nothing inline.
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    policy = response.headers["content-security-policy"]
    assert f"script-src 'self' {APP};" in policy
    assert f"frame-src {APP};" in policy
    assert "unsafe" not in policy
    assert site.get("/clinic-site/events.js").headers["content-type"].startswith("text/javascript")
    assert site.get("/clinic-site/site.css").headers["content-type"].startswith("text/css")


def test_the_page_and_language_come_from_the_query_and_nothing_else_does(site):
    html = site.get("/clinic-site/", params={"page": "dr-chen", "lang": "es"}).text
    assert 'data-booking-page="dr-chen" data-language="es"' in html
    assert '<html lang="es">' in html
    for query in ({"page": '"><script>alert(1)</script>'}, {"lang": "fr"}, {"page": "a/b"}):
        refused = site.get("/clinic-site/", params=query)
        assert refused.status_code == 400, query
        assert "<script>alert" not in refused.text
    assert site.get("/clinic-site/nothing-here").status_code == 404
    assert site.post("/clinic-site/").status_code == 405

"""A sample clinic's own website, for the demo: a page on another origin than the app's that
embeds the booking widget the way a clinic pastes it (scheduling.common.embed.snippet), inline
and as a popup button, and lists the events the widget sends the page.

Served by the sandbox server at `/clinic-site/` (`?page=<slug>`, `?lang=es`); `manage.py demo`
links it from the home page and allows its origin on the demo's booking pages. The app's address
is the SITE_URL setting. The page sends a strict Content-Security-Policy of its own (scripts
from itself and the app only, nothing inline), as a careful clinic site would, which shows the
loader needs nothing more.
"""

import re
from html import escape
from urllib.parse import urlsplit

from django.conf import settings

from integrations.sandbox.base import Request, Response

SLUG = re.compile(r"[A-Za-z0-9_-]{1,50}")
LANGUAGES = {"en", "es"}

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Riverside Physio: book a visit</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/clinic-site/site.css">
  <script src="/clinic-site/events.js" defer></script>
</head>
<body>
  <header>
    <p class="logo">Riverside Physio</p>
    <p>A sample clinic website, on another site than the booking app</p>
  </header>
  <main>
    <h1>Book a visit</h1>
    <p>This page belongs to the clinic, not to the booking app: it pastes the widget's code
    and the booking page appears below, sized to its content at every step.</p>
    <p><button type="button" class="popup" data-booking-page="{slug}" data-booking-mode="popup"
      data-language="{lang}">Book in a popup</button></p>
    <script src="{app}/embed.js" data-booking-page="{slug}" data-language="{lang}" async></script>
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events the widget sent this page</h2>
      <ol id="events"></ol>
    </section>
  </main>
</body>
</html>
"""

# The page's own script: lists each event (type and detail), and keeps them in
# window.clinicBookingEvents for anyone looking from the console.
EVENTS_JS = """(function () {
  "use strict";
  var seen = (window.clinicBookingEvents = []);
  ["resize", "step", "booked", "rescheduled", "cancelled"].forEach(function (type) {
    document.addEventListener("clinic-booking:" + type, function (event) {
      seen.push({ type: type, detail: event.detail });
      if (type === "resize") return;
      var item = document.createElement("li");
      item.textContent = type + " " + JSON.stringify(event.detail);
      document.getElementById("events").appendChild(item);
    });
  });
})();
"""

SITE_CSS = """body { margin: 0; font-family: Georgia, serif; background: #f4f1ea; color: #222; }
header { background: #23403a; color: #fff; padding: 1rem 2rem; }
header p { margin: 0; }
.logo { font-size: 1.5rem; font-weight: bold; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 2rem 4rem; }
main iframe { background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.2); }
.popup { font: inherit; padding: 0.6rem 1.2rem; border-radius: 6px; border: 2px solid #23403a; }
#events { font-family: monospace; }
"""


def respond(request: Request) -> Response:
    """`/clinic-site/...`: the page, its script and its stylesheet."""
    if request.method not in ("GET", "HEAD"):
        return Response.text("Method Not Allowed", status=405, headers={"Allow": "GET, HEAD"})
    if request.path == "/events.js":
        return _asset(EVENTS_JS, "text/javascript; charset=utf-8")
    if request.path == "/site.css":
        return _asset(SITE_CSS, "text/css; charset=utf-8")
    if request.path != "/":
        return Response.text("Not Found", status=404)
    slug = request.query.get("page") or "riverside"
    lang = request.query.get("lang") or "en"
    if not SLUG.fullmatch(slug) or lang not in LANGUAGES:
        return Response.text("Unknown page or language", status=400)
    app = settings.SITE_URL.rstrip("/")
    parts = urlsplit(app)
    app_origin = f"{parts.scheme}://{parts.netloc}"
    body = PAGE.format(app=escape(app), slug=escape(slug), lang=lang)
    policy = (
        f"default-src 'self'; script-src 'self' {app_origin}; frame-src {app_origin}; "
        "style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
    )
    return Response(
        status=200,
        body=body.encode(),
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
        },
    )


def _asset(text: str, content_type: str) -> Response:
    return Response(status=200, body=text.encode(), headers={"Content-Type": content_type})

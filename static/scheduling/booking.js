/* Booking pages: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // 1. Show times in the patient's own zone. A step that shows no times yet
  //    (data-tz-detect="links") passes the zone on in its links, with no reload; a step that
  //    shows days or times without one is reloaded once with ?tz=<IANA zone>.
  var detect = document.querySelector("[data-tz-detect]");
  if (detect) {
    try {
      var url = new URL(window.location.href);
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && !url.searchParams.has("tz")) {
        if (detect.getAttribute("data-tz-detect") !== "links") {
          url.searchParams.set("tz", zone);
          window.location.replace(url.toString());
          return;
        }
        detect.querySelectorAll("a[href]").forEach(function (link) {
          var next = new URL(link.href, url);
          if (next.origin === url.origin && !next.searchParams.has("tz")) {
            next.searchParams.set("tz", zone);
            link.href = next.pathname + next.search + next.hash;
          }
        });
      }
    } catch (e) { /* old browser: the clinic's zone stays, and the switcher works */ }
  }

  var announcer = document.getElementById("announcer");
  var alerter = document.getElementById("alerter");

  function say(region, text) {
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers announce repeated messages too.
    window.setTimeout(function () { region.textContent = text; }, 60);
  }

  function focusIn(root, selector) {
    var target = root && root.querySelector(selector);
    if (target) target.focus();
    return !!target;
  }

  // 2. On a new page, move focus to what changed (an error summary, the confirmation).
  focusIn(document, "[data-autofocus]");

  // 3. htmx swaps: announce loading, mark the region busy, then focus and announce the result.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt && event.detail.elt.closest("[data-loading-message]");
    say(announcer, source ? source.getAttribute("data-loading-message") + "…" : "Loading…");
    if (alerter) alerter.textContent = "";
    if (event.detail.target) event.detail.target.setAttribute("aria-busy", "true");
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var root = document.getElementById("picker") || document.getElementById("booking-status");
    if (!root) return;
    root.removeAttribute("aria-busy");
    var news = root.querySelector("[data-announce]");
    if (news) say(announcer, news.getAttribute("data-announce"));
    focusIn(root, "[data-focus-after-swap]") || focusIn(root, "[data-autofocus]");
  });

  function failed() {
    var busy = document.querySelector("[aria-busy=true]");
    if (busy) busy.removeAttribute("aria-busy");
    say(alerter, "Sorry, we couldn't load that. Please check your connection and try again.");
  }
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:timeout", failed);

  // 4. A confirm button says it is working; the server makes repeat clicks harmless anyway.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-submit-once")) {
      button.setAttribute("aria-disabled", "true");
      button.textContent = "Booking…";
      say(announcer, "Booking your appointment…");
    }
  });
})();

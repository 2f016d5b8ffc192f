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

  // Texts in the page's language come from the page (base.html's data-text-* on <body>).
  function text(name, fallback) {
    return document.body.getAttribute("data-text-" + name) || fallback;
  }

  // The English / Español switch goes to where the patient is now (htmx may have moved the
  // address since the page was drawn), in the other language.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-language-switch]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    var here = new URL(window.location.href);
    here.searchParams.set("lang", link.getAttribute("data-language-switch"));
    link.href = here.pathname + here.search + here.hash;
  });

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
  //    Polling (hx-trigger="every …": the visit links, a booking being confirmed) refreshes in
  //    the background: nothing the patient asked for, so it is neither announced as loading nor
  //    marked busy (the links would look disabled), and it moves the focus only if it was lost.
  function polling(elt) {
    return !!elt && /^\s*every\s/.test(elt.getAttribute("hx-trigger") || "");
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (polling(event.detail.elt)) return;
    var source = event.detail.elt && event.detail.elt.closest("[data-loading-message]");
    say(announcer, source ? source.getAttribute("data-loading-message") + "…" : text("loading", "Loading…"));
    if (alerter) alerter.textContent = "";
    if (event.detail.target) event.detail.target.setAttribute("aria-busy", "true");
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
    var root = document.getElementById("picker") || document.getElementById("booking-status");
    if (root) root.removeAttribute("aria-busy");
    // An outerHTML swap replaced the target: look in the new content instead.
    var swapped = target && target.isConnected ? target : root;
    if (!swapped) return;
    var news = swapped.querySelector("[data-announce]");
    if (news) say(announcer, news.getAttribute("data-announce"));
    monthGrid(swapped);
    if (pendingDay && moveToDay(swapped.querySelector("table.month"), pendingDay, false)) return;
    var lost = !document.activeElement || document.activeElement === document.body;
    if (polling(event.detail.elt) && !lost) return;
    focusIn(swapped, "[data-focus-after-swap]") || focusIn(swapped, "[data-autofocus]");
  });

  function failed() {
    var busy = document.querySelector("[aria-busy=true]");
    if (busy) busy.removeAttribute("aria-busy");
    say(alerter, text("load-failed", "Sorry, we couldn't load that. Please check your connection and try again."));
  }
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:timeout", failed);

  // 3b. The month, as in the ARIA grid pattern (date picker): one Tab stop (roving tabindex: the
  //     chosen day, else the first open one), arrows move a day (left/right) or a week
  //     (up/down), Home/End go to the week's first/last day, PageUp/PageDown a month. Closed
  //     days stay focusable (aria-disabled instead of disabled) so a move always lands where
  //     the key says, but they cannot be chosen. A move out of the month follows the month's
  //     link (htmx) and the focus lands on the same date there. Weeks start on Sunday, as
  //     the table's columns do; dates are computed in UTC, so no zone or DST shifts them.
  var pendingDay = "";

  function dayValue(date) { return date.toISOString().slice(0, 10); }

  function dayDate(value) {
    var parts = value.split("-");
    return new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
  }

  function addDays(date, days) { return new Date(date.getTime() + days * 86400000); }

  function addMonths(date, months) {
    var year = date.getUTCFullYear(), month = date.getUTCMonth() + months;
    var last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return new Date(Date.UTC(year, month, Math.min(date.getUTCDate(), last)));
  }

  function monthGrid(root) {
    var grid = root && root.querySelector("table.month");
    if (!grid) return;
    var days = grid.querySelectorAll("button.day");
    var stop = grid.querySelector("button.day[aria-current]:not([disabled]):not([aria-disabled=true])") ||
      grid.querySelector("button.day.open:not([disabled])") || days[0];
    days.forEach(function (day) {
      if (day.disabled) {
        day.disabled = false;
        day.setAttribute("aria-disabled", "true");
      }
      day.tabIndex = day === stop ? 0 : -1;
    });
  }

  function moveToDay(grid, value, follow) {
    pendingDay = "";
    if (!grid) return false;
    var target = grid.querySelector('button.day[value="' + value + '"]');
    if (target) {
      grid.querySelectorAll("button.day").forEach(function (day) { day.tabIndex = day === target ? 0 : -1; });
      target.focus();
      return true;
    }
    if (!follow) return false;
    var links = document.querySelectorAll(".month-nav a[href]");
    for (var i = 0; i < links.length; i++) {
      if (new URL(links[i].href, window.location.href).searchParams.get("month") === value.slice(0, 7)) {
        pendingDay = value;
        links[i].click();
        return true;
      }
    }
    return false; // before the first month offered: stay
  }

  monthGrid(document);

  document.addEventListener("keydown", function (event) {
    var day = event.target.closest && event.target.closest("table.month button.day");
    if (!day || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var date = dayDate(day.value);
    var moves = {
      ArrowLeft: function () { return addDays(date, -1); },
      ArrowRight: function () { return addDays(date, 1); },
      ArrowUp: function () { return addDays(date, -7); },
      ArrowDown: function () { return addDays(date, 7); },
      Home: function () { return addDays(date, -date.getUTCDay()); },
      End: function () { return addDays(date, 6 - date.getUTCDay()); },
      PageUp: function () { return addMonths(date, -1); },
      PageDown: function () { return addMonths(date, 1); },
    };
    if (!moves[event.key]) return;
    event.preventDefault();
    moveToDay(day.closest("table.month"), dayValue(moves[event.key]()), true);
  });

  // A closed day cannot be chosen (click, Enter or Space): it only takes the focus.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest('table.month button.day[aria-disabled="true"]')) {
      event.preventDefault();
    }
  }, true);

  // 4. A confirm button says it is working; the server makes repeat clicks harmless anyway.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-submit-once")) {
      button.setAttribute("aria-disabled", "true");
      button.textContent = button.getAttribute("data-working-label") || "Booking…";
      say(announcer, button.getAttribute("data-working-message") || "Booking your appointment…");
    }
  });

  // 5. Inside the clinic's widget (/embed.js on the clinic's site frames this page): tell the
  //    host page this page's height (so the frame never scrolls inside), the step, and the
  //    outcome (booked, rescheduled, cancelled). Nothing else: no name, e-mail, phone, time,
  //    reference or manage token, since the host page is another site. The browser renders
  //    this page in a frame only on the sites the booking page allows (CSP frame-ancestors,
  //    built per page by common.origin), and each message goes to that parent's exact origin:
  //    location.ancestorOrigins names it (Chromium, Safari); elsewhere the loader's "hello",
  //    sent to our exact origin on every page load, does (its event.origin). Never "*".
  (function embedded() {
    if (window.parent === window) return;
    var NS = "clinic-booking";
    var MARK = NS + ":sent:"; // window.name outlives this page's navigation (no storage needed)
    var ancestors = window.location.ancestorOrigins;
    var host = ancestors && ancestors.length ? ancestors[0] : "";
    var waiting = [];
    var lastHeight = 0;
    var lastStep = "";
    var sent = window.name.indexOf(MARK) === 0 ? window.name.slice(MARK.length) : "";
    if (sent) window.name = "";

    function post(message) {
      message.source = NS;
      if (host) window.parent.postMessage(message, host);
      else waiting.push(message);
    }

    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== window.parent || !data || data.source !== NS || data.type !== "hello") return;
      if (host && event.origin !== host) return;
      if (!host) {
        host = event.origin;
        waiting.splice(0).forEach(post);
      }
      if (/^#[0-9a-f]{6}$/i.test(data.colour || "")) {
        document.documentElement.style.setProperty("--brand", data.colour); // CSSOM: CSP allows it
      }
    });

    function measure() {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== lastHeight) {
        lastHeight = height;
        post({ type: "resize", height: height });
      }
    }

    function booking() {
      var status = document.getElementById("booking-status");
      if (!status) return "";
      if (status.querySelector('a[href^="/manage/"]')) return "confirmed";
      return status.querySelector("[hx-trigger]") ? "pending" : "other";
    }

    function stepName() {
      var path = window.location.pathname;
      var review = document.querySelector('form[action*="/confirm/"]') ? "review" : "";
      var flow = path.match(/^\/book\/[^/]+\/(?:([a-z]+)\/)?(?:[^/]+\/)?$/);
      if (flow) {
        if (!flow[1]) return "type";
        if (flow[1] === "booked") return booking() === "pending" ? "confirming" : "confirmation";
        if (flow[1] === "details") return review || "details";
        if (flow[1] === "hold" || flow[1] === "confirm") return review || "problem"; // a refused post
        return flow[1];
      }
      var manage = path.match(/^\/manage\/[^/]+\/(reschedule\/(?:[a-z]+\/)?|cancel\/)?$/);
      if (manage) {
        if (!manage[1]) return "manage";
        if (manage[1] === "cancel/") return "cancel";
        if (review) return "reschedule-review";
        return manage[1] === "reschedule/times/" ? "reschedule-times" : "reschedule";
      }
      return path === "/book/" ? "pages" : "other";
    }

    // The outcome, once: only on the page a confirm, reschedule or cancel post led to.
    function outcome() {
      if (!sent || window.location.pathname.indexOf("/booked/") < 0) return;
      var state = booking();
      var changed = new URLSearchParams(window.location.search).get("changed") || "";
      var type = "";
      if (sent === "book" && state === "confirmed" && !changed) type = "booked";
      if (sent === "reschedule" && state === "confirmed" && changed === "rescheduled") type = "rescheduled";
      if (sent === "cancel" && changed === "cancelled") type = "cancelled";
      if (type) post({ type: type });
      if (state !== "pending") sent = ""; // a pending booking says so when the page settles
    }

    function update() {
      var step = stepName();
      if (step !== lastStep) {
        lastStep = step;
        post({ type: "step", step: step });
      }
      outcome();
      measure();
    }

    // Which post this page sends, kept in window.name until the next page reads it.
    document.addEventListener("submit", function (event) {
      var action = (event.target.getAttribute("action") || "").split("?")[0];
      var kind = /\/reschedule\/confirm\/$/.test(action) ? "reschedule"
        : /\/cancel\/$/.test(action) ? "cancel"
        : /^\/book\/[^/]+\/confirm\/$/.test(action) && !(event.submitter && event.submitter.hasAttribute("formaction")) ? "book" : "";
      window.name = kind ? MARK + kind : "";
    });
    document.body.addEventListener("htmx:afterSettle", update);
    window.addEventListener("popstate", update);
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(measure);
      observer.observe(document.documentElement);
      observer.observe(document.body);
    } else {
      window.addEventListener("load", measure);
      window.setInterval(measure, 500);
    }
    if (host) post({ type: "ready" }); // the loader answers with its hello (the colour) at once
    update();
  })();
})();

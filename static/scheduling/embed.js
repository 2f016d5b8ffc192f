/* The clinic booking widget's loader, served at /embed.js: scheduling/common/embed.py documents
 * its attributes and events. Dependency-free, no eval or inline styles (a strict CSP allows it). */
(function () {
  "use strict";
  var NS = "clinic-booking";
  var EVENTS = ["resize", "step", "booked", "rescheduled", "cancelled"];
  var PARAMS = {
    firstName: "first_name", lastName: "last_name", email: "email", phone: "phone",
    appointmentType: "type", contactType: "contact", provider: "provider", language: "lang"
  };
  var TEXT = {
    en: { title: "Book an appointment", close: "Close" },
    es: { title: "Reservar una cita", close: "Cerrar" }
  };
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll('script[src$="/embed.js"]');
    script = all[all.length - 1];
  }
  if (!script) return;
  var app = new URL(script.src, window.location.href).origin; // the only origin we listen to
  var frames = [];

  function css(element, styles) {
    for (var name in styles) element.style[name] = styles[name]; // CSSOM: allowed by any CSP
  }

  function text(element) {
    return TEXT[(element.dataset.language || "").slice(0, 2)] || TEXT.en;
  }

  function pageUrl(element) {
    var data = element.dataset;
    if (!/^[A-Za-z0-9_-]+$/.test(data.bookingPage || "")) return null;
    var url = new URL("/book/" + data.bookingPage + "/", app);
    var values = {};
    for (var key in PARAMS) if (data[key]) values[PARAMS[key]] = data[key];
    if (data.name && !values.first_name && !values.last_name) {
      var words = data.name.trim().split(/\s+/);
      values.first_name = words.shift();
      if (words.length) values.last_name = words.join(" ");
    }
    try { values.tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) {}
    for (var param in values) if (values[param]) url.searchParams.set(param, values[param]);
    return url.href;
  }

  function frame(element, url) {
    var iframe = document.createElement("iframe");
    iframe.src = url;
    iframe.title = text(element).title;
    css(iframe, { display: "block", width: "100%", height: "520px", border: "0" });
    var colour = element.dataset.colour || element.dataset.color || "";
    var entry = { iframe: iframe, container: element, colour: /^#[0-9a-f]{6}$/i.test(colour) ? colour : "" };
    // Each page the frame loads learns our origin from this (browsers without ancestorOrigins).
    iframe.addEventListener("load", function () { hello(entry); });
    frames.push(entry);
    return entry;
  }

  function hello(entry) {
    var target = entry.iframe.contentWindow;
    if (target) target.postMessage({ source: NS, type: "hello", colour: entry.colour }, app);
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== app || !data || data.source !== NS) return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].iframe.contentWindow === event.source) receive(frames[i], data);
    }
  });

  function receive(entry, data) {
    if (data.type === "ready") return hello(entry);
    if (EVENTS.indexOf(data.type) < 0) return;
    var detail = { type: data.type }; // only what the protocol names goes on to the page
    if (data.type === "resize") {
      var height = Math.ceil(Number(data.height));
      if (!(height > 0 && height < 100000)) return;
      entry.iframe.style.height = height + "px";
      detail.height = height;
    }
    if (data.type === "step") detail.step = String(data.step || "");
    entry.container.dispatchEvent(new CustomEvent(NS + ":" + data.type, { bubbles: true, detail: detail }));
  }

  function inline(container) {
    var url = pageUrl(container);
    if (url) container.appendChild(frame(container, url).iframe);
  }

  function popup(button) {
    button.addEventListener("click", function (event) {
      var url = pageUrl(button);
      if (!url) return;
      event.preventDefault();
      var words = text(button);
      var dialog = document.createElement("dialog");
      if (typeof dialog.showModal !== "function") return void window.open(url, "_blank", "noopener");
      dialog.setAttribute("aria-label", words.title);
      css(dialog, {
        padding: "0", border: "0", borderRadius: "8px", background: "#fff",
        width: "min(48rem, calc(100vw - 2rem))", maxWidth: "none", maxHeight: "calc(100vh - 2rem)", overflow: "auto"
      });
      var bar = document.createElement("div");
      css(bar, { position: "sticky", top: "0", display: "flex", justifyContent: "flex-end", background: "#fff", padding: "0.25rem" });
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = words.close;
      css(close, { font: "inherit", minHeight: "44px", padding: "0.25rem 1rem", cursor: "pointer" });
      close.addEventListener("click", function () { dialog.close(); });
      var entry = frame(button, url);
      bar.appendChild(close);
      dialog.appendChild(bar);
      dialog.appendChild(entry.iframe);
      // A click on the backdrop lands on the dialog itself, outside its box.
      dialog.addEventListener("click", function (click) {
        var box = dialog.getBoundingClientRect();
        var outside = click.clientX < box.left || click.clientX > box.right || click.clientY < box.top || click.clientY > box.bottom;
        if (click.target === dialog && outside) dialog.close();
      });
      dialog.addEventListener("close", function () { // Escape, the button or the backdrop
        frames.splice(frames.indexOf(entry), 1);
        dialog.remove();
        button.focus();
      });
      document.body.appendChild(dialog);
      dialog.showModal(); // modal: the page behind is inert, focus moves to "Close"
    });
  }

  function start() {
    var elements = document.querySelectorAll("[data-booking-page]:not(script):not([data-booking-ready])");
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      element.setAttribute("data-booking-ready", "");
      (element.dataset.bookingMode === "popup" ? popup : inline)(element);
    }
  }

  // The script tag itself names a page: render it where the tag stands.
  if (script.dataset.bookingPage && !script.hasAttribute("data-booking-ready") && script.parentNode) {
    script.setAttribute("data-booking-ready", "");
    var isPopup = script.dataset.bookingMode === "popup";
    var here = document.createElement(isPopup ? "button" : "div");
    if (isPopup) {
      here.type = "button"; // never a form's submit button
      here.textContent = text(script).title;
    }
    for (var key in script.dataset) here.dataset[key] = script.dataset[key];
    here.setAttribute("data-booking-ready", "");
    script.parentNode.insertBefore(here, script);
    (isPopup ? popup : inline)(here);
  }
  start();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
})();

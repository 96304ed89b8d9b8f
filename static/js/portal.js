/* UPR Cities Portal: small, optional enhancements. Every page works without this file.
 *
 * 1. After htmx replaces a part of the page marked data-focus-after-swap (a row of the team
 *    table, the redaction form, the revealed restricted details), keyboard focus returns to
 *    it: to its first control, or to the part itself when it has none (tabindex="-1"). The
 *    element that had focus was replaced with it.
 * 2. When htmx cannot finish a request (network failure, or a status it does not swap),
 *    the form is submitted the ordinary way, so the person sees a full page instead of
 *    nothing.
 * 3. An error summary or alert marked data-focus-on-load takes focus when the page loads,
 *    so a screen reader reads it first.
 * 4. A part that htmx replaces whole is a new element, and screen readers don't read out a
 *    new live region. So an element in it marked data-announce="ID" has its text (or its
 *    data-announce-text) copied into the live region #ID that stays on the page; only when
 *    the text changed, so a progress poll doesn't repeat itself every second.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function (event) {
    var part = event.target;
    if (!(part instanceof HTMLElement) || !part.hasAttribute("data-focus-after-swap")) {
      return;
    }
    var target = part.querySelector("select, button, a[href]");
    if (!target && part.hasAttribute("tabindex")) {
      target = part;
    }
    if (target) {
      target.focus();
    }
  });

  function submitWithoutHtmx(event) {
    var form = event.detail && event.detail.elt;
    if (form instanceof HTMLFormElement && !form.hasAttribute("data-submitted-without-htmx")) {
      form.setAttribute("data-submitted-without-htmx", "");
      HTMLFormElement.prototype.submit.call(form);
    }
  }

  document.addEventListener("htmx:responseError", submitWithoutHtmx);
  document.addEventListener("htmx:sendError", submitWithoutHtmx);

  function focusOnLoad() {
    var target = document.querySelector("[data-focus-on-load]");
    if (target instanceof HTMLElement) {
      target.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOnLoad);
  } else {
    focusOnLoad();
  }

  document.addEventListener("htmx:afterSettle", function () {
    var sources = document.querySelectorAll("[data-announce]");
    Array.prototype.forEach.call(sources, function (source) {
      var region = document.getElementById(source.getAttribute("data-announce"));
      if (!region) {
        return;
      }
      var text = (source.getAttribute("data-announce-text") || source.textContent || "")
        .replace(/\s+/g, " ")
        .trim();
      if (region.textContent !== text) {
        region.textContent = text;
      }
    });
  });
})();

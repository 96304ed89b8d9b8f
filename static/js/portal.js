/* UPR Cities Portal: small, optional enhancements. Every page works without this file.
 *
 * 1. After htmx replaces a row of the team table, keyboard focus returns to that row
 *    (the button that had focus was replaced with the row).
 * 2. When htmx cannot finish a request (network failure, or a status it does not swap),
 *    the form is submitted the ordinary way, so the person sees a full page instead of
 *    nothing.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function (event) {
    var row = event.target;
    if (!(row instanceof HTMLElement) || !row.hasAttribute("data-focus-after-swap")) {
      return;
    }
    var target = row.querySelector("select, button, a[href]");
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
})();

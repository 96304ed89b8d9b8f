/* UPR Cities Portal: the resident's survey form. Optional: without it every question is
 * shown, and the server drops answers to questions a show-if rule hides.
 *
 * A question wrapper marked data-show-if-name="q_…" data-show-if-value="KEY" is shown only
 * while the question named q_… (itself shown) has KEY among its answers. A hidden question's
 * inputs are disabled, so they are neither sent nor counted by the questions after it. The
 * rules always point to earlier questions, so one pass in page order settles them all.
 */
(function () {
  "use strict";

  var form = document.getElementById("survey-form");
  if (!form) {
    return;
  }
  var rules = form.querySelectorAll("[data-show-if-name]");
  if (!rules.length) {
    return;
  }

  function chosen(name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name || el.disabled) {
        return;
      }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) {
        return;
      }
      if (el.value) {
        values.push(el.value);
      }
    });
    return values;
  }

  function apply() {
    Array.prototype.forEach.call(rules, function (wrapper) {
      var show = chosen(wrapper.getAttribute("data-show-if-name"))
        .indexOf(wrapper.getAttribute("data-show-if-value")) !== -1;
      wrapper.hidden = !show;
      Array.prototype.forEach.call(
        wrapper.querySelectorAll("input, select, textarea"),
        function (el) {
          el.disabled = !show;
        }
      );
    });
  }

  form.addEventListener("change", apply);
  apply();
})();

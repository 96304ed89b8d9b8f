/* UPR Cities Portal: the report editor (templates/reports/detail.html). Optional: without
 * this file the editor is a plain form, and a citation is added at the end of its section.
 *
 * 1. Live word counts: each section's count and the document's total follow the typing,
 *    counted as the server counts them (reports/markdown.py: word_count).
 * 2. Unsaved changes: leaving the page with unsaved text asks first.
 * 3. Autosave: every 30 seconds, unsaved text is sent with htmx; #save-status says when it
 *    was saved, or why not. After a conflict (someone else saved a section) autosave stops,
 *    so nobody's words are overwritten: the message says what to do.
 * 4. A citation inserted from the evidence panel lands at the cursor of its section (or at
 *    the end, when the cursor was in another section), on a line of its own.
 * 5. When the PDF box is replaced under keyboard focus, focus moves to the box.
 */
(function () {
  "use strict";

  var AUTOSAVE_MS = 30000;
  var ANNOUNCE_DELAY_MS = 1000;
  var CITATION_RE = /\[\[cite:[0-9a-f]{8}\]\]/g;
  var MARKDOWN_RE = /[#>*_`[\]()|~]/g;
  var WORD_RE;
  try {
    // Like the server: a word starts with a letter or digit (a bare "-" bullet is not one).
    WORD_RE = new RegExp("[\\p{L}\\p{N}_][\\p{L}\\p{N}_\u2019'-]*", "gu");
  } catch (e) {
    WORD_RE = /[A-Za-z0-9\u00C0-\u024F_][A-Za-z0-9\u00C0-\u024F_\u2019'-]*/g; // browsers without Unicode property escapes
  }

  var form = null;
  var dirty = false;
  var generation = 0; // bumped at every change, so a save sent earlier doesn't clear newer changes
  var savingGeneration = null;
  var conflicted = false;
  var lastTextarea = null;
  var announceTimers = new WeakMap();

  function countWords(text) {
    var cleaned = (text || "").replace(CITATION_RE, " ").replace(MARKDOWN_RE, " ");
    var matches = cleaned.match(WORD_RE);
    return matches ? matches.length : 0;
  }

  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function plural(count) {
    try {
      return new Intl.PluralRules(document.documentElement.lang || "en").select(count) === "one"
        ? "one"
        : "other";
    } catch (e) {
      return count === 1 ? "one" : "other";
    }
  }

  function textareas() {
    return form ? Array.prototype.slice.call(form.querySelectorAll("textarea.report-editor-text")) : [];
  }

  function counterFor(textarea) {
    var counters = document.querySelectorAll(".word-count[data-for]");
    for (var i = 0; i < counters.length; i += 1) {
      if (counters[i].getAttribute("data-for") === textarea.id) {
        return counters[i];
      }
    }
    return null;
  }

  // The counts sit in live regions: while someone types, they are rewritten only after a
  // pause, so a screen reader isn't made to read out every word.
  function setLiveText(element, text, immediately) {
    var pending = announceTimers.get(element);
    if (pending) {
      window.clearTimeout(pending);
    }
    if (immediately) {
      element.textContent = text;
      return;
    }
    announceTimers.set(
      element,
      window.setTimeout(function () {
        element.textContent = text;
      }, ANNOUNCE_DELAY_MS)
    );
  }

  function updateCount(textarea, immediately) {
    var counter = counterFor(textarea);
    var count = countWords(textarea.value);
    if (counter) {
      var target = parseInt(counter.getAttribute("data-target") || "0", 10);
      var over = target > 0 && count > target;
      var template = over
        ? form.getAttribute("data-words-over")
        : form.getAttribute("data-words-" + plural(count));
      counter.classList.toggle("over-target", over);
      setLiveText(counter, format(template, { count: count, target: target }), immediately);
    }
    return count;
  }

  function updateTotal(immediately) {
    var total = document.getElementById("word-total");
    if (!total) {
      return;
    }
    var count = textareas().reduce(function (sum, textarea) {
      return sum + countWords(textarea.value);
    }, 0);
    var template = form.getAttribute("data-total-" + plural(count));
    setLiveText(
      total,
      format(template, { count: count, target: total.getAttribute("data-target") || "" }),
      immediately
    );
  }

  function markDirty() {
    dirty = true;
    generation += 1;
  }

  function showStatus(message) {
    var status = document.getElementById("save-status");
    if (!status) {
      return;
    }
    var box = document.createElement("div");
    box.className = "alert alert-danger mb-0";
    box.textContent = message;
    status.replaceChildren(box);
    var announcer = document.getElementById("save-announcer");
    if (announcer) {
      announcer.textContent = message;
    }
  }

  function autosave() {
    if (!form || !dirty || conflicted || savingGeneration !== null || !window.htmx) {
      return;
    }
    var url = form.getAttribute("data-autosave-url");
    if (!url) {
      return;
    }
    savingGeneration = generation;
    // htmx 2 takes `values` with `source`: the form's fields plus autosave=1.
    var request = window.htmx.ajax("POST", url, {
      source: form,
      target: "#save-status",
      swap: "outerHTML",
      values: { autosave: "1" },
    });
    if (request && typeof request.then === "function") {
      request.then(
        function () {
          savingGeneration = null;
        },
        function () {
          savingGeneration = null;
        }
      );
    }
  }

  function isEditorRequest(event) {
    return Boolean(form && event.detail && event.detail.elt === form);
  }

  function insertToken(textarea, token) {
    var value = textarea.value;
    var useCursor = textarea === lastTextarea && typeof textarea.selectionStart === "number";
    var start = useCursor ? textarea.selectionStart : value.length;
    var end = useCursor ? textarea.selectionEnd : value.length;
    var before = value.slice(0, start);
    var after = value.slice(end);
    // A citation alone in its paragraph renders as a block: blank lines around it.
    var lead = "";
    if (before.length && !/\n\n$/.test(before)) {
      lead = /\n$/.test(before) ? "\n" : "\n\n";
    }
    var tail = "\n";
    if (after.length) {
      tail = /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    }
    var inserted = lead + token + tail;
    textarea.value = before + inserted + after;
    var caret = before.length + inserted.length;
    try {
      textarea.setSelectionRange(caret, caret);
    } catch (e) {
      /* not focusable right now: fine */
    }
    lastTextarea = textarea;
    markDirty();
    updateCount(textarea, true);
    updateTotal(true);
  }

  function setUpEditor() {
    form = document.getElementById("report-editor");
    if (!form) {
      return;
    }
    var help = document.getElementById("report-editor-help");
    textareas().forEach(function (textarea) {
      var counter = counterFor(textarea);
      var described = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (help && described.indexOf(help.id) === -1) {
        described.push(help.id);
      }
      if (counter && counter.id && described.indexOf(counter.id) === -1) {
        described.push(counter.id);
      }
      if (described.length) {
        textarea.setAttribute("aria-describedby", described.join(" "));
      }
      updateCount(textarea, true);
      textarea.addEventListener("focus", function () {
        lastTextarea = textarea;
      });
      textarea.addEventListener("input", function () {
        lastTextarea = textarea;
        markDirty();
        updateCount(textarea, false);
        updateTotal(false);
      });
    });
    updateTotal(true);

    form.addEventListener("submit", function () {
      dirty = false; // the Save button's own submit: no warning on the way out
    });

    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = ""; // older browsers need it set to ask
      }
    });

    window.setInterval(autosave, AUTOSAVE_MS);
  }

  // A 409 (conflict) or 422 (invalid) save comes with a message for #save-status: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && (xhr.status === 409 || xhr.status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isEditorRequest(event)) {
      return;
    }
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (status >= 200 && status < 300) {
      if (savingGeneration !== null && savingGeneration === generation) {
        dirty = false;
      }
    } else if (status === 409) {
      conflicted = true; // stop: the message asks to copy the text and reload
    }
    savingGeneration = null;
  });

  // An autosave that fails (no connection, an expired session, a server error) must not
  // fall back to submitting the form (portal.js does that for other htmx forms): say so and
  // keep the text. Capture on window runs before portal.js's listener on document.
  function autosaveFailed(event) {
    if (!isEditorRequest(event)) {
      return;
    }
    event.stopPropagation();
    savingGeneration = null;
    showStatus(
      form.getAttribute(
        event.type === "htmx:sendError" ? "data-autosave-failed" : "data-autosave-error"
      ) || ""
    );
  }
  window.addEventListener("htmx:sendError", autosaveFailed, true);
  window.addEventListener("htmx:responseError", autosaveFailed, true);

  document.addEventListener("htmx:afterSettle", function (event) {
    // The answer to "Insert quote / chart / statistic": put the token in its section, and
    // save it with the text straight away.
    var result = document.getElementById("cite-result");
    if (result && result.hasAttribute("data-token") && !result.hasAttribute("data-inserted")) {
      result.setAttribute("data-inserted", "");
      var textarea = document.getElementById("id_body_" + result.getAttribute("data-section"));
      if (textarea) {
        insertToken(textarea, result.getAttribute("data-token"));
        autosave();
      }
    }
    // The PDF box is replaced whole (after "Generate PDF", and while polling): when the
    // button or link that had keyboard focus went with it, focus the box instead of
    // leaving it on the page's body. (htmx itself restores focus to an element with an id,
    // such as the evidence panel's theme list.)
    var part = event.target;
    if (part instanceof HTMLElement && part.id === "render-job") {
      var active = document.activeElement;
      if (!active || active === document.body) {
        part.focus();
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpEditor);
  } else {
    setUpEditor();
  }
})();

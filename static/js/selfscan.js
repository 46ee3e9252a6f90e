// Progressive enhancement for selfscan: every page works without this file.
(function () {
  "use strict";
  var nl = document.documentElement.lang !== "en";
  var T = {
    saving: nl ? "Bezig met opslaan…" : "Saving…",
    saved: nl ? "Opgeslagen om " : "Saved at ",
    // No answer from the server at all (no connection): nothing of the last change reached it.
    offline: nl ? "Opslaan op de achtergrond lukte niet: er was geen verbinding met de zelfscan. Wat eerder is opgeslagen, blijft bewaard, en uw keuzes staan nog op deze pagina. Klik op \u2018Opslaan en volgende\u2019 of \u2018Opslaan en later verder\u2019 als de verbinding er weer is." : "Saving in the background failed: there was no connection to the self-scan. What was saved before is kept, and your choices are still on this page. Press \u2018Save and next\u2019 or \u2018Save and continue later\u2019 once the connection is back.",
    // The server answered with an error but without a message of its own.
    refused: nl ? "Opslaan op de achtergrond lukte niet. Wat eerder is opgeslagen, blijft bewaard, en uw keuzes staan nog op deze pagina." : "Saving in the background failed. What was saved before is kept, and your choices are still on this page.",
    copied: nl ? "Link gekopieerd" : "Link copied",
    filter: nl ? "Zoek uw gemeente" : "Search your municipality",
    matches: nl ? " gemeenten gevonden" : " municipalities found"
  };

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // Background save: the same fields a page submit sends, to the page's autosave address.
  function autosave(form) {
    var status = form.querySelector("[data-save-status]");
    var timer = null;
    function send() {
      if (status) { status.dataset.state = "saving"; status.textContent = T.saving; }
      var body = new URLSearchParams(new FormData(form));
      body.delete("action");
      fetch(form.dataset.autosave, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(form), "Accept": "application/json"}
      }).then(function (r) {
        if (r.ok) {
          if (status) {
            status.dataset.state = "saved";
            status.textContent = T.saved + new Date().toLocaleTimeString(nl ? "nl-NL" : "en-GB", {hour: "2-digit", minute: "2-digit"});
          }
          return;
        }
        // The server said why: a comment too long (the answers were saved, the comment not),
        // a page it refused (nothing of it saved), a scan already submitted. Its message is
        // the true one; without one, say only what is sure.
        return r.json().catch(function () { return {}; }).then(function (data) {
          var messages = [];
          if (data.errors) {
            // Each message after the label of its field, so that it names the field.
            Object.keys(data.errors).forEach(function (field) {
              var label = form.querySelector("label[for='" + field + "']");
              messages.push((label ? label.textContent.trim() + ": " : "") + data.errors[field]);
            });
          } else if (data.message) {
            messages.push(data.message);
          }
          if (status) { status.dataset.state = "error"; status.textContent = messages.length ? messages.join(" ") : T.refused; }
        });
      }, function () {
        if (status) { status.dataset.state = "error"; status.textContent = T.offline; }
      });
    }
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(send, 300); });
  }

  // A counter under a textarea with a limit. The visible count follows every keystroke; screen
  // readers hear it (through a polite live region) only when it crosses a threshold, not per key.
  function counters() {
    var THRESHOLDS = [0, 50, 100, 200];
    document.querySelectorAll("textarea[data-count-max]").forEach(function (area) {
      var out = document.getElementById(area.dataset.countId);
      var live = document.querySelector("[data-count-live='" + area.id + "']");
      if (!out) { return; }
      var max = parseInt(area.dataset.countMax, 10);
      var band = null;
      function bandOf(left) {
        for (var i = 0; i < THRESHOLDS.length; i++) { if (left <= THRESHOLDS[i]) { return THRESHOLDS[i]; } }
        return null;
      }
      function update(announce) {
        var left = max - area.value.replace(/\r\n/g, "\n").length;
        out.textContent = left >= 0 ? out.dataset.countText.replace("{left}", left)
          : out.dataset.countOver.replace("{over}", -left);
        out.dataset.state = left < 0 ? "over" : (left <= 50 ? "low" : "");
        var now = bandOf(left);
        if (announce && live && now !== band && now !== null) { live.textContent = out.textContent; }
        band = now;
      }
      out.hidden = false;
      update(false);
      area.addEventListener("input", function () { update(true); });
    });
  }

  // Copy buttons beside secret links; the buttons stay hidden where scripts do not run.
  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var input = document.getElementById(button.dataset.copy);
      if (!input || !navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          var label = button.textContent;
          button.textContent = T.copied;
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  }

  // A search box above a long select: typing narrows the options. It matches without accents
  // and case ("sudwest" finds Súdwest-Fryslân) and by code: an option's value is its CBS code,
  // so "GM1900" and "1900" find it too. Label and hint come from the select's data-filter-*
  // attributes (translated by the page), each beside its own field.
  function filterSelects() {
    function fold(text) {
      return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/['\u2019]/g, "").replace(/\s+/g, " ").trim();
    }
    document.querySelectorAll("select[data-filterable]").forEach(function (select) {
      var wrap = document.createElement("div");
      wrap.className = "form-field";
      var id = select.id + "-filter";
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = select.dataset.filterLabel || T.filter;
      var input = document.createElement("input");
      input.type = "search";
      input.id = id;
      input.autocomplete = "off";
      input.setAttribute("aria-controls", select.id);
      wrap.appendChild(label);
      if (select.dataset.filterHint) {
        var hint = document.createElement("p");
        hint.className = "hint";
        hint.id = id + "-hint";
        hint.textContent = select.dataset.filterHint;
        input.setAttribute("aria-describedby", hint.id);
        wrap.appendChild(hint);
      }
      var live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      wrap.appendChild(input);
      wrap.appendChild(live);
      // Above the select's own field, so that its label, hint and error stay together.
      var field = select.closest(".form-field") || select;
      field.parentNode.insertBefore(wrap, field);
      var options = Array.prototype.slice.call(select.options);
      var names = options.map(function (o) { return fold(o.text); });
      input.addEventListener("input", function () {
        var q = fold(input.value);
        var digits = /^(gm)?\d+$/.test(q) ? q.replace(/^gm/, "") : null;
        var shown = 0, first = null;
        options.forEach(function (o, n) {
          var code = o.value.toLowerCase().replace(/^gm/, "");
          var match = !o.value || names[n].indexOf(q) !== -1 ||
            (digits !== null && code.indexOf(digits) !== -1);
          o.hidden = !match;
          o.disabled = !match && !!o.value;
          if (match && o.value) { shown++; if (!first) { first = o; } }
        });
        if (first && q) { select.value = first.value; }
        var found = shown === 1 ? select.dataset.filterFoundOne : select.dataset.filterFound;
        live.textContent = shown + " " + (found || T.matches.trim());
      });
    });
  }

  // One submission per click: a double click on "Indienen" sends one request.
  function submitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (form.dataset.sent) { e.preventDefault(); return; }
        form.dataset.sent = "1";
      });
    });
  }

  function errorFocus() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
    copyButtons();
    counters();
    filterSelects();
    submitOnce();
    errorFocus();
  });
})();

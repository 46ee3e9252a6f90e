// Progressive enhancement for selfscan: every page works without this file.
(function () {
  "use strict";
  var nl = document.documentElement.lang !== "en";
  var T = {
    saving: nl ? "Bezig met opslaan…" : "Saving…",
    saved: nl ? "Opgeslagen om " : "Saved at ",
    failed: nl ? "Opslaan lukte niet. Uw antwoorden worden opgeslagen als u op een knop klikt." : "Saving failed. Your answers will be saved when you press a button.",
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
        if (!r.ok) { throw new Error(String(r.status)); }
        if (status) {
          status.dataset.state = "saved";
          status.textContent = T.saved + new Date().toLocaleTimeString(nl ? "nl-NL" : "en-GB", {hour: "2-digit", minute: "2-digit"});
        }
      }).catch(function () {
        if (status) { status.dataset.state = "error"; status.textContent = T.failed; }
      });
    }
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(send, 300); });
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

  // A search box above a long select: typing narrows the options.
  function filterSelects() {
    document.querySelectorAll("select[data-filterable]").forEach(function (select) {
      var wrap = document.createElement("div");
      wrap.className = "form-field";
      var id = select.id + "-filter";
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = T.filter;
      var input = document.createElement("input");
      input.type = "search";
      input.id = id;
      input.autocomplete = "off";
      input.setAttribute("aria-controls", select.id);
      var live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      wrap.appendChild(label);
      wrap.appendChild(input);
      wrap.appendChild(live);
      select.parentNode.insertBefore(wrap, select.parentNode.querySelector("label").nextSibling);
      var options = Array.prototype.slice.call(select.options);
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        var shown = 0, first = null;
        options.forEach(function (o) {
          var match = !o.value || o.text.toLowerCase().indexOf(q) !== -1;
          o.hidden = !match;
          o.disabled = !match && !!o.value;
          if (match && o.value) { shown++; if (!first) { first = o; } }
        });
        if (first && q) { select.value = first.value; }
        live.textContent = shown + T.matches;
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
    filterSelects();
    submitOnce();
    errorFocus();
  });
})();

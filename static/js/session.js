// The working-session item page: save the agreement in the background as the group fills it
// in. Progressive enhancement only: without this file the buttons save with a normal POST.
// A save from a stale page gets 409 and the stored values, which are shown beside the form;
// nothing the user typed is changed, and the next save is theirs to make with a button.
(function () {
  "use strict";
  var nl = document.documentElement.lang !== "en";
  var T = {
    saving: nl ? "Bezig met opslaan…" : "Saving…",
    saved: nl ? "Opgeslagen om " : "Saved at ",
    failed: nl ? "Opslaan lukte niet. Klik op Opslaan om het opnieuw te proberen." : "Saving failed. Press Save to try again.",
    invalid: nl ? "Nog niet opgeslagen: controleer het formulier en klik op Opslaan." : "Not saved yet: check the form and press Save.",
    conflict: nl ? "Iemand anders heeft deze stelling intussen opgeslagen. Er is niets overschreven. Zo staat het nu opgeslagen; uw invoer staat nog in het formulier. Klik op Opslaan om uw invoer te bewaren." : "Someone else saved this item in the meantime. Nothing was overwritten. This is what is stored now; your input is still in the form. Press Save to keep your input.",
    level: nl ? "Afgesproken niveau" : "Agreed level",
    note: nl ? "Toelichting" : "Note",
    evidence: nl ? "Bewijsstuk" : "Evidence"
  };

  function show(status, state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function conflictBox(form, stored) {
    var box = document.getElementById("session-conflict-live");
    if (!box) {
      box = document.createElement("div");
      box.id = "session-conflict-live";
      box.className = "notice notice--warning";
      box.setAttribute("role", "alert");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = T.conflict;
    box.appendChild(p);
    var list = document.createElement("dl");
    list.className = "session-conflict";
    [[T.level, stored.agreed_level === null ? "–" : String(stored.agreed_level)],
     [T.note, stored.note || "–"],
     [T.evidence, (stored.evidence_title || "–") + (stored.evidence_url ? " (" + stored.evidence_url + ")" : "")]
    ].forEach(function (pair) {
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = pair[0];
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
  }

  function autosave(form) {
    var status = form.querySelector("[data-session-status]");
    var version = form.querySelector("input[name=version]");
    var timer = null;
    var paused = false;  // after a conflict: only a button press saves
    function send() {
      if (paused || !status || !version) { return; }
      show(status, "saving", T.saving);
      var body = new URLSearchParams(new FormData(form));
      body.set("button", "autosave");
      fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
      }).then(function (r) {
        return r.json().then(function (data) { return {status: r.status, data: data}; });
      }).then(function (result) {
        var data = result.data;
        if (result.status === 200) {
          version.value = String(data.version);
          show(status, "saved", T.saved + new Date().toLocaleTimeString(nl ? "nl-NL" : "en-GB", {hour: "2-digit", minute: "2-digit"}));
          if (data.warnings && data.warnings.length) { show(status, "warning", status.textContent + ". " + data.warnings[0]); }
        } else if (result.status === 409) {
          paused = true;
          if (data.conflict) { version.value = String(data.conflict.version); conflictBox(form, data.conflict); }
          show(status, "error", T.conflict);
        } else if (result.status === 400) {
          show(status, "error", data.message || T.invalid);
        } else {
          throw new Error(String(result.status));
        }
      }).catch(function () {
        show(status, "error", T.failed);
      });
    }
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(send, 400); });
    form.addEventListener("submit", function () { clearTimeout(timer); paused = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-session-autosave]").forEach(autosave);
  });
})();

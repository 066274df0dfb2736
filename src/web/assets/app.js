// Custodia's only script. Every page works without it; it adds: the Escape-twice quick
// exit, the idle lock, draft autosave, upload progress and refreshing pages that wait
// on a background job. No inline script anywhere (the CSP forbids it); settings come
// from data- attributes on <body>.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var exitUrl = body.getAttribute("data-exit-url") || "about:blank";
  var idleMinutes = parseInt(body.getAttribute("data-idle-lock") || "0", 10);

  function post(url, data) {
    var params = new URLSearchParams(data || {});
    params.set("csrf", csrf);
    return navigator.sendBeacon(url, params);
  }

  // Quick exit: end the session in the background and replace this page in the
  // history, so Back does not return to it.
  function quickExit() {
    try { post("/exit"); } catch (e) { /* leave anyway */ }
    window.location.replace(exitUrl);
  }
  var lastEscape = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 800) quickExit();
    lastEscape = now;
  });
  document.querySelectorAll("form.exit").forEach(function (f) {
    f.addEventListener("submit", function (e) { e.preventDefault(); quickExit(); });
  });

  // Draft autosave: forms marked data-autosave post their fields there every 15 s
  // when something changed, and when the page is hidden or locks.
  var autosaveForms = Array.prototype.slice.call(document.querySelectorAll("form[data-autosave]"));
  var status = document.getElementById("autosave-status");
  function save(form, beacon) {
    if (!form.dataset.dirty) return Promise.resolve();
    form.dataset.dirty = "";
    var data = new URLSearchParams(new FormData(form));
    if (beacon) { navigator.sendBeacon(form.dataset.autosave, data); return Promise.resolve(); }
    if (status) status.textContent = body.getAttribute("data-saving");
    return fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        if (status) status.textContent = body.getAttribute("data-saved") + " " + new Date().toLocaleTimeString();
      })
      .catch(function () { form.dataset.dirty = "1"; if (status) status.textContent = ""; });
  }
  autosaveForms.forEach(function (form) {
    form.addEventListener("input", function () { form.dataset.dirty = "1"; });
    setInterval(function () { save(form, false); }, 15000);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") autosaveForms.forEach(function (f) { save(f, true); });
  });

  // Idle lock: after the configured quiet time, save drafts, end the session and show
  // the sign-in page (nothing of the case stays on screen).
  if (idleMinutes > 0) {
    var timer;
    var lock = function () {
      Promise.all(autosaveForms.map(function (f) { return save(f, false); })).then(function () {
        post("/lock");
        window.location.replace("/login?locked=1");
      });
    };
    var reset = function () { clearTimeout(timer); timer = setTimeout(lock, idleMinutes * 60000); };
    ["keydown", "pointerdown", "pointermove", "scroll", "input"].forEach(function (ev) {
      document.addEventListener(ev, reset, { passive: true });
    });
    reset();
  }

  // Upload progress: the same multipart form, sent by XHR so progress can be shown.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var bar = form.querySelector("progress");
      if (!bar || !window.XMLHttpRequest) return;
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (p) { if (p.lengthComputable) { bar.max = p.total; bar.value = p.loaded; } };
      xhr.onload = function () {
        if (xhr.status < 400) { window.location.assign(xhr.responseURL || window.location.href); }
        else { document.open(); document.write(xhr.responseText); document.close(); }
      };
      xhr.onerror = function () { bar.removeAttribute("value"); };
      bar.hidden = false;
      xhr.send(new FormData(form));
    });
  });

  // Pages waiting on a background job (a bundle being built) refresh themselves.
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) setTimeout(function () { window.location.reload(); }, 1500);
  // ---- The testimony form (issue 16) ----------------------------------------------
  // Ctrl+S (Cmd+S) saves the draft through its Save draft button (never a correction,
  // which would seal a new version); the account grows with the text where CSS
  // field-sizing is missing; a button marks the selected text as identifying by
  // wrapping it in [[…]] (without script, the hint under the account explains that).
  var testimonyForm = document.getElementById("testimony-form");
  if (testimonyForm) {
    var accountField = document.getElementById("account");
    var saveDraft = document.getElementById("save-draft");
    if (saveDraft) {
      document.addEventListener("keydown", function (e) {
        if (!(e.ctrlKey || e.metaKey) || e.altKey || (e.key !== "s" && e.key !== "S")) return;
        e.preventDefault();
        if (testimonyForm.requestSubmit) testimonyForm.requestSubmit(saveDraft); else saveDraft.click();
      });
    }
    if (accountField && !(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"))) {
      var grow = function () {
        var keep = window.scrollY;
        accountField.style.height = "auto";
        accountField.style.height = (accountField.scrollHeight + 4) + "px";
        window.scrollTo(window.scrollX, keep);
      };
      accountField.addEventListener("input", grow);
      grow();
    }
    var markButton = document.getElementById("mark-identifying");
    if (markButton && accountField) {
      markButton.hidden = false;
      // Keep the selection in the account while the button is pressed.
      markButton.addEventListener("mousedown", function (e) { e.preventDefault(); });
      markButton.addEventListener("click", function () {
        var from = accountField.selectionStart, to = accountField.selectionEnd;
        var chosen = accountField.value.slice(from, to);
        var core = chosen.trim();
        accountField.focus();
        if (!core) return;
        // Spaces picked up at either end stay outside the brackets.
        var lead = chosen.slice(0, chosen.indexOf(core));
        var trail = chosen.slice(lead.length + core.length);
        var marked = lead + "[[" + core + "]]" + trail;
        accountField.setSelectionRange(from, to);
        // insertText keeps the browser's undo history and fires "input" (autosave).
        if (!(document.execCommand && document.execCommand("insertText", false, marked))) {
          accountField.setRangeText(marked, from, to, "end");
          accountField.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
    }
  }
})();

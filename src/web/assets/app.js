// Custodia's only script. Every page works without it; it adds: the Escape-twice quick
// exit, the idle lock, draft autosave, upload progress and refreshing pages that wait
// on a background job. No inline script anywhere (the CSP forbids it); settings come
// from data- attributes on <body>.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";
  var exitUrl = body.getAttribute("data-exit-url") || "about:blank";
  var idleSecs = parseInt(body.getAttribute("data-idle-lock-secs") || "0", 10);

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

  // Draft autosave: forms marked data-autosave post their fields there a few seconds
  // after the last keystroke (data-autosave-delay), at least every data-autosave-every
  // seconds while they change, and when the page is hidden or locks. The new testimony
  // form's first save creates the draft; the answer names it, and from then on the
  // form (its autosave and its Save button) goes to that draft, so no second one is made.
  // An answer that is not a save (the session had ended: the request was sent on to
  // the sign-in page) is never reported as one: the form is then posted as it is, and
  // the sign-in page keeps it, sealed, for when its author signs in again.
  var autosaveForms = Array.prototype.slice.call(document.querySelectorAll("form[data-autosave]"));
  var status = document.getElementById("autosave-status");
  var leaving = false;
  // A request whose session has ended is sent on to the sign-in page. The script does
  // not follow (loading that page would drop the session cookie, which the form posted
  // next needs, to be kept for its user).
  function signedOut(r) {
    return r.type === "opaqueredirect" || r.status === 401;
  }
  function sessionEnded(form) {
    if (leaving) return;
    leaving = true;
    form.submit();
  }
  function save(form) {
    if (form.saving) return form.saving.then(function () { return save(form); });
    if (!form.dataset.dirty) return Promise.resolve(true);
    form.dataset.dirty = "";
    var data = new URLSearchParams(new FormData(form));
    if (status) status.textContent = body.getAttribute("data-saving");
    var ended = false;
    form.saving = fetch(form.dataset.autosave, {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
      keepalive: data.toString().length < 60000
    })
      .then(function (r) {
        if (signedOut(r)) { ended = true; throw new Error("session ended"); }
        if (!r.ok) throw new Error(r.status);
        if (r.status !== 201) return;
        return r.json().then(function (d) {
          form.action = d.action;
          form.dataset.autosave = d.autosave;
          form.dataset.page = d.page;
        });
      })
      .then(function () {
        form.dataset.saved = "1";
        if (status) status.textContent = body.getAttribute("data-saved") + " " + new Date().toLocaleTimeString();
        return true;
      })
      .catch(function () {
        form.dataset.dirty = "1";
        if (status) status.textContent = form.getAttribute("data-unsaved") || "";
        return false;
      })
      .then(function (ok) {
        form.saving = null;
        if (ended) sessionEnded(form);
        return ok;
      });
    return form.saving;
  }
  autosaveForms.forEach(function (form) {
    var delay = parseInt(form.dataset.autosaveDelay || "3", 10) * 1000;
    var every = parseInt(form.dataset.autosaveEvery || "15", 10) * 1000;
    var timer;
    var changed = function () {
      form.dataset.dirty = "1";
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, delay);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // Save draft pressed while the first autosave is still creating the draft: wait
    // for it, so the form goes to that draft rather than making a second one.
    form.addEventListener("submit", function (e) {
      if (!form.saving) return;
      e.preventDefault();
      form.saving.then(function () { form.submit(); });
    });
    setInterval(function () { save(form); }, every);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") autosaveForms.forEach(function (f) { save(f); });
  });

  // Typing keeps the session alive, not only requests: while there is activity, a
  // small signed request goes out at most every 20 s (the shortest idle limit is a
  // minute). An ended session shows at once rather than at the next save.
  var lastPing = Date.now();
  function keepAlive() {
    if (!csrf || leaving || Date.now() - lastPing < 20000) return;
    lastPing = Date.now();
    var params = new URLSearchParams();
    params.set("csrf", csrf);
    fetch("/keepalive", { method: "POST", body: params, credentials: "same-origin", redirect: "manual" })
      .then(function (r) {
        if (!signedOut(r)) return;
        var dirty = autosaveForms.filter(function (f) { return f.dataset.dirty; });
        if (dirty.length) sessionEnded(dirty[0]);
      })
      .catch(function () { /* offline: the next save says so */ });
  }
  ["keydown", "input"].forEach(function (ev) { document.addEventListener(ev, keepAlive, { passive: true }); });

  // Idle lock: after the configured quiet time, save the draft, end the session and
  // show the sign-in page (nothing of the case stays on screen). The sign-in page says
  // the draft was saved only when the save really succeeded; when it did not, the form
  // is posted after the session has ended, and the sign-in page keeps it sealed.
  if (idleSecs > 0) {
    var timer;
    var lock = function () {
      var form = autosaveForms.filter(function (f) { return f.dataset.dirty || f.dataset.saved; })[0];
      var end = function () {
        var params = new URLSearchParams();
        params.set("csrf", csrf);
        return fetch("/lock", { method: "POST", body: params, credentials: "same-origin", redirect: "manual" })
          .catch(function () { /* the session may have ended already */ });
      };
      var here = window.location.pathname;
      if (!form) {
        end().then(function () { window.location.replace("/login?locked=1&next=" + encodeURIComponent(here)); });
        return;
      }
      save(form).then(function (ok) {
        if (leaving) return;
        leaving = true;
        end().then(function () {
          if (ok) {
            var back = form.dataset.page || here;
            window.location.replace("/login?locked=1&saved=1&next=" + encodeURIComponent(back));
          } else {
            form.submit();
          }
        });
      });
    };
    var reset = function () { clearTimeout(timer); timer = setTimeout(lock, idleSecs * 1000); };
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

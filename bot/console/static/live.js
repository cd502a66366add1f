// The live panel of one conversation: owner, actions, staff replies, typing both ways.
(function () {
  "use strict";
  var panel = document.getElementById("live-panel");
  if (!panel) return;
  var id = panel.dataset.conversationId;
  var base = "/console/c/" + encodeURIComponent(id);
  var typingTimer = null, typedAt = 0;

  function post(path, fields) { return window.kefuConsole.post(base + path, fields); }
  function load() {
    return fetch(base + "/live", { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { panel.innerHTML = html; bind(); });
  }
  function report(r) {
    if (r.ok) return load();
    return r.json().then(function (j) { showError(j.detail || (j.error && j.error.message) || "Failed"); });
  }
  function showError(text) {
    var p = document.createElement("p"); p.className = "error"; p.setAttribute("role", "alert");
    p.textContent = text; panel.prepend(p);
  }
  function bind() {
    panel.querySelectorAll("button[data-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        var fields = b.dataset.resolved ? { resolved: b.dataset.resolved } : {};
        post("/" + b.dataset.action, fields).then(report);
      });
    });
    var form = document.getElementById("live-reply");
    if (!form) return;
    var text = document.getElementById("live-text");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = text.value.trim();
      if (!body) return;
      text.disabled = true;
      post("/reply", { text: body }).then(function (r) {
        text.disabled = false;
        if (r.ok) { text.value = ""; text.focus(); } else report(r);
      });
    });
    text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
    });
    text.addEventListener("input", function () {
      var now = Date.now();
      if (text.value && now - typedAt > 3000) { typedAt = now; post("/typing"); }
    });
  }
  function bubble(e) {
    var box = document.getElementById("live-messages");
    if (!box) return;
    var who = e.role === "user" ? "Shopper" : e.role === "staff" ? "Staff · " + e.staff : "Assistant";
    var div = document.createElement("div");
    div.className = "bubble " + e.role;
    var meta = document.createElement("div"); meta.className = "meta";
    meta.textContent = who + " · " + new Date(e.at).toLocaleTimeString();
    var body = document.createElement("div"); body.textContent = e.text;
    div.append(meta, body);
    box.appendChild(div);
    div.scrollIntoView({ block: "nearest" });
  }
  function typing(e) {
    var el = document.getElementById("live-typing");
    if (!el || e.who !== "shopper") return;
    el.textContent = "Shopper is typing…";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { el.textContent = ""; }, 6000);
  }
  window.addEventListener("kefu-live", function (ev) {
    var e = ev.detail;
    if (e.conversation_id !== id) return;
    if (e.kind === "message") { bubble(e); if (e.role === "user") { var t = document.getElementById("live-typing"); if (t) t.textContent = ""; } }
    else if (e.kind === "typing") typing(e);
    else if (e.kind === "owner") load();
  });
  load();
})();

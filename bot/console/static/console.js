// Every console page: one live socket, the queue badge, and a sound for new waiting shoppers.
// Other scripts listen for "kefu-live" events on window.
(function () {
  "use strict";
  var badge = document.getElementById("queue-badge");
  var waiting = {};
  var baseTitle = document.title;
  var tries = 0;

  function setBadge() {
    var n = Object.keys(waiting).length;
    if (!badge) return;
    badge.textContent = String(n);
    badge.hidden = n === 0;
    document.title = (n ? "(" + n + ") " : "") + baseTitle;
  }
  function chime() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ac = new Ctx(), osc = ac.createOscillator(), gain = ac.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(ac.destination);
      osc.start(); osc.stop(ac.currentTime + 0.25);
    } catch (e) { /* sound is a courtesy; the badge is the signal */ }
  }
  function loadQueue() {
    fetch("/console/queue.json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { waiting: [] }; })
      .then(function (q) { waiting = {}; q.waiting.forEach(function (c) { waiting[c.id] = true; }); setBadge(); })
      .catch(function () {});
  }
  function onEvent(e) {
    if (e.kind === "owner") {
      var isNew = e.owner === "waiting" && !waiting[e.conversation_id];
      if (e.owner === "waiting") waiting[e.conversation_id] = true; else delete waiting[e.conversation_id];
      setBadge();
      if (isNew) { chime(); document.body.dataset.newWaiting = e.conversation_id; }
    }
    window.dispatchEvent(new CustomEvent("kefu-live", { detail: e }));
  }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/console/ws");
    ws.onopen = function () { tries = 0; document.body.dataset.live = "on"; loadQueue(); };
    ws.onmessage = function (m) { try { onEvent(JSON.parse(m.data)); } catch (e) {} };
    ws.onclose = function (ev) {
      document.body.dataset.live = "off";
      if (ev.code === 4401) return; // logged out
      tries += 1;
      setTimeout(connect, Math.min(15000, 500 * Math.pow(2, tries)));
    };
  }
  window.kefuConsole = {
    csrf: function () { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; },
    post: function (url, fields) {
      var body = new URLSearchParams(fields || {});
      return fetch(url, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRF-Token": window.kefuConsole.csrf() }
      });
    }
  };
  // Queue page: take over without leaving the page's flow. While a take-over is on its
  // way, live reloads wait: the take-over's own owner event would otherwise reload the
  // queue and strand the staff member there instead of in the conversation.
  var takingOver = false;
  document.querySelectorAll("form.take-over").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var id = form.dataset.conversationId;
      takingOver = true;
      window.kefuConsole.post(form.action).then(function (r) {
        if (r.ok) { location.href = "/console/c/" + id; return; }
        takingOver = false;
        r.json().then(function (j) {
          alert(j.detail || j.error && j.error.message || "Could not take over.");
          location.reload(); // the queue may have changed while the take-over was refused
        });
      }, function () { takingOver = false; alert("Could not take over: the console is offline."); });
    });
  });
  // The queue page reloads when someone starts or stops waiting, so wait times stay true.
  window.addEventListener("kefu-live", function (ev) {
    if (ev.detail.kind === "owner" && document.getElementById("queue") && !takingOver) location.reload();
  });
  loadQueue();
  connect();
})();

/* kefu chat widget: one script tag, no dependencies, styles isolated in a shadow DOM.
 *
 *   <script src="https://HOST/widget.js" data-shop="demo" async></script>
 *
 * Options (data-*): shop, sku (the product on this page), lang ("zh" | "en"),
 * api (the kefu server; default: where this script came from), identity (a token
 * signed by the shop's backend for a logged-in customer).
 * Page API: window.kefu.setProduct(sku), .open(), .close(), .setLang(lang), .send(text).
 * Protocol: docs/web-api.md. Shopper and bot text is always set as text, never as HTML.
 */
(function () {
  "use strict";
  if (window.kefu && window.kefu.version) return;

  var script = document.currentScript || document.querySelector("script[data-shop][src*='widget.js']");
  var ds = (script && script.dataset) || {};
  var base = (ds.api || (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var shop = ds.shop || "default";
  var KEY = "kefu:" + shop + ":" + base;
  var sku = ds.sku || null;
  var MAX_LOG = 200;

  var T = {
    en: {
      title: "Shop assistant", open: "Open chat", close: "Close chat", unread: "{n} unread",
      ai: "You are chatting with an AI assistant. Answers come from this shop's own information; ask for a person at any time.",
      log: "Conversation", label: "Your message", ph: "Ask a question…", send: "Send",
      typing: "Assistant is typing", staffTyping: "Staff is typing", you: "You", bot: "Assistant", staff: "Staff", sys: "Notice",
      more: "More like this", moreMsg: "Show me more like {t}", view: "View", inStock: "In stock", out: "Out of stock",
      up: "Helpful", down: "Not helpful", thanks: "Thanks for the feedback.", sources: "Sources",
      end: "End chat", ended: "The conversation has ended.", rate: "How was this conversation?",
      star: "{n} of 5 stars", rated: "Thank you for your rating!", lang: "中文", langLabel: "切换到中文",
      reconnecting: "Connection lost. Reconnecting…", pending: "Sending…", failed: "Not sent",
      tooLong: "That message is too long: please keep it under {n} characters.",
      tooFast: "You are sending messages too quickly. Retrying in {s} s.",
      tooBig: "That message is too large to send.", unavailable: "Chat is unavailable right now. Retrying shortly."
    },
    zh: {
      title: "购物助手", open: "打开聊天", close: "关闭聊天", unread: "{n} 条未读",
      ai: "您正在与 AI 助手对话。回答依据本店自有信息；随时可以转人工客服。",
      log: "对话记录", label: "输入消息", ph: "请输入您的问题…", send: "发送",
      typing: "助手正在输入", staffTyping: "客服正在输入", you: "我", bot: "助手", staff: "客服", sys: "提示",
      more: "更多类似", moreMsg: "推荐类似「{t}」的商品", view: "查看", inStock: "有货", out: "缺货",
      up: "有帮助", down: "没帮助", thanks: "感谢您的反馈。", sources: "来源",
      end: "结束对话", ended: "对话已结束。", rate: "您对本次对话满意吗？",
      star: "{n} 星（满分 5 星）", rated: "感谢您的评价！", lang: "EN", langLabel: "Switch to English",
      reconnecting: "连接已断开，正在重连…", pending: "发送中…", failed: "未发送",
      tooLong: "消息太长了：请控制在 {n} 个字符以内。",
      tooFast: "您发送得太快了，{s} 秒后自动重试。",
      tooBig: "消息太大，无法发送。", unavailable: "聊天暂时不可用，稍后自动重试。"
    }
  };

  // ---- state kept across page loads -----------------------------------------------
  function load() {
    try { var s = JSON.parse(localStorage.getItem(KEY) || "null"); if (s && s.v === 1) return s; } catch (e) { /* private mode */ }
    return { v: 1, cid: null, seq: 0, log: [], out: [], fb: {}, rated: false, lang: null, open: false, unread: 0 };
  }
  var S = load();
  function save() {
    if (S.log.length > MAX_LOG) S.log = S.log.slice(-MAX_LOG);
    try { localStorage.setItem(KEY, JSON.stringify(S)); } catch (e) { /* full or disabled */ }
  }
  function lang() {
    var l = S.lang || ds.lang || document.documentElement.lang || navigator.language || "en";
    return /^zh/i.test(l) ? "zh" : "en";
  }
  function t(k, vars) {
    var s = T[lang()][k];
    for (var v in vars || {}) s = s.replace("{" + v + "}", vars[v]);
    return s;
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  function safeUrl(u) {
    try { var x = new URL(u, base + "/"); return /^https?:$/.test(x.protocol) ? x.href : null; } catch (e) { return null; }
  }

  // ---- DOM --------------------------------------------------------------------------
  function el(tag, cls, text, attrs) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    for (var a in attrs || {}) e.setAttribute(a, attrs[a]);
    return e;
  }
  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Noto Sans CJK SC',sans-serif}",
    "button{font:inherit;cursor:pointer}",
    ":focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".launch{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;background:#0b5fd0;color:#fff;box-shadow:0 4px 14px #0004;z-index:2147483000;display:flex;align-items:center;justify-content:center}",
    ".launch svg{width:28px;height:28px;fill:currentColor}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#dc2626;color:#fff;font-size:12px;line-height:22px;text-align:center}",
    ".panel{position:fixed;right:20px;bottom:92px;width:380px;height:min(620px,calc(100vh - 112px));background:#fff;color:#1d232b;border-radius:14px;box-shadow:0 10px 40px #0005;display:flex;flex-direction:column;overflow:hidden;z-index:2147483001;font-size:14px;line-height:1.45}",
    ".panel[hidden],[hidden]{display:none!important}",
    "header{display:flex;align-items:center;gap:6px;padding:10px 12px;background:#0b5fd0;color:#fff}",
    "h2{flex:1;margin:0;font-size:16px}",
    "header button{background:#ffffff26;color:#fff;border:0;border-radius:6px;padding:5px 8px;font-size:13px}",
    ".ai{margin:0;padding:6px 12px;font-size:12px;color:#374151;background:#eef4ff;border-bottom:1px solid #dde5f2}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#f7f8fa}",
    ".msg{max-width:88%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".who{display:block;font-size:11px;font-weight:600;color:#4b5563;margin-bottom:2px}",
    ".user{align-self:flex-end;background:#0b5fd0;color:#fff}.user .who{color:#dbe7ff}",
    ".user.pending{opacity:.7}.user.failed{background:#9ca3af}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #e3e6ea}",
    ".staff{align-self:flex-start;background:#fff7e6;border:1px solid #f5c46b}",
    ".note{align-self:center;font-size:12px;color:#4b5563;text-align:center;max-width:95%}",
    "sup{font-size:10px;color:#0b5fd0;margin:0 1px}",
    ".src{margin:6px 0 0;padding-left:18px;font-size:11px;color:#4b5563}",
    ".cards{display:flex;gap:8px;overflow-x:auto;padding:6px 0 2px;white-space:normal}",
    ".card{flex:0 0 150px;border:1px solid #e3e6ea;border-radius:10px;background:#fff;overflow:hidden;display:flex;flex-direction:column}",
    ".card img{width:100%;height:96px;object-fit:cover;background:#eef0f3}",
    ".card a.t{color:#1d232b;font-weight:600;font-size:12px;margin:6px 8px 2px;text-decoration:none}",
    ".card .p{margin:0 8px;color:#c2410c;font-weight:700;font-size:13px}",
    ".card .s{margin:0 8px;font-size:11px;color:#4b5563}.card .s.no{color:#b91c1c}",
    ".card .r{margin:2px 8px;font-size:11px;color:#4b5563}",
    ".card .b{display:flex;gap:4px;padding:6px 8px 8px;margin-top:auto}",
    ".card .b a,.card .b button{flex:1;font-size:11px;padding:4px;border-radius:6px;border:1px solid #0b5fd0;background:#fff;color:#0b5fd0;text-align:center;text-decoration:none}",
    ".fb{display:flex;gap:6px;margin-top:6px;align-items:center;font-size:11px;color:#4b5563}",
    ".fb button,.acts button,.stars button{border:1px solid #cfd5dd;background:#fff;border-radius:6px;padding:2px 8px;color:#1d232b}",
    ".fb button[aria-pressed=true]{background:#0b5fd0;border-color:#0b5fd0;color:#fff}",
    ".fb button.down svg{transform:rotate(180deg)}",
    ".acts{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start}",
    ".stars{display:flex;gap:4px;justify-content:center;margin-top:4px}.stars button{font-size:18px;color:#f59e0b}",
    ".typing{align-self:flex-start;display:flex;gap:4px;padding:10px 12px;background:#fff;border:1px solid #e3e6ea;border-radius:12px}",
    ".typing i{width:7px;height:7px;border-radius:50%;background:#9ca3af;animation:k 1s infinite}",
    ".typing i:nth-child(2){animation-delay:.15s}.typing i:nth-child(3){animation-delay:.3s}",
    "@keyframes k{0%,60%,100%{opacity:.3}30%{opacity:1}}",
    "@media (prefers-reduced-motion:reduce){.typing i{animation:none}}",
    ".status{padding:4px 12px;font-size:12px;background:#fff3cd;color:#7a5b00}.status:empty{display:none}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e6ea;background:#fff}",
    "textarea{flex:1;resize:none;border:1px solid #cfd5dd;border-radius:8px;padding:9px 10px;font:inherit;min-height:40px;max-height:120px;color:#1d232b}",
    "form button{border:0;border-radius:8px;background:#0b5fd0;color:#fff;padding:0 14px}",
    "@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}.launch{right:14px;bottom:14px}}"
  ].join("");

  var host = el("div", null, null, { id: "kefu-widget" });
  var root = host.attachShadow({ mode: "open" });
  if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", null, CSS));
  }
  var launcher = el("button", "launch", null, { type: "button", "aria-expanded": "false", "aria-controls": "kefu-panel" });
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  var badge = el("span", "badge", null, { "aria-hidden": "true" });
  launcher.appendChild(badge);
  var panel = el("section", "panel", null, { id: "kefu-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "kefu-title" });
  panel.hidden = true;
  var head = el("header");
  var title = el("h2", null, null, { id: "kefu-title" });
  var langBtn = el("button", "lang", null, { type: "button" });
  var endBtn = el("button", "end", null, { type: "button" });
  var closeBtn = el("button", "x", "✕", { type: "button" });
  head.append(title, langBtn, endBtn, closeBtn);
  var ai = el("p", "ai");
  var log = el("div", "log", null, { role: "log", "aria-live": "polite", tabindex: "0" });
  var status = el("div", "status", null, { role: "status" });
  var form = el("form");
  var inputLabel = el("label", "sr", null, { for: "kefu-input" });
  var input = el("textarea", null, null, { id: "kefu-input", rows: "1", maxlength: "4000" });
  var sendBtn = el("button", null, null, { type: "submit" });
  form.append(inputLabel, input, sendBtn);
  panel.append(head, ai, log, status, form);
  root.append(launcher, panel);

  function labels() {
    title.textContent = t("title");
    langBtn.textContent = t("lang"); langBtn.setAttribute("aria-label", t("langLabel")); langBtn.lang = lang() === "zh" ? "en" : "zh";
    endBtn.textContent = t("end");
    closeBtn.setAttribute("aria-label", t("close"));
    ai.textContent = t("ai");
    log.setAttribute("aria-label", t("log"));
    inputLabel.textContent = t("label");
    input.placeholder = t("ph");
    sendBtn.textContent = t("send");
    panel.lang = lang();
    var n = S.unread;
    badge.textContent = n > 9 ? "9+" : String(n);
    badge.hidden = !n;
    launcher.setAttribute("aria-label", t("open") + (n ? ", " + t("unread", { n: n }) : ""));
  }

  // ---- rendering ------------------------------------------------------------------
  var users = {}, bots = {}, typingFor = null, typingEl = null, maxChars = 4000;
  function scroll() { log.scrollTop = log.scrollHeight; }
  function add(node) {
    if (typingEl && typingEl.parentNode === log) log.insertBefore(node, typingEl); else log.appendChild(node);
    scroll();
  }
  function note(text) { add(el("p", "msg note", text)); }

  function renderUser(id, text, state) {
    var b = users[id];
    if (!b) {
      b = users[id] = el("div", "msg user");
      b.append(el("span", "who", t("you")), el("span", "tx", text), el("span", "sr st"));
      add(b);
    }
    b.classList.toggle("pending", state === "pending");
    b.classList.toggle("failed", state === "failed");
    b.querySelector(".st").textContent = state === "pending" ? " " + t("pending") : state === "failed" ? " " + t("failed") : "";
  }

  function botBubble(replyTo) {
    var b = bots[replyTo];
    if (!b) {
      var node = el("div", "msg bot", null, { "data-reply-to": replyTo });
      node.append(el("span", "who", t("bot")), el("div", "body"));
      b = bots[replyTo] = { node: node, n: 0, done: false, cites: 0 };
      add(node);
    }
    return b;
  }
  function addSentence(b, s) {
    var body = b.node.querySelector(".body");
    var span = el("span", "s", (b.n ? " " : "") + s.text);
    body.appendChild(span);
    (s.citations || []).forEach(function (c) {
      b.cites += 1;
      var sup = el("sup", null, "[" + b.cites + "]", { title: c.ref + (c.text ? ": " + c.text : "") });
      sup.setAttribute("aria-label", t("sources") + " " + b.cites + ": " + c.ref);
      span.appendChild(sup);
    });
    b.n += 1;
    scroll();
  }
  function showTyping(replyTo) {
    hideTyping();
    typingFor = replyTo;
    typingEl = el("div", "typing", null, { role: "status", "aria-label": t("typing") });
    typingEl.append(el("i"), el("i"), el("i"));
    log.appendChild(typingEl);
    scroll();
  }
  // A staff member typing: the same dots, labelled for the person, gone after 6 s of quiet.
  var staffTimer = null;
  function staffTyping() {
    if (!typingEl) { showTyping("staff"); typingEl.setAttribute("aria-label", t("staffTyping")); }
    clearTimeout(staffTimer);
    staffTimer = setTimeout(function () { hideTyping("staff"); }, 6000);
  }
  function hideTyping(replyTo) {
    if (typingEl && (!replyTo || replyTo === typingFor)) { typingEl.remove(); typingEl = null; typingFor = null; }
  }
  function price(c) {
    if (c.price == null) return "";
    var sym = { CNY: "¥", RMB: "¥", USD: "$", EUR: "€", GBP: "£" }[(c.currency || "").toUpperCase()];
    return (sym || (c.currency ? c.currency + " " : "")) + Number(c.price).toFixed(2);
  }
  function renderCards(b, cards) {
    var old = b.node.querySelector(".cards");
    if (old) old.remove();
    if (!cards || !cards.length) return;
    var list = el("div", "cards", null, { role: "list" });
    cards.forEach(function (c) {
      var card = el("div", "card", null, { role: "listitem", "data-sku": c.sku });
      var href = safeUrl(c.url), img = safeUrl(c.image_url);
      if (img) card.appendChild(el("img", null, null, { src: img, alt: "", loading: "lazy" }));
      var name = el(href ? "a" : "span", "t", c.title);
      if (href) { name.href = href; name.onclick = function (ev) { cardClick(ev, b, c.sku, href); }; }
      card.appendChild(name);
      if (c.price != null) card.appendChild(el("p", "p", price(c)));
      if (c.in_stock != null) card.appendChild(el("p", "s" + (c.in_stock ? "" : " no"), c.in_stock ? t("inStock") : t("out")));
      if (c.reason) card.appendChild(el("p", "r", c.reason));
      var row = el("div", "b");
      if (href) {
        var v = el("a", null, t("view"), { href: href });
        v.setAttribute("aria-label", t("view") + ": " + c.title);
        v.onclick = function (ev) { cardClick(ev, b, c.sku, href); };
        row.appendChild(v);
      }
      var more = el("button", "more", t("more"), { type: "button", "aria-label": t("more") + ": " + c.title });
      more.onclick = function () { send(t("moreMsg", { t: c.title })); };
      row.appendChild(more);
      card.appendChild(row);
      list.appendChild(card);
    });
    b.node.appendChild(list);
    scroll();
  }
  // A card opened: report it (recommendation click-through), then follow the link.
  function cardClick(ev, b, sku, href) {
    if (!b.turn) return; // the answer is still streaming: nothing logged to attach it to
    var sent = post("/card-clicks", { turn_id: b.turn, sku: sku }, true);
    // A new tab or window keeps this page, and keepalive carries the report anyway.
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    var gone = false;
    var go = function () { if (!gone) { gone = true; window.location.assign(href); } };
    sent.then(go, go);
    setTimeout(go, 600); // a slow server never holds the shopper back for long
  }
  function renderAnswer(a) {
    hideTyping(a.reply_to);
    // A person owns the conversation: the bot's silent turn shows nothing (and drops
    // a bubble begun before the take-over if it never got a sentence).
    if (!a.text && !(a.cards && a.cards.length)) {
      if (bots[a.reply_to] && !bots[a.reply_to].n) bots[a.reply_to].node.remove();
      if (bots[a.reply_to]) bots[a.reply_to].done = true;
      return;
    }
    var b = botBubble(a.reply_to);
    // The logged answer is the truth: redraw from it (streamed text may have been partial).
    var body = b.node.querySelector(".body");
    body.textContent = "";
    b.n = 0; b.cites = 0;
    (a.sentences && a.sentences.length ? a.sentences : [{ text: a.text, citations: a.citations }]).forEach(function (s) { addSentence(b, s); });
    var refs = [];
    (a.sentences || []).forEach(function (s) { (s.citations || []).forEach(function (c) { refs.push(c.ref); }); });
    var old = b.node.querySelector(".src");
    if (old) old.remove();
    if (refs.length) {
      var ol = el("ol", "src", null, { "aria-label": t("sources") });
      refs.forEach(function (r) { ol.appendChild(el("li", null, r)); });
      b.node.appendChild(ol);
    }
    b.turn = a.turn_id;
    renderCards(b, a.cards);
    if (!b.node.querySelector(".fb") && a.turn_id) b.node.appendChild(thumbs(a.turn_id));
    b.done = true;
    clearActions(); // only the newest answer offers its suggested replies
    if (a.actions && a.actions.length) {
      var row = el("div", "acts");
      a.actions.forEach(function (x) {
        var btn = el("button", null, x.label, { type: "button" });
        btn.onclick = function () { send(x.payload || x.label); };
        row.appendChild(btn);
      });
      add(row);
    }
    if (a.owner === "closed") ended();
  }
  var THUMB = '<svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path fill="currentColor" d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.4-1L13.2 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1.2-.7v-2z"/></svg>';
  function thumbs(turn) {
    var row = el("div", "fb");
    ["up", "down"].forEach(function (k) {
      var btn = el("button", k, null, { type: "button", "aria-label": t(k), "aria-pressed": String(S.fb[turn] === k) });
      btn.innerHTML = THUMB; // a fixed icon, never data
      btn.onclick = function () {
        S.fb[turn] = k; save();
        row.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", String(x === btn)); });
        row.querySelector(".sr").textContent = t("thanks");
        post("/feedback", { turn_id: turn, thumbs: k });
      };
      row.appendChild(btn);
    });
    row.appendChild(el("span", "sr", null, { role: "status" }));
    return row;
  }
  function ended() {
    if (root.querySelector(".csat")) return;
    var box = el("div", "msg note csat");
    box.appendChild(el("span", null, t("ended") + " "));
    if (S.rated) { box.appendChild(el("span", null, t("rated"))); add(box); return; }
    var q = el("span", null, t("rate"), { id: "kefu-rate" });
    var stars = el("div", "stars", null, { role: "group", "aria-labelledby": "kefu-rate" });
    [1, 2, 3, 4, 5].forEach(function (n) {
      var btn = el("button", null, "★", { type: "button", "aria-label": t("star", { n: n }), "data-csat": String(n) });
      btn.onclick = function () {
        S.rated = true; save();
        post("/feedback", { csat: n });
        box.textContent = t("ended") + " " + t("rated");
      };
      stars.appendChild(btn);
    });
    box.append(q, stars);
    add(box);
  }
  function clearActions() { log.querySelectorAll(".acts").forEach(function (x) { x.remove(); }); }

  function renderEvent(e) {
    if (e.type === "user") renderUser(e.id, e.text, "sent");
    else if (e.type === "answer") renderAnswer(e);
    else if (e.type === "staff") {
      var m = el("div", "msg staff");
      m.append(el("span", "who", t("staff") + (e.author ? " · " + e.author : "")), el("span", null, e.text));
      add(m);
    } else if (e.type === "closed") ended();
  }

  // ---- connection -----------------------------------------------------------------
  var ws = null, ready = false, tries = 0, timer = null, pinger = null, minWait = 0;
  var wsBase = base.replace(/^http/, "ws");

  function connect() {
    clearTimeout(timer); timer = null;
    if (ws) return;
    try { ws = new WebSocket(wsBase + "/ws"); } catch (e) { ws = null; retry(); return; }
    var sock = ws;
    sock.onopen = function () {
      sock.send(JSON.stringify({ type: "hello", conversation_id: S.cid, last_seq: S.seq, shop: shop, locale: lang(), page_sku: sku, identity: ds.identity || "", batch: true }));
    };
    sock.onmessage = function (m) {
      var f; try { f = JSON.parse(m.data); } catch (e) { return; }
      (Array.isArray(f) ? f : [f]).forEach(onFrame);
    };
    sock.onclose = function (ev) {
      if (ws !== sock) return;
      ws = null; ready = false; clearInterval(pinger);
      if (ev.code === 1009) note(t("tooBig"));
      status.textContent = t("reconnecting");
      retry();
    };
  }
  function retry() {
    // Exponential backoff with jitter, so a restarted server is not stormed by every widget.
    var cap = Math.min(30000, 500 * Math.pow(2, tries++));
    var wait = Math.max(minWait, cap / 2 + Math.random() * cap / 2);
    minWait = 0;
    timer = setTimeout(connect, wait);
  }
  function sendFrame(f) { if (ws && ready && ws.readyState === 1) { ws.send(JSON.stringify(f)); return true; } return false; }
  function flush() { S.out.forEach(function (m) { sendFrame({ type: "message", id: m.id, text: m.text, page_sku: m.page_sku, locale: lang() }); }); }

  function onFrame(f) {
    if (f.type === "ready") {
      if (S.cid && S.cid !== f.conversation_id) {
        // The server no longer knows our conversation: start clean, keep unsent messages.
        S.log = []; S.seq = 0; S.fb = {}; S.rated = false; users = {}; bots = {}; log.textContent = ""; typingEl = null;
        S.out.forEach(function (m) { renderUser(m.id, m.text, "pending"); });
      }
      S.cid = f.conversation_id; maxChars = f.max_message_chars || maxChars; input.maxLength = maxChars;
      ready = true; tries = 0; status.textContent = ""; save();
      clearInterval(pinger);
      pinger = setInterval(function () { sendFrame({ type: "ping" }); }, 25000);
      flush();
      return;
    }
    if (typeof f.seq === "number") { onEvent(f); return; }
    if (f.type === "typing") { if (!(bots[f.reply_to] && bots[f.reply_to].done)) showTyping(f.reply_to); }
    else if (f.type === "staff_typing") staffTyping();
    else if (f.type === "sentence") {
      var b = botBubble(f.reply_to);
      if (b.done || f.index < b.n) return; // already shown
      hideTyping(f.reply_to);
      addSentence(b, f);
    } else if (f.type === "cards") { var c = botBubble(f.reply_to); if (!c.done) renderCards(c, f.cards); }
    else if (f.type === "error") onError(f);
  }
  function onEvent(e) {
    if (e.seq && e.seq <= S.seq) {
      if (e.type === "user") ack(e.id);  // a resend acknowledged again
      return;
    }
    if (e.seq > S.seq + 1 && ws) { ws.close(); return; } // a gap: reconnect and replay from S.seq
    if (e.seq) { S.seq = e.seq; S.log.push(e); }
    if (e.type === "user") ack(e.id);
    if (e.type === "staff") hideTyping("staff");
    renderEvent(e);
    if ((e.type === "answer" || e.type === "staff") && panel.hidden) { S.unread += 1; labels(); }
    save();
  }
  function ack(id) {
    S.out = S.out.filter(function (m) { return m.id !== id; });
    save();
  }
  function onError(f) {
    var pending = f.reply_to && S.out.some(function (m) { return m.id === f.reply_to; });
    if (f.code === "rate_limited") {
      var s = Math.max(1, Math.ceil(f.retry_after || 5));
      note(t("tooFast", { s: s }));
      if (pending) setTimeout(flush, s * 1000); else minWait = s * 1000;
    } else if (f.code === "too_long" || f.code === "too_large" || f.code === "bad_request") {
      if (pending) { ack(f.reply_to); renderUser(f.reply_to, "", "failed"); }
      note(f.code === "too_long" ? t("tooLong", { n: maxChars }) : f.message);
    } else if (f.code === "unavailable") {
      status.textContent = t("unavailable");
    }
  }

  function post(path, body, keepalive) {
    if (!S.cid) return Promise.resolve(null);
    return fetch(base + "/api/conversations/" + S.cid + path, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
      keepalive: !!keepalive
    }).then(function (r) { return r.ok && r.status !== 204 ? r.json() : null; }).catch(function () { return null; });
  }

  function send(text) {
    text = (text || "").trim();
    if (!text) return;
    if (text.length > maxChars) { note(t("tooLong", { n: maxChars })); return; }
    var m = { id: uid(), text: text, page_sku: sku };
    S.out.push(m); save();
    clearActions();
    renderUser(m.id, text, "pending");
    if (!sendFrame({ type: "message", id: m.id, text: text, page_sku: sku, locale: lang() })) connect();
  }

  // ---- open, close, keyboard --------------------------------------------------------
  function open() {
    panel.hidden = false; launcher.setAttribute("aria-expanded", "true");
    S.open = true; S.unread = 0; save(); labels();
    connect();
    scroll();
    input.focus();
  }
  function close() {
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false");
    S.open = false; save();
    launcher.focus();
  }
  launcher.onclick = function () { if (panel.hidden) open(); else close(); };
  closeBtn.onclick = close;
  langBtn.onclick = function () { S.lang = lang() === "zh" ? "en" : "zh"; save(); labels(); sendFrame({ type: "context", page_sku: sku, locale: lang() }); };
  endBtn.onclick = function () { post("/close", {}).then(function (e) { if (e && e.type === "closed") onEvent(e); }); };
  form.onsubmit = function (ev) { ev.preventDefault(); send(input.value); input.value = ""; input.focus(); };
  // Tell staff who own the conversation that the shopper is typing (at most every 3 s).
  var typedAt = 0;
  input.addEventListener("input", function () {
    var now = Date.now();
    if (input.value && now - typedAt > 3000) { typedAt = now; sendFrame({ type: "typing" }); }
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.onsubmit(ev); }
  });
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { ev.preventDefault(); close(); return; }
    if (ev.key !== "Tab") return;
    // Focus stays inside the open panel: Tab from the last control goes to the first.
    var items = Array.prototype.filter.call(
      panel.querySelectorAll("button,a[href],textarea,[tabindex='0']"),
      function (x) { return !x.disabled && x.offsetParent !== null; });
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1], active = root.activeElement;
    if (ev.shiftKey && active === first) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && active === last) { ev.preventDefault(); first.focus(); }
  });
  window.addEventListener("online", function () { if (!ws && (S.open || S.cid)) { tries = 0; connect(); } });

  // ---- start ------------------------------------------------------------------------
  function start() {
    document.body.appendChild(host);
    labels();
    S.log.forEach(renderEvent);
    S.out.forEach(function (m) { renderUser(m.id, m.text, "pending"); });
    if (S.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); S.unread = 0; labels(); }
    if (S.cid || S.open) connect(); // a returning shopper hears staff replies and unread counts
  }
  window.kefu = {
    version: 1,
    open: open,
    close: close,
    send: send,
    setProduct: function (s) { sku = s || null; sendFrame({ type: "context", page_sku: sku, locale: lang() }); },
    setLang: function (l) { S.lang = /^zh/i.test(l) ? "zh" : "en"; save(); labels(); }
  };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  window.dispatchEvent(new Event("kefu:ready"));
})();

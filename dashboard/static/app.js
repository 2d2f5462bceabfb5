// wagate dashboard. Plain JavaScript, no build step: each page's markup comes
// rendered from the server, and this fills it from the REST API (/api/...) and the
// event stream (/ws). The browser never holds the API key: the login cookie is
// HttpOnly, and every state-changing call carries the login's CSRF token.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
const page = document.body.dataset.page;
const sessionName = document.body.dataset.session;
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const enc = encodeURIComponent;

// el builds an element: el("td", {class: "x"}, "text", child).
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

// toast shows a short message; errors stay longer.
let toastTimer;
function toast(msg, isError) {
  const t = $("#toast");
  if (!t) return;
  t.textContent = msg;
  t.className = isError ? "error" : "";
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, isError ? 8000 : 3000);
}

// ApiError carries the gateway's error envelope.
class ApiError extends Error {
  constructor(status, body) {
    const m = body && body.message;
    super((Array.isArray(m) ? m.join("; ") : m) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// api calls the REST API with the login cookie (sent by the browser) and the
// CSRF token; a lost login leads to the login page.
async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: { "Accept": "application/json" } };
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  if (res.status === 401) {
    location.href = "/dashboard/login?next=" + enc(location.pathname);
    throw new ApiError(401, { message: "Your login has expired" });
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// confirmAction asks in a dialog (keyboard: Esc cancels, Enter on the focused
// button); resolves true on Confirm.
function confirmAction(text, okLabel) {
  const d = $("#confirm");
  $("#confirm-text").textContent = text;
  $("#confirm-ok").textContent = okLabel || "Confirm";
  d.returnValue = "cancel";
  d.showModal();
  return new Promise((resolve) => {
    const onClose = () => {
      // The close event is queued: one of an earlier showing can arrive after
      // the dialog opened again, and must not answer this one.
      if (d.open) return;
      d.removeEventListener("close", onClose);
      resolve(d.returnValue === "ok");
    };
    d.addEventListener("close", onClose);
  });
}

// guarded runs fn with the button disabled, toasting failures.
async function guarded(btn, fn) {
  if (btn) btn.disabled = true;
  try { return await fn(); } catch (e) { toast(e.message, true); } finally { if (btn) btn.disabled = false; }
}

// stream connects to /ws for the sessions and events given and calls onEvent
// with each envelope; it reconnects with a backoff and shows its state.
function stream(session, events, onEvent, onOpen) {
  let delay = 500;
  const live = $("#live");
  const connect = () => {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws?session=${enc(session)}&events=${enc(events)}`);
    ws.onopen = () => { delay = 500; if (live) { live.textContent = "live"; live.classList.add("on"); } if (onOpen) onOpen(); };
    ws.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) { console.error(e); } };
    ws.onclose = () => {
      if (live) { live.textContent = "offline"; live.classList.remove("on"); }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  connect();
}

function statusBadge(status) {
  return el("span", { class: "badge " + status, dataset: { status } }, status);
}

function fmtTime(sec) {
  if (!sec) return "";
  return new Date(sec * 1000).toLocaleString();
}

// sessionAction runs start/stop/restart/logout/delete, asking first for the
// destructive ones.
async function sessionAction(name, action, btn) {
  const ask = {
    logout: `Log out session "${name}"? The phone unlinks it; pairing again needs a new scan.`,
    delete: `Delete session "${name}"? It is logged out and its data removed. This cannot be undone.`,
  }[action];
  if (ask && !(await confirmAction(ask, action === "delete" ? "Delete" : "Log out"))) return false;
  return guarded(btn, async () => {
    if (action === "delete") await api("DELETE", `/api/sessions/${enc(name)}`);
    else await api("POST", `/api/sessions/${enc(name)}/${action}`);
    toast(`${action}: ${name}`);
    return true;
  });
}

function actionButtons(name, status) {
  const b = (action, label, danger) => el("button", {
    class: danger ? "danger" : null, dataset: { action }, "aria-label": `${label} ${name}`,
    onclick: (e) => sessionAction(name, action, e.currentTarget).then((ok) => { if (ok && action === "delete") deletedByUs(name); }),
  }, label);
  const stopped = status === "STOPPED" || status === "FAILED";
  return [
    stopped ? b("start", "Start") : b("stop", "Stop"),
    b("restart", "Restart"),
    status === "WORKING" ? b("logout", "Log out", true) : null,
    b("delete", "Delete", true),
  ];
}

function meText(me) {
  if (!me) return "not paired";
  return me.pushName ? `${me.pushName} (${me.id})` : me.id;
}

// ---- Sessions page ----------------------------------------------------------

// rowSig is what a session's row shows: a row is rebuilt only when it changes,
// so a button keeps its focus (and a click in progress its target).
const rowSig = (s) => JSON.stringify([s.status, s.failureReason || "", (s.engine && s.engine.engine) || "", s.me || null]);

function sessionRow(s) {
  const tr = el("tr", { dataset: { name: s.name, sig: rowSig(s) } },
    el("td", {}, el("a", { href: `/dashboard/sessions/${enc(s.name)}` }, s.name)),
    el("td", {}, statusBadge(s.status),
      s.status === "FAILED" && s.failureReason ? el("div", { class: "error failure" }, s.failureReason) : null),
    el("td", {}, (s.engine && s.engine.engine) || ""),
    el("td", { class: "me" }, meText(s.me)),
    el("td", { class: "actions" }, actionButtons(s.name, s.status),
      s.status === "WORKING" ? el("a", { class: "button", href: `/dashboard/sessions/${enc(s.name)}/chats` }, "Chats") : null,
      s.status === "SCAN_QR_CODE" ? el("a", { class: "button", href: `/dashboard/sessions/${enc(s.name)}` }, "Pair") : null),
  );
  return tr;
}

function emptyRow() {
  return el("tr", { class: "empty" }, el("td", { colspan: 5 }, "No sessions yet. Create one below; it shows a QR code to scan."));
}

// Sessions this page deleted: a status event of their last moments, or a fetch
// answered before the delete, must not bring their row back (for a while: the
// name may be used again, elsewhere).
const deletedHere = new Set();
function deletedByUs(name) {
  deletedHere.add(name);
  setTimeout(() => deletedHere.delete(name), 5000);
  removeRow(name);
}

function removeRow(name) {
  const tb = $("#sessions tbody");
  if (!tb) return;
  const tr = tb.querySelector(`tr[data-name="${CSS.escape(name)}"]`);
  if (tr) tr.remove();
  if (!tb.querySelector("tr[data-name]")) tb.replaceChildren(emptyRow());
}

function upsertRow(s) {
  const tb = $("#sessions tbody");
  if (deletedHere.has(s.name)) return;
  const old = tb.querySelector(`tr[data-name="${CSS.escape(s.name)}"]`);
  if (old && old.dataset.sig === rowSig(s)) return;
  const row = sessionRow(s);
  if (old) old.replaceWith(row);
  else {
    tb.querySelector("tr.empty")?.remove();
    tb.append(row);
  }
}

async function refreshSession(name) {
  try {
    upsertRow(await api("GET", `/api/sessions/${enc(name)}`));
  } catch (e) {
    if (e.status === 404) removeRow(name); else toast(e.message, true);
  }
}

async function sessionsPage() {
  const load = async () => {
    try {
      const list = await api("GET", "/api/sessions?all=true");
      const tb = $("#sessions tbody");
      const names = new Set(list.map((x) => x.name));
      for (const tr of $$("tr", tb)) if (!tr.dataset.name || !names.has(tr.dataset.name)) tr.remove();
      for (const x of list) upsertRow(x);
      if (!list.length) tb.replaceChildren(emptyRow());
    } catch (e) {
      $("#sessions tbody").replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: 5, class: "error" }, "Could not load the sessions: " + e.message)));
    }
  };
  // Every status change of every session arrives on the stream; the row is
  // fetched again for its account and failure reason. On (re)connecting, the
  // list is loaded whole, so nothing missed while offline stays stale.
  stream("*", "session.status", (ev) => refreshSession(ev.session), load);
  $("#create").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.currentTarget;
    const name = $("#new-name").value.trim();
    const config = {};
    const hook = $("#new-webhook").value.trim();
    if (hook) {
      const events = $("#new-events").value.split(",").map((x) => x.trim()).filter(Boolean);
      config.webhooks = [{ url: hook, events: events.length ? events : ["*"] }];
    }
    const meta = {};
    for (const line of $("#new-metadata").value.split("\n")) {
      if (!line.trim()) continue;
      const i = line.indexOf("=");
      if (i < 1) { toast(`metadata: "${line}" is not key=value`, true); return; }
      meta[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (Object.keys(meta).length) config.metadata = meta;
    await guarded($("#create-submit"), async () => {
      const s = await api("POST", "/api/sessions", { name, engine: $("#new-engine").value, start: $("#new-start").checked, config });
      deletedHere.delete(name);
      upsertRow(s);
      f.reset();
      toast(`Session ${name} created`);
      if (s.status !== "STOPPED") location.href = `/dashboard/sessions/${enc(name)}`;
    });
  });
}

// ---- One session: status, pairing, deliveries, events ------------------------

async function sessionPage() {
  const name = sessionName;
  let info = null;
  let qrTurn = 0;
  const showQR = () => {
    // A new image each time WhatsApp rotates the code (a session.status
    // SCAN_QR_CODE event each time).
    $("#qr").src = `/api/${enc(name)}/auth/qr?format=image&t=${Date.now()}-${qrTurn++}`;
  };
  const render = (s) => {
    info = s;
    const st = $("#status");
    st.textContent = s.status;
    st.className = "badge " + s.status;
    st.dataset.status = s.status;
    $("#engine").textContent = (s.engine && s.engine.engine) || "";
    $("#me").textContent = meText(s.me);
    const hooks = (s.config && s.config.webhooks) || [];
    $("#webhooks").textContent = hooks.length ? hooks.map((h) => `${h.url} (${(h.events || ["*"]).join(", ")})`).join("; ") : "none";
    const meta = (s.config && s.config.metadata) || {};
    $("#metadata").textContent = Object.keys(meta).length ? Object.entries(meta).map(([k, v]) => `${k}=${v}`).join(", ") : "none";
    const fail = $("#failure");
    fail.hidden = s.status !== "FAILED";
    fail.textContent = s.status === "FAILED" ? `Failed: ${s.failureReason || "no reason given"}. Restart to try again.` : "";
    const stopped = s.status === "STOPPED" || s.status === "FAILED";
    $('[data-action="start"]').hidden = !stopped;
    $('[data-action="stop"]').hidden = stopped;
    $('[data-action="logout"]').hidden = s.status !== "WORKING";
    $("#open-chats").hidden = s.status !== "WORKING";
    const pairing = s.status === "SCAN_QR_CODE";
    const wasHidden = $("#pairing").hidden;
    $("#pairing").hidden = !pairing;
    if (!pairing) { $("#qr").removeAttribute("src"); $("#code").textContent = ""; }
    else if (wasHidden) showQR();
    const webjs = s.engine && s.engine.engine === "WEBJS";
    $("#screenshot-card").hidden = !(webjs && (pairing || s.status === "WORKING"));
  };
  const load = async () => {
    try { render(await api("GET", `/api/sessions/${enc(name)}`)); } catch (e) {
      if (e.status === 404) { $("#status").textContent = "not found"; toast(`There is no session "${name}"`, true); } else toast(e.message, true);
    }
  };
  for (const b of $$("[data-action]")) {
    b.addEventListener("click", async (e) => {
      const action = b.dataset.action;
      const ok = await sessionAction(name, action, e.currentTarget);
      if (ok && action === "delete") location.href = "/dashboard/";
    });
  }
  $("#qr").addEventListener("error", () => {
    // Between codes the gateway answers 422; the next rotation brings one.
    if (info && info.status === "SCAN_QR_CODE") setTimeout(showQR, 1500);
  });
  $("#pair-code").addEventListener("submit", async (e) => {
    e.preventDefault();
    await guarded(e.submitter, async () => {
      const r = await api("POST", `/api/${enc(name)}/auth/request-code`, { phoneNumber: $("#pair-phone").value.replace(/[^0-9]/g, "") });
      $("#code").textContent = r.code;
    });
  });
  $("#take-screenshot").addEventListener("click", () => {
    const img = $("#screenshot");
    img.src = `/api/screenshot?session=${enc(name)}&t=${Date.now()}`;
    img.hidden = false;
  });

  // Deliveries. While some are pending they change by themselves (sent, or
  // failed after their last attempt) with no event to say so: the table is
  // looked at again every few seconds until none is.
  let pendingTimer;
  const loadDeliveries = async () => {
    const status = $("#delivery-status").value;
    const tb = $("#deliveries tbody");
    clearTimeout(pendingTimer);
    try {
      const ds = await api("GET", `/api/webhooks/deliveries?session=${enc(name)}&limit=100${status ? "&status=" + status : ""}`);
      tb.replaceChildren(...(ds.length ? ds.map(deliveryRow) : [el("tr", { class: "empty" }, el("td", { colspan: 6 }, `No ${status || ""} deliveries.`))]));
      const pending = status === "pending" || status === "" ? ds.some((d) => d.status === "pending")
        : (await api("GET", `/api/webhooks/deliveries?session=${enc(name)}&status=pending&limit=1`)).length > 0;
      if (pending) pendingTimer = setTimeout(loadDeliveries, 3000);
    } catch (e) {
      tb.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: 6, class: "error" }, e.status === 503 ? "Webhook deliveries are not running in this gateway." : e.message)));
    }
  };
  const deliveryRow = (d) => el("tr", { dataset: { id: d.id } },
    el("td", {}, d.event, el("div", { class: "muted" }, new Date(d.createdAt).toLocaleString())),
    el("td", {}, d.url),
    el("td", {}, el("span", { class: "badge " + d.status }, d.status)),
    el("td", {}, `${d.attempts}/${d.maxAttempts}`),
    // A delivered one keeps the error of its earlier attempts; it no longer matters.
    el("td", { class: "last-error" }, d.status !== "delivered" && d.lastError ? d.lastError : ""),
    el("td", {}, d.status === "pending" ? "" : el("button", {
      class: "retry", onclick: (e) => guarded(e.currentTarget, async () => {
        await api("POST", `/api/webhooks/deliveries/${enc(d.id)}/retry`);
        toast("Sent again: it is pending now");
        await loadDeliveries();
        setTimeout(loadDeliveries, 1500);
      }),
    }, "Send again")),
  );
  $("#delivery-status").addEventListener("change", loadDeliveries);
  $("#deliveries-refresh").addEventListener("click", loadDeliveries);
  let deliveriesTimer;
  const soonDeliveries = () => { clearTimeout(deliveriesTimer); deliveriesTimer = setTimeout(loadDeliveries, 1000); };

  // Events: everything of this session, live; the filter hides, never drops.
  const list = $("#events");
  const names = new Set();
  const filter = $("#event-filter");
  const matches = (ev) => !filter.value.trim() || ev === filter.value.trim() || ev.startsWith(filter.value.trim() + ".");
  filter.addEventListener("input", () => { for (const li of $$("li[data-event]", list)) li.hidden = !matches(li.dataset.event); });
  $("#events-clear").addEventListener("click", () => list.replaceChildren());
  const addEvent = (env) => {
    list.querySelector("li.empty")?.remove();
    if (!names.has(env.event)) { names.add(env.event); $("#event-names").append(el("option", { value: env.event })); }
    const li = el("li", { dataset: { event: env.event } },
      el("span", { class: "muted" }, new Date(env.timestamp).toLocaleTimeString(), " "),
      el("span", { class: "ev" }, env.event),
      el("pre", {}, JSON.stringify(env.payload, null, 1)));
    li.hidden = !matches(env.event);
    list.prepend(li);
    while (list.children.length > 500) list.lastElementChild.remove();
  };
  stream(name, "*", (env) => {
    addEvent(env);
    soonDeliveries();
    if (env.event === "session.status") {
      if (env.payload && env.payload.status === "SCAN_QR_CODE" && info && info.status === "SCAN_QR_CODE") showQR();
      load();
    }
  }, () => { load(); loadDeliveries(); });
}

// ---- Chats -----------------------------------------------------------------

const PAGE = 20;

function chatsPage() {
  const name = sessionName;
  const s = enc(name);
  let offset = 0;
  let current = null; // the open chat's id
  let msgOffset = 0;
  const root = $("#chats-page");

  const chatRow = (c) => el("li", {}, el("a", {
    href: `#${enc(c.id)}`, dataset: { id: c.id }, "aria-current": c.id === current ? "true" : null,
    onclick: (e) => { e.preventDefault(); openChat(c.id, c.name || c.id, c.unreadCount, c.archived); },
  },
  el("span", { class: "grow" },
    el("div", { class: "name" }, c.name || c.id, c.archived ? el("span", { class: "tag" }, "archived") : null),
    el("div", { class: "last" }, c.lastMessage ? (c.lastMessage.body || (c.lastMessage.hasMedia ? "[media]" : "")) : fmtTime(c.conversationTimestamp))),
  c.unreadCount > 0 ? el("span", { class: "unread", "aria-label": `${c.unreadCount} unread` }, c.unreadCount) : null));

  // The API pages all chats; the inbox and archived views are filtered here.
  // A view's page is PAGE of its chats: the API is read from where the page
  // starts (offset) until PAGE match or the chats end, and the offset where the
  // next page starts is kept; starts holds those of the pages before, for Newer.
  let starts = [];
  let nextOffset = null;
  const loadChats = async () => {
    const ul = $("#chats");
    const filter = $("#chat-filter").value;
    try {
      const shown = [];
      let at = offset;
      let exhausted = false;
      while (shown.length < PAGE && !exhausted) {
        const limit = filter === "all" ? PAGE : 100;
        const chats = await api("GET", `/api/${s}/chats?limit=${limit}&offset=${at}&sortBy=conversationTimestamp&sortOrder=desc`);
        let i = 0;
        for (; i < chats.length && shown.length < PAGE; i++) {
          if (filter === "all" || (filter === "archived") === !!chats[i].archived) shown.push(chats[i]);
        }
        at += i;
        exhausted = chats.length < limit && i === chats.length;
      }
      nextOffset = exhausted ? null : at;
      ul.replaceChildren(...(shown.length ? shown.map(chatRow) : [el("li", { class: "empty" }, filter === "archived" ? "No archived chats." : "No chats here yet.")]));
      $("#chats-prev").disabled = starts.length === 0;
      $("#chats-next").disabled = nextOffset === null;
    } catch (e) {
      ul.replaceChildren(el("li", { class: "empty error" }, e.status === 422 ? `The session is not WORKING (${e.body && e.body.status}); pair or start it first.` : e.message));
    }
  };
  let chatsTimer;
  const soonChats = () => { clearTimeout(chatsTimer); chatsTimer = setTimeout(loadChats, 400); };
  $("#chat-filter").addEventListener("change", () => { offset = 0; starts = []; loadChats(); });
  $("#chats-prev").addEventListener("click", () => { offset = starts.pop() || 0; loadChats(); });
  $("#chats-next").addEventListener("click", () => { if (nextOffset === null) return; starts.push(offset); offset = nextOffset; loadChats(); });

  const sameID = (a, b) => a === b || a.endsWith("_" + b) || b.endsWith("_" + a);
  const mediaPath = (u) => { try { const x = new URL(u, location.href); return x.pathname + x.search; } catch { return u; } };
  const mediaView = (m) => {
    if (!m.media) return m.hasMedia ? el("div", { class: "muted" }, "[media, not downloaded]") : null;
    if (m.media.error) return el("div", { class: "muted" }, "[media: " + m.media.error + "]");
    if (!m.media.url) return el("div", { class: "muted" }, "[media]");
    const u = mediaPath(m.media.url);
    const mt = m.media.mimetype || "";
    const dl = el("a", { href: u, download: m.media.filename || "", class: "download" }, "Download " + (m.media.filename || mt));
    if (mt.startsWith("image/")) return el("div", {}, el("a", { href: u, target: "_blank" }, el("img", { src: u, alt: m.media.filename || "image" })), dl);
    if (mt.startsWith("video/")) return el("div", {}, el("video", { src: u, controls: true }), dl);
    if (mt.startsWith("audio/")) return el("div", {}, el("audio", { src: u, controls: true }), dl);
    return dl;
  };
  const msgItem = (m) => {
    const li = el("li", { class: "msg" + (m.fromMe ? " me" : ""), dataset: { id: m.id } },
      mediaView(m),
      m.body ? el("div", { class: "text" }, m.body) : null,
      el("div", { class: "meta" },
        el("span", {}, fmtTime(m.timestamp)),
        m.fromMe ? el("span", {}, m.ackName || "") : null,
        m.edited ? el("span", { class: "edited" }, "edited") : null,
        el("button", { class: "link", onclick: () => pinMessage(m.id, true) }, "pin"),
        el("button", { class: "link", onclick: () => pinMessage(m.id, false) }, "unpin"),
        m.fromMe ? el("button", { class: "link", onclick: () => revokeMessage(m.id) }, "delete for everyone") : null));
    return li;
  };
  const findMsg = (id) => $$("#messages li.msg").find((li) => sameID(li.dataset.id, id));
  const putMsg = (m, atTop) => {
    const old = findMsg(m.id);
    const li = msgItem(m);
    if (old) old.replaceWith(li);
    else if (atTop) $("#messages").prepend(li);
    else { $("#messages").append(li); li.scrollIntoView({ block: "nearest" }); }
  };
  const loadMessages = async (more) => {
    if (!more) { msgOffset = 0; $("#messages").replaceChildren(); }
    try {
      const ms = await api("GET", `/api/${s}/chats/${enc(current)}/messages?limit=${PAGE}&offset=${msgOffset}&downloadMedia=true&sortBy=timestamp&sortOrder=desc`);
      msgOffset += ms.length;
      for (const m of ms) putMsg(m, true); // newest first: each older one goes on top
      if (!more) { const last = $("#messages").lastElementChild; if (last) last.scrollIntoView({ block: "nearest" }); }
      $("#older").hidden = ms.length < PAGE;
      if (!more && !ms.length) $("#messages").append(el("li", { class: "empty" }, "No messages in this chat."));
    } catch (e) { toast(e.message, true); }
  };
  const showArchived = (archived) => {
    $('[data-chat="archive"]').hidden = archived;
    $('[data-chat="unarchive"]').hidden = !archived;
  };
  const openChat = async (id, title, unread, archived) => {
    current = id;
    showArchived(!!archived);
    root.classList.add("open");
    $("#chat").hidden = false;
    $("#nochat").hidden = true;
    $("#chat-title").textContent = title;
    for (const a of $$("#chats a")) a.toggleAttribute("aria-current", a.dataset.id === id);
    await loadMessages(false);
    $("#text").focus();
    // Opened, it is read, as on the phone (the contact gets read receipts).
    if (unread) {
      try { await api("POST", `/api/${s}/chats/${enc(id)}/messages/read`); soonChats(); } catch (e) { toast(e.message, true); }
    }
  };
  // A new chat: a number is asked of WhatsApp first (it may know it under
  // another form, or not at all); a chat id is opened as given.
  $("#new-chat").addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = $("#new-chat-id").value.trim();
    await guarded(e.submitter, async () => {
      let id = v;
      if (!v.includes("@")) {
        const phone = v.replace(/[^0-9]/g, "");
        if (!phone) throw new Error("Enter a phone number in international format, such as 12132132130, or a chat id");
        const r = await api("GET", `/api/contacts/check-exists?session=${s}&phone=${phone}`);
        if (!r.numberExists) throw new Error(`${v} is not on WhatsApp`);
        id = r.chatId;
      }
      $("#new-chat-id").value = "";
      await openChat(id, id, 0, false);
    });
  });
  $("#older").addEventListener("click", () => loadMessages(true));
  $("#chat-back").addEventListener("click", () => { root.classList.remove("open"); current = null; });

  const pinMessage = (id, pin) => guarded(null, async () => {
    await api("POST", `/api/${s}/chats/${enc(current)}/messages/${enc(id)}/${pin ? "pin" : "unpin"}`, pin ? { duration: 604800 } : {});
    toast(pin ? "Pinned" : "Unpinned");
  });
  const revokeMessage = async (id) => {
    if (!(await confirmAction("Delete this message for everyone?", "Delete"))) return;
    await guarded(null, () => api("DELETE", `/api/${s}/chats/${enc(current)}/messages/${enc(id)}`));
  };
  for (const b of $$("[data-chat]")) {
    b.addEventListener("click", async () => {
      const act = b.dataset.chat;
      const ask = { clear: "Clear every message of this chat?", delete: "Delete this chat?" }[act];
      if (ask && !(await confirmAction(ask, act === "clear" ? "Clear" : "Delete"))) return;
      await guarded(b, async () => {
        if (act === "clear") await api("DELETE", `/api/${s}/chats/${enc(current)}/messages`);
        else if (act === "delete") await api("DELETE", `/api/${s}/chats/${enc(current)}`);
        else await api("POST", `/api/${s}/chats/${enc(current)}/${act}`);
        toast({ archive: "Archived", unarchive: "Unarchived", unread: "Marked unread", clear: "Cleared", delete: "Deleted" }[act]);
        if (act === "archive" || act === "unarchive") showArchived(act === "archive");
        if (act === "clear") $("#messages").replaceChildren();
        if (act === "delete") { current = null; $("#chat").hidden = true; $("#nochat").hidden = false; root.classList.remove("open"); }
        soonChats();
      });
    });
  }

  const readFile = (file) => new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
  const send = async () => {
    const text = $("#text").value;
    const file = $("#file").files[0];
    if (!text.trim() && !file) return;
    await guarded($("#send"), async () => {
      let m;
      if (file) {
        const kind = file.type.startsWith("image/") ? "sendImage" : "sendFile";
        m = await api("POST", `/api/${kind}`, {
          session: name, chatId: current, caption: text,
          file: { mimetype: file.type || "application/octet-stream", filename: file.name, data: await readFile(file) },
        });
      } else {
        m = await api("POST", "/api/sendText", { session: name, chatId: current, text });
      }
      $("#text").value = "";
      $("#file").value = "";
      $("#messages li.empty")?.remove();
      if (m && m.id) putMsg(m, false);
    });
  };
  $("#compose").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("#text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); } });

  // Live: new, edited and revoked messages of the open chat, and the chat list.
  stream(name, "message.any,message.edited,message.revoked,message.ack,chat.archive", (env) => {
    const p = env.payload || {};
    soonChats();
    if (!current) return;
    const inChat = (m) => m && (m.from === current || m.to === current);
    if (env.event === "message.any" && inChat(p)) {
      $("#messages li.empty")?.remove();
      putMsg(p, false);
    } else if (env.event === "message.edited" && p.editedMessageId) {
      const li = findMsg(p.editedMessageId);
      if (li) {
        let t = li.querySelector(".text");
        if (!t) { t = el("div", { class: "text" }); li.querySelector(".meta").before(t); }
        t.textContent = p.body;
        if (!li.querySelector(".edited")) li.querySelector(".meta").append(el("span", { class: "edited" }, "edited"));
      }
    } else if (env.event === "message.revoked" && p.revokedMessageId) {
      const li = findMsg(p.revokedMessageId);
      if (li) {
        li.classList.add("revoked");
        const when = li.querySelector(".meta span");
        li.replaceChildren(el("div", { class: "text" }, "This message was deleted"), el("div", { class: "meta" }, when ? when.textContent : ""));
      }
    } else if (env.event === "message.ack" && p.id) {
      const li = findMsg(p.id);
      const ack = li && li.querySelector(".meta span:nth-child(2)");
      if (ack && p.ackName) ack.textContent = p.ackName;
    }
  }, loadChats);
}

// ---- Server ----------------------------------------------------------------

async function serverPage() {
  try {
    const v = await api("GET", "/api/server/version");
    $("#version").textContent = `${v.version} (${v.engine}, ${v.tier}${v.browser ? ", browser " + v.browser : ""})`;
  } catch (e) { $("#version").append(" · " + e.message); }
  try {
    const res = await fetch("/health", { credentials: "same-origin" });
    const h = await res.json();
    const db = h.checks && h.checks.database;
    $("#health").replaceChildren(el("span", { class: "badge " + (h.status === "ok" ? "WORKING" : "FAILED") }, h.status),
      " database " + (db ? db.status + (db.error ? ": " + db.error : "") : "?"));
    const counts = (h.checks && h.checks.sessions && h.checks.sessions.counts) || {};
    $("#health-sessions").textContent = Object.keys(counts).length ? Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ") : "none";
  } catch (e) { $("#health").textContent = "the gateway does not answer: " + e.message; }
}

({ sessions: sessionsPage, session: sessionPage, chats: chatsPage, server: serverPage }[page] || (() => {}))();

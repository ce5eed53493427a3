// dustmail-lite dashboard: plain JavaScript, no build step, no third-party code.
// The API key lives in sessionStorage (this tab only) and travels in a header, never a URL.
//
// Requests: signing in costs three (the account, the event stream, the first list); after
// that one per user action (open a list, an email, a tab, load more, search), and none
// while idle or when mail arrives: each event carries the new email's row, its place (seq)
// and the inbox's count, so the cached lists stay exact without asking again.
"use strict";

const API = "/api/v1";
const KEY_STORAGE = "dustmail.key";
const READ_STORAGE = "dustmail.read";
const PAGE = 50;
const APP_NAME = "dustmail-lite";

const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(KEY_STORAGE),
  account: null,
  stream: null,
  epoch: 0,          // bumps on sign-in and sign-out: answers for an older epoch are dropped
  inboxes: null,     // cached inbox list: { rows: [], next, query, total, matches }
  inbox: null,       // cached inbox view: { id, info, emails: [], next, query, count, countSeq, matches }
  email: null,       // the open email
  previous: null,    // the route shown before this one (to put focus back on its row)
  ownNavigation: false, // the next route follows our own change (create/delete): keep caches
};

// --- API -----------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

class Stale extends Error {}  // an answer that arrived after the user moved on

async function api(path, { method = "GET", body, raw = false } = {}) {
  const epoch = state.epoch;
  const headers = { Authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "network", "The server cannot be reached.");
  }
  if (epoch !== state.epoch) throw new Stale();
  noteRate(response);
  if (raw && response.ok) return response;
  let payload = null;
  try { payload = await response.json(); } catch (err) { /* not JSON */ }
  if (epoch !== state.epoch) throw new Stale();
  if (!response.ok || !payload || payload.success === false) {
    const error = (payload && payload.error) || {};
    if (response.status === 401 && state.account) signOut("Your key is no longer valid (revoked?). Sign in again.");
    throw new ApiError(response.status, error.code || "http_error", error.message || `HTTP ${response.status}`,
      response.headers.get("Retry-After"));
  }
  return payload;
}

function explain(err) {
  if (err.status === 401) return "This key is not valid: it may be mistyped or revoked.";
  if (err.status === 429) {
    const wait = err.retryAfter ? ` Try again in ${formatDuration(Number(err.retryAfter))}.` : "";
    return `Rate limit reached.${wait}`;
  }
  return err.message;
}

function fail(err) {
  if (err instanceof Stale) return;
  if (err.status !== 401) toast(explain(err));  // a 401 has signed out already
}

// The request budget: shown from the first answer on, highlighted and announced when low.
let budgetWarned = false;
let budgetSeen = null;
function noteRate(response) {
  const limit = Number(response.headers.get("X-RateLimit-Limit"));
  const remaining = Number(response.headers.get("X-RateLimit-Remaining"));
  const reset = Number(response.headers.get("X-RateLimit-Reset"));
  const rate = $("rate");
  if (!response.headers.get("X-RateLimit-Limit")) {
    if (response.headers.get("X-RateLimit-Used")) { rate.textContent = "no request limit"; rate.className = "rate small"; }
    return;
  }
  // Answers may come back out of order (on several nodes each counts in the database): within
  // one window the lowest count left is the newest, so an older, higher one is not shown.
  const ends = Date.now() + reset * 1000;
  if (budgetSeen && Math.abs(ends - budgetSeen.ends) < 2000 && remaining > budgetSeen.remaining) return;
  budgetSeen = { ends, remaining };
  const resets = reset ? ` (resets in ${formatDuration(reset)})` : "";
  rate.textContent = `${remaining} of ${limit} requests left`;
  rate.title = `API requests left in this rate-limit window${resets}`;
  const low = remaining <= Math.max(5, Math.floor(limit / 5));
  rate.className = `rate small${low ? " low" : ""}`;
  if (low && !budgetWarned) {
    budgetWarned = true;
    announce(`Only ${remaining} of ${limit} API requests left${resets}.`);
  }
  if (!low) budgetWarned = false;
}

// --- small helpers ---------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value == null) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

let toastTimer = null;
function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 3200);
}

function announce(message) {
  // Cleared first, so the same words twice are read twice.
  const box = $("announcer");
  box.textContent = "";
  setTimeout(() => { box.textContent = message; }, 50);
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    const area = el("textarea", { class: "offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast(`Copied ${what}`);
}

// Named after what it copies ("Copy address a@b"), and never activates the row around it.
function copyButton(text, what, label = text) {
  return el("button", {
    type: "button", class: "copy", "aria-label": `Copy ${what} ${label}`,
    onclick: (e) => { e.preventDefault(); e.stopPropagation(); copy(text, what); },
    onkeydown: (e) => e.stopPropagation(),
  }, "Copy");
}

// Long names wrap at their dots and dashes, never in the middle of a label.
function breakable(text) {
  const span = el("span");
  const parts = text.split(/(?<=[.=@_-])/);
  parts.forEach((part, i) => { span.append(part); if (i < parts.length - 1) span.append(el("wbr")); });
  return span;
}

function formatDuration(seconds) {
  if (seconds <= 0) return "expired";
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

function timeLeft(expiresAt) {
  return (Date.parse(expiresAt) - Date.now()) / 1000;
}

function formatDate(iso) {
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

function readSet() {
  try { return new Set(JSON.parse(localStorage.getItem(READ_STORAGE) || "[]")); } catch (err) { return new Set(); }
}
function markRead(id) {
  const read = readSet();
  read.add(id);
  localStorage.setItem(READ_STORAGE, JSON.stringify([...read].slice(-2000)));
}

function confirmDialog(text) {
  const dialog = $("confirm");
  const opener = document.activeElement;
  $("confirm-text").textContent = text;
  dialog.showModal();
  $("confirm-ok").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      if (!ok && opener && opener.isConnected) opener.focus();
      resolve(ok);
    }, { once: true });
  });
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// Countdowns tick once a second for every element that carries an expiry.
setInterval(() => {
  for (const node of document.querySelectorAll("[data-expires]")) {
    const left = timeLeft(node.dataset.expires);
    node.textContent = left > 0 ? `${formatDuration(left)} left` : "expired";
    node.classList.toggle("soon", left < 300);
  }
}, 1000);

// --- sign in / out ----------------------------------------------------------------

async function signIn(key) {
  state.key = key;
  const { data } = await api("/account");
  state.account = data;
  sessionStorage.setItem(KEY_STORAGE, key);
  $("account-name").textContent = data.name;
  $("account-plan").textContent = data.plan;
  $("account-plan").className = `badge ${data.plan}`;
  $("account").hidden = $("nav").hidden = false;
  $("nav-domains").hidden = data.plan !== "premium";
  const premium = data.plan === "premium";
  $("create-username").hidden = $("create-domain").hidden = !premium;
  fillDomains(data.available_domains);
  openStream();
}

function fillDomains(domains) {
  $("create-domain").replaceChildren(...domains.map((d) => el("option", { value: d }, d)));
}

// Everything one account showed goes: caches, views, the stream, answers still in flight.
function forgetAccount() {
  state.epoch += 1;
  if (state.stream) state.stream.abort();
  Object.assign(state, { key: null, account: null, stream: null, inboxes: null, inbox: null, email: null, previous: null });
  for (const id of ["inbox-list", "email-list", "domain-list", "extracted", "attachments", "email-header-rows"]) $(id).replaceChildren();
  for (const id of ["inbox-total", "inbox-matches", "inbox-address", "inbox-count", "inbox-left", "email-matches",
    "email-subject", "email-from", "email-date", "email-text", "email-raw", "account-name", "account-plan", "rate"]) $(id).textContent = "";
  for (const id of ["search", "inbox-search", "create-username", "domain-input"]) $(id).value = "";
  $("email-html").srcdoc = "";
  $("account").hidden = $("nav").hidden = true;
  budgetWarned = false;
  budgetSeen = null;
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  forgetAccount();
  if (location.hash !== "#/signin") location.hash = "#/signin";
  else route();
  if (message) showSigninError(message);
}

function showSigninError(message) {
  $("signin-error").textContent = message;
  $("signin-error").hidden = false;
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("key-input").value.trim();
  $("signin-error").hidden = true;
  $("signin-button").disabled = true;
  forgetAccount();  // a new key never sees what the last one left
  try {
    await signIn(key);
    $("key-input").value = "";
    // A deep link opened while signed out opens now; otherwise the inbox list.
    if (currentRoute().view === "signin") location.hash = "#/inboxes";
    else route();
  } catch (err) {
    state.key = null;
    if (!(err instanceof Stale)) showSigninError(explain(err));
  } finally {
    $("signin-button").disabled = false;
  }
});
$("sign-out").addEventListener("click", () => signOut());

// --- live events: fetch-based Server-Sent Events (EventSource cannot send headers) ---

function openStream() {
  if (state.stream) state.stream.abort();
  const controller = new AbortController();
  state.stream = controller;
  let delay = 1000;
  let connected = false;
  (async function run() {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(`${API}/events`, {
          headers: { Authorization: `Bearer ${state.key}` }, signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        noteRate(response);
        if (response.status === 401) return signOut("Your key is no longer valid (revoked?). Sign in again.");
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        delay = 1000;
        if (connected) resync();  // a reconnect: mail may have arrived in between
        connected = true;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            if (!controller.signal.aborted) handleEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (err) {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();
}

// Events were missed (a reconnect, or this reader fell behind): the caches may be wrong.
function resync() {
  state.inboxes = null;
  state.inbox = null;
  route();
}

function handleEvent(block) {
  let type = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (type === "resync") { resync(); return; }
  if (type !== "email" || !data) return;
  const mail = JSON.parse(data);
  if (typeof mail.seq !== "number") return;  // pruned at once by the inbox cap
  const view = currentRoute().view;
  const listRow = state.inboxes && state.inboxes.rows.find((r) => r.id === mail.inbox_id);
  if (listRow && mail.seq >= (listRow.last_seq || 0)) {
    listRow.last_seq = mail.seq;
    listRow.email_count = mail.email_count;
    if (view === "inboxes") {
      renderInboxes();
      announce(`New email in ${listRow.email} from ${mail.from}: ${mail.subject || "(no subject)"}`);
    }
  }
  const box = state.inbox;
  if (box && box.id === mail.inbox_id) {
    const added = addEmail(box, mail);
    if (mail.seq >= box.countSeq) { box.count = mail.email_count; box.countSeq = mail.seq; }
    if (view === "inbox" && currentRoute().inbox === box.id) {
      renderInbox(added ? mail.id : null);
      if (added) announce(`New email from ${mail.from}: ${mail.subject || "(no subject)"}`);
    }
  }
}

// Into its place by seq (newest first), once; a search shows only what it matches.
function addEmail(box, mail) {
  if (box.emails.some((e) => e.id === mail.id)) return false;
  if (box.query) {
    const q = box.query.toLowerCase();
    const fields = [mail.subject, mail.from, mail.preview, mail.tag && `+${mail.tag}`];
    if (!fields.some((f) => (f || "").toLowerCase().includes(q))) return false;
    box.matches += 1;
  }
  const oldest = box.emails.length ? box.emails[box.emails.length - 1].seq : -1;
  if (box.next && mail.seq < oldest) return false;  // on a page not loaded yet
  const row = { id: mail.id, from: mail.from, subject: mail.subject, preview: mail.preview,
    has_html: mail.has_html, size: mail.size, seq: mail.seq, received_at: mail.received_at,
    tls: mail.tls, tag: mail.tag };
  const at = box.emails.findIndex((e) => e.seq < mail.seq);
  if (at === -1) box.emails.push(row); else box.emails.splice(at, 0, row);
  return true;
}

// --- routing and views -------------------------------------------------------------------

function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "inbox" && parts[1] && parts[2] === "email" && parts[3]) return { view: "email", inbox: parts[1], email: parts[3] };
  if (parts[0] === "inbox" && parts[1]) return { view: "inbox", inbox: parts[1] };
  if (parts[0] === "domains") return { view: "domains" };
  if (parts[0] === "signin") return { view: "signin" };
  return { view: "inboxes" };
}

const HEADINGS = { signin: "signin-title", inboxes: "inboxes-title", inbox: "inbox-address", email: "email-subject", domains: "domains-title" };

function show(view, title) {
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  setTitle(title);
}

function setTitle(title) {
  document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
}

// After a view change: back on the row we came from (Esc, the back link), else the heading.
function placeFocus(view, rowId) {
  if (document.activeElement && document.activeElement.closest("dialog")) return;
  const row = rowId && document.querySelector(`[data-row-id="${CSS.escape(rowId)}"] .row-link`);
  if (row) { row.focus(); row.scrollIntoView({ block: "nearest" }); return; }
  $(HEADINGS[view]).focus();
}

let routing = 0;
async function route() {
  const ticket = ++routing;
  const r = currentRoute();
  const previous = state.previous;
  if (!state.account) {
    if (state.key) {
      try { await signIn(state.key); } catch (err) { if (!(err instanceof Stale)) signOut(explain(err)); return; }
      if (ticket !== routing) return;
    } else {
      show("signin", "Sign in");
      $("key-input").focus();
      return;
    }
  }
  if (r.view === "signin") { location.hash = "#/inboxes"; return; }
  state.previous = r;
  const own = state.ownNavigation;
  state.ownNavigation = false;
  try {
    if (r.view === "inboxes") {
      await openInboxes(own);
      if (ticket === routing) placeFocus("inboxes", previous && previous.inbox);
    } else if (r.view === "inbox") {
      await openInbox(r.inbox);
      if (ticket === routing) placeFocus("inbox", previous && previous.inbox === r.inbox ? previous.email : null);
    } else if (r.view === "email") {
      await openEmail(r.inbox, r.email);
      if (ticket === routing) placeFocus("email");
    } else if (r.view === "domains") {
      show("domains", "Custom domains");
      await loadDomains();
      if (ticket === routing) placeFocus("domains");
    }
  } catch (err) {
    if (err instanceof Stale || ticket !== routing) return;
    if (err.status === 404) { toast("Not found (deleted or expired)."); dropFromCaches(r); location.hash = r.view === "email" ? `#/inbox/${r.inbox}` : "#/inboxes"; }
    else fail(err);
  }
}
window.addEventListener("hashchange", route);

function dropFromCaches(r) {
  if (r.view === "inbox" && state.inboxes) state.inboxes.rows = state.inboxes.rows.filter((i) => i.id !== r.inbox);
  if (r.view === "email" && state.inbox) state.inbox.emails = state.inbox.emails.filter((e) => e.id !== r.email);
}

// --- the inbox list ------------------------------------------------------------------

async function openInboxes(keepCache) {
  show("inboxes", "Inboxes");
  const cached = state.inboxes;
  if (cached) renderInboxes();
  // Entering the list asks for its first page again (inboxes made elsewhere show up),
  // merged into the cache so pages loaded further down and the focused row stay.
  if (cached && keepCache) return;
  await fetchInboxes(cached ? cached.query : $("inbox-search").value.trim(), !!cached);
}

// The account's stored mail against its quota, above the inbox list.
function formatBytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

function showStorage(storage) {
  const line = $("storage-usage");
  line.hidden = !storage;
  if (!storage) return;
  const used = formatBytes(storage.used_bytes);
  const share = storage.max_bytes ? Math.min(100, Math.round((100 * storage.used_bytes) / storage.max_bytes)) : 0;
  line.textContent = storage.max_bytes
    ? `Storage: ${used} of ${formatBytes(storage.max_bytes)} used (${share}%)`
    : `Storage: ${used} used`;
}

async function fetchInboxes(query, merge) {
  const params = new URLSearchParams({ limit: PAGE, summary: 1 });
  if (query) params.set("q", query);
  const { data, meta } = await api(`/inbox?${params}`);
  showStorage(meta.storage);
  const cached = state.inboxes;
  if (merge && cached && cached.query === query) {
    const lastNew = data.length ? data[data.length - 1].id : null;
    const at = cached.rows.findIndex((row) => row.id === lastNew);
    const fresh = new Set(data.map((row) => row.id));
    const keep = at === -1 || !meta.next_cursor ? [] : cached.rows.slice(at + 1).filter((row) => !fresh.has(row.id));
    state.inboxes = { ...cached, rows: [...data, ...keep], next: keep.length ? cached.next : meta.next_cursor,
      total: meta.total, matches: meta.matches };
  } else {
    state.inboxes = { rows: data, next: meta.next_cursor, query, total: meta.total, matches: meta.matches };
  }
  renderInboxes();
}

async function moreInboxes() {
  const cached = state.inboxes;
  if (!cached || !cached.next) return;
  const button = $("inbox-more");
  button.disabled = true;
  try {
    const params = new URLSearchParams({ limit: PAGE, summary: 1, cursor: cached.next });
    if (cached.query) params.set("q", cached.query);
    const { data, meta } = await api(`/inbox?${params}`);
    if (state.inboxes !== cached) return;
    const known = new Set(cached.rows.map((row) => row.id));
    const firstNew = data.find((row) => !known.has(row.id));
    cached.rows.push(...data.filter((row) => !known.has(row.id)));
    cached.next = meta.next_cursor;
    renderInboxes();
    // Keyboard users continue where the new rows start.
    if (firstNew) placeFocus("inboxes", firstNew.id);
  } catch (err) { fail(err); } finally { button.disabled = false; }
}
$("inbox-more").addEventListener("click", moreInboxes);

function renderInboxes() {
  const cached = state.inboxes;
  if (!cached) return;
  const focused = focusedRow();
  const rows = cached.rows;
  $("inbox-total").textContent = `(${cached.total})`;
  $("inbox-matches").textContent = cached.query ? `${plural(cached.matches || 0, "inbox")} match “${cached.query}”` : "";
  $("inbox-empty").hidden = rows.length > 0;
  $("inbox-empty").textContent = cached.query ? "No inbox address matches the search." : "No inboxes yet. Create one, then send mail to its address.";
  $("inbox-list").replaceChildren(...rows.map(inboxRow));
  const shown = rows.length, all = cached.query ? cached.matches : cached.total;
  $("inbox-more").hidden = !cached.next;
  $("inbox-more").textContent = `Show more inboxes (${shown} of ${all} shown)`;
  restoreFocus(focused);
}

function inboxRow(inbox) {
  const left = timeLeft(inbox.expires_at);
  return el("li", { dataset: { rowId: inbox.id, id: inbox.id } },
    el("a", { class: "row-link main", href: `#/inbox/${inbox.id}` },
      el("span", { class: "title mono" }, breakable(inbox.email)),
      el("span", { class: "sub" }, `${plural(inbox.email_count, "email")}, created ${formatDate(inbox.created_at)}`)),
    el("span", { class: "count", "aria-hidden": "true" }, String(inbox.email_count)),
    el("span", { class: `meta left${left < 300 ? " soon" : ""}`, dataset: { expires: inbox.expires_at } }, left > 0 ? `${formatDuration(left)} left` : "expired"),
    copyButton(inbox.email, "address"));
}

function focusedRow() {
  const active = document.activeElement;
  const row = active && active.closest && active.closest("[data-row-id]");
  return row ? { id: row.dataset.rowId, copy: active.classList.contains("copy") } : null;
}

function restoreFocus(focused) {
  if (!focused) return;
  const row = document.querySelector(`[data-row-id="${CSS.escape(focused.id)}"]`);
  const target = row && row.querySelector(focused.copy ? ".copy" : ".row-link");
  if (target) target.focus();
}

$("inbox-search").addEventListener("input", debounce(() => {
  const query = $("inbox-search").value.trim();
  if (state.inboxes && state.inboxes.query === query) return;
  fetchInboxes(query, false).catch(fail);
}, 300));

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("create-error").hidden = true;
  const body = {};
  if (state.account.plan === "premium") {
    const username = $("create-username").value.trim();
    if (username) body.username = username;
    body.domain = $("create-domain").value;
  }
  $("create-button").disabled = true;
  try {
    const { data } = await api("/inbox", { method: "POST", body });
    $("create-username").value = "";
    toast(`Created ${data.email}`);
    const row = { ...data, email_count: 0, last_seq: 0 };
    if (state.inboxes && !state.inboxes.query) { state.inboxes.rows.unshift(row); state.inboxes.total += 1; }
    state.inbox = newInboxCache(data.id, "");
    Object.assign(state.inbox, { info: data, count: 0, countSeq: 0, loaded: true });
    location.hash = `#/inbox/${data.id}`;
  } catch (err) {
    if (err instanceof Stale) return;
    $("create-error").textContent = explain(err);
    $("create-error").hidden = false;
  } finally {
    $("create-button").disabled = false;
  }
});

// --- one inbox ---------------------------------------------------------------------------

function newInboxCache(id, query) {
  return { id, info: null, emails: [], next: null, query, count: 0, countSeq: -1, matches: 0, loaded: false };
}

async function openInbox(id) {
  show("inbox", "Inbox");
  // The cached view stays exact through events; it is fetched once per inbox opened.
  if (state.inbox && state.inbox.id === id && state.inbox.loaded) {
    $("search").value = state.inbox.query;
    renderInbox();
    return;
  }
  $("search").value = "";
  $("inbox-address").textContent = "";
  $("email-list").replaceChildren();
  await fetchInbox(id, "");
}

// Events that arrive while the page is on its way go into the same cache; the answer
// merges into it by id and seq, and its count only counts if it is newer.
async function fetchInbox(id, query) {
  const box = newInboxCache(id, query);
  state.inbox = box;
  const params = new URLSearchParams({ limit: PAGE, summary: 1, extended: 1 });
  if (query) params.set("q", query);
  const { data, meta } = await api(`/inbox/${id}?${params}`);
  if (state.inbox !== box) throw new Stale();
  mergePage(box, data.emails, meta);
  box.info = data.inbox;
  box.loaded = true;
  if (meta.last_seq >= box.countSeq) { box.count = meta.email_count; box.countSeq = meta.last_seq; }
  if (query) box.matches = Math.max(box.matches, meta.matches);
  renderInbox();
}

function mergePage(box, emails, meta) {
  const known = new Set(box.emails.map((e) => e.id));
  box.emails = [...box.emails, ...emails.filter((e) => !known.has(e.id))].sort((a, b) => b.seq - a.seq);
  box.next = meta.next_cursor;
}

async function moreEmails() {
  const box = state.inbox;
  if (!box || !box.next) return;
  const button = $("email-more");
  button.disabled = true;
  try {
    const params = new URLSearchParams({ limit: PAGE, summary: 1, extended: 1, cursor: box.next });
    if (box.query) params.set("q", box.query);
    const { data, meta } = await api(`/inbox/${box.id}?${params}`);
    if (state.inbox !== box) return;
    const known = new Set(box.emails.map((e) => e.id));
    const firstNew = data.emails.find((e) => !known.has(e.id));
    box.emails.push(...data.emails.filter((e) => !known.has(e.id)));
    box.emails.sort((a, b) => b.seq - a.seq);
    box.next = meta.next_cursor;
    if (meta.last_seq >= box.countSeq) { box.count = meta.email_count; box.countSeq = meta.last_seq; }
    renderInbox();
    if (firstNew) placeFocus("inbox", firstNew.id);
  } catch (err) { fail(err); } finally { button.disabled = false; }
}
$("email-more").addEventListener("click", moreEmails);

function renderInbox(freshId) {
  const box = state.inbox;
  if (!box || !box.info) return;
  const focused = focusedRow();
  const info = box.info;
  $("inbox-address").replaceChildren(breakable(info.email));
  setTitle(info.email);
  $("copy-address").setAttribute("aria-label", `Copy address ${info.email}`);
  $("delete-inbox").setAttribute("aria-label", `Delete inbox ${info.email}`);
  $("inbox-count").textContent = plural(box.count, "email");
  const left = $("inbox-left");
  left.dataset.expires = info.expires_at;
  left.textContent = `${formatDuration(timeLeft(info.expires_at))} left`;
  $("email-matches").textContent = box.query ? `${plural(box.matches, "email")} match “${box.query}”` : "";
  const read = readSet();
  $("email-list").replaceChildren(...box.emails.map((email) => emailRow(box, email, read.has(email.id), email.id === freshId)));
  const empty = $("email-empty");
  empty.hidden = box.emails.length > 0;
  empty.textContent = box.query ? "No email matches the search." : "Waiting for mail… new messages appear here as they arrive.";
  const total = box.query ? box.matches : box.count;
  $("email-more").hidden = !box.next;
  $("email-more").textContent = `Show older emails (${box.emails.length} of ${total} shown)`;
  restoreFocus(focused);
}

function emailRow(box, email, isRead, fresh) {
  const classes = [isRead ? "" : "unread", fresh ? "fresh" : ""].join(" ").trim() || null;
  return el("li", { class: classes, dataset: { rowId: email.id, id: email.id } },
    el("a", { class: "row-link main", href: `#/inbox/${box.id}/email/${email.id}` },
      isRead ? null : el("span", { class: "visually-hidden" }, "Unread: "),
      el("span", { class: "title" }, email.subject || "(no subject)",
        email.tag ? el("span", { class: "tag", title: "Sent to this +tag sub-address" }, `+${email.tag}`) : null),
      el("span", { class: "sub" }, `${email.from} — ${(email.preview || "").slice(0, 140)}`)),
    el("span", { class: "meta" }, formatDate(email.received_at)));
}

$("search").addEventListener("input", debounce(() => {
  const box = state.inbox;
  const query = $("search").value.trim();
  if (!box || box.query === query) return;
  fetchInbox(box.id, query).catch(fail);
}, 300));
$("copy-address").addEventListener("click", () => copy(state.inbox.info.email, "address"));
$("delete-inbox").addEventListener("click", async () => {
  const box = state.inbox;
  if (!(await confirmDialog(`Delete ${box.info.email} and all its mail?`))) return;
  try {
    await api(`/inbox/${box.id}`, { method: "DELETE" });
    toast("Inbox deleted");
    if (state.inboxes) {
      const before = state.inboxes.rows.length;
      state.inboxes.rows = state.inboxes.rows.filter((i) => i.id !== box.id);
      state.inboxes.total -= before - state.inboxes.rows.length;
    }
    state.inbox = null;
    state.ownNavigation = true;
    location.hash = "#/inboxes";
  } catch (err) { fail(err); }
});

// --- one email ---------------------------------------------------------------------------

async function openEmail(inboxId, emailId) {
  show("email", "Email");
  $("email-back").href = `#/inbox/${inboxId}`;
  $("email-subject").textContent = "";
  $("extracted").replaceChildren();
  const { data: email } = await api(`/inbox/${inboxId}/emails/${emailId}?safe_html=1`);
  state.email = email;
  markRead(email.id);
  const subject = email.subject || "(no subject)";
  setTitle(subject);
  $("email-subject").textContent = subject;
  $("delete-email").setAttribute("aria-label", `Delete email ${subject}`);
  const sender = email.from_name ? `${email.from_name} <${email.from}>` : email.from;
  $("email-from").textContent = `From ${sender}${email.to.length ? ` to ${email.to.join(", ")}` : ""}`;
  $("email-date").textContent = formatDate(email.received_at);
  $("email-tls").textContent = email.tls ? "over TLS" : "no TLS";
  $("email-tls").title = email.tls ? "The sender delivered it over STARTTLS" : "The sender delivered it in clear text";
  $("email-tag").hidden = !email.tag;
  $("email-tag").textContent = email.tag ? `+${email.tag}` : "";
  $("email-text").textContent = email.text || "(no text part)";
  $("email-header-rows").replaceChildren(...email.headers.map((h) => el("tr", {}, el("th", { scope: "row" }, h.name), el("td", {}, h.value))));
  $("email-raw").textContent = "";
  $("remote-images").checked = false;
  renderExtracted(email);
  $("attachments").replaceChildren(...email.attachments.map((a) => el("button", {
    type: "button", class: "chip", "aria-label": `Download ${a.filename}, ${Math.ceil(a.size / 1024)} KB`,
    title: `${a.content_type}, ${a.size} bytes`, onclick: () => download(a),
  }, `⬇ ${a.filename}`, el("span", { class: "muted small" }, ` ${Math.ceil(a.size / 1024)} KB`))));
  selectTab(email.html ? "html" : "text");
  showHtml(email.html ? email.safe_html : null, false);
}

function renderExtracted(email) {
  const chips = [];
  for (const code of email.codes) {
    chips.push(el("span", { class: "chip code" }, el("span", { class: "label" }, "Code"),
      el("span", { class: "value" }, code), copyButton(code, "code")));
  }
  for (const link of email.links.slice(0, 6)) {
    chips.push(el("span", { class: "chip link" }, el("span", { class: "label" }, "Link"),
      el("a", { class: "value", href: link, target: "_blank", rel: "noopener noreferrer", title: link }, link),
      copyButton(link, "link")));
  }
  const why = whyDisclosure(email);
  $("extracted").replaceChildren(...chips, ...(why ? [why] : []));
}

// "Why this code?": the reasons the server gives for its top picks, and the numbers it left out.
function whyDisclosure(email) {
  const codes = email.code_details || [], rejected = email.rejected_codes || [];
  const links = (email.link_details || []).filter((l) => l.kind === "verification").slice(0, 3);
  if (!codes.length && !rejected.length && !links.length) return null;
  const percent = (x) => `${Math.round(x * 100)}%`;
  const items = [
    ...codes.map((c) => el("li", { class: "why-code" }, el("code", {}, c.value),
      ` ${percent(c.confidence)}, from the ${c.source}: ${c.reasons.join("; ")}`,
      el("div", { class: "muted small" }, `“…${c.context}…”`))),
    ...links.map((l) => el("li", { class: "why-link" }, el("code", {}, l.text || l.url),
      ` verification link, ${percent(l.confidence)}: ${l.reasons.join("; ")}`)),
    ...rejected.map((r) => el("li", { class: "why-rejected muted" }, el("s", {}, r.value), ` left out: ${r.decoy}`)),
  ];
  return el("details", { class: "why", id: "why" }, el("summary", {}, codes.length ? "Why this code?" : "Why these picks?"),
    el("ul", {}, ...items));
}

function showHtml(page, remote) {
  const frame = $("email-html");
  if (page == null) {
    frame.srcdoc = "<p style='font-family:sans-serif;color:#475467'>This email has no HTML part.</p>";
    return;
  }
  // The frame is sandboxed: no scripts, an opaque origin, only links may open a tab. The meta CSP
  // repeats the server's policy, since a srcdoc frame does not see response headers.
  const images = remote ? "data: cid: https: http:" : "data: cid:";
  frame.srcdoc = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; font-src data:">`
    + `<base target="_blank">${page}`;
}

$("remote-images").addEventListener("change", async () => {
  const email = state.email;
  if (!email || !email.html) return;
  if (!$("remote-images").checked) { showHtml(email.safe_html, false); return; }
  try {
    const response = await api(`/inbox/${email.inbox_id}/emails/${email.id}/html?images=1`, { raw: true });
    const page = await response.text();
    if (state.email === email) showHtml(page, true);
  } catch (err) { fail(err); }
});

async function download(attachment) {
  try {
    const response = await api(new URL(attachment.download_url).pathname.replace(API, ""), { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: attachment.filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) { fail(err); }
}

// WAI-ARIA tabs: one tab stop; arrows, Home and End move between tabs and select.
const TABS = [...document.querySelectorAll("[role=tab]")];
function selectTab(name, focus = false) {
  for (const tab of TABS) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  for (const panel of document.querySelectorAll(".tabpanel")) panel.hidden = panel.dataset.panel !== name;
  if (name === "raw" && !$("email-raw").textContent) loadRaw();
}

async function loadRaw() {
  const email = state.email;
  try {
    const response = await api(`/inbox/${email.inbox_id}/emails/${email.id}/raw`, { raw: true });
    const text = await response.text();
    if (state.email === email) $("email-raw").textContent = text;
  } catch (err) { fail(err); }
}

for (const tab of TABS) {
  tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  tab.addEventListener("keydown", (event) => {
    const at = TABS.indexOf(tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    selectTab(TABS[(to + TABS.length) % TABS.length].dataset.tab, true);
  });
}

$("delete-email").addEventListener("click", async () => {
  const email = state.email;
  if (!(await confirmDialog(`Delete “${email.subject || "(no subject)"}”?`))) return;
  try {
    await api(`/inbox/${email.inbox_id}/emails/${email.id}`, { method: "DELETE" });
    toast("Email deleted");
    const box = state.inbox;
    if (box && box.id === email.inbox_id && box.emails.some((e) => e.id === email.id)) {
      box.emails = box.emails.filter((e) => e.id !== email.id);
      box.count -= 1;
    }
    state.ownNavigation = true;
    location.hash = `#/inbox/${email.inbox_id}`;
  } catch (err) { fail(err); }
});

// --- domains -----------------------------------------------------------------------------

async function loadDomains() {
  const { data } = await api("/domains");
  $("domain-empty").hidden = data.length > 0;
  $("domain-list").replaceChildren(...data.map((d) => renderDomain(d)));
}

function renderDomain(domain, check) {
  const results = new Map(((check && check.records) || (domain.last_check && domain.last_check.records) || [])
    .map((r) => [r.type, r]));
  const rows = domain.records.map((record) => {
    const result = results.get(record.type);
    const found = result && result.found && result.status !== "valid" ? ` (found: ${result.found.join(", ")})` : "";
    const value = record.priority ? `${record.priority} ${record.value}` : record.value;
    return el("tr", {},
      el("td", { "data-label": "Type" }, record.type),
      el("td", { class: "mono", "data-label": "Name" }, breakable(record.name)),
      el("td", { class: "mono", "data-label": "Value" }, breakable(value)),
      el("td", { class: "copycell" }, copyButton(record.value, `${record.type} value`)),
      el("td", { class: `status ${result ? result.status : ""}`, "data-label": "Check" }, result ? `${result.status}${found}` : "not checked"));
  });
  const verify = el("button", { type: "button", class: "primary", "aria-label": `Verify ${domain.domain} now` }, "Verify now");
  verify.addEventListener("click", async () => {
    verify.disabled = true;
    try {
      const { data } = await api(`/domains/${encodeURIComponent(domain.domain)}/verify`, { method: "POST" });
      const card = renderDomain(data, data.check);
      item.replaceWith(card);
      card.querySelector("button.primary").focus();
      toast(data.status === "verified" ? `${data.domain} is verified` : `${data.domain}: not verified yet`);
      if (data.status === "verified" && !state.account.available_domains.includes(data.domain)) {
        state.account.available_domains.push(data.domain);
        fillDomains(state.account.available_domains);
      }
    } catch (err) { fail(err); verify.disabled = false; }
  });
  const remove = el("button", { type: "button", class: "ghost danger", "aria-label": `Remove ${domain.domain}` }, "Remove");
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog(`Remove ${domain.domain}? Its inboxes stop receiving mail.`))) return;
    try { await api(`/domains/${encodeURIComponent(domain.domain)}`, { method: "DELETE" }); await loadDomains(); $("domains-title").focus(); } catch (err) { fail(err); }
  });
  const item = el("li", { class: "domain-card", dataset: { domain: domain.domain } },
    el("div", { class: "row wrap" },
      el("h2", { class: "title mono" }, breakable(domain.domain)),
      el("span", { class: `status ${domain.status}` }, domain.status),
      el("span", { class: "actions" }, verify, remove)),
    el("table", { class: "records" },
      el("caption", { class: "visually-hidden" }, `DNS records for ${domain.domain}`),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Type"), el("th", { scope: "col" }, "Name"),
        el("th", { scope: "col" }, "Value"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Copy")),
        el("th", { scope: "col" }, "Check"))),
      el("tbody", {}, ...rows)));
  return item;
}

$("domain-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("domain-error").hidden = true;
  try {
    await api("/domains", { method: "POST", body: { domain: $("domain-input").value.trim() } });
    $("domain-input").value = "";
    await loadDomains();
  } catch (err) {
    if (err instanceof Stale) return;
    $("domain-error").textContent = explain(err);
    $("domain-error").hidden = false;
  }
});

// Keyboard: "/" searches, Escape goes back a level.
document.addEventListener("keydown", (event) => {
  if ($("confirm").open) return;
  const r = currentRoute();
  if (event.target.matches("input, textarea, select")) {
    if (event.key === "Escape" && event.target.type === "search" && event.target.value === "") event.target.blur();
    return;
  }
  if (event.key === "/" && (r.view === "inbox" || r.view === "inboxes") && state.account) {
    event.preventDefault();
    $(r.view === "inbox" ? "search" : "inbox-search").focus();
  }
  if (event.key === "Escape" && state.account) {
    if (r.view === "email") location.hash = `#/inbox/${r.inbox}`;
    else if (r.view === "inbox" || r.view === "domains") location.hash = "#/inboxes";
  }
});

route();

// dustmail-lite dashboard: plain JavaScript, no build step, no third-party code.
// The API key lives in sessionStorage (this tab only) and travels in a header, never a URL.
"use strict";

const API = "/api/v1";
const KEY_STORAGE = "dustmail.key";
const READ_STORAGE = "dustmail.read";

const $ = (id) => document.getElementById(id);
const state = { key: sessionStorage.getItem(KEY_STORAGE), account: null, inbox: null, emails: [], stream: null };

// --- API -----------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "network", "The server cannot be reached.");
  }
  const used = response.headers.get("X-RateLimit-Used");
  if (used) showRate(used, response.headers.get("X-RateLimit-Limit"));
  if (raw && response.ok) return response;
  let payload = null;
  try { payload = await response.json(); } catch (err) { /* not JSON */ }
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
  if (err.status !== 401) toast(explain(err));  // a 401 has signed out already
}

function showRate(used, limit) {
  $("rate").textContent = limit ? `${used} / ${limit} requests` : `${used} requests`;
}

// --- small helpers ---------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
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

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    const area = el("textarea", { class: "offscreen" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast(`Copied ${what}`);
}

function copyButton(text, what) {
  return el("button", { type: "button", class: "copy", title: `Copy ${what}`, onclick: (e) => { e.stopPropagation(); copy(text, what); } }, "Copy");
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
  $("confirm-text").textContent = text;
  dialog.showModal();
  $("confirm-ok").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
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
  $("create-domain").replaceChildren(...data.available_domains.map((d) => el("option", { value: d }, d)));
  openStream();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  if (state.stream) state.stream.abort();
  Object.assign(state, { key: null, account: null, inbox: null, emails: [], stream: null });
  $("account").hidden = $("nav").hidden = true;
  location.hash = "#/signin";
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
  try {
    await signIn(key);
    $("key-input").value = "";
    location.hash = "#/inboxes";
  } catch (err) {
    state.key = null;
    showSigninError(explain(err));
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
        if (response.status === 401) return signOut("Your key is no longer valid. Sign in again.");
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        delay = 1000;
        if (connected) route();  // a reconnect: mail may have arrived in between
        connected = true;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            handleEvent(buffer.slice(0, end));
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

function handleEvent(block) {
  let type = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (type === "resync") { route(); return; }  // events were missed: reload what is shown
  if (type !== "email" || !data) return;
  const summary = JSON.parse(data);
  if (state.inbox && summary.inbox_id === state.inbox.id && !state.emails.some((e) => e.id === summary.id)) {
    loadInbox(state.inbox.id, summary.id);
  } else if (currentRoute().view === "inboxes") {
    loadInboxes();
  }
}

// --- views ---------------------------------------------------------------------------

function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  if (parts[0] === "inbox" && parts[1] && parts[2] === "email" && parts[3]) return { view: "email", inbox: parts[1], email: parts[3] };
  if (parts[0] === "inbox" && parts[1]) return { view: "inbox", inbox: parts[1] };
  if (parts[0] === "domains") return { view: "domains" };
  if (parts[0] === "signin") return { view: "signin" };
  return { view: "inboxes" };
}

function show(view) {
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll("[data-nav]")) link.classList.toggle("active", link.dataset.nav === view);
}

async function route() {
  const r = currentRoute();
  if (!state.account) {
    if (state.key) {
      try { await signIn(state.key); } catch (err) { return signOut(explain(err)); }
    } else {
      show("signin");
      $("key-input").focus();
      return;
    }
  }
  if (r.view === "signin") { location.hash = "#/inboxes"; return; }
  show(r.view);
  try {
    if (r.view === "inboxes") { state.inbox = null; await loadInboxes(); }
    else if (r.view === "inbox") await loadInbox(r.inbox);
    else if (r.view === "email") await loadEmail(r.inbox, r.email);
    else if (r.view === "domains") { state.inbox = null; await loadDomains(); }
  } catch (err) {
    if (err.status === 404) { toast("Not found (deleted or expired)."); location.hash = "#/inboxes"; }
    else fail(err);
  }
}
window.addEventListener("hashchange", route);

// Inboxes

async function loadInboxes() {
  const { data, meta } = await api("/inbox");
  $("inbox-total").textContent = meta.total > data.length ? `(${data.length} of ${meta.total})` : `(${meta.total})`;
  $("inbox-empty").hidden = data.length > 0;
  $("inbox-list").replaceChildren(...data.map((inbox) => {
    const open = () => { location.hash = `#/inbox/${inbox.id}`; };
    return el("li", { tabindex: "0", dataset: { id: inbox.id }, onclick: open, onkeydown: (e) => { if (e.key === "Enter") open(); } },
      el("div", { class: "main" },
        el("div", { class: "title mono" }, inbox.email),
        el("div", { class: "sub" }, `created ${formatDate(inbox.created_at)}`)),
      el("span", { class: "count", title: "Emails" }, String(inbox.email_count)),
      el("span", { class: "meta left", dataset: { expires: inbox.expires_at } }, `${formatDuration(timeLeft(inbox.expires_at))} left`),
      copyButton(inbox.email, "address"));
  }));
}

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
    location.hash = `#/inbox/${data.id}`;
  } catch (err) {
    $("create-error").textContent = explain(err);
    $("create-error").hidden = false;
  } finally {
    $("create-button").disabled = false;
  }
});

// One inbox

async function loadInbox(id, freshId) {
  const { data, meta } = await api(`/inbox/${id}`);
  state.inbox = data.inbox;
  state.emails = data.emails;
  $("inbox-address").textContent = data.inbox.email;
  $("inbox-count").textContent = `${meta.email_count} email${meta.email_count === 1 ? "" : "s"}`;
  const left = $("inbox-left");
  left.dataset.expires = data.inbox.expires_at;
  left.textContent = `${formatDuration(timeLeft(data.inbox.expires_at))} left`;
  renderEmails(freshId);
}

function renderEmails(freshId) {
  const query = $("search").value.trim().toLowerCase();
  const read = readSet();
  const shown = state.emails.filter((e) => !query
    || [e.subject, e.from, e.text].some((field) => (field || "").toLowerCase().includes(query)));
  $("email-empty").hidden = state.emails.length > 0;
  $("email-empty").textContent = "Waiting for mail… new messages appear here as they arrive.";
  if (state.emails.length && !shown.length) {
    $("email-empty").hidden = false;
    $("email-empty").textContent = "No email matches the search.";
  }
  $("email-list").replaceChildren(...shown.map((email) => {
    const open = () => { location.hash = `#/inbox/${state.inbox.id}/email/${email.id}`; };
    const classes = [read.has(email.id) ? "" : "unread", email.id === freshId ? "fresh" : ""].join(" ").trim();
    return el("li", { tabindex: "0", class: classes, dataset: { id: email.id }, onclick: open, onkeydown: (e) => { if (e.key === "Enter") open(); } },
      el("div", { class: "main" },
        el("div", { class: "title" }, email.subject || "(no subject)"),
        el("div", { class: "sub" }, `${email.from} — ${(email.text || "").slice(0, 140)}`)),
      el("span", { class: "meta" }, formatDate(email.received_at)));
  }));
}

$("search").addEventListener("input", () => renderEmails());
$("copy-address").addEventListener("click", () => copy(state.inbox.email, "address"));
$("delete-inbox").addEventListener("click", async () => {
  if (!(await confirmDialog(`Delete ${state.inbox.email} and all its mail?`))) return;
  try {
    await api(`/inbox/${state.inbox.id}`, { method: "DELETE" });
    toast("Inbox deleted");
    location.hash = "#/inboxes";
  } catch (err) { fail(err); }
});

// One email

let currentEmail = null;

async function loadEmail(inboxId, emailId) {
  if (!state.inbox || state.inbox.id !== inboxId) {
    const { data } = await api(`/inbox/${inboxId}`);
    state.inbox = data.inbox;
    state.emails = data.emails;
  }
  const { data: email } = await api(`/inbox/${inboxId}/emails/${emailId}`);
  currentEmail = email;
  markRead(email.id);
  $("email-back").href = `#/inbox/${inboxId}`;
  $("email-subject").textContent = email.subject || "(no subject)";
  $("email-from").textContent = `From ${email.from} to ${email.to.join(", ") || state.inbox.email}`;
  $("email-date").textContent = formatDate(email.received_at);
  $("email-text").textContent = email.text || "(no text part)";
  $("email-headers").replaceChildren(...email.headers.map((h) => el("tr", {}, el("td", {}, h.name), el("td", {}, h.value))));
  $("email-raw").textContent = "";
  renderExtracted(email);
  $("attachments").replaceChildren(...email.attachments.map((a) => el("button", {
    type: "button", class: "chip", title: `${a.content_type}, ${a.size} bytes`,
    onclick: () => download(a),
  }, `⬇ ${a.filename}`, el("span", { class: "muted small" }, ` ${Math.ceil(a.size / 1024)} KB`))));
  selectTab(email.html ? "html" : "text");
  await renderHtml();
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
  $("extracted").replaceChildren(...chips);
}

async function renderHtml() {
  const frame = $("email-html");
  if (!currentEmail.html) {
    frame.srcdoc = "<p style='font-family:sans-serif;color:#667085'>This email has no HTML part.</p>";
    return;
  }
  const remote = $("remote-images").checked;
  const response = await api(`/inbox/${state.inbox.id}/emails/${currentEmail.id}/html${remote ? "?images=1" : ""}`, { raw: true });
  const page = await response.text();
  // The frame is sandboxed: no scripts, an opaque origin, only links may open a tab. The meta CSP
  // repeats the server's policy, since a srcdoc frame does not see response headers.
  const images = remote ? "data: cid: https: http:" : "data: cid:";
  frame.srcdoc = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; font-src data:">`
    + `<base target="_blank">${page}`;
}
$("remote-images").addEventListener("change", () => renderHtml().catch(fail));

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

function selectTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll(".tabpanel")) panel.hidden = panel.dataset.panel !== name;
  if (name === "raw" && !$("email-raw").textContent) loadRaw();
}

async function loadRaw() {
  try {
    const response = await api(`/inbox/${state.inbox.id}/emails/${currentEmail.id}/raw`, { raw: true });
    $("email-raw").textContent = await response.text();
  } catch (err) { fail(err); }
}

for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));
$("delete-email").addEventListener("click", async () => {
  if (!(await confirmDialog(`Delete “${currentEmail.subject || "(no subject)"}”?`))) return;
  try {
    await api(`/inbox/${state.inbox.id}/emails/${currentEmail.id}`, { method: "DELETE" });
    toast("Email deleted");
    location.hash = `#/inbox/${state.inbox.id}`;
  } catch (err) { fail(err); }
});

// Domains

async function loadDomains() {
  const { data } = await api("/domains");
  $("domain-empty").hidden = data.length > 0;
  $("domain-list").replaceChildren(...data.map(renderDomain));
}

function renderDomain(domain, check) {
  const results = new Map(((check && check.records) || (domain.last_check && domain.last_check.records) || [])
    .map((r) => [r.type, r]));
  const rows = domain.records.map((record) => {
    const result = results.get(record.type);
    const found = result && result.found && result.status !== "valid" ? ` (found: ${result.found.join(", ")})` : "";
    return el("tr", {},
      el("td", {}, record.type),
      el("td", { class: "mono" }, record.name),
      el("td", { class: "mono" }, record.priority ? `${record.priority} ${record.value}` : record.value),
      el("td", {}, copyButton(record.value, `${record.type} value`)),
      el("td", { class: `status ${result ? result.status : ""}` }, result ? `${result.status}${found}` : "not checked"));
  });
  const verify = el("button", { type: "button", class: "primary" }, "Verify now");
  verify.addEventListener("click", async () => {
    verify.disabled = true;
    try {
      const { data } = await api(`/domains/${encodeURIComponent(domain.domain)}/verify`, { method: "POST" });
      item.replaceWith(renderDomain(data, data.check));
      toast(data.status === "verified" ? `${data.domain} is verified` : `${data.domain}: not verified yet`);
      const account = await api("/account");
      $("create-domain").replaceChildren(...account.data.available_domains.map((d) => el("option", { value: d }, d)));
    } catch (err) { fail(err); verify.disabled = false; }
  });
  const remove = el("button", { type: "button", class: "ghost danger" }, "Remove");
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog(`Remove ${domain.domain}? Its inboxes stop receiving mail.`))) return;
    try { await api(`/domains/${encodeURIComponent(domain.domain)}`, { method: "DELETE" }); await loadDomains(); } catch (err) { fail(err); }
  });
  const item = el("li", { class: "domain-card", dataset: { domain: domain.domain } },
    el("div", { class: "row" },
      el("div", { class: "main" }, el("div", { class: "title mono" }, domain.domain)),
      el("span", { class: `status ${domain.status}` }, domain.status), verify, remove),
    el("table", { class: "records" },
      el("tr", {}, el("th", {}, "Type"), el("th", {}, "Name"), el("th", {}, "Value"), el("th", {}), el("th", {}, "Check")),
      ...rows));
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
    $("domain-error").textContent = explain(err);
    $("domain-error").hidden = false;
  }
});

// Keyboard: "/" searches, Escape goes back a level.
document.addEventListener("keydown", (event) => {
  if (event.target.matches("input, textarea, select") || $("confirm").open) return;
  const r = currentRoute();
  if (event.key === "/" && r.view === "inbox") { event.preventDefault(); $("search").focus(); }
  if (event.key === "Escape") {
    if (r.view === "email") location.hash = `#/inbox/${r.inbox}`;
    else if (r.view === "inbox" || r.view === "domains") location.hash = "#/inboxes";
  }
});

route();

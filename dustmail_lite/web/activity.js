// Webhooks and refused mail: a page of its own beside the dashboard, with the key the
// dashboard keeps in this tab's sessionStorage. Every value is set as text, never as HTML.
"use strict";

const key = sessionStorage.getItem("dustmail.key");
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const response = await fetch("api/v1" + path, {
    method,
    headers: { Authorization: "Bearer " + key, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!data.success) throw new Error(data.error.message);
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function loadWebhooks() {
  const { data } = await api("GET", "/webhooks");
  const list = $("webhooks");
  list.replaceChildren();
  for (const hook of data) {
    const item = el("li");
    const text = el("div");
    text.append(el("div", hook.url, "title"));
    const state = hook.enabled ? `enabled · ${hook.pending} pending` : `disabled: ${hook.disabled_reason}`;
    text.append(el("div", `${state}${hook.inbox_id ? " · inbox " + hook.inbox_id : " · every inbox"}`, "sub"));
    const show = el("button", "Deliveries", "ghost");
    show.type = "button";
    show.addEventListener("click", () => loadDeliveries(hook));
    const remove = el("button", "Delete", "ghost danger");
    remove.type = "button";
    remove.setAttribute("aria-label", "Delete webhook " + hook.url);
    remove.addEventListener("click", async () => { await api("DELETE", "/webhooks/" + hook.id); loadWebhooks(); });
    item.append(text, show, remove);
    list.append(item);
  }
}

async function loadDeliveries(hook) {
  const { data } = await api("GET", `/webhooks/${hook.id}/deliveries`);
  $("deliveries-title").textContent = "Deliveries to " + hook.url;
  const list = $("deliveries");
  list.replaceChildren();
  for (const d of data) {
    const retry = d.next_attempt_at ? ` · next try ${d.next_attempt_at}` : "";
    const last = d.last_status ? ` · last answer ${d.last_status}` : d.last_error ? ` · ${d.last_error}` : "";
    list.append(el("li", `${d.status} · ${d.attempts} attempt(s)${last}${retry} · email ${d.email_id}`));
  }
  $("deliveries-box").hidden = false;
}

function refusalTable(title, rows) {
  const box = el("section");
  box.append(el("h2", title));
  const table = el("table");
  const head = el("tr");
  for (const name of ["When", "Stage", "From", "To", "Client", "Reason", "Reply"]) head.append(el("th", name));
  table.append(head);
  for (const r of rows) {
    const row = el("tr");
    for (const value of [r.at, r.stage, r.sender, r.recipient, r.client_address, r.reason, r.reply]) {
      row.append(el("td", value));
    }
    table.append(row);
  }
  box.append(table);
  return box;
}

async function loadRefusals() {
  const { data } = await api("GET", "/refusals");
  const byInbox = new Map();
  const byDomain = new Map();
  for (const r of data) {
    const group = r.inbox_id ? byInbox : byDomain;
    const name = r.inbox_id ? r.recipient : r.domain;
    if (!group.has(name)) group.set(name, []);
    group.get(name).push(r);
  }
  $("refusals-by-inbox").replaceChildren(...[...byInbox].map(([name, rows]) => refusalTable("Inbox " + name, rows)));
  $("refusals-by-domain").replaceChildren(...[...byDomain].map(([name, rows]) => refusalTable("Domain " + name, rows)));
  $("no-refusals").hidden = data.length > 0;
}

$("webhook-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { url: $("webhook-url").value };
  if ($("webhook-inbox").value.trim()) body.inbox_id = $("webhook-inbox").value.trim();
  try {
    const { data } = await api("POST", "/webhooks", body);
    $("webhook-message").textContent = `Added. Signing secret (shown once): ${data.secret}`;
    $("webhook-url").value = "";
    loadWebhooks();
  } catch (error) {
    $("webhook-message").textContent = error.message;
  }
});

if (key) {
  $("activity").hidden = false;
  loadWebhooks();
  loadRefusals();
} else {
  $("signed-out").hidden = false;
}

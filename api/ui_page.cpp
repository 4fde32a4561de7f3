// The admin page: lists runs with filters (or opens one by id), shows one run with its history,
// and offers the admin actions that fit its status (cancel, terminate, retry, skip), then follows
// the run while it changes. The page is static; with tokens configured it is served to a valid
// token (page_token.h). Its API calls carry the bearer token the user pastes or passes as ?token=
// (kept in sessionStorage, removed from the address). Errors from the API are shown verbatim
// (code and message) in the status bar.
#include "api/ui_page.h"

namespace cairn::api {

namespace {

constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cairn admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#2d3e50;color:#fff;padding:8px 16px;display:flex;gap:12px;align-items:center}
header h1{font-size:16px;margin:0 16px 0 0}
main{display:grid;grid-template-columns:minmax(420px,1fr) 1.2fr;gap:16px;padding:16px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px;overflow:auto}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 6px;border-bottom:1px solid #eee;font-size:13px}
tr.run{cursor:pointer}tr.run:hover{background:#eef4fb}tr.sel{background:#dde9f7}
h3{word-break:break-all}
.s-stuck{color:#b00;font-weight:bold}.s-failed{color:#b00}.s-completed{color:#070}.s-waiting{color:#a60}
input,select,button{font:inherit;padding:3px 6px}button{cursor:pointer}
#status{padding:6px 16px;background:#fff6d6;border-bottom:1px solid #e8d58a;min-height:1.2em}
pre{background:#f4f4f4;padding:6px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.kv td:first-child{color:#666;width:110px}
</style></head><body>
<header><h1>Cairn admin</h1>
<label>Token <input id="token" type="password" size="24" placeholder="paste bearer token"></label>
<button id="save">Use token</button></header>
<div id="status"></div>
<main>
<section><form id="filters">
<select id="f-status"><option value="">any status</option><option>running</option><option>waiting</option>
<option>stuck</option><option>completed</option><option>failed</option><option>cancelled</option><option>terminated</option></select>
<input id="f-type" placeholder="type" size="12"> <label><input type="checkbox" id="f-stuck"> stuck only</label>
<button>Search</button></form>
<form id="open"><input id="open-id" placeholder="run id" size="24"> <button>Open run</button></form>
<table><thead><tr><th>id</th><th>type</th><th>status</th><th>created</th><th>waiting on / why stuck</th></tr></thead>
<tbody id="runs"></tbody></table><button id="more" hidden>More</button></section>
<section id="detail"><p>Select a run.</p></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// A token in the address wins over one kept from earlier, and leaves the address (and history).
let token = params.get("token") || sessionStorage.getItem("cairn-token") || "";
if (params.has("token")) {
  sessionStorage.setItem("cairn-token", token);
  history.replaceState(null, "", location.pathname);
}
$("token").value = token;
let query = null, cursor = null, loading = false;  // the list's filters, kept for "More"
let shown = null, showing = 0;                      // the run in the detail pane; the latest show()
function say(text) { $("status").textContent = text; }
// Escapes HTML, and shows bidirectional controls as code points so text cannot pose as other text.
function esc(v) {
  return String(v ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]))
    .replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).toUpperCase());
}
function clip(text, max) { return text.length <= max ? text : text.slice(0, max) + ` … (${text.length - max} more characters)`; }
async function api(method, path, body) {
  const opts = {method, headers: {}};
  if (token) opts.headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let res;
  try { res = await fetch(path, opts); }
  catch (e) {
    throw new Error("cannot reach the server" + (method === "GET" ? "" : "; the action may or may not have been applied: reload the run to see"));
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(res.status + " " + (data.error ? data.error.code + ": " + data.error.message : res.statusText));
  return data;
}
function time(ms) { return ms ? new Date(ms).toISOString() : ""; }
function waiting(w) { return w ? w.kind + " " + w.name + (w.until ? " until " + time(w.until) : "") : ""; }
async function search(append) {
  if (loading) return;
  if (!append) {
    query = new URLSearchParams({limit: "50"});
    if ($("f-status").value) query.set("status", $("f-status").value);
    if ($("f-type").value) query.set("type", $("f-type").value);
    if ($("f-stuck").checked) query.set("stuck", "true");
    cursor = null;
  }
  const q = new URLSearchParams(query);
  if (append && cursor) q.set("cursor", cursor);
  loading = true;
  $("more").disabled = true;
  try {
    const page = await api("GET", "/v1/workflows?" + q);
    if (!append) $("runs").innerHTML = "";
    for (const r of page.workflows) {
      const tr = document.createElement("tr");
      tr.className = "run" + (r.id === shown ? " sel" : "");
      tr.dataset.id = r.id;
      tr.innerHTML = `<td>${esc(r.id)}</td><td>${esc(r.type)}</td><td class="s-${esc(r.status)}">${esc(r.status)}</td>` +
        `<td>${esc(r.created_at)}</td><td>${esc(r.stuck_reason || waiting(r.waiting_on))}</td>`;
      tr.onclick = () => show(r.id);
      $("runs").appendChild(tr);
    }
    cursor = page.next_cursor;
    $("more").hidden = !cursor;
    say($("runs").children.length + " runs listed" + (cursor ? "; More for the next page" : ""));
  } catch (e) { say(e.message); }
  finally { loading = false; $("more").disabled = false; }
}
const ended = (status) => ["completed", "failed", "cancelled", "terminated"].includes(status);
async function show(id) {
  const mine = ++showing;
  try {
    const run = await api("GET", "/v1/workflows/" + encodeURIComponent(id));
    let events = [], after = 0;
    for (;;) {
      const h = await api("GET", `/v1/workflows/${encodeURIComponent(id)}/history?limit=1000&after=${after}`);
      events = events.concat(h.events);
      if (h.next_cursor === null) break;
      after = h.next_cursor;
    }
    if (mine !== showing) return;  // another run was clicked meanwhile
    shown = id;
    for (const tr of $("runs").children) tr.classList.toggle("sel", tr.dataset.id === id);
    const rows = [["id", run.id], ["type", run.type + " v" + run.version], ["status", run.status],
      ["stuck reason", run.stuck_reason], ["waiting on", waiting(run.waiting_on)], ["error", run.error],
      ["created", run.created_at], ["updated", run.updated_at], ["parent", run.parent_id]];
    const live = !ended(run.status);
    $("detail").innerHTML = `<h3>${esc(run.id)}</h3>
      ${live ? `<button data-a="cancel">Cancel</button>` : ""}
      ${run.status === "stuck" || run.status === "failed" ? `<button data-a="retry">Retry</button>` : ""}
      ${live ? `<input id="reason" placeholder="terminate reason"> <button data-a="terminate">Terminate</button>` : ""}
      ${run.status === "stuck" ? `<p><input id="skip-result" size="40" placeholder='result JSON, e.g. {"done_by":"ops"}'>
      <button data-a="skip">Skip the paused activity</button></p>` : ""}
      <table class="kv">${rows.filter((r) => r[1]).map((r) => `<tr><td>${r[0]}</td><td class="${r[0] === "status" ? "s-" + esc(r[1]) : ""}">${esc(r[1])}</td></tr>`).join("")}</table>
      <h4>input</h4><pre>${esc(clip(JSON.stringify(run.input, null, 1), 20000))}</pre>
      <h4>result</h4><pre>${esc(clip(JSON.stringify(run.result, null, 1), 20000))}</pre>
      <h4>history (${events.length} events)</h4>
      <table><tr><th>seq</th><th>at</th><th>event</th><th>data</th></tr>${events.map((e) =>
        `<tr><td>${e.seq}</td><td>${esc(e.at)}</td><td>${esc(e.type)}</td><td><pre>${esc(clip(JSON.stringify(e.data), 2000))}</pre></td></tr>`).join("")}</table>`;
    for (const b of $("detail").querySelectorAll("button[data-a]")) b.onclick = () => act(run.id, b.dataset.a);
    say("");
    return run;
  } catch (e) { if (mine === showing) say(e.message); }
}
// After an action the run changes on its own (a retry runs, a cancel compensates): the detail
// follows it every 2 s for a minute while it is still running, then the list is reloaded.
async function follow(id) {
  for (let i = 0; i < 30 && shown === id; ++i) {
    const run = await show(id);
    if (!run || run.status !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  await search(false);
}
async function act(id, action) {
  let body;
  if (action === "terminate") {
    body = {reason: $("reason").value.trim()};
    if (!body.reason) return say("terminate: type the reason first");
  }
  if (action === "skip") {
    if (!$("skip-result").value.trim()) return say("skip: enter the result the skipped activity should have, as JSON");
    try { body = {result: JSON.parse($("skip-result").value)}; }
    catch (e) { return say("skip: the result is not JSON: " + e.message); }
  }
  if (!confirm(action + " " + id + "?")) return;
  try { await api("POST", `/v1/workflows/${encodeURIComponent(id)}/${action}`, body); }
  catch (e) { return say(e.message); }
  await follow(id);
  say(action + " accepted for " + id);
}
$("save").onclick = () => { token = $("token").value.trim(); sessionStorage.setItem("cairn-token", token); search(false); };
$("filters").onsubmit = (ev) => { ev.preventDefault(); search(false); };
$("open").onsubmit = (ev) => { ev.preventDefault(); if ($("open-id").value.trim()) show($("open-id").value.trim()); };
$("more").onclick = () => search(true);
search(false);
</script></body></html>
)HTML";

}  // namespace

std::string_view ui_page() { return kPage; }

}  // namespace cairn::api

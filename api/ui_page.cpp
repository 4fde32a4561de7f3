// The admin page: lists runs with filters, shows one run with its history, and offers cancel,
// terminate, retry and (on a stuck run) skip buttons that call the API with a token the user
// pastes (kept in sessionStorage). Errors from the API are shown verbatim (code and message) in
// the status bar.
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
tr.run{cursor:pointer}tr.run:hover{background:#eef4fb}
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
<table><thead><tr><th>id</th><th>type</th><th>status</th><th>created</th><th>waiting on / why stuck</th></tr></thead>
<tbody id="runs"></tbody></table><button id="more" hidden>More</button></section>
<section id="detail"><p>Select a run.</p></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("cairn-token") || new URLSearchParams(location.search).get("token") || "";
$("token").value = token;
let cursor = null;
function say(text) { $("status").textContent = text; }
function esc(v) { return String(v ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c])); }
async function api(method, path, body) {
  const opts = {method, headers: {}};
  if (token) opts.headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const res = await fetch(path, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(res.status + " " + (data.error ? data.error.code + ": " + data.error.message : res.statusText));
  return data;
}
function waiting(w) { return w ? w.kind + " " + w.name + (w.until ? " until " + w.until : "") : ""; }
async function search(append) {
  const q = new URLSearchParams({limit: "50"});
  if ($("f-status").value) q.set("status", $("f-status").value);
  if ($("f-type").value) q.set("type", $("f-type").value);
  if ($("f-stuck").checked) q.set("stuck", "true");
  if (append && cursor) q.set("cursor", cursor);
  try {
    const page = await api("GET", "/v1/workflows?" + q);
    if (!append) $("runs").innerHTML = "";
    for (const r of page.workflows) {
      const tr = document.createElement("tr");
      tr.className = "run";
      tr.innerHTML = `<td>${esc(r.id)}</td><td>${esc(r.type)}</td><td class="s-${esc(r.status)}">${esc(r.status)}</td>` +
        `<td>${esc(r.created_at)}</td><td>${esc(r.stuck_reason || waiting(r.waiting_on))}</td>`;
      tr.onclick = () => show(r.id);
      $("runs").appendChild(tr);
    }
    cursor = page.next_cursor;
    $("more").hidden = !cursor;
    say(page.workflows.length + " runs loaded");
  } catch (e) { say(e.message); }
}
async function show(id) {
  try {
    const run = await api("GET", "/v1/workflows/" + encodeURIComponent(id));
    let events = [], after = 0;
    for (;;) {
      const h = await api("GET", `/v1/workflows/${encodeURIComponent(id)}/history?limit=1000&after=${after}`);
      events = events.concat(h.events);
      if (h.next_cursor === null) break;
      after = h.next_cursor;
    }
    const rows = [["id", run.id], ["type", run.type + " v" + run.version], ["status", run.status],
      ["stuck reason", run.stuck_reason], ["waiting on", waiting(run.waiting_on)], ["error", run.error],
      ["created", run.created_at], ["updated", run.updated_at], ["parent", run.parent_id]];
    $("detail").innerHTML = `<h3>${esc(run.id)}</h3>
      <button data-a="cancel">Cancel</button> <button data-a="retry">Retry</button>
      <input id="reason" placeholder="terminate reason"> <button data-a="terminate">Terminate</button>
      ${run.status === "stuck" ? `<p><input id="skip-result" size="40" placeholder='result JSON, e.g. {"done_by":"ops"}'>
      <button data-a="skip">Skip the paused activity</button></p>` : ""}
      <table class="kv">${rows.filter((r) => r[1]).map((r) => `<tr><td>${r[0]}</td><td class="${r[0] === "status" ? "s-" + esc(r[1]) : ""}">${esc(r[1])}</td></tr>`).join("")}</table>
      <h4>input</h4><pre>${esc(JSON.stringify(run.input, null, 1))}</pre>
      <h4>result</h4><pre>${esc(JSON.stringify(run.result, null, 1))}</pre>
      <h4>history (${events.length} events)</h4>
      <table><tr><th>seq</th><th>at</th><th>event</th><th>data</th></tr>${events.map((e) =>
        `<tr><td>${e.seq}</td><td>${esc(e.at.slice(11))}</td><td>${esc(e.type)}</td><td><pre>${esc(JSON.stringify(e.data))}</pre></td></tr>`).join("")}</table>`;
    for (const b of $("detail").querySelectorAll("button[data-a]")) b.onclick = () => act(run.id, b.dataset.a);
  } catch (e) { say(e.message); }
}
async function act(id, action) {
  let body;
  if (action === "terminate") body = {reason: $("reason").value};
  if (action === "skip") {
    if (!$("skip-result").value.trim()) return say("skip: enter the result the skipped activity should have, as JSON");
    try { body = {result: JSON.parse($("skip-result").value)}; }
    catch (e) { return say("skip: the result is not JSON: " + e.message); }
  }
  if (!confirm(action + " " + id + "?")) return;
  try { await api("POST", `/v1/workflows/${encodeURIComponent(id)}/${action}`, body); say(action + " accepted for " + id); show(id); }
  catch (e) { say(e.message); }
}
$("save").onclick = () => { token = $("token").value.trim(); sessionStorage.setItem("cairn-token", token); search(false); };
$("filters").onsubmit = (ev) => { ev.preventDefault(); search(false); };
$("more").onclick = () => search(true);
search(false);
</script></body></html>
)HTML";

}  // namespace

std::string_view ui_page() { return kPage; }

}  // namespace cairn::api

// Run, event and audit JSON: empty strings become null, JSON text is embedded as JSON.
#include "api/run_json.h"

#include "api/validate.h"

namespace cairn::api {

namespace {

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// Appends `s` as a JSON string. ASCII only (the caller checks): escapes quotes, backslashes and
// control characters.
void append_ascii_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\u00";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

Json stored_json(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

Json waiting_on_json(const std::optional<store::WaitingOn>& w) {
  if (!w) return nullptr;
  return Json{{"kind", w->kind},
              {"name", w->name},
              {"until", w->until == 0 ? Json(nullptr) : Json(format_rfc3339(w->until))}};
}

Json run_json(const store::RunRecord& run) {
  return Json{{"id", run.id},
              {"type", run.type},
              {"version", run.version},
              {"status", store::run_status_name(run.status)},
              {"input", stored_json(run.input)},
              {"result", stored_json(run.result)},
              {"error", text_or_null(run.error)},
              {"stuck_reason", text_or_null(run.stuck_reason)},
              {"waiting_on", waiting_on_json(run.waiting_on)},
              {"created_at", format_rfc3339(run.created_at)},
              {"updated_at", format_rfc3339(run.updated_at)},
              {"parent_id", text_or_null(run.parent_id)}};
}

Json run_summary_json(const store::RunRecord& run) {
  return Json{{"id", run.id},
              {"type", run.type},
              {"status", store::run_status_name(run.status)},
              {"created_at", format_rfc3339(run.created_at)},
              {"updated_at", format_rfc3339(run.updated_at)},
              {"stuck_reason", text_or_null(run.stuck_reason)},
              {"waiting_on", waiting_on_json(run.waiting_on)}};
}

Json event_json(const store::Event& event) {
  Json out{{"seq", event.seq},
           {"type", store::event_type_name(event.type)},
           {"cmd", event.cmd},
           {"at", format_rfc3339(event.at)},
           {"data", stored_json(event.data)}};
  // Its row no longer matches the checksum it was written with: what it says is not what Cairn
  // wrote. Shown, so an admin sees what is there, and flagged, so nobody takes it for the journal.
  if (!event.intact()) out["damaged"] = true;
  return out;
}

Json audit_json(const store::AuditEntry& e) {
  return Json{{"at", format_rfc3339(e.at)}, {"actor", e.actor},     {"role", text_or_null(e.role)},
              {"action", e.action},          {"target", e.target}, {"outcome", e.outcome}};
}

std::string start_reply_body(const std::string& id, const std::string& type, store::RunStatus status) {
  const std::string_view status_name = store::run_status_name(status);
  if (!is_ascii(id) || !is_ascii(type))  // only a registered type name can be: let Json check it
    return Json{{"id", id}, {"type", type}, {"status", status_name}}.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(id.size() + type.size() + status_name.size() + 32);
  out += "{\"id\":";
  append_ascii_json_string(out, id);
  out += ",\"type\":";
  append_ascii_json_string(out, type);
  out += ",\"status\":";
  append_ascii_json_string(out, status_name);
  out += '}';
  return out;
}

}  // namespace cairn::api

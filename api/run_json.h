// JSON shapes of runs, history events and audit entries, exactly as API.md lists them.
#pragma once

#include <optional>
#include <string>

#include "cairn/json.h"
#include "store/store.h"

namespace cairn::api {

// Stored JSON text as JSON: "" -> null; text that does not parse stays a JSON string.
Json stored_json(const std::string& text);
// null, or {"kind","name","until"} with until null when there is no deadline.
Json waiting_on_json(const std::optional<store::WaitingOn>& w);
// GET /v1/workflows/{id}.
Json run_json(const store::RunRecord& run);
// One item of GET /v1/workflows.
Json run_summary_json(const store::RunRecord& run);
// {"seq","type","cmd","at","data"}.
Json event_json(const store::Event& event);
// {"at","actor","role","action","target","outcome"}.
Json audit_json(const store::AuditEntry& entry);
// POST /v1/workflows: {"id","type","status"}, written as text (the hot path of every start).
std::string start_reply_body(const std::string& id, const std::string& type, store::RunStatus status);

}  // namespace cairn::api

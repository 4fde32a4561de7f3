// Test helper: drives a Run by hand (no store, no threads) and keeps the journal it produces, so
// replayer tests can feed events and assert the emitted commands.
#pragma once

#include <vector>

#include "engine/run.h"

namespace cairn::engine::testing {

struct JournalDriver {
  std::vector<store::Event> journal;
  RunEffects last;

  // Records `type` into `run` and appends everything it produced to the journal.
  RunEffects record(Run& run, store::EventType type, std::int64_t cmd, Json data, store::Millis at = 1000) {
    run.record(type, cmd, std::move(data), at);
    return take(run);
  }
  RunEffects take(Run& run) {
    last = run.take_effects();
    std::int64_t seq = journal.empty() ? 0 : journal.back().seq;
    for (const auto& e : last.events) journal.push_back({++seq, e.type, e.cmd, e.at, e.data});
    return last;
  }
  RunEffects start(Run& run, const Json& input = Json::object()) {
    return record(run, store::EventType::kWorkflowStarted, 0, Json{{"input", input}});
  }
  RunEffects complete(Run& run, std::int64_t cmd, const std::string& name, Json result) {
    return record(run, store::EventType::kActivityCompleted, cmd, Json{{"name", name}, {"result", std::move(result)}});
  }
};

inline std::vector<std::string> event_names(const std::vector<store::Event>& journal) {
  std::vector<std::string> out;
  for (const auto& e : journal) out.emplace_back(store::event_type_name(e.type));
  return out;
}

}  // namespace cairn::engine::testing

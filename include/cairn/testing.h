// cairn::testing: a test kit for workflow authors. A real engine on a throw-away SQLite file, with
// a manual clock: a 48-hour timer or a 1-2-4-8-16 s backoff runs in milliseconds, and crash()
// drops the engine (keeping the store) and recovers, as a SIGKILL and restart would.
//
//   cairn::Registry reg;  register_my_workflows(reg);
//   cairn::testing::TestEnv env{reg};
//   auto id = env.start("order.place", order);
//   env.run_until_idle();            // every runnable step done; only timers/signals remain
//   env.advance(48h);                // fire timers due within 48 h, run until idle
//   CHECK(env.run(id).status == "completed");
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/registry.h"
#include "cairn/workflow.h"

namespace cairn::testing {

struct RunSnapshot {
  std::string id;
  std::string type;
  std::string status;  // running, waiting, stuck, completed, failed, cancelled, terminated
  Json result;         // null unless completed
  std::string error;
  std::string stuck_reason;
  Json waiting_on;  // null or {"kind","name","until"}
};

struct HistoryEvent {
  std::int64_t seq = 0;
  std::string type;  // DESIGN.md's event names: "ActivityCompleted", ...
  std::int64_t cmd = 0;
  Json data;
};

struct TestEnvOptions {
  std::string db_path;              // empty: a fresh temporary file, removed at the end
  std::int64_t start_time_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  std::size_t activity_threads = 2;
  std::size_t cache_size = 1024;    // live runs kept in memory
};

class TestEnv {
 public:
  explicit TestEnv(const Registry& registry, TestEnvOptions options = {});
  ~TestEnv();
  TestEnv(const TestEnv&) = delete;
  TestEnv& operator=(const TestEnv&) = delete;

  // Starts a run (id generated when empty) and returns its id. Throws std::runtime_error on a
  // rejected start (bad input, unknown type, conflict).
  std::string start(const std::string& type, const Json& input, const std::string& id = "");
  // Runs until nothing is runnable: no activity in flight, no commit pending, no timer due.
  void run_until_idle();
  // Moves the manual clock forward, firing timers as their time comes, and runs until idle.
  void advance(std::chrono::milliseconds by);
  Timestamp now() const;

  // Control, as the HTTP API does it; each runs until idle afterwards. Throw on refusal.
  std::int64_t signal(const std::string& id, const std::string& name, const Json& payload,
                      const std::string& idempotency_key = "");
  Json query(const std::string& id, const std::string& name);
  void cancel(const std::string& id);
  void terminate(const std::string& id, const std::string& reason);
  void retry(const std::string& id);
  // An admin's skip of the skippable activity a stuck run is paused on, with `result`.
  void skip(const std::string& id, const Json& result);

  RunSnapshot run(const std::string& id) const;
  std::vector<HistoryEvent> history(const std::string& id) const;
  // Live (in-memory) runs; evicted waiting runs are not counted.
  std::size_t live_runs() const;

  // Drops the engine at once, as SIGKILL would (in-flight activity results are lost, nothing
  // half-written survives), then reopens the database file, starts a new engine and recovers.
  void crash();
  // Arms a crash: the next commit whose batch contains an event of `event_type` for run `id`
  // (any run when empty) is not committed; the engine stops there. A call whose write that was
  // (signal, cancel, start, ...) throws std::runtime_error, as a client of a killed server sees
  // its connection drop. Call crash() to recover.
  void crash_before_commit_of(const std::string& event_type, const std::string& id = "");
  // Called with (idempotency key, activity name) each time an activity attempt starts.
  void on_activity_attempt(std::function<void(const std::string&, const std::string&)> fn);

  const std::string& db_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::testing

// Engine: runs workflows durably. The one surface api/ and cli/ use (with store types for reads).
//
// One workflow thread runs every coroutine (the replayer is single-threaded); activities run on a
// thread pool; the store's writer thread commits. Control calls (start, signal, cancel, ...) are
// asynchronous: they queue work for the workflow thread and call `done` on an engine thread once
// the outcome is durable, so an HTTP thread never blocks on a commit. Callbacks must be quick
// and must not call back into the engine synchronously.
//
// All methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/registry.h"
#include "cairn/status.h"
#include "engine/clock.h"
#include "store/store.h"

namespace cairn::engine {

struct EngineOptions {
  std::size_t activity_threads = 8;
  std::size_t cache_size = 4096;          // live runs kept in memory beyond those that are busy
  std::size_t max_queued_requests = 20000;  // control calls waiting for the workflow thread
  Clock* clock = nullptr;                 // nullptr: the system clock
};

// Who asked for an admin action (journaled in AdminAction and the audit log).
struct Actor {
  std::string name = "anonymous";
  std::string role;
};

struct StartRequest {
  std::string type;
  std::string id;  // empty: generated
  Json input;
  std::string idempotency_key;  // empty: none
};

struct StartReply {
  std::string id;
  std::string type;
  store::RunStatus status = store::RunStatus::kRunning;
  bool created = false;  // false: an existing run with JSON-equal input
};

struct EngineMetrics {
  std::uint64_t starts = 0;
  std::uint64_t completions[7] = {};  // by store::RunStatus
  std::uint64_t activity_attempts = 0;
  std::uint64_t activity_failures = 0;
  std::uint64_t replays = 0;
  std::uint64_t evictions = 0;
  std::size_t live_runs = 0;
  std::size_t queued_requests = 0;
  std::size_t activities_in_flight = 0;
  std::size_t timers_armed = 0;
};

template <class T>
using Done = std::function<void(Result<T>)>;
using DoneStatus = std::function<void(Status)>;

class Engine {
 public:
  Engine(store::Store& store, const Registry& registry, EngineOptions options = {});
  ~Engine();  // stop() then join
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the threads and returns once recovery has been attempted: ready() is then true unless
  // the store refused to be read (recovery is retried every second; health() says why).
  void start();
  bool ready() const;
  // Why the engine is not ready or not healthy ("recovering", "store: [CAIRN-FULL] ..."); empty
  // when ready and the last commit succeeded.
  std::string health() const;
  // Stops taking requests (they fail with kUnavailable), waits for the activities executing to
  // end and for in-flight commits, stops threads. The outcome of an activity that ends meanwhile
  // is recorded; a run whose activity had not been recorded re-runs it after restart. Idempotent.
  void stop();

  // Looks up the idempotency key and a client-chosen id in the store on the calling thread (like
  // the reads below), then queues the start. Errors: kInvalidArgument (unknown type, bad input:
  // message says why), kConflict (id reused with other input, key of another id), kOverloaded,
  // kUnavailable.
  void start_run(StartRequest request, Done<StartReply> done);
  // Delivers a signal (buffered if no code waits). Returns the SignalReceived seq; a repeated
  // idempotency key returns the original seq and delivers nothing. kNotFound, kConflict (terminal).
  void signal(const std::string& id, const std::string& name, Json payload, const std::string& key,
              Done<std::int64_t> done);
  // Runs a query handler on live state (replaying the run if it was evicted). kNotFound for an
  // unknown run or query name.
  void query(const std::string& id, const std::string& name, Done<Json> done);
  // kNotFound; kConflict when terminal (cancel, terminate) or not stuck/failed (retry).
  void cancel(const std::string& id, const Actor& actor, DoneStatus done);
  void terminate(const std::string& id, const std::string& reason, const Actor& actor, DoneStatus done);
  void retry(const std::string& id, const Actor& actor, DoneStatus done);
  // Ends the activity a stuck run is paused on, if it is `skippable`, with `result` in its place
  // (journaled as AdminAction{skip} + ActivityCompleted{skipped}); the run goes on from there.
  // kConflict when the run is not stuck on exactly one paused activity, or it is not skippable.
  void skip(const std::string& id, Json result, const Actor& actor, DoneStatus done);
  // Answers with the run once it is terminal or stuck (or, with `settled`, no longer running), or
  // when `deadline` (engine clock) passes, whichever is first. kNotFound for unknown runs.
  void watch(const std::string& id, Millis deadline, bool settled, Done<store::RunRecord> done);

  // Reads (direct from the store's read connections; safe from any thread).
  Result<store::RunRecord> get(const std::string& id);
  Result<std::vector<store::Event>> history(const std::string& id, std::int64_t after, std::size_t limit);
  Result<store::HistoryPage> history_page(const std::string& id, std::int64_t after, std::size_t limit,
                                          std::size_t max_bytes);
  Result<store::RunPage> search(const store::RunFilter& filter);
  Result<store::AuditPage> audit(const std::string& cursor, std::size_t limit);
  // Writes an audit entry (denied requests); durable when done runs.
  void record_audit(store::AuditEntry entry, DoneStatus done);

  const Registry& registry() const;
  EngineMetrics metrics() const;
  store::StoreStats store_stats();
  Millis now() const;

  // Test hooks (cairn::testing uses them).
  // Blocks until nothing is runnable: no queued work, no activity in flight, no pending commit,
  // no timer due at the current clock time.
  void TEST_wait_idle();
  // Before each commit: return true to drop that batch and halt the engine (a simulated crash).
  void TEST_set_commit_filter(std::function<bool(const store::JournalBatch&)> filter);
  void TEST_on_activity_attempt(std::function<void(const std::string& key, const std::string& name)> fn);
  std::size_t TEST_live_runs() const;
  // The earliest armed timer (engine clock), or -1; meaningful once TEST_wait_idle() returned.
  Millis TEST_next_due() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::engine

// Engine::Impl: the engine's private state, shared by its .cpp files (loop and commits, live-run
// cache, activities and timers, control calls). Everything below "workflow thread only" is touched
// by the loop thread alone; other threads reach it through post().
//
// The path of one step:
//   activity result ─post─► loop: Run::record(ActivityCompleted) ─► code runs, issues next command
//   ─► collect(): events + index update into the run's open batch, dispatch deferred ─► flush():
//   Store::submit_all ─► writer commits (group commit) ─► acknowledge() queues the result ─► loop:
//   on_committed: dispatch the next activity, answer callers, notify watchers, maybe evict.
// Invariant (E1): nothing is dispatched, acknowledged or shown to a watcher before the batch that
// produced it is durable. (E2) a run's batches are submitted in seq order and each names the
// previous one's last seq, so a failed batch fails every later one of that run; the run is then
// dropped from memory and replayed from what is durable. (E3) the store answers batches in the
// order they were submitted, so an answer belongs to the oldest batch in `committing`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/activity_executor.h"
#include "engine/engine.h"
#include "engine/run.h"
#include "engine/timer_queue.h"

namespace cairn::engine {

struct LiveRun {
  std::unique_ptr<Run> run;
  std::uint64_t incarnation = 0;
  std::int64_t batched_seq = 0;  // last seq put into a batch (submitted or open)
  int inflight = 0;              // batches submitted, not yet acknowledged
  struct Attempt {
    std::int64_t cmd = 0;
    int attempt = 0;
  };
  std::vector<Attempt> executing;  // attempts in flight (a few at most: searched linearly)
  std::map<std::int64_t, TimerQueue::Id> retry_timers;               // cmd -> backoff timer
  std::map<std::string, std::int64_t> signal_keys;                   // idempotency key -> seq
  // Called once inflight drops to 0 (with ok), or with the error when a write of the run failed
  // (memory was ahead of the store and is dropped: what they wait for may never happen).
  std::vector<std::function<void(const Status&)>> on_settled;
  std::list<std::string>::iterator lru;
  bool in_lru = false;
  bool reported_terminal = false;
  // Index-row fields memory does not derive from the journal (see committed_record()).
  store::Millis created_at = 0;
  store::Millis updated_at = 0;  // `now` of the last acknowledged batch
  std::string idempotency_key;

  // The attempt of `cmd` in flight, 0 if none.
  int executing_attempt(std::int64_t cmd) const {
    for (const Attempt& a : executing)
      if (a.cmd == cmd) return a.attempt;
    return 0;
  }
  void erase_executing(std::int64_t cmd) {
    std::erase_if(executing, [cmd](const Attempt& a) { return a.cmd == cmd; });
  }
};

// An attempt's start-to-close deadline (see Engine::Impl::attempt_deadlines).
struct AttemptDeadline {
  store::Millis due = 0;
  std::string run_id;
  std::uint64_t incarnation = 0;
  std::int64_t cmd = 0;
  int attempt = 0;
};

// One run's writes of this loop iteration, and what to do once they are durable.
struct OpenBatch {
  store::JournalBatch batch;
  std::vector<std::int64_t> dispatch;  // activities (commands) to start once it is durable (E1)
  std::vector<std::function<void(const store::BatchResult&)>> then;
};

// A submitted batch waiting for its answer from the store.
struct Committing {
  std::string run_id;
  std::uint64_t incarnation = 0;  // of the live run that wrote it, 0 if none
  store::Millis indexed_at = 0;   // the batch's `now` when it wrote the run's index row, else 0
  std::vector<std::int64_t> dispatch;
  std::vector<std::function<void(const store::BatchResult&)>> then;
};

// A run a start found in the store, and whether its idempotency key (not its id) found it.
struct StoredRun {
  store::RunRecord record;
  bool by_key = false;
};

struct Watcher {
  store::Millis deadline = 0;
  bool settled = false;
  Done<store::RunRecord> done;
  TimerQueue::Id timer = 0;
};

struct Engine::Impl {
  Impl(store::Store& s, const Registry& r, EngineOptions o);

  // ---- any thread ----
  // Queues `fn` for the workflow thread. Refused, with `fn` left as it was, when stopping
  // (kUnavailable) or, unless `force`, when the queue is full (kOverloaded).
  Status try_post(std::function<void()>& fn, bool force = false);
  bool post(std::function<void()> fn, bool force = false) { return try_post(fn, force).is_ok(); }
  // Runs `work(done)` on the workflow thread, or answers `done` with the refusal at once. `done`
  // is moved, never copied: a caller's callback often holds a whole chain of them (a reply).
  template <class D, class W>
  void call_on_loop(D done, W work) {
    struct Call {
      W work;
      D done;
      void operator()() { work(std::move(done)); }
    };
    std::function<void()> job = Call{std::move(work), std::move(done)};
    if (Status refused = try_post(job); !refused.is_ok()) job.target<Call>()->done(std::move(refused));
  }
  // The store's answer to the oldest submitted batch (E3), for the loop; called on the writer.
  void acknowledge(store::BatchResult result);
  // Appends `item` to `queue` (guarded by mu) and wakes the loop if it was empty: the loop sleeps
  // only with every queue empty, so a non-empty one means it was already told. One lock and, per
  // burst, one wake-up, instead of a std::function and a notify per item.
  template <class T>
  void hand_to_loop(std::vector<T>& queue, T item) {
    std::lock_guard lock(mu);
    queue.push_back(std::move(item));
    if (queue.size() == 1) cv.notify_one();
  }
  void loop();
  bool has_work() const { return !inbox.empty() || !acks.empty() || !finished.empty(); }  // under mu

  store::Store& store;
  const Registry& registry;
  EngineOptions options;
  SystemClock system_clock;
  Clock* clock;

  std::mutex mu;
  std::condition_variable cv;
  std::condition_variable idle_cv;
  std::deque<std::function<void()>> inbox;  // guarded by mu
  std::vector<store::BatchResult> acks;      // guarded by mu: answers not yet taken by the loop
  std::vector<AttemptResult> finished;       // guarded by mu: activity attempts not yet taken
  bool stopping = false;                    // guarded by mu
  bool loop_done = false;                   // guarded by mu
  bool idle = false;                        // guarded by mu: set by the loop before it sleeps
  std::atomic<bool> ready{false};
  std::atomic<bool> halted{false};          // a TEST_ commit filter "crashed" the engine
  std::thread thread;
  std::unique_ptr<ActivityExecutor> executor;
  std::string last_store_error;             // guarded by mu
  std::atomic<bool> store_failing{false};   // last_store_error is set (written under mu)
  // Loop thread only: when a failed commit was last logged, and how many failed since unlogged.
  std::chrono::steady_clock::time_point failure_logged_at{};
  std::size_t unlogged_failures = 0;

  std::function<bool(const store::JournalBatch&)> commit_filter;  // guarded by mu
  std::atomic<bool> has_commit_filter{false};  // skips the lock per batch when no filter is set
  std::function<void(const std::string&, const std::string&)> on_attempt;  // set before start

  // metrics (written on the workflow thread, read anywhere)
  std::atomic<std::uint64_t> m_starts{0}, m_attempts{0}, m_failures{0}, m_replays{0}, m_evictions{0};
  std::atomic<std::uint64_t> m_completions[7] = {};
  std::atomic<std::size_t> m_live{0}, m_executing{0}, m_timers{0}, m_inflight{0};

  // ---- workflow thread only ----
  std::unordered_map<std::string, std::unique_ptr<LiveRun>> runs;
  std::list<std::string> lru;  // evictable runs, most recent first
  std::map<std::string, OpenBatch> open;
  std::deque<Committing> committing;  // submitted batches, oldest first
  TimerQueue timers;
  // Start-to-close deadlines of attempts in flight, one FIFO per timeout length: of two attempts
  // with the same timeout the later one is due later, so only a FIFO's front can be due. An entry
  // whose attempt finished is dropped when it reaches the front, so a FIFO holds at most
  // (attempts/s x timeout) entries, as the timer heap's cancelled entries did. (A timer per
  // attempt cost a closure and a map entry to add and to cancel, on every step.)
  std::map<std::int64_t, std::deque<AttemptDeadline>> attempt_deadlines;  // timeout ms -> FIFO
  struct DurableTimer {
    TimerQueue::Id id;
    store::Millis due;  // as its row holds it; it may fire later (a revival retried)
  };
  std::map<std::pair<std::string, std::int64_t>, DurableTimer> durable_timers;
  // Runs whose write failed after it armed or disarmed their durable timers in memory: until
  // their next replay, durable_timers may differ from their rows with nobody outside to blame.
  std::set<std::string> timers_ahead_of_store;
  std::unordered_map<std::string, std::vector<Watcher>> watchers;
  std::uint64_t next_incarnation = 0;
  std::mt19937_64 id_rng{std::random_device{}()};
  std::uint64_t id_ms = 0;        // generate_id(): the millisecond of the last id
  std::uint64_t id_sequence = 0;  // and its sequence within that millisecond
  std::uint64_t audit_counter = 0;
  std::atomic<store::Millis> next_due{-1};  // published when the loop sleeps (tests)

  // engine_loop.cpp: batching and commits
  OpenBatch& open_batch(const std::string& run_id);
  store::Append& append_of(LiveRun& lr);
  void collect(LiveRun& lr);
  void flush();
  void on_committed(Committing& batch, const store::BatchResult& result);
  void after_run_committed(const std::string& run_id);
  void recover();
  bool compute_idle();

  // engine_runs.cpp: the live-run cache, activities, timers
  LiveRun* find_live(const std::string& id);
  // The live run `id`, replaying it from the store if it was evicted. kNotFound for unknown runs;
  // kConflict for terminal ones unless `allow_terminal`.
  Result<LiveRun*> ensure_live(const std::string& id, bool allow_terminal = false);
  // Whether `rec` says completed, failed or cancelled while its journal does not end so (its row
  // was edited, invariant 3). A read error answers false: the row is then taken as it says.
  bool row_ended_outside(const store::RunRecord& rec);
  // Takes a run into memory. `stored` is its index row when it was just replayed (nullptr for a
  // new run): pending work is then re-armed and the row refreshed only if it changed.
  LiveRun& adopt(std::unique_ptr<Run> run, const store::RunRecord* stored);
  // Arms the timers a replayed run's journal holds, and writes the row of each one the timers
  // table lacks or holds at another time (changed outside Cairn): the table is a copy of the
  // journals, and heals from them.
  void rearm_from_journal(LiveRun& lr);
  LiveRun* find_live(const std::string& id, std::uint64_t incarnation);
  // True while memory is ahead of the store for `live`: a batch of it is open or in flight.
  bool uncommitted(const std::string& id, const LiveRun& live) const { return live.inflight > 0 || open.count(id); }
  void drop(const std::string& id);
  // Drops run `id` if it has ended and all of it is durable: a finished run is kept in memory only
  // while a call that replayed it (a query, a keyed signal) is answered. Called before answering,
  // so a caller that sees the answer sees the run gone.
  void forget_if_ended(const std::string& id);
  // Refuses a call to the live run `id` with `refusal` (it ended, its journal is sealed) once the
  // write that made it so is durable, so the caller then reads the state it was refused for; or
  // with that write's failure (the run is not so then: the caller's to retry).
  void refuse_settled(const std::string& id, LiveRun& live, Status refusal, std::function<void(Status)> done);
  void maybe_evict(const std::string& id);
  void dispatch(LiveRun& lr, std::int64_t cmd);
  void on_attempt_result(AttemptResult r);
  // Fails the attempts whose start-to-close deadline passed; returns the next deadline, -1 if none.
  store::Millis expire_attempts();
  void fail_attempt(LiveRun& lr, std::int64_t cmd, int attempt, const std::string& type, const std::string& message,
                    bool terminal);
  // Arms the timer whose row holds `due` to fire at `fire_at` (by default at `due`): a retry
  // of a run that could not be brought back fires later than its row says, and its revival then
  // finds the row as armed (rearm_from_journal).
  void arm_durable(const std::string& run_id, std::int64_t cmd, store::Millis due,
                   std::optional<store::Millis> fire_at = std::nullopt);
  void disarm_durable(const std::string& run_id, std::int64_t cmd);
  void disarm_durable_all(const std::string& run_id);  // every timer of the run
  bool has_durable_timer(const std::string& run_id) const;
  // Fires the durable timer armed for `due` into its run; one whose run cannot be brought back
  // fires again after kReviveRetryMs.
  void fire_durable(const std::string& run_id, std::int64_t cmd, store::Millis due);
  static constexpr store::Millis kReviveRetryMs = 5000;
  void start_children(LiveRun& parent, std::vector<ChildStart> children);
  // Records ChildCompleted in the parent, if it still waits for that child.
  void complete_child(const std::string& parent_id, const std::string& child_id, store::RunStatus status,
                      const std::string& result_json, const std::string& error);
  RetryPolicy policy_of(const ActivityCall& call) const;
  // The call's own options, else the activity's registered ones, let an admin skip it.
  bool skippable_of(const ActivityCall& call) const;

  // engine_control.cpp
  // The stored run a start names, by idempotency key first, then by the client's id; nullopt if
  // none. Reads only: safe on any thread.
  Result<std::optional<StoredRun>> find_stored(const StartRequest& req);
  // `stored`: find_stored(req), read before the call (it may be stale; live runs are checked here).
  void do_start(StartRequest req, Done<StartReply> done, const std::string& parent_id,
                Result<std::optional<StoredRun>> stored);
  Result<store::RunRecord> committed_record(const std::string& run_id);
  // Writes one audit entry in a batch of its own (`at` 0: now) and answers once it is durable.
  void write_audit(store::AuditEntry entry, DoneStatus done);
  // `done` for admin action `action` on `target`: a refusal (any error) is audited with its
  // outcome before it is answered; success passes through (the action's batch holds its entry).
  DoneStatus audited(const Actor& actor, const std::string& action, const std::string& target, DoneStatus done);
  // Cancel and terminate, on the loop. A run's children still running follow it: each is sent
  // the same request once the parent's is durable (by the same actor, audited on the child).
  void do_cancel(const std::string& id, const Actor& actor, DoneStatus done);
  // The live run an admin action on `id` applies to; nullptr once `done` has been answered (no
  // such run, it ended, or its journal is sealed and not `sealed_ok`: refuse_settled()).
  LiveRun* action_target(const std::string& id, const DoneStatus& done, bool sealed_ok = false);
  void do_terminate(const std::string& id, const std::string& reason, const Actor& actor, DoneStatus done);
  // Retry of a stuck or failed run (Engine::retry), on the loop; `done` is already audited.
  void do_retry(const std::string& id, const Actor& actor, DoneStatus done);
  void notify_watchers(const std::string& run_id);
  // One stderr line per second at most while commits keep failing (a full disk fails every
  // batch: an outside audit saw 16,673 lines in 14 s); the next line counts those not shown.
  void log_commit_failure(const std::string& run_id, const Status& status);
  std::string generate_id();
  store::Millis now() const { return clock->now(); }
};

store::RunUpdate index_update(const Run& run);
// kConflict for an action on run `id`, which has ended with `status`.
Status terminal_conflict(const std::string& id, store::RunStatus status);

}  // namespace cairn::engine

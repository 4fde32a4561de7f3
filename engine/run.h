// Run: one live workflow run — its coroutine, its pending commands, and the replayer that feeds
// it journal events in seq order. Knows nothing about SQLite, threads or sockets (STYLE.md §1):
// the engine hands it events and collects what it produced (RunEffects).
//
// Live execution and replay are the same code path: an event is recorded (live) or loaded
// (replay), then delivered; the coroutine reacts to it synchronously and may issue commands.
// Events the code itself produces (TimerStarted, SideEffect, markers, the terminal event, ...)
// are emitted after the event that triggered them, in the same batch; on replay they are found
// in the journal instead of being emitted again, and a mismatch is non-determinism.
#pragma once

#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cairn/registry.h"
#include "cairn/status.h"
#include "cairn/workflow.h"
#include "engine/run_state.h"
#include "store/store.h"

namespace cairn::engine {

// An activity command as the engine needs it to dispatch an attempt.
struct ActivityCall {
  std::int64_t cmd = 0;
  std::string name;
  Json input;
  ActivityOptions options;
  bool compensation = false;
  int attempts = 0;             // attempts journaled as failed so far (since the last admin retry)
  store::Millis retry_at = 0;   // when the next attempt may start (0 = now)
  bool paused = false;          // its attempts ran out under a pause policy: the run is stuck on it
};

struct ChildStart {
  std::int64_t cmd = 0;
  std::string child_id;
  std::string type;
  Json input;
};

// What a run produced since the engine last asked.
struct RunEffects {
  std::vector<store::NewEvent> events;  // to journal, in seq order (live mode only)
  std::vector<std::int64_t> activities;  // commands to dispatch once `events` are durable
  std::vector<store::Timer> arm;         // durable timers to arm
  std::vector<std::int64_t> disarm;      // timers (by command) no longer needed
  std::vector<ChildStart> children;      // child runs to create
  bool empty() const {
    return events.empty() && activities.empty() && arm.empty() && disarm.empty() && children.empty();
  }
};

struct RunIdentity {
  std::string id;
  std::string type;
  int version = 1;
  Json input;
  std::string parent_id;
};

class Run final : public detail::RunDriver {
 public:
  Run(RunIdentity identity, const WorkflowDef& def);
  ~Run() override;
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Feeds a whole loaded journal (seq 1..N) through the code. Afterwards the run is live: pending
  // activities are in take_effects().activities, pending timers in pending_timers().
  // `stored_last_seq`: the run row's last seq, checked against the journal's end (nullopt: unknown).
  void replay(const std::vector<store::Event>& history, std::optional<std::int64_t> stored_last_seq = std::nullopt);
  // Records a new event (next seq, time `at`) and delivers it. Live mode only. A sealed journal
  // (journal_sealed()) takes nothing: false, and the run is unchanged. Callers that answer a
  // request check journal_sealed() first to say why; this is the guard none of them can forget.
  bool record(store::EventType type, std::int64_t cmd, Json data, store::Millis at);
  RunEffects take_effects();
  // Ends the run (`status` terminal) without an event: a terminate of a run whose journal is
  // sealed, and a broken replay of a run whose row had ended (what its ending event does).
  void mark_ended(store::RunStatus status, std::string result_json, std::string error);

  // --- state the engine reads -----------------------------------------------------------------
  const RunIdentity& identity() const { return identity_; }
  std::int64_t last_seq() const { return last_seq_; }
  // The last seq not waiting in take_effects(): what the journal already holds.
  std::int64_t journaled_seq() const { return last_seq_ - static_cast<std::int64_t>(effects_.events.size()); }
  RunPhase phase() const { return phase_; }
  bool terminal() const { return phase_ == RunPhase::kTerminal; }
  // kNondeterminism once replay diverged (sticky until reloaded), else ok.
  const Status& broken() const { return broken_; }
  // The run's rows were changed outside Cairn (kCorruption: store::journal_flaw(), an event that is
  // no JSON object, a run row that differs from its WorkflowStarted): nothing is appended to its
  // journal any more, and the run stays stuck with its code stopped; only its run row changes.
  bool journal_sealed() const { return journal_sealed_; }
  store::RunStatus status() const;
  std::optional<store::WaitingOn> waiting_on() const;
  const std::string& stuck_reason() const { return stuck_reason_; }
  const std::string& result_json() const { return result_json_; }
  const std::string& error() const { return error_; }

  const ActivityCall* activity(std::int64_t cmd) const;
  std::vector<const ActivityCall*> pending_activities() const;
  bool has_pending_activity() const;
  std::vector<store::Timer> pending_timers() const;
  // The activities whose exhausted attempts made the run stuck (an admin may retry or skip them).
  std::vector<const ActivityCall*> paused_activities() const;
  std::vector<ChildStart> pending_children() const;
  // Whether take_effects() would return something to write (events, timers, children).
  bool has_writes() const {
    return !effects_.events.empty() || !effects_.arm.empty() || !effects_.disarm.empty() || !effects_.children.empty();
  }
  // The pending signal wait that a signal `name` arriving now would resolve (earliest), or 0.
  std::int64_t signal_consumer(const std::string& name) const;
  // Whether a command is still waiting for its outcome.
  bool is_pending(std::int64_t cmd) const { return pending_.count(cmd) != 0; }
  Result<Json> query(const std::string& name) const;

  // --- RunDriver (called by workflow code through WorkflowContext) ------------------------------
  std::string_view run_id() const override { return identity_.id; }
  std::string_view workflow_type() const override { return identity_.type; }
  std::int64_t issue(detail::Command command) override;
  bool ready(std::int64_t cmd) const override;
  void await(std::int64_t cmd, std::coroutine_handle<> waiter) override;
  detail::Outcome take(std::int64_t cmd) override;
  void abandon(std::int64_t cmd) override;
  detail::Millis now() const override { return now_; }
  std::uint64_t random() override;
  Json side_effect(const std::function<Json()>& fn) override;
  bool patched(std::string_view change_id) override;
  void marker(detail::Marker m) override;
  bool cancel_requested() const override { return cancel_requested_; }
  void decline_cancel() override { cancel_requested_ = false; }
  void on_query(std::string name, std::function<Json()> handler) override;
  void seal_query(const std::string& name) noexcept override;
  void defer_compensations(std::vector<detail::Compensation> compensations) override;

 private:
  struct Pending {
    detail::CommandKind kind = detail::CommandKind::kActivity;
    ActivityCall call;                     // kActivity
    std::vector<std::string> signal_names;  // kSignal
    store::Millis until = -1;              // kTimer, kSignal (timeout)
    ChildStart child;                      // kChild
    std::optional<detail::Outcome> outcome;
    std::coroutine_handle<> waiter;
  };

  Task<void> main();
  void deliver(const store::Event& e);  // parses e.data (replay)
  // `data` is the event's parsed payload; values the code receives are moved out of it.
  void deliver(const store::Event& e, Json& data);
  void deliver_activity_failed(Pending& p, std::int64_t cmd, const Json& data);
  void resolve(std::int64_t cmd, detail::Outcome outcome);
  // Emits an event produced by the code (live), or checks the journal holds it (replay).
  // Returns false (and marks the run broken) on a mismatch.
  bool emit(store::EventType type, std::int64_t cmd, const Json& data);
  // A command is new when the journal holds nothing for it or any later command: then its events
  // are written, not looked up. (Positions in the journal cannot decide this: a stuck run's journal
  // ends with signals and admin actions the code never saw.)
  bool is_new(std::int64_t cmd) const { return cmd > max_journal_cmd_; }
  void fail_nondeterminism(const std::string& what);
  // Marks the run stuck (broken) with `code`: the journal and the code cannot go on together.
  // kCorruption also seals the journal (journal_sealed()).
  void fail_journal(Errc code, const std::string& what);
  // fail_journal(kCorruption) and true when `e`'s data is not the JSON object Cairn wrote.
  bool fail_if_damaged(const store::Event& e);
  // On replay: false, after fail_journal(kCorruption), when the WorkflowStarted event's input,
  // version or parent differ from identity_ (read from the run's index row).
  bool matches_identity(const Json& started);
  void finish(store::EventType type, Json data);
  bool take_buffered_signal(Pending& p);
  void scan_for_retries(const std::vector<store::Event>& history);

  RunIdentity identity_;
  const WorkflowDef& def_;
  WorkflowContext ctx_;
  Task<void> root_;

  RunPhase phase_ = RunPhase::kRunning;
  Status broken_;
  std::string stuck_reason_;
  std::string result_json_;
  std::string error_;
  store::EventType terminal_type_ = store::EventType::kWorkflowCompleted;

  std::int64_t next_cmd_ = 1;
  std::int64_t last_seq_ = 0;
  std::int64_t max_journal_cmd_ = 0;
  store::Millis now_ = 0;
  std::uint64_t rng_state_ = 0;
  bool cancel_requested_ = false;
  bool tearing_down_ = false;
  bool replaying_ = false;     // replay() is delivering the journal's events
  bool journal_sealed_ = false;

  std::map<std::int64_t, Pending> pending_;  // ordered: "earliest command" is well defined
  std::set<std::int64_t> abandoned_;
  std::set<std::int64_t> emitted_;           // commands whose own events were emitted/consumed
  std::map<std::string, std::deque<std::pair<std::int64_t, Json>>> signal_buffer_;  // name -> (seq, payload)
  std::map<std::int64_t, std::vector<store::Event>> journal_by_cmd_;  // events of the loaded journal by command
  std::set<std::string> version_markers_;
  std::map<std::string, bool> patched_memo_;
  std::set<std::int64_t> superseded_seqs_;   // events undone by an admin retry of a failed run
  std::map<std::string, std::function<Json()>> queries_;
  std::vector<detail::Compensation> deferred_;
  RunEffects effects_;
};

}  // namespace cairn::engine

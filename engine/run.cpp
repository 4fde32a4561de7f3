// Run: the replayer and per-run command bookkeeping (see run.h for the model).
#include "engine/run.h"

#include <fmt/format.h>

#include <algorithm>

#include "cairn/saga.h"
#include "engine/dump_json.h"
#include "engine/json_equal.h"
#include "store/journal_shape.h"

namespace cairn::engine {

using store::EventType;
using Kind = detail::CommandKind;
using OutKind = detail::Outcome::Kind;

namespace {

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Events the workflow code produces itself (as opposed to outcomes arriving from outside).
bool is_code_emitted(EventType t) {
  switch (t) {
    case EventType::kActivityScheduled:
    case EventType::kTimerStarted:
    case EventType::kChildStarted:
    case EventType::kSideEffect:
    case EventType::kCompensationStarted:
    case EventType::kCompensationCompleted:
    case EventType::kWorkflowCompleted:
    case EventType::kWorkflowFailed:
    case EventType::kWorkflowCancelled:
      return true;
    default:
      return false;
  }
}

std::string describe(const detail::Command& c) {
  switch (c.kind) {
    case Kind::kActivity: return fmt::format("activity({})", c.name);
    case Kind::kTimer: return "timer";
    case Kind::kSignal: return fmt::format("signal({})", fmt::join(c.signal_names, "|"));
    case Kind::kChild: return fmt::format("child({})", c.name);
  }
  return "?";
}

std::string describe(EventType type, const Json& data) {
  std::string name;
  if (data.is_object()) {
    if (data.contains("name") && data["name"].is_string()) name = data["name"];
    if (data.contains("type") && data["type"].is_string()) name = data["type"];
  }
  auto label = std::string(store::event_type_name(type));
  return name.empty() ? label : fmt::format("{}({})", label, name);
}

// The string member `key` of an object, or "" (no copy, unlike Json::value).
std::string_view str_field(const Json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view();
}

// Moves member `key` out of `data` (null when absent): the payload was serialized already.
Json take_field(Json& data, const char* key) {
  auto it = data.find(key);
  return it == data.end() ? Json() : std::move(*it);
}

std::string describe(const store::Event& e) { return describe(e.type, Json::parse(e.data, nullptr, false)); }

// Whether journal event `e` can belong to a command like `c`.
bool compatible(const store::Event& e, const detail::Command& c) {
  auto data = Json::parse(e.data, nullptr, false);
  auto str = [&](const char* k) {
    return data.is_object() && data.contains(k) && data[k].is_string() ? data[k].get<std::string>() : "";
  };
  switch (c.kind) {
    case Kind::kActivity:
      return (e.type == EventType::kActivityScheduled || e.type == EventType::kActivityCompleted ||
              e.type == EventType::kActivityFailed) &&
             str("name") == c.name;
    case Kind::kTimer:
      return e.type == EventType::kTimerStarted || e.type == EventType::kTimerFired;
    case Kind::kSignal:
      return e.type == EventType::kTimerStarted || e.type == EventType::kTimerFired ||
             (e.type == EventType::kSignalReceived &&
              std::find(c.signal_names.begin(), c.signal_names.end(), str("name")) != c.signal_names.end());
    case Kind::kChild:
      return (e.type == EventType::kChildStarted || e.type == EventType::kChildCompleted) && str("type") == c.name;
  }
  return false;
}

}  // namespace

Run::Run(RunIdentity identity, const WorkflowDef& def)
    : identity_(std::move(identity)), def_(def), ctx_(*this), rng_state_(fnv1a(identity_.id)) {}

Run::~Run() {
  // NOTE: destroying the frames destroys suspended awaiters, which would abandon() their
  // commands; during teardown that bookkeeping is pointless (and must not emit effects).
  tearing_down_ = true;
  root_ = Task<void>{};
}

// ---- the root coroutine ------------------------------------------------------------------------

Task<void> Run::main() {
  std::exception_ptr error;
  Json result;
  try {
    result = co_await def_.run(ctx_, identity_.input);
  } catch (...) {
    error = std::current_exception();
  }
  if (!error) {
    Json data = Json::object();
    data["result"] = std::move(result);
    finish(EventType::kWorkflowCompleted, std::move(data));
    co_return;
  }
  // Compensations handed over by Sagas the exception unwound: run them (newest first) before
  // recording the end. A compensation that exhausts its retries pauses the run (stuck) here.
  if (!deferred_.empty()) co_await Saga(ctx_, std::exchange(deferred_, {})).unwind();
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    finish(EventType::kWorkflowCancelled, Json::object());
  } catch (const ActivityFailed& e) {
    finish(EventType::kWorkflowFailed,
           Json{{"error", fmt::format("activity {} failed after {} attempt(s): [{}] {}", e.activity(),
                                      e.attempts(), e.type(), e.what())}});
  } catch (const std::exception& e) {
    finish(EventType::kWorkflowFailed, Json{{"error", e.what()}});
  } catch (...) {
    finish(EventType::kWorkflowFailed, Json{{"error", "unknown exception"}});
  }
}

void Run::finish(EventType type, Json data) {
  if (!emit(type, next_cmd_++, data)) return;
  phase_ = RunPhase::kTerminal;
  terminal_type_ = type;
  if (type == EventType::kWorkflowCompleted) result_json_ = dump_json(data["result"]);
  if (type == EventType::kWorkflowFailed) error_ = data["error"].get<std::string>();
}

// ---- replay and live recording -----------------------------------------------------------------

void Run::replay(const std::vector<store::Event>& history, std::optional<std::int64_t> stored_last_seq) {
  // Whatever the code emits while replaying goes after the journal's end.
  last_seq_ = history.empty() ? 0 : history.back().seq;
  // Nothing of a journal with a damaged row is believed, not even what precedes it: the code
  // does not run, and the run stays stuck until an admin restores the row or ends the run.
  if (auto flaw = store::journal_flaw(history, stored_last_seq)) {
    fail_journal(Errc::kCorruption,
                 fmt::format("seq {}: {}; the database was changed outside Cairn", flaw->seq, flaw->problem));
    // Sealed (fail_journal): the run's status still changes, in a write checked against the run
    // row's last seq, which the store refuses events after.
    if (stored_last_seq) last_seq_ = *stored_last_seq;
    return;
  }
  scan_for_retries(history);
  for (const auto& e : history) {
    if (superseded_seqs_.count(e.seq)) continue;
    if (e.cmd != 0) journal_by_cmd_[e.cmd].push_back(e);
    max_journal_cmd_ = std::max(max_journal_cmd_, e.cmd);
    if (e.type == EventType::kVersionMarker) {
      auto d = Json::parse(e.data, nullptr, false);
      if (d.is_object() && d.contains("change_id")) version_markers_.insert(d["change_id"].get<std::string>());
    }
  }
  replaying_ = true;
  for (const auto& e : history) {
    if (superseded_seqs_.count(e.seq)) continue;
    deliver(e);
    if (!broken_.is_ok()) break;
  }
  replaying_ = false;
  if (!broken_.is_ok()) return;
  // Recovery: every activity still waiting for an outcome is dispatched again, with the same
  // command number and so the same idempotency key.
  for (auto& [cmd, p] : pending_) {
    if (p.kind != Kind::kActivity || p.outcome) continue;
    if (phase_ == RunPhase::kStuck) continue;  // paused: waits for an admin retry
    if (std::find(effects_.activities.begin(), effects_.activities.end(), cmd) == effects_.activities.end())
      effects_.activities.push_back(cmd);
  }
}

// An admin retry of a failed run supersedes the journal from the failure up to the retry: those
// events are skipped on replay, so the failed step is pending again.
void Run::scan_for_retries(const std::vector<store::Event>& history) {
  for (const auto& e : history) {
    if (e.type != EventType::kAdminAction) continue;
    auto d = Json::parse(e.data, nullptr, false);
    if (!d.is_object() || d.value("action", "") != "retry" || !d.contains("supersede_from")) continue;
    std::int64_t from = d["supersede_from"].get<std::int64_t>();
    for (std::int64_t s = from; s < e.seq; ++s) superseded_seqs_.insert(s);
  }
}

bool Run::record(EventType type, std::int64_t cmd, Json data, store::Millis at) {
  if (journal_sealed_) return false;
  const store::Event e{++last_seq_, type, cmd, at, {}};  // deliver() reads `data`, not e.data
  effects_.events.push_back({type, cmd, at, dump_json(data)});
  deliver(e, data);
  return true;
}

RunEffects Run::take_effects() { return std::exchange(effects_, {}); }

void Run::deliver(const store::Event& e) {
  auto data = Json::parse(e.data, nullptr, false);
  if (!data.is_object()) {
    if (broken_.is_ok()) (void)fail_if_damaged(e);
    data = Json::object();
  }
  deliver(e, data);
}

bool Run::matches_identity(const Json& started) {
  // The run's index row (where identity_ comes from) is derived from this event (invariant 3),
  // which carries a checksum: a difference is an edit of the row.
  const char* field = nullptr;
  const auto differs = [&](const char* key, const Json& value) {
    return started.contains(key) && !started[key].is_null() && started[key] != value;
  };
  // (A row input that is no JSON parsed to a discarded value, which compares unequal to nothing.)
  if (started.contains("input") && (identity_.input.is_discarded() || !same_json(started["input"], identity_.input)))
    field = "input";
  if (differs("type", identity_.type)) field = "type";
  if (differs("version", identity_.version)) field = "version";
  if (differs("parent_id", identity_.parent_id)) field = "parent_id";  // older journals: null for ""
  if (!field) return true;
  fail_journal(Errc::kCorruption, fmt::format("seq 1: the run's {} in its index row differs from its WorkflowStarted "
                                              "event; the database was changed outside Cairn",
                                              field));
  return false;
}

bool Run::fail_if_damaged(const store::Event& e) {
  // Cairn writes every event's data as a JSON object: this row was changed outside it. Said so,
  // rather than as the non-determinism that replaying the damaged event reports.
  if (Json::parse(e.data, nullptr, false).is_object()) return false;
  fail_journal(Errc::kCorruption, fmt::format("seq {}: the journal's {} event holds no JSON object ({} bytes); the "
                                              "database was changed outside Cairn",
                                              e.seq, store::event_type_name(e.type), e.data.size()));
  return true;
}

void Run::deliver(const store::Event& e, Json& data) {
  now_ = e.at;
  if (e.type == EventType::kWorkflowTerminated && phase_ != RunPhase::kTerminal) {
    mark_ended(store::RunStatus::kTerminated, "", data.value("reason", "terminated"));
    return;
  }
  if (!broken_.is_ok() || phase_ == RunPhase::kTerminal) return;

  if (is_code_emitted(e.type)) {
    // Produced by the code while it reacted to an earlier event; it must have been consumed.
    if (e.cmd != 0 && !emitted_.count(e.cmd))
      fail_nondeterminism(fmt::format("seq {}: journal holds {} at command {}, the code did not issue it", e.seq,
                                      describe(e.type, data), e.cmd));
    return;
  }
  auto unexpected = [&] {
    fail_nondeterminism(fmt::format("seq {}: journal holds {} for command {}, the code has no such pending command",
                                    e.seq, describe(e.type, data), e.cmd));
  };
  auto it = e.cmd ? pending_.find(e.cmd) : pending_.end();
  switch (e.type) {
    case EventType::kWorkflowStarted:
      if (replaying_ && !matches_identity(data)) return;
      root_ = main();
      root_.handle().resume();
      return;
    case EventType::kActivityCompleted:
      if (it == pending_.end() || it->second.outcome) return abandoned_.count(e.cmd) ? void() : unexpected();
      if (it->second.kind != Kind::kActivity || it->second.call.name != str_field(data, "name"))
        return fail_nondeterminism(fmt::format("seq {}: journal holds {} at command {}, the code issued {}", e.seq,
                                               describe(e.type, data), e.cmd, it->second.kind == Kind::kActivity
                                                   ? "activity(" + it->second.call.name + ")"
                                                   : "another command"));
      return resolve(e.cmd, {OutKind::kOk, take_field(data, "result"), it->second.call.name, "", "", data.value("attempt", 1)});
    case EventType::kActivityFailed:
      if (it == pending_.end() || it->second.outcome) return abandoned_.count(e.cmd) ? void() : unexpected();
      if (it->second.kind != Kind::kActivity) return unexpected();
      return deliver_activity_failed(it->second, e.cmd, data);
    case EventType::kTimerFired:
      if (it == pending_.end() || it->second.outcome) return;  // resolved or abandoned first
      return resolve(e.cmd, {it->second.kind == Kind::kTimer ? OutKind::kOk : OutKind::kTimedOut});
    case EventType::kSignalReceived: {
      std::string name = data.value("name", "");
      if (e.cmd == 0) {
        // Journaled with no waiter named (none existed, or the run was broken by non-determinism
        // when it arrived): the earliest matching wait takes it now, else it is buffered. Same
        // rule live and replayed.
        if (std::int64_t waiter = signal_consumer(name)) return resolve(waiter, {OutKind::kOk, take_field(data, "payload"), name});
        signal_buffer_[name].emplace_back(e.seq, take_field(data, "payload"));
        return;
      }
      if (it == pending_.end() || it->second.kind != Kind::kSignal || it->second.outcome) return unexpected();
      return resolve(e.cmd, {OutKind::kOk, take_field(data, "payload"), name});
    }
    case EventType::kChildCompleted: {
      if (it == pending_.end() || it->second.outcome) return abandoned_.count(e.cmd) ? void() : unexpected();
      std::string status = data.value("status", "");
      const std::string& child_id = it->second.child.child_id;
      if (status == "completed") return resolve(e.cmd, {OutKind::kOk, take_field(data, "result"), child_id});
      // A child cancelled after this run's cancel request (which cancels its children) is that
      // request arriving: the wait ends as a cancelled timer or signal wait does.
      if (status == "cancelled" && cancel_requested_) return resolve(e.cmd, {OutKind::kCancelled});
      std::string error = data.value("error", "");
      if (error.empty()) error = fmt::format("child {} ended {}", child_id, status);
      return resolve(e.cmd, {OutKind::kFailed, Json(), child_id, status, std::move(error)});
    }
    case EventType::kCancelRequested: {
      cancel_requested_ = true;
      std::vector<std::int64_t> waits;
      for (auto& [cmd, p] : pending_)
        if (!p.outcome && (p.kind == Kind::kTimer || p.kind == Kind::kSignal)) waits.push_back(cmd);
      for (auto cmd : waits)
        if (pending_.count(cmd)) resolve(cmd, {OutKind::kCancelled});
      return;
    }
    case EventType::kAdminAction: {
      const std::string action = data.value("action", "");
      if (action != "retry" && action != "skip") return;
      // A retry starts every pending step's attempts over: a stuck run's, and a failed run's
      // failed step (its final failure is skipped on replay: supersede_from).
      if (action == "retry")
        for (auto& [cmd, p] : pending_) {
          if (p.kind != Kind::kActivity || p.outcome) continue;
          p.call.attempts = 0;
          p.call.retry_at = 0;
        }
      if (phase_ != RunPhase::kStuck) return;
      phase_ = RunPhase::kRunning;
      stuck_reason_.clear();
      // A skip is followed by the skipped activity's ActivityCompleted, which resolves it; the
      // other activities go on where they were.
      const std::int64_t skipped = action == "skip" ? data.value("cmd", std::int64_t{0}) : 0;
      for (auto& [cmd, p] : pending_) {
        if (p.kind != Kind::kActivity || p.outcome || cmd == skipped) continue;
        p.call.paused = false;
        effects_.activities.push_back(cmd);
      }
      return;
    }
    default:
      return;  // VersionMarker (read at load), ChildStarted etc. handled above
  }
}

void Run::deliver_activity_failed(Pending& p, std::int64_t cmd, const Json& data) {
  p.call.attempts = data.value("attempt", p.call.attempts + 1);
  p.call.retry_at = data.contains("retry_at") && data["retry_at"].is_number() ? data["retry_at"].get<std::int64_t>() : 0;
  if (!data.value("final", false)) return;
  const Json& err = data.contains("error") && data["error"].is_object() ? data["error"] : Json::object();
  std::string type = err.value("type", "error");
  std::string message = err.value("message", "");
  if (data.value("cancelled", false)) {
    // A cancel also ends a step that was paused after its attempts ran out: the run is no longer
    // stuck on it and goes on to unwind (its compensations must be dispatched).
    p.call.paused = false;
    if (phase_ == RunPhase::kStuck && broken_.is_ok() && paused_activities().empty()) {
      phase_ = RunPhase::kRunning;
      stuck_reason_.clear();
    }
    return resolve(cmd, {OutKind::kCancelled});
  }
  if (data.value("paused", false)) {
    p.call.paused = true;
    phase_ = RunPhase::kStuck;
    stuck_reason_ = fmt::format("{} {} (command {}) failed {} attempt(s), last: [{}] {}",
                                p.call.compensation ? "compensation" : "activity", p.call.name, cmd,
                                p.call.attempts, type, message);
    return;
  }
  resolve(cmd, {OutKind::kFailed, Json(), p.call.name, type, message, p.call.attempts});
}

void Run::resolve(std::int64_t cmd, detail::Outcome outcome) {
  auto& p = pending_.at(cmd);
  // An outcome read back from the journal was committed with its timer's disarm: nothing to write.
  bool has_timer = p.kind == Kind::kTimer || (p.kind == Kind::kSignal && p.until >= 0);
  if (has_timer && !replaying_) effects_.disarm.push_back(cmd);
  p.outcome = std::move(outcome);
  if (auto h = std::exchange(p.waiter, {})) h.resume();
}

void Run::fail_nondeterminism(const std::string& what) { fail_journal(Errc::kNondeterminism, what); }

void Run::mark_ended(store::RunStatus status, std::string result_json, std::string error) {
  phase_ = RunPhase::kTerminal;
  terminal_type_ = store::ending_event(status);
  result_json_ = std::move(result_json);
  error_ = std::move(error);
  stuck_reason_.clear();  // ended: no longer stuck (broken() still says why its code cannot run)
}

void Run::fail_journal(Errc code, const std::string& what) {
  broken_ = Status(code, fmt::format("run {} {}", identity_.id, what));
  phase_ = RunPhase::kStuck;
  stuck_reason_ = broken_.to_string();
  if (code == Errc::kCorruption) journal_sealed_ = true;
}

bool Run::emit(EventType type, std::int64_t cmd, const Json& data) {
  if (cmd != 0) emitted_.insert(cmd);
  if (cmd != 0 && !is_new(cmd)) {
    auto it = journal_by_cmd_.find(cmd);
    if (it != journal_by_cmd_.end())
      for (const auto& e : it->second)
        if (e.type == type) return true;
    fail_nondeterminism(fmt::format("at command {}: the code produced {}, the journal holds {}", cmd,
                                    store::event_type_name(type),
                                    it == journal_by_cmd_.end() ? "nothing" : describe(it->second.front())));
    return false;
  }
  ++last_seq_;
  effects_.events.push_back({type, cmd, now_, dump_json(data)});
  return true;
}

// ---- RunDriver ---------------------------------------------------------------------------------

std::int64_t Run::issue(detail::Command c) {
  std::int64_t cmd = next_cmd_++;
  if (!broken_.is_ok()) return cmd;  // frozen: the command never resolves
  if (!is_new(cmd)) {
    auto it = journal_by_cmd_.find(cmd);
    // Commands that write an event on issue are checked again by emit(), which also catches a
    // journal holding nothing at all for them.
    if (it != journal_by_cmd_.end() && !compatible(it->second.front(), c)) {
      if (fail_if_damaged(it->second.front())) return cmd;
      fail_nondeterminism(fmt::format("at command {}: the code issued {}, the journal holds {}", cmd, describe(c),
                                      describe(it->second.front())));
      return cmd;
    }
  }
  Pending p;
  p.kind = c.kind;
  p.until = c.until;
  switch (c.kind) {
    case Kind::kActivity:
      p.call = ActivityCall{cmd, c.name, std::move(c.input), c.options, c.compensation};
      if (c.options.journal_schedule && !emit(EventType::kActivityScheduled, cmd, Json{{"name", c.name}})) return cmd;
      if (is_new(cmd)) effects_.activities.push_back(cmd);
      break;
    case Kind::kTimer:
      if (cancel_requested_) {
        p.outcome = detail::Outcome{OutKind::kCancelled};
        break;
      }
      if (!emit(EventType::kTimerStarted, cmd, Json{{"until", c.until}})) return cmd;
      if (is_new(cmd)) effects_.arm.push_back({identity_.id, cmd, c.until});
      break;
    case Kind::kSignal:
      p.signal_names = std::move(c.signal_names);
      if (cancel_requested_) {
        p.outcome = detail::Outcome{OutKind::kCancelled};
        break;
      }
      // A buffered signal resolves the wait at once, before any timeout timer is armed.
      if (take_buffered_signal(p)) {
        p.until = -1;
        break;
      }
      if (p.until >= 0) {
        if (!emit(EventType::kTimerStarted, cmd, Json{{"until", p.until}})) return cmd;
        if (is_new(cmd)) effects_.arm.push_back({identity_.id, cmd, p.until});
      }
      break;
    case Kind::kChild:
      p.child = ChildStart{cmd, fmt::format("{}:{}", identity_.id, cmd), c.name, std::move(c.input)};
      if (!emit(EventType::kChildStarted, cmd, Json{{"child_id", p.child.child_id}, {"type", c.name}})) return cmd;
      if (is_new(cmd)) effects_.children.push_back(p.child);
      break;
  }
  pending_.emplace(cmd, std::move(p));
  return cmd;
}

bool Run::take_buffered_signal(Pending& p) {
  std::deque<std::pair<std::int64_t, Json>>* best = nullptr;
  std::string best_name;
  for (const auto& name : p.signal_names) {
    auto it = signal_buffer_.find(name);
    if (it == signal_buffer_.end() || it->second.empty()) continue;
    if (!best || it->second.front().first < best->front().first) {
      best = &it->second;
      best_name = name;
    }
  }
  if (!best) return false;
  p.outcome = detail::Outcome{OutKind::kOk, std::move(best->front().second), best_name};
  best->pop_front();
  return true;
}

bool Run::ready(std::int64_t cmd) const {
  auto it = pending_.find(cmd);
  return it != pending_.end() && it->second.outcome.has_value();
}

void Run::await(std::int64_t cmd, std::coroutine_handle<> waiter) {
  auto it = pending_.find(cmd);
  if (it != pending_.end()) it->second.waiter = waiter;
}

detail::Outcome Run::take(std::int64_t cmd) {
  auto it = pending_.find(cmd);
  detail::Outcome out = std::move(*it->second.outcome);
  pending_.erase(it);
  return out;
}

void Run::abandon(std::int64_t cmd) {
  if (tearing_down_) return;
  auto it = pending_.find(cmd);
  if (it == pending_.end()) return;
  const auto& p = it->second;
  bool has_timer = p.kind == Kind::kTimer || (p.kind == Kind::kSignal && p.until >= 0);
  if (has_timer && !p.outcome && !replaying_) effects_.disarm.push_back(cmd);  // as in resolve()
  pending_.erase(it);
  abandoned_.insert(cmd);
}

std::uint64_t Run::random() {
  // splitmix64: tiny, fast, and fully determined by the run id and the call count.
  std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Json Run::side_effect(const std::function<Json()>& fn) {
  std::int64_t cmd = next_cmd_++;
  if (!is_new(cmd)) {
    auto it = journal_by_cmd_.find(cmd);
    if (it != journal_by_cmd_.end())
      for (const auto& e : it->second)
        if (e.type == EventType::kSideEffect) {
          emitted_.insert(cmd);
          return Json::parse(e.data, nullptr, false).value("value", Json());
        }
    emit(EventType::kSideEffect, cmd, Json::object());  // reports the mismatch
    return Json();
  }
  Json value = fn();
  emit(EventType::kSideEffect, cmd, Json{{"value", value}});
  return value;
}

bool Run::patched(std::string_view change_id) {
  std::string id(change_id);
  if (auto it = patched_memo_.find(id); it != patched_memo_.end()) return it->second;
  // A run that passed this point before the change went on to issue later commands; and all code
  // a replay runs, to the first wait past the journal's end too, had run before (every commit
  // follows the code to its next wait), even where that wait wrote nothing (a signal without
  // timeout). Only code running on new input is new: the marker then tells later replays.
  bool result = version_markers_.count(id) || (!replaying_ && is_new(next_cmd_));
  if (result && !version_markers_.count(id)) emit(EventType::kVersionMarker, 0, Json{{"change_id", id}});
  patched_memo_[id] = result;
  return result;
}

void Run::marker(detail::Marker m) {
  emit(m == detail::Marker::kCompensationStarted ? EventType::kCompensationStarted
                                                 : EventType::kCompensationCompleted,
       next_cmd_++, Json::object());
}

void Run::on_query(std::string name, std::function<Json()> handler) { queries_[std::move(name)] = std::move(handler); }

// The handler is replaced by its last answer (or its exception, which query() reports as before):
// the state it reads is about to die.
void Run::seal_query(const std::string& name) noexcept {
  if (tearing_down_) return;  // the run leaves memory; nobody asks it again
  auto it = queries_.find(name);
  if (it == queries_.end()) return;
  try {
    it->second = [answer = it->second()] { return answer; };
  } catch (...) {
    it->second = [error = std::current_exception()]() -> Json { std::rethrow_exception(error); };
  }
}

void Run::defer_compensations(std::vector<detail::Compensation> compensations) {
  // Sagas unwind innermost first; the outer saga's (older) steps go in front so that running
  // the whole list in reverse undoes the newest step first.
  deferred_.insert(deferred_.begin(), std::make_move_iterator(compensations.begin()),
                   std::make_move_iterator(compensations.end()));
}

// ---- state for the engine ----------------------------------------------------------------------

store::RunStatus Run::status() const {
  if (phase_ == RunPhase::kTerminal) {
    switch (terminal_type_) {
      case EventType::kWorkflowCompleted: return store::RunStatus::kCompleted;
      case EventType::kWorkflowCancelled: return store::RunStatus::kCancelled;
      case EventType::kWorkflowTerminated: return store::RunStatus::kTerminated;
      default: return store::RunStatus::kFailed;
    }
  }
  if (phase_ == RunPhase::kStuck) return store::RunStatus::kStuck;
  for (const auto& [cmd, p] : pending_)
    if (!p.outcome && (p.kind == Kind::kActivity || p.kind == Kind::kChild)) return store::RunStatus::kRunning;
  for (const auto& [cmd, p] : pending_)
    if (!p.outcome) return store::RunStatus::kWaiting;
  return store::RunStatus::kRunning;
}

std::optional<store::WaitingOn> Run::waiting_on() const {
  if (phase_ == RunPhase::kTerminal || !broken_.is_ok()) return std::nullopt;
  const Pending* timer = nullptr;
  for (const auto& [cmd, p] : pending_) {
    if (p.outcome) continue;
    if (p.kind == Kind::kActivity) return store::WaitingOn{"activity", p.call.name, p.call.retry_at};
    if (p.kind == Kind::kChild) return store::WaitingOn{"child", p.child.child_id, 0};
  }
  for (const auto& [cmd, p] : pending_) {
    if (p.outcome) continue;
    if (p.kind == Kind::kSignal)
      return store::WaitingOn{"signal", fmt::format("{}", fmt::join(p.signal_names, "|")), std::max<store::Millis>(p.until, 0)};
    if (p.kind == Kind::kTimer && (!timer || p.until < timer->until)) timer = &p;
  }
  if (timer) return store::WaitingOn{"timer", "", timer->until};
  return std::nullopt;
}

const ActivityCall* Run::activity(std::int64_t cmd) const {
  // An ended run waits for no activity: a late attempt's outcome is dropped, never journaled
  // after the run's last event.
  if (terminal()) return nullptr;
  auto it = pending_.find(cmd);
  if (it == pending_.end() || it->second.kind != Kind::kActivity || it->second.outcome) return nullptr;
  return &it->second.call;
}

std::vector<const ActivityCall*> Run::pending_activities() const {
  std::vector<const ActivityCall*> out;
  for (const auto& [cmd, p] : pending_)
    if (p.kind == Kind::kActivity && !p.outcome) out.push_back(&p.call);
  return out;
}

bool Run::has_pending_activity() const {
  for (const auto& [cmd, p] : pending_)
    if (p.kind == Kind::kActivity && !p.outcome) return true;
  return false;
}

std::vector<store::Timer> Run::pending_timers() const {
  // An ended run's timers were disarmed when it ended (a terminate ends a run mid-sleep): its
  // replay, for a query or a repeated signal, must not arm them again.
  if (terminal()) return {};
  std::vector<store::Timer> out;
  for (const auto& [cmd, p] : pending_)
    if (!p.outcome && p.until >= 0 && (p.kind == Kind::kTimer || p.kind == Kind::kSignal))
      out.push_back({identity_.id, cmd, p.until});
  return out;
}

std::vector<ChildStart> Run::pending_children() const {
  std::vector<ChildStart> out;
  for (const auto& [cmd, p] : pending_)
    if (p.kind == Kind::kChild && !p.outcome) out.push_back(p.child);
  return out;
}

std::vector<const ActivityCall*> Run::paused_activities() const {
  std::vector<const ActivityCall*> out;
  for (const auto& [cmd, p] : pending_)
    if (p.kind == Kind::kActivity && !p.outcome && p.call.paused) out.push_back(&p.call);
  return out;
}

std::int64_t Run::signal_consumer(const std::string& name) const {
  for (const auto& [cmd, p] : pending_)
    if (p.kind == Kind::kSignal && !p.outcome &&
        std::find(p.signal_names.begin(), p.signal_names.end(), name) != p.signal_names.end())
      return cmd;
  return 0;
}

Result<Json> Run::query(const std::string& name) const {
  auto it = queries_.find(name);
  // A journal found damaged before the code registered its handlers: the query is not missing.
  // An ended run whose replay broke would answer from where it broke, not how it ended.
  if (!broken_.is_ok() && (it == queries_.end() || terminal()))
    return Status(Errc::kConflict, fmt::format("run {} is {}, its queries unavailable: {}", identity_.id,
                                               store::run_status_name(status()), broken_.to_string()));
  if (it == queries_.end()) return Status(Errc::kNotFound, fmt::format("run {} has no query '{}'", identity_.id, name));
  try {
    return it->second();
  } catch (const std::exception& e) {
    return Status(Errc::kInternal, fmt::format("query '{}' of run {} threw: {}", name, identity_.id, e.what()));
  }
}

}  // namespace cairn::engine

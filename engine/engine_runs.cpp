// The live-run cache (revive by replay, evict when only waiting), activity dispatch and results,
// durable timers, and child-run plumbing. Workflow thread only.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "engine/engine_impl.h"

namespace cairn::engine {

using store::EventType;

LiveRun* Engine::Impl::find_live(const std::string& id) {
  auto it = runs.find(id);
  return it == runs.end() ? nullptr : it->second.get();
}

LiveRun* Engine::Impl::find_live(const std::string& id, std::uint64_t incarnation) {
  LiveRun* lr = find_live(id);
  return lr && lr->incarnation == incarnation ? lr : nullptr;
}

Status terminal_conflict(const std::string& id, store::RunStatus status) {
  return Status(Errc::kConflict, fmt::format("run {} is {}", id, store::run_status_name(status)));
}

bool Engine::Impl::row_ended_outside(const store::RunRecord& rec) {
  // Terminated is not checked: terminating a sealed run writes its row only.
  if (rec.status == store::RunStatus::kTerminated) return false;
  auto last = store.load_history(rec.id, rec.last_seq - 1, 1);
  return last && (last->empty() || last->front().type != store::ending_event(rec.status));
}

Result<LiveRun*> Engine::Impl::ensure_live(const std::string& id, bool allow_terminal) {
  if (LiveRun* lr = find_live(id)) {
    if (lr->run->terminal() && !allow_terminal) return terminal_conflict(id, lr->run->status());
    return lr;
  }
  auto rec = store.get_run(id);
  if (!rec) return rec.status();
  if (store::is_terminal(rec->status) && !allow_terminal) {
    if (!row_ended_outside(*rec)) return terminal_conflict(id, rec->status);
    fmt::print(stderr, "cairn engine: run {}: its row says {}, but its journal does not end so (the row was changed "
               "outside Cairn); replaying it, which writes the row from its journal\n",
               id, store::run_status_name(rec->status));
    rec->status = store::RunStatus::kRunning;  // unknown until replayed: not ended
  }
  auto history = store.load_history(id, 0, 0);
  if (!history) return history.status();
  // The code the run started with is what its WorkflowStarted names (checksummed); the row's copy
  // of the type and version, if edited, is then found by the replay (Run::matches_identity)
  // rather than leaving the run unreachable behind an unregistered version.
  std::string type = rec->type;
  int version = rec->version;
  if (!history->empty() && history->front().type == EventType::kWorkflowStarted && history->front().intact()) {
    const auto started = Json::parse(history->front().data, nullptr, false);
    if (started.is_object() && started.contains("type") && started["type"].is_string()) type = started["type"];
    if (started.is_object() && started.contains("version") && started["version"].is_number_integer())
      version = started["version"];
  }
  const WorkflowDef* def = registry.find_workflow(type, version);
  if (!def)
    return Status(Errc::kUnavailable,
                  fmt::format("run {}: workflow type {} version {} is not registered", id, type, version));
  auto input = Json::parse(rec->input, nullptr, false);
  auto run = std::make_unique<Run>(RunIdentity{id, rec->type, rec->version, input, rec->parent_id}, *def);
  ++m_replays;
  run->replay(*history, rec->last_seq);
  // An ended run stays ended when its replay breaks (its journal damaged, or its code changed
  // since): its row says how it ended (a terminate of a sealed run ended it in its row only).
  if (!run->broken().is_ok() && store::is_terminal(rec->status))
    run->mark_ended(rec->status, rec->result, rec->error);
  LiveRun& lr = adopt(std::move(run), &*rec);
  for (const auto& e : *history) {
    if (e.type != EventType::kSignalReceived) continue;
    auto d = Json::parse(e.data, nullptr, false);
    if (d.is_object() && d.contains("key") && d["key"].is_string()) lr.signal_keys[d["key"]] = e.seq;
  }
  return &lr;
}

LiveRun& Engine::Impl::adopt(std::unique_ptr<Run> run, const store::RunRecord* stored) {
  const std::string id = run->identity().id;
  auto owned = std::make_unique<LiveRun>();
  LiveRun& lr = *owned;
  lr.run = std::move(run);
  lr.incarnation = ++next_incarnation;
  lr.batched_seq = lr.run->journaled_seq();
  runs[id] = std::move(owned);
  m_live = runs.size();
  if (!stored) return lr;
  lr.created_at = stored->created_at;
  lr.updated_at = stored->updated_at;
  lr.idempotency_key = stored->idempotency_key;
  // Ended before: the incarnation that ended it reported it (metrics, a parent), not this one.
  lr.reported_terminal = store::is_terminal(stored->status);

  rearm_from_journal(lr);
  store::RunUpdate u = index_update(*lr.run);
  bool changed = lr.run->has_writes() || *u.status != stored->status || *u.waiting_on != stored->waiting_on ||
                 *u.stuck_reason != stored->stuck_reason;
  if (changed) {
    collect(lr);
  } else {
    // Nothing new to write: dispatch at once (the journal already holds what issued them).
    for (auto cmd : lr.run->take_effects().activities) dispatch(lr, cmd);
  }
  for (auto& child : lr.run->pending_children()) {
    auto rec = store.get_run(child.child_id);
    if (!rec && rec.status().code() == Errc::kNotFound)
      start_children(lr, {std::move(child)});  // the parent's ChildStarted is durable, the child was lost
    else if (rec && store::is_terminal(rec->status))
      complete_child(id, child.child_id, rec->status, rec->result, rec->error);
  }
  return lr;
}

void Engine::Impl::rearm_from_journal(LiveRun& lr) {
  // After a failed write of the run, memory may be what differs (a disarm that never reached the
  // store): the timer is written again all the same, without blaming anyone outside.
  const bool memory_ahead = timers_ahead_of_store.erase(lr.run->identity().id) > 0;
  for (const store::Timer& t : lr.run->pending_timers()) {
    auto it = durable_timers.find({t.run_id, t.cmd});
    if (it != durable_timers.end() && it->second.due == t.due) continue;
    if (!memory_ahead)
      fmt::print(stderr, "cairn engine: run {}: the row of timer {} was changed outside Cairn; it is written again "
                 "from the run's journal\n", t.run_id, t.cmd);
    arm_durable(t.run_id, t.cmd, t.due);
    open_batch(t.run_id).batch.arm.push_back(t);
  }
}

void Engine::Impl::drop(const std::string& id) {
  auto it = runs.find(id);
  if (it == runs.end()) return;
  LiveRun& lr = *it->second;
  if (lr.in_lru) lru.erase(lr.lru);
  m_executing -= lr.executing.size();
  for (auto& [cmd, t] : lr.retry_timers) timers.cancel(t);
  runs.erase(it);
  m_live = runs.size();
}

void Engine::Impl::forget_if_ended(const std::string& id) {
  LiveRun* lr = find_live(id);
  if (lr && lr->run->terminal() && !uncommitted(id, *lr)) drop(id);
}

void Engine::Impl::refuse_settled(const std::string& id, LiveRun& live, Status refusal,
                                  std::function<void(Status)> done) {
  auto refuse = [this, id, done = std::move(done), refusal = std::move(refusal)](const Status& settled) {
    if (!settled.is_ok()) return done(settled);
    forget_if_ended(id);
    done(refusal);
  };
  if (uncommitted(id, live)) return live.on_settled.push_back(std::move(refuse));
  refuse(Status::ok());
}

void Engine::Impl::maybe_evict(const std::string& id) {
  LiveRun* lr = find_live(id);
  if (!lr) return;
  bool busy = uncommitted(id, *lr) || !lr->executing.empty() || !lr->retry_timers.empty() ||
              (lr->run->phase() == RunPhase::kRunning && lr->run->has_pending_activity());
  if (lr->in_lru) {
    lru.erase(lr->lru);
    lr->in_lru = false;
  }
  if (busy) return;
  lru.push_front(id);
  lr->lru = lru.begin();
  lr->in_lru = true;
  while (lru.size() > options.cache_size) {
    std::string victim = lru.back();
    drop(victim);
    ++m_evictions;
  }
}

// ---- activities --------------------------------------------------------------------------------

RetryPolicy Engine::Impl::policy_of(const ActivityCall& call) const {
  const ActivityDef* def = registry.find_activity(call.name);
  RetryPolicy p = call.options.retry ? *call.options.retry
                  : def && def->options.retry ? *def->options.retry
                                               : RetryPolicy{};
  if (call.compensation) p.on_exhausted = RetryPolicy::OnExhausted::kPause;
  return p;
}

bool Engine::Impl::skippable_of(const ActivityCall& call) const {
  const ActivityDef* def = registry.find_activity(call.name);
  return call.options.skippable || (def && def->options.skippable);
}

void Engine::Impl::dispatch(LiveRun& lr, std::int64_t cmd) {
  if (halted || lr.run->phase() != RunPhase::kRunning) return;
  const ActivityCall* call = lr.run->activity(cmd);
  if (!call || lr.executing_attempt(cmd) != 0) return;
  const std::string id = lr.run->identity().id;
  const std::uint64_t inc = lr.incarnation;
  if (call->retry_at > now()) {
    if (!lr.retry_timers.count(cmd))
      lr.retry_timers[cmd] = timers.add(call->retry_at, [this, id, inc, cmd] {
        if (LiveRun* live = find_live(id, inc)) {
          live->retry_timers.erase(cmd);
          dispatch(*live, cmd);
        }
      });
    return;
  }
  const ActivityDef* def = registry.find_activity(call->name);
  int attempt = call->attempts + 1;
  if (!def) {
    fail_attempt(lr, cmd, attempt, "unknown_activity", fmt::format("activity '{}' is not registered", call->name),
                 true);
    return;
  }
  milliseconds timeout = call->options.timeout   ? *call->options.timeout
                         : def->options.timeout ? *def->options.timeout
                                                : milliseconds{30000};
  store::Millis deadline = now() + timeout.count();
  attempt_deadlines[timeout.count()].push_back({deadline, id, inc, cmd, attempt});
  lr.executing.push_back({cmd, attempt});
  ++m_executing;
  ++m_attempts;
  if (on_attempt) on_attempt(fmt::format("{}/{}", id, cmd), call->name);
  executor->submit(AttemptRequest{id, inc, cmd, attempt, deadline, def, call->input});
}

void Engine::Impl::on_attempt_result(AttemptResult r) {
  LiveRun* lr = find_live(r.run_id, r.incarnation);
  if (!lr) return;
  if (lr->executing_attempt(r.cmd) != r.attempt) return;  // timed out meanwhile
  lr->erase_executing(r.cmd);
  --m_executing;
  const ActivityCall* call = lr->run->activity(r.cmd);
  if (!call) return maybe_evict(r.run_id);  // abandoned (an any() loser): the result is not needed
  if (!r.ok) return fail_attempt(*lr, r.cmd, r.attempt, r.error_type, r.error_message, r.terminal);
  // Built member by member: a braced Json{{...}} copies every value through nested temporaries,
  // the result included (a dozen allocations per step, docs/BENCHMARKS.md).
  Json data = Json::object();
  data["name"] = call->name;
  data["result"] = std::move(r.value);
  data["attempt"] = r.attempt;
  lr->run->record(EventType::kActivityCompleted, r.cmd, std::move(data), now());
  collect(*lr);
}

store::Millis Engine::Impl::expire_attempts() {
  const store::Millis t = now();
  store::Millis next = -1;
  for (auto& [timeout, fifo] : attempt_deadlines) {
    while (!fifo.empty()) {
      AttemptDeadline& d = fifo.front();
      LiveRun* live = find_live(d.run_id, d.incarnation);
      if (!live || live->executing_attempt(d.cmd) != d.attempt) {  // finished, or its run is gone
        fifo.pop_front();
        continue;
      }
      if (d.due > t) {
        next = next < 0 ? d.due : std::min(next, d.due);
        break;
      }
      const std::int64_t cmd = d.cmd;
      const int attempt = d.attempt;
      fifo.pop_front();
      live->erase_executing(cmd);
      --m_executing;
      fail_attempt(*live, cmd, attempt, "timeout", fmt::format("start-to-close timeout of {} ms passed", timeout),
                   false);
    }
  }
  return next;
}

void Engine::Impl::fail_attempt(LiveRun& lr, std::int64_t cmd, int attempt, const std::string& type,
                                const std::string& message, bool terminal) {
  ++m_failures;
  const ActivityCall* call = lr.run->activity(cmd);
  if (!call) return;
  RetryPolicy policy = policy_of(*call);
  bool exhausted = policy.maximum_attempts > 0 && attempt >= policy.maximum_attempts;
  bool non_retryable =
      terminal || std::find(policy.non_retryable.begin(), policy.non_retryable.end(), type) != policy.non_retryable.end();
  bool cancelled = !call->compensation && lr.run->cancel_requested();
  bool final = exhausted || non_retryable || cancelled;
  Json data{{"name", call->name}, {"attempt", attempt}, {"error", {{"type", type}, {"message", message}}},
            {"final", final}};
  store::Millis retry_at = 0;
  if (cancelled) data["cancelled"] = true;
  if (final && !cancelled && policy.on_exhausted == RetryPolicy::OnExhausted::kPause) data["paused"] = true;
  if (!final) {
    retry_at = now() + policy.delay_before(attempt + 1).count();
    data["retry_at"] = retry_at;
  }
  lr.run->record(EventType::kActivityFailed, cmd, std::move(data), now());
  collect(lr);
  if (final) return;
  open_batch(lr.run->identity().id).dispatch.push_back(cmd);  // once durable: arms the backoff timer
}

// ---- durable timers ----------------------------------------------------------------------------

void Engine::Impl::arm_durable(const std::string& run_id, std::int64_t cmd, store::Millis due,
                                std::optional<store::Millis> fire_at) {
  auto key = std::make_pair(run_id, cmd);
  if (auto it = durable_timers.find(key); it != durable_timers.end()) timers.cancel(it->second.id);
  auto fire = [this, run_id, cmd, due] { fire_durable(run_id, cmd, due); };
  durable_timers[key] = {timers.add(fire_at.value_or(due), std::move(fire)), due};
  m_timers = durable_timers.size();
}

void Engine::Impl::disarm_durable(const std::string& run_id, std::int64_t cmd) {
  auto it = durable_timers.find({run_id, cmd});
  if (it == durable_timers.end()) return;
  timers.cancel(it->second.id);
  durable_timers.erase(it);
  m_timers = durable_timers.size();
}

bool Engine::Impl::has_durable_timer(const std::string& run_id) const {
  auto it = durable_timers.lower_bound({run_id, std::numeric_limits<std::int64_t>::min()});
  return it != durable_timers.end() && it->first.first == run_id;
}

void Engine::Impl::disarm_durable_all(const std::string& run_id) {
  auto it = durable_timers.lower_bound({run_id, std::numeric_limits<std::int64_t>::min()});
  while (it != durable_timers.end() && it->first.first == run_id) {
    timers.cancel(it->second.id);
    it = durable_timers.erase(it);
  }
  m_timers = durable_timers.size();
}

void Engine::Impl::fire_durable(const std::string& run_id, std::int64_t cmd, store::Millis due) {
  // Bringing the run back re-arms the timers its journal holds (rearm_from_journal): a row whose
  // time was changed outside Cairn fired early, and is armed again at its journal's time.
  auto lr = ensure_live(run_id);
  if (auto it = durable_timers.find({run_id, cmd}); it != durable_timers.end()) {
    if (it->second.due != due) return;
    durable_timers.erase(it);
    m_timers = durable_timers.size();
  }
  // A sealed journal takes no TimerFired (Run::record refuses it), and its replay stopped at the
  // damage, so whether the timer's command is pending is unknown: the row stays for the run's
  // revival once its rows are restored (a retry, a restart).
  if (lr && (*lr)->run->journal_sealed()) return;
  if (lr && (*lr)->run->is_pending(cmd)) {
    (*lr)->run->record(EventType::kTimerFired, cmd, Json::object(), now());
    collect(**lr);
    return;
  }
  if (!lr && lr.status().code() != Errc::kNotFound && lr.status().code() != Errc::kConflict) {
    // The run could not be brought back (a store error, or its type's version is not registered
    // in this binary): the row stays and the timer fires again later, else nothing would ever
    // wake the waiting run, not even a restart.
    arm_durable(run_id, cmd, due, now() + kReviveRetryMs);
    return;
  }
  // The timer outlived its command (resolved, abandoned, or the run ended): delete its row.
  open_batch(run_id).batch.disarm.push_back({run_id, cmd});
}

// ---- children ----------------------------------------------------------------------------------

void Engine::Impl::start_children(LiveRun& parent, std::vector<ChildStart> children) {
  const std::string parent_id = parent.run->identity().id;
  for (auto& c : children) {
    StartRequest req{c.type, c.child_id, std::move(c.input), ""};
    std::string child_id = c.child_id;
    auto stored = find_stored(req);
    do_start(std::move(req), [this, parent_id, child_id](Result<StartReply> r) {
      if (r && (r->created || !store::is_terminal(r->status))) return;
      if (r) {  // the child already existed and had ended: report it now
        if (auto rec = store.get_run(child_id); rec)
          complete_child(parent_id, child_id, rec->status, rec->result, rec->error);
        return;
      }
      // A child that cannot start (unknown type, bad input) fails; store trouble is retried on revive.
      if (r.status().code() == Errc::kInvalidArgument)
        complete_child(parent_id, child_id, store::RunStatus::kFailed, "", r.status().message());
    }, parent_id, std::move(stored));
  }
}

void Engine::Impl::complete_child(const std::string& parent_id, const std::string& child_id, store::RunStatus status,
                                  const std::string& result_json, const std::string& error) {
  auto pos = child_id.rfind(':');
  if (pos == std::string::npos) return;
  std::int64_t cmd = std::stoll(child_id.substr(pos + 1));
  auto lr = ensure_live(parent_id);
  if (!lr || !(*lr)->run->is_pending(cmd)) return;
  Json data{{"child_id", child_id},
            {"status", store::run_status_name(status)},
            {"result", Json::parse(result_json.empty() ? "null" : result_json, nullptr, false)},
            {"error", error}};
  // A sealed parent takes no event: once its rows are restored, its revival finds the child ended.
  if (!(*lr)->run->record(EventType::kChildCompleted, cmd, std::move(data), now())) return;
  collect(**lr);
}

}  // namespace cairn::engine

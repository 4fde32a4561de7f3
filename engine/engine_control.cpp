// Control calls: start, signal, query, cancel, terminate, retry, watch, audit. Each public method
// queues its work for the workflow thread and answers through `done` once the outcome is durable.
#include <fmt/format.h>

#include "engine/dump_json.h"
#include "engine/engine_impl.h"
#include "engine/json_equal.h"

namespace cairn::engine {

using store::EventType;

namespace {

bool settled_enough(const store::RunRecord& r, bool settled) {
  return store::is_terminal(r.status) || r.status == store::RunStatus::kStuck ||
         (settled && r.status != store::RunStatus::kRunning);
}

// Every admin action is journaled as an AdminAction first; its effect, if it has one of its own
// (CancelRequested, WorkflowTerminated), follows in the same batch.
Json admin_action(const std::string& action, const Actor& actor) {
  return Json{{"action", action}, {"by", actor.name}, {"role", actor.role}};
}

store::AuditEntry audit_entry(store::Millis at, const Actor& actor, const std::string& action,
                              const std::string& target) {
  return store::AuditEntry{0, at, actor.name, actor.role, action, target, "accepted"};
}

// What an action that would append to a sealed journal (Run::journal_sealed()) answers.
Status sealed_conflict(const std::string& id, const Run& run) {
  return Status(Errc::kConflict,
                fmt::format("run {} is stuck, its rows changed outside Cairn, and nothing more is appended to its "
                            "journal; restore the database from a backup (docs/operations.md) or terminate the run. {}",
                            id, run.stuck_reason()));
}

// The audit outcome of an admin action refused with `code`.
std::string refusal_outcome(Errc code) {
  switch (code) {
    case Errc::kNotFound: return "not_found";
    case Errc::kConflict: return "conflict";
    default: return "failed";  // the store could not do it (I/O error, full disk, ...)
  }
}

// Why a start cannot be answered by `rec`, the run holding its id or its idempotency key; nullopt
// when it can: the same type and equal input, and, when the client chose an id, that run.
std::optional<Status> start_conflict(const store::RunRecord& rec, const std::string& type, const Json& input,
                                     const std::string& chosen_id) {
  if (!chosen_id.empty() && rec.id != chosen_id)  // found by the key
    return Status(Errc::kConflict, fmt::format("idempotency key belongs to run {}", rec.id));
  if (rec.type != type || !same_json(Json::parse(rec.input, nullptr, false), input))
    return Status(Errc::kConflict, fmt::format("run {} exists with other input", rec.id));
  return std::nullopt;
}

}  // namespace

// "r-" and 13 base-32 digits (ordered like their ASCII) of milliseconds since the epoch << 22 |
// a sequence: generated ids sort by creation time, so the unique index on runs.id grows at its
// right edge. (A random id put each start on a leaf of its own: a 4 KiB WAL frame more per run,
// 4.2 pwrite calls per start against 2.3 now.) The sequence starts at a random value in each new
// millisecond and counts up: ids from two processes in the same millisecond (a clock stepped back
// across a restart) are unlikely to meet, and the create would still report a clash. Within a
// process every id is larger than the last: a clock that stands still or steps back only advances
// the sequence, which past its 2^22 values borrows the next millisecond. 15 characters: the id
// fits std::string's inline buffer, so the many copies it gets on the hot path allocate nothing.
std::string Engine::Impl::generate_id() {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
  constexpr int kSequenceBits = 22;
  const auto ms = static_cast<std::uint64_t>(std::max<Millis>(now(), 0));
  if (ms > id_ms) {
    id_ms = ms;
    id_sequence = id_rng() & ((1ull << (kSequenceBits - 1)) - 1);  // half the range left to count up
  } else if (++id_sequence >> kSequenceBits) {
    ++id_ms;
    id_sequence = 0;
  }
  const std::uint64_t bits = (id_ms << kSequenceBits) | id_sequence;
  std::string id = "r-";
  for (int shift = 60; shift >= 0; shift -= 5) id += kDigits[(bits >> shift) & 31];
  return id;
}

Result<std::optional<StoredRun>> Engine::Impl::find_stored(const StartRequest& req) {
  if (!req.idempotency_key.empty()) {
    auto by_key = store.find_by_idempotency_key(req.idempotency_key);
    if (by_key) return std::optional(StoredRun{std::move(by_key).value(), true});
    if (by_key.status().code() != Errc::kNotFound) return by_key.status();
  }
  if (!req.id.empty()) {
    auto by_id = store.get_run(req.id);
    if (by_id) return std::optional(StoredRun{std::move(by_id).value(), false});
    if (by_id.status().code() != Errc::kNotFound) return by_id.status();
  }
  return std::optional<StoredRun>();
}

void Engine::Impl::do_start(StartRequest req, Done<StartReply> done, const std::string& parent_id,
                            Result<std::optional<StoredRun>> stored) {
  const WorkflowDef* def = registry.find_workflow(req.type);
  if (!def) return done(Status(Errc::kInvalidArgument, fmt::format("unknown workflow type '{}'", req.type)));
  if (!stored) return done(stored.status());

  // An existing run answers an equal start; anything else with its id or key is a conflict.
  auto answer_existing = [&](const store::RunRecord& rec) {
    if (auto conflict = start_conflict(rec, req.type, req.input, req.id)) return done(std::move(*conflict));
    done(StartReply{rec.id, rec.type, rec.status, false});
  };
  if (*stored && (*stored)->by_key) return answer_existing((*stored)->record);
  // A generated id is new by construction (the create would still report a clash).
  const bool client_chose_id = !req.id.empty();
  if (!client_chose_id) req.id = generate_id();
  if (LiveRun* lr = find_live(req.id)) {
    const auto& ident = lr->run->identity();
    auto reply = [=, this](const Status& settled) {
      if (!settled.is_ok()) return done(settled);
      LiveRun* now_live = find_live(req.id);
      auto status = now_live ? now_live->run->status() : store::RunStatus::kRunning;
      if (ident.type != req.type || !same_json(ident.input, req.input))
        return done(Status(Errc::kConflict, fmt::format("run {} exists with other input", req.id)));
      done(StartReply{req.id, req.type, status, false});
    };
    if (uncommitted(req.id, *lr)) return lr->on_settled.push_back(reply);
    return reply(Status::ok());
  }
  if (*stored) return answer_existing((*stored)->record);  // found by the client's id
  // Only a new run's input is checked: a repeated start of an existing run is answered by that
  // run, though its input was accepted by a version whose checks have since changed.
  if (std::string why = def->validate(req.input); !why.empty())
    return done(Status(Errc::kInvalidArgument, fmt::format("invalid input for {}: {}", req.type, why)));

  // Create speculatively: the run's first activation shares the create's transaction.
  const std::string id = req.id;
  auto run = std::make_unique<Run>(RunIdentity{id, req.type, def->version, req.input, parent_id}, *def);
  LiveRun& lr = adopt(std::move(run), nullptr);
  lr.created_at = lr.updated_at = now();
  lr.idempotency_key = req.idempotency_key;
  OpenBatch& ob = open_batch(id);
  ob.batch.create = store::CreateRun{id, req.type, def->version, dump_json(req.input), parent_id,
                                     req.idempotency_key, lr.created_at};
  Json started = Json::object();  // member by member: a braced Json{{...}} copies the input twice more
  started["input"] = req.input;
  started["type"] = req.type;
  started["version"] = def->version;
  started["parent_id"] = parent_id;
  lr.run->record(EventType::kWorkflowStarted, 0, std::move(started), now());
  collect(lr);
  ++m_starts;
  open_batch(id).then.push_back([this, id, client_chose_id, type = std::move(req.type), input = std::move(req.input),
                                 done = std::move(done)](const store::BatchResult& r) {
    if (!r.status.is_ok()) return done(r.status);
    if (r.existing) {  // lost a race for the id or the key (another writer got there first)
      const auto& e = *r.existing;
      if (auto conflict = start_conflict(e, type, input, client_chose_id ? id : std::string()))
        return done(std::move(*conflict));
      return done(StartReply{e.id, e.type, e.status, false});
    }
    LiveRun* live = find_live(id);
    done(StartReply{id, type, live ? live->run->status() : store::RunStatus::kRunning, true});
  });
}

// The run's index row as the store holds it: built from memory when nothing of the run is waiting
// for a commit (then memory and store agree), read from the store otherwise.
Result<store::RunRecord> Engine::Impl::committed_record(const std::string& run_id) {
  LiveRun* lr = find_live(run_id);
  if (!lr || uncommitted(run_id, *lr)) return store.get_run(run_id);
  const RunIdentity& ident = lr->run->identity();
  store::RunUpdate u = index_update(*lr->run);  // the same columns the last batch wrote
  return store::RunRecord{.id = ident.id,
                          .type = ident.type,
                          .version = ident.version,
                          .status = *u.status,
                          .input = dump_json(ident.input),
                          .result = u.result.value_or(""),
                          .error = u.error.value_or(""),
                          .stuck_reason = *u.stuck_reason,
                          .waiting_on = *u.waiting_on,
                          .created_at = lr->created_at,
                          .updated_at = lr->updated_at,
                          .parent_id = ident.parent_id,
                          .idempotency_key = lr->idempotency_key,
                          .last_seq = lr->batched_seq};
}

void Engine::Impl::write_audit(store::AuditEntry entry, DoneStatus done) {
  if (entry.at == 0) entry.at = now();
  OpenBatch& ob = open_batch(fmt::format("#audit{}", ++audit_counter));
  ob.batch.audit.push_back(std::move(entry));
  ob.then.push_back([done = std::move(done)](const store::BatchResult& r) { done(r.status); });
}

// An accepted action's entry is written in the action's own batch (audit_entry); a refused one
// gets its entry here, and the refusal is answered once that entry is durable, so whoever sees
// the 404/409 finds it in the log. (If the entry cannot be written, the store is failing and
// /readyz says so; the refusal is answered all the same.)
DoneStatus Engine::Impl::audited(const Actor& actor, const std::string& action, const std::string& target,
                                 DoneStatus done) {
  return [this, entry = audit_entry(0, actor, action, target), done = std::move(done)](Status s) mutable {
    if (s.is_ok()) return done(s);
    entry.outcome = refusal_outcome(s.code());
    write_audit(std::move(entry), [done = std::move(done), s](const Status&) { done(s); });
  };
}

void Engine::Impl::notify_watchers(const std::string& run_id) {
  auto it = watchers.find(run_id);
  if (it == watchers.end()) return;
  auto rec = committed_record(run_id);
  if (!rec) return;
  auto& list = it->second;
  for (auto w = list.begin(); w != list.end();) {
    if (!settled_enough(*rec, w->settled)) {
      ++w;
      continue;
    }
    timers.cancel(w->timer);
    w->done(*rec);
    w = list.erase(w);
  }
  if (list.empty()) watchers.erase(it);
}

// ---- Engine ------------------------------------------------------------------------------------

void Engine::start_run(StartRequest request, Done<StartReply> done) {
  auto* impl = impl_.get();
  if (!impl->ready) return done(Status(Errc::kUnavailable, "engine is recovering"));
  // The store reads run here, on the caller's thread, not on the workflow thread: what they find
  // is still checked there against live runs, and a run stored meanwhile is reported by the create.
  auto stored = impl->find_stored(request);
  impl->call_on_loop(std::move(done), [impl, request = std::move(request), stored = std::move(stored)](auto done) mutable {
    impl->do_start(std::move(request), std::move(done), "", std::move(stored));
  });
}

void Engine::signal(const std::string& id, const std::string& name, Json payload, const std::string& key,
                    Done<std::int64_t> done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, name, payload = std::move(payload), key](auto done) mutable {
    // A key already delivered answers its seq even once the run has ended: the client may be
    // retrying the very signal that ended it. Anything else sent to an ended run is a conflict.
    // A live run that ended is taken too: its ending write may still fail (refuse_settled()).
    auto lr = impl->ensure_live(id, /*allow_terminal=*/!key.empty() || impl->find_live(id));
    if (!lr) return done(lr.status());
    LiveRun& live = **lr;
    if (!key.empty())
      if (auto it = live.signal_keys.find(key); it != live.signal_keys.end()) {
        std::int64_t seq = it->second;
        if (impl->uncommitted(id, live))
          return live.on_settled.push_back([done, seq](const Status& settled) {
            if (!settled.is_ok()) return done(settled);
            done(seq);
          });
        impl->forget_if_ended(id);
        return done(seq);
      }
    const auto answer = [done](Status s) { done(std::move(s)); };
    if (live.run->terminal()) return impl->refuse_settled(id, live, terminal_conflict(id, live.run->status()), answer);
    if (live.run->journal_sealed()) return impl->refuse_settled(id, live, sealed_conflict(id, *live.run), answer);
    std::int64_t consumer = live.run->broken().is_ok() ? live.run->signal_consumer(name) : 0;
    Json data{{"name", name}, {"payload", std::move(payload)}};
    if (!key.empty()) data["key"] = key;
    std::int64_t seq = live.run->last_seq() + 1;
    live.run->record(EventType::kSignalReceived, consumer, std::move(data), impl->now());
    if (!key.empty()) {
      live.signal_keys[key] = seq;
      impl->open_batch(id).batch.signal_key = store::SignalKey{id, key, seq};
    }
    impl->collect(live);
    impl->open_batch(id).then.push_back([done, seq](const store::BatchResult& r) {
      if (!r.status.is_ok()) return done(r.status);
      if (r.existing_signal_seq) return done(*r.existing_signal_seq);
      done(seq);
    });
  });
}

void Engine::query(const std::string& id, const std::string& name, Done<Json> done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, name](auto done) {
    auto lr = impl->ensure_live(id, /*allow_terminal=*/true);
    if (!lr) return done(lr.status());
    LiveRun* live = *lr;
    // Answer from durable state only: wait for the run's in-flight writes first.
    auto answer = [impl, id, name, done](const Status& settled) {
      if (!settled.is_ok()) return done(settled);
      LiveRun* now_live = impl->find_live(id);
      if (!now_live) return done(Status(Errc::kUnavailable, "run was reloaded; ask again"));
      Result<Json> result = now_live->run->query(name);
      impl->forget_if_ended(id);
      done(std::move(result));
    };
    if (impl->uncommitted(id, *live)) return live->on_settled.push_back(answer);
    answer(Status::ok());
  });
}

void Engine::cancel(const std::string& id, const Actor& actor, DoneStatus done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, actor](DoneStatus answer) { impl->do_cancel(id, actor, std::move(answer)); });
}

void Engine::terminate(const std::string& id, const std::string& reason, const Actor& actor, DoneStatus done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, reason, actor](DoneStatus answer) {
    impl->do_terminate(id, reason, actor, std::move(answer));
  });
}

LiveRun* Engine::Impl::action_target(const std::string& id, const DoneStatus& done, bool sealed_ok) {
  auto lr = ensure_live(id, /*allow_terminal=*/find_live(id) != nullptr);
  if (!lr) {
    done(lr.status());
    return nullptr;
  }
  if ((*lr)->run->terminal()) {
    refuse_settled(id, **lr, terminal_conflict(id, (*lr)->run->status()), done);
    return nullptr;
  }
  if ((*lr)->run->journal_sealed() && !sealed_ok) {
    refuse_settled(id, **lr, sealed_conflict(id, *(*lr)->run), done);
    return nullptr;
  }
  return *lr;
}

void Engine::Impl::do_cancel(const std::string& id, const Actor& actor, DoneStatus answer) {
  DoneStatus done = audited(actor, "cancel", id, std::move(answer));
  LiveRun* target = action_target(id, done);
  if (!target) return;
  LiveRun& live = *target;
  const auto children = live.run->pending_children();
  live.run->record(EventType::kAdminAction, 0, admin_action("cancel", actor), now());
  live.run->record(EventType::kCancelRequested, 0, Json{{"by", actor.name}, {"role", actor.role}}, now());
  // Activities waiting in a retry backoff end now; one that is executing may still finish (its
  // effect may have happened) and is then recorded as it ends.
  std::vector<std::int64_t> in_backoff;
  for (const auto* call : live.run->pending_activities())
    if (!call->compensation && call->attempts > 0 && live.executing_attempt(call->cmd) == 0) in_backoff.push_back(call->cmd);
  for (auto cmd : in_backoff) {
    const ActivityCall* call = live.run->activity(cmd);
    if (!call || !live.run->cancel_requested()) continue;
    if (auto t = live.retry_timers.find(cmd); t != live.retry_timers.end()) {
      timers.cancel(t->second);
      live.retry_timers.erase(t);
    }
    live.run->record(EventType::kActivityFailed, cmd,
                     Json{{"name", call->name}, {"attempt", call->attempts},
                          {"error", {{"type", "cancelled"}, {"message", "cancel requested during retry backoff"}}},
                          {"final", true}, {"cancelled", true}},
                     now());
  }
  collect(live);
  OpenBatch& ob = open_batch(id);
  ob.batch.audit.push_back(audit_entry(now(), actor, "cancel", id));
  ob.then.push_back([this, done, actor, children](const store::BatchResult& r) {
    done(r.status);
    if (!r.status.is_ok()) return;
    for (const auto& child : children) do_cancel(child.child_id, actor, [](Status) {});
  });
}

void Engine::Impl::do_terminate(const std::string& id, const std::string& reason, const Actor& actor, DoneStatus answer) {
  DoneStatus done = audited(actor, "terminate", id, std::move(answer));
  LiveRun* target = action_target(id, done, /*sealed_ok=*/true);
  if (!target) return;
  LiveRun& live = *target;
  const auto children = live.run->pending_children();
  auto pending_timers = live.run->pending_timers();
  if (live.run->journal_sealed()) {
    // Ended in its run row only (its timers are disarmed and its children terminated below, as
    // for any run); the audit log holds the terminate that its journal cannot.
    live.run->mark_ended(store::RunStatus::kTerminated, "", reason);
    // Its replay stopped at the damage, so it may not know all its timers: every one goes.
    open_batch(id).batch.disarm_runs.push_back(id);
    disarm_durable_all(id);
  } else {
    Json action = admin_action("terminate", actor);
    action["reason"] = reason;
    live.run->record(EventType::kAdminAction, 0, std::move(action), now());
    live.run->record(EventType::kWorkflowTerminated, 0, Json{{"reason", reason}, {"by", actor.name}}, now());
  }
  collect(live);
  OpenBatch& ob = open_batch(id);
  for (const auto& t : pending_timers) {
    ob.batch.disarm.push_back({id, t.cmd});
    disarm_durable(id, t.cmd);
  }
  ob.batch.audit.push_back(audit_entry(now(), actor, "terminate", id));
  ob.then.push_back([this, done, id, actor, children](const store::BatchResult& r) {
    done(r.status);
    if (!r.status.is_ok()) return;
    for (const auto& child : children)
      do_terminate(child.child_id, fmt::format("its parent {} was terminated", id), actor, [](Status) {});
  });
}

void Engine::retry(const std::string& id, const Actor& actor, DoneStatus done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, actor](DoneStatus answer) {
    impl->do_retry(id, actor, impl->audited(actor, "retry", id, std::move(answer)));
  });
}

void Engine::Impl::do_retry(const std::string& id, const Actor& actor, DoneStatus done) {
  // Decided on the stored run: a write of it still in flight (the one that makes it stuck or
  // failed) is waited for, or a retry sent as the run stopped would be refused as running.
  if (LiveRun* live = find_live(id); live && uncommitted(id, *live))
    return live->on_settled.push_back([this, id, actor, done](const Status& settled) {
      if (!settled.is_ok()) return done(settled);
      forget_if_ended(id);  // a failed run resumes from the store, not from its ended incarnation
      do_retry(id, actor, done);
    });
  auto rec = store.get_run(id);
  if (!rec) return done(rec.status());
  auto refuse = [&](const std::string& why) { done(Status(Errc::kConflict, fmt::format("run {} {}", id, why))); };

  if (rec->status == store::RunStatus::kStuck) {
    // A journal sealed as damaged is read again: its rows may have been restored from a backup.
    if (LiveRun* live = find_live(id); live && live->run->journal_sealed()) drop(id);
    auto lr = ensure_live(id);
    if (!lr) return done(lr.status());
    LiveRun& live = **lr;
    if (live.run->journal_sealed()) return refuse_settled(id, live, sealed_conflict(id, *live.run), done);
    bool nondeterministic = !live.run->broken().is_ok();
    live.run->record(EventType::kAdminAction, 0, admin_action("retry", actor), now());
    collect(live);
    OpenBatch& ob = open_batch(id);
    ob.batch.audit.push_back(audit_entry(now(), actor, "retry", id));
    ob.then.push_back([this, id, done, nondeterministic](const store::BatchResult& r) {
      done(r.status);
      if (!r.status.is_ok() || !nondeterministic) return;
      drop(id);  // replay again: the code may have been fixed
      (void)ensure_live(id);
    });
    return;
  }
  if (rec->status != store::RunStatus::kFailed) {
    // A waiting run not in memory is read first: its journal may be damaged, which its row cannot
    // say until a replay seals it, and the admin retrying it is told that, not "is waiting".
    if (!store::is_terminal(rec->status) && !find_live(id))
      if (auto lr = ensure_live(id); lr && (*lr)->run->journal_sealed())
        return refuse_settled(id, **lr, sealed_conflict(id, *(*lr)->run), done);
    return refuse(fmt::format("is {}; only stuck or failed runs can be retried", store::run_status_name(rec->status)));
  }

  // A failed run resumes at its failed step: the journal from that failure on is superseded.
  auto history = store.load_history(id, 0, 0);
  if (!history) return done(history.status());
  std::int64_t failed_at = 0, from = 0;
  for (const auto& e : *history) {
    if (e.type == EventType::kWorkflowFailed) failed_at = e.seq;
    auto d = Json::parse(e.data, nullptr, false);
    if (e.type == EventType::kActivityFailed && d.is_object() && d.value("final", false)) from = e.seq;
  }
  if (failed_at == 0) return refuse("has no WorkflowFailed event");
  if (from == 0 || from > failed_at) from = failed_at;
  for (const auto& e : *history) {
    if (e.seq <= from || e.seq >= failed_at) continue;
    if (e.type == EventType::kActivityCompleted || e.type == EventType::kActivityFailed ||
        e.type == EventType::kChildStarted || e.type == EventType::kCompensationStarted)
      return refuse("ran further steps (compensations) after its failure; start a new run instead");
  }
  Json action = admin_action("retry", actor);
  action["supersede_from"] = from;
  store::Append append;
  append.run_id = id;
  append.expected_last_seq = rec->last_seq;
  append.events.push_back({EventType::kAdminAction, 0, now(), action.dump()});
  append.update.status = store::RunStatus::kRunning;
  append.update.error = "";
  OpenBatch& ob = open_batch(id);
  ob.batch.appends.push_back(std::move(append));
  ob.batch.audit.push_back(audit_entry(now(), actor, "retry", id));
  ob.then.push_back([this, id, done](const store::BatchResult& r) {
    done(r.status);
    if (r.status.is_ok()) (void)ensure_live(id);
  });
}

void Engine::skip(const std::string& id, Json result, const Actor& actor, DoneStatus done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, result = std::move(result), actor](DoneStatus answer) {
    DoneStatus done = impl->audited(actor, "skip", id, std::move(answer));
    LiveRun* target = impl->action_target(id, done);
    if (!target) return;
    LiveRun& live = *target;
    auto refuse = [&](const std::string& why) { done(Status(Errc::kConflict, fmt::format("run {} {}", id, why))); };
    const auto paused = live.run->paused_activities();
    if (live.run->status() != store::RunStatus::kStuck || paused.empty())
      return refuse("is not stuck on an activity whose attempts ran out; nothing to skip");
    if (paused.size() > 1) return refuse("is stuck on several activities; retry it instead");
    const ActivityCall& call = *paused.front();
    if (!impl->skippable_of(call))
      return refuse(fmt::format("is stuck on activity {}, which its workflow does not let an admin skip", call.name));
    const std::int64_t cmd = call.cmd;
    const std::string name = call.name;
    Json action = admin_action("skip", actor);
    action["cmd"] = cmd;
    action["activity"] = name;
    live.run->record(EventType::kAdminAction, 0, std::move(action), impl->now());
    live.run->record(EventType::kActivityCompleted, cmd, Json{{"name", name}, {"result", result}, {"skipped", true}},
                     impl->now());
    impl->collect(live);
    OpenBatch& ob = impl->open_batch(id);
    ob.batch.audit.push_back(audit_entry(impl->now(), actor, "skip", id));
    ob.then.push_back([done](const store::BatchResult& r) { done(r.status); });
  });
}

void Engine::watch(const std::string& id, Millis deadline, bool settled, Done<store::RunRecord> done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, id, deadline, settled](auto done) {
    // A live run that is running, or whose commit is pending, cannot answer yet (the store is never
    // ahead of memory): the watcher waits for the commit that settles it, which notify_watchers()
    // answers from memory, without building or reading the run's row now.
    LiveRun* live = impl->find_live(id);
    const bool expired = deadline <= impl->now();
    const bool must_wait =
        live && (live->run->status() == store::RunStatus::kRunning || impl->uncommitted(id, *live));
    if (!must_wait || expired) {
      auto rec = impl->committed_record(id);
      if (!rec || settled_enough(*rec, settled) || expired) return done(rec);
    }
    Watcher w{deadline, settled, done};
    w.timer = impl->timers.add(deadline, [impl, id, done] {
      auto it = impl->watchers.find(id);
      if (it != impl->watchers.end()) {
        std::erase_if(it->second, [&](const Watcher& x) { return x.deadline <= impl->now(); });
        if (it->second.empty()) impl->watchers.erase(it);
      }
      done(impl->committed_record(id));
    });
    impl->watchers[id].push_back(std::move(w));
  });
}

void Engine::record_audit(store::AuditEntry entry, DoneStatus done) {
  auto* impl = impl_.get();
  impl->call_on_loop(std::move(done), [impl, entry = std::move(entry)](DoneStatus done) mutable {
    impl->write_audit(std::move(entry), std::move(done));
  });
}

}  // namespace cairn::engine

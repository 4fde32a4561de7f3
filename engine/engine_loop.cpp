// The workflow thread's loop, batching of run writes, commit acknowledgements, recovery, and the
// thin public Engine methods that forward to it.
#include <fmt/format.h>
#include <pthread.h>

#include <cstdio>
#include <future>

#include "engine/engine_impl.h"

namespace cairn::engine {

store::RunUpdate index_update(const Run& run) {
  store::RunUpdate u;
  u.status = run.status();
  u.waiting_on = run.waiting_on();
  u.stuck_reason = run.stuck_reason();
  if (run.terminal()) {
    if (run.status() == store::RunStatus::kCompleted) u.result = run.result_json();
    u.error = run.error();
  }
  return u;
}

Engine::Impl::Impl(store::Store& s, const Registry& r, EngineOptions o)
    : store(s), registry(r), options(o), clock(o.clock ? o.clock : &system_clock) {}

// Notifies under the lock: once the loop has taken the last item it may stop and destroy `cv`, so a
// poster (the store's writer thread) must not touch it after releasing `mu`.
Status Engine::Impl::try_post(std::function<void()>& fn, bool force) {
  std::lock_guard lock(mu);
  if (!force && (stopping || halted)) return Status(Errc::kUnavailable, "engine is stopping");
  if (!force && inbox.size() >= options.max_queued_requests)
    return Status(Errc::kOverloaded, "too many queued requests");
  inbox.push_back(std::move(fn));
  cv.notify_one();
  return Status::ok();
}

void Engine::Impl::acknowledge(store::BatchResult result) { hand_to_loop(acks, std::move(result)); }

void Engine::Impl::loop() {
  std::vector<store::BatchResult> answers;
  std::vector<AttemptResult> attempts;
  std::unique_lock lock(mu);
  for (;;) {
    auto work = std::exchange(inbox, {});
    answers.swap(acks);
    attempts.swap(finished);
    lock.unlock();
    for (auto& r : answers) {
      Committing batch = std::move(committing.front());
      committing.pop_front();
      on_committed(batch, r);
    }
    answers.clear();
    for (auto& r : attempts) on_attempt_result(std::move(r));
    attempts.clear();
    for (auto& fn : work) fn();
    for (auto& fn : timers.take_due(now())) fn();
    const store::Millis attempt_due = expire_attempts();
    flush();
    lock.lock();
    if (has_work()) continue;
    if (stopping && m_inflight == 0) break;
    store::Millis due = timers.next_due();
    if (attempt_due >= 0 && (due < 0 || attempt_due < due)) due = attempt_due;
    if (due >= 0 && due <= now()) continue;
    next_due = due;
    idle = compute_idle();
    if (idle) idle_cv.notify_all();
    auto wake = [&] { return has_work() || (stopping && m_inflight == 0); };
    if (due < 0 || clock->manual())
      cv.wait(lock, wake);
    else
      cv.wait_for(lock, std::chrono::milliseconds(due - now()), wake);
    idle = false;
  }
  loop_done = true;
  idle_cv.notify_all();
}

bool Engine::Impl::compute_idle() {
  return m_inflight == 0 && m_executing == 0 && open.empty();
}

// ---- batching --------------------------------------------------------------------------------

namespace {

// What waits on a write of the run that failed hears: memory ran ahead of the store, so the
// caller's action was not applied (nor is its answer known) and is the caller's to retry.
Status earlier_write_failed(const std::string& run_id) {
  return Status(Errc::kUnavailable, fmt::format("run {}: an earlier write of this run failed; retry", run_id));
}

// Appends `from` to `to`, taking its buffer when `to` is empty (the common case: no allocation).
template <class T>
void append_moved(std::vector<T>& to, std::vector<T>&& from) {
  if (to.empty()) {
    to = std::move(from);
    return;
  }
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

OpenBatch& Engine::Impl::open_batch(const std::string& run_id) { return open[run_id]; }

store::Append& Engine::Impl::append_of(LiveRun& lr) {
  const std::string& id = lr.run->identity().id;
  auto& appends = open_batch(id).batch.appends;
  for (auto& a : appends)
    if (a.run_id == id) return a;
  store::Append a;
  a.run_id = id;
  a.expected_last_seq = lr.batched_seq;
  appends.push_back(std::move(a));
  return appends.back();
}

void Engine::Impl::collect(LiveRun& lr) {
  RunEffects fx = lr.run->take_effects();
  const std::string& id = lr.run->identity().id;
  store::Append& append = append_of(lr);
  append_moved(append.events, std::move(fx.events));
  lr.batched_seq = lr.run->last_seq();
  append.update = index_update(*lr.run);

  OpenBatch& ob = open_batch(id);
  for (auto cmd : fx.disarm) {
    std::erase_if(ob.batch.arm, [&](const store::Timer& t) { return t.cmd == cmd && t.run_id == id; });
    ob.batch.disarm.push_back({id, cmd});
    disarm_durable(id, cmd);
  }
  for (auto& t : fx.arm) {
    arm_durable(id, t.cmd, t.due);
    ob.batch.arm.push_back(std::move(t));
  }
  // (E1) activities start only once the events that issued them are durable.
  append_moved(ob.dispatch, std::move(fx.activities));
  if (!fx.children.empty()) start_children(lr, std::move(fx.children));
}

void Engine::Impl::flush() {
  if (open.empty()) return;
  auto batches = std::exchange(open, {});
  std::vector<store::Submission> submissions;
  submissions.reserve(batches.size());
  const store::Millis at = now();
  while (!batches.empty()) {
    auto node = batches.extract(batches.begin());  // owns the key: moved, not copied, below
    std::string& id = node.key();
    OpenBatch& ob = node.mapped();
    ob.batch.now = at;
    if (has_commit_filter) {
      std::lock_guard lock(mu);
      if (commit_filter && commit_filter(ob.batch)) halted = true;
    }
    if (halted) {
      // A simulated crash: this batch and everything after it is lost. Its callers are told, as a
      // client of a killed server hears its connection drop, so a test's call returns.
      const store::BatchResult lost{Status(Errc::kUnavailable, "the engine stopped (simulated crash) before this commit")};
      for (auto& fn : ob.then) fn(lost);
      continue;
    }
    LiveRun* lr = find_live(id);
    if (lr) ++lr->inflight;
    ++m_inflight;
    const store::Millis indexed_at = ob.batch.appends.empty() ? 0 : ob.batch.now;  // the row's updated_at
    committing.push_back({std::move(id), lr ? lr->incarnation : 0, indexed_at, std::move(ob.dispatch), std::move(ob.then)});
    submissions.push_back({std::move(ob.batch), [this](store::BatchResult r) { acknowledge(std::move(r)); }});
  }
  if (!submissions.empty()) store.submit_all(std::move(submissions));
  if (halted && !open.empty()) flush();  // what the lost batches' callers wrote (an audit entry) is lost too
}

void Engine::Impl::on_committed(Committing& batch, const store::BatchResult& r) {
  const std::string& run_id = batch.run_id;
  const std::uint64_t inc = batch.incarnation;
  const store::Millis indexed_at = batch.indexed_at;
  --m_inflight;
  LiveRun* lr = inc ? find_live(run_id, inc) : nullptr;
  if (lr) {
    --lr->inflight;
    if (r.status.is_ok() && r.applied && indexed_at != 0) lr->updated_at = indexed_at;
  }
  // Health first, so a caller answered by a callback below sees the same state in /readyz. A
  // stale expected seq (below) only follows an earlier failed write of the run, which was shown:
  // repeating it as a conflict, once per queued batch, told an operator nothing new.
  // A write of this run that failed alone (its rows changed outside Cairn: the store says so) is
  // logged, but it is no trouble of the store's: /readyz stays ready.
  const bool failed = !r.status.is_ok() && r.status.code() != Errc::kConflict;
  const bool run_damaged = failed && r.failed_alone;
  if (failed && !run_damaged) {
    std::lock_guard lock(mu);
    last_store_error = r.status.to_string();
    store_failing = true;
  } else if (r.status.is_ok() && store_failing) {  // the lock only while an error is shown
    std::lock_guard lock(mu);
    last_store_error.clear();
    store_failing = false;
  }
  if (failed) log_commit_failure(run_id, r.status);
  if (r.status.is_ok() && r.applied)
    for (auto cmd : batch.dispatch)
      if (LiveRun* live = inc ? find_live(run_id, inc) : nullptr) dispatch(*live, cmd);
  // A stale expected seq: memory ran ahead of a write of this run that failed (E2), so what this
  // batch carried was never applied. That is the caller's to retry (503), not a conflict with
  // the run's state, which 409 would tell a client.
  const store::BatchResult* answer = &r;
  store::BatchResult retry;
  if (r.status.code() == Errc::kConflict) {
    retry = r;
    retry.status = earlier_write_failed(run_id);
    answer = &retry;
  }
  for (auto& fn : batch.then) fn(*answer);
  lr = inc ? find_live(run_id, inc) : nullptr;  // a callback may have dropped or replaced it
  if (lr && (!r.status.is_ok() || !r.applied)) {
    // (E2) memory is ahead of the store: forget this incarnation and replay what is durable.
    bool retry_later = !r.status.is_ok();
    if (retry_later) timers_ahead_of_store.insert(run_id);  // taken by that replay's rearm_from_journal
    for (auto& fn : std::exchange(lr->on_settled, {})) fn(earlier_write_failed(run_id));
    drop(run_id);
    // A store in trouble is given a second; a run whose journal was found damaged is read again
    // at once, which seals it (stuck), so a read after the caller's 503 shows why.
    const bool sealing = run_damaged && r.status.code() == Errc::kCorruption;
    if (retry_later)
      timers.add(now() + (sealing ? 0 : 1000), [this, run_id] {
        if (!find_live(run_id)) (void)ensure_live(run_id);
      });
    return;
  }
  after_run_committed(run_id);
}

void Engine::Impl::log_commit_failure(const std::string& run_id, const Status& status) {
  const auto t = std::chrono::steady_clock::now();
  if (t - failure_logged_at < std::chrono::seconds(1)) {
    ++unlogged_failures;
    return;
  }
  std::fprintf(stderr, "cairn: commit for run %s failed: %s", run_id.c_str(), status.to_string().c_str());
  if (unlogged_failures > 0) std::fprintf(stderr, " (and %zu more failed commits since the last line)", unlogged_failures);
  std::fputc('\n', stderr);
  failure_logged_at = t;
  unlogged_failures = 0;
}

void Engine::Impl::after_run_committed(const std::string& run_id) {
  LiveRun* lr = find_live(run_id);
  // Watchers wait for a settled run; a live run still running cannot satisfy any of them.
  if (!lr || lr->run->status() != store::RunStatus::kRunning) notify_watchers(run_id);
  if (!lr || lr->inflight > 0) return;
  // Reported before the settled callbacks: one of them (a call refused because the run ended)
  // may drop the run, and the metrics and the parent must hear of its end all the same.
  if (lr->run->terminal() && !lr->reported_terminal) {
    lr->reported_terminal = true;
    ++m_completions[static_cast<int>(lr->run->status())];
    if (!lr->run->identity().parent_id.empty())
      complete_child(lr->run->identity().parent_id, run_id, lr->run->status(), lr->run->result_json(),
                     lr->run->error());
    lr = find_live(run_id);  // reviving the parent may have evicted runs
    if (!lr) return;
  }
  for (auto& fn : std::exchange(lr->on_settled, {})) fn(Status::ok());
  lr = find_live(run_id);  // a settled callback may have dropped it
  if (!lr) return;
  if (lr->run->terminal()) {
    if (open.count(run_id) == 0) drop(run_id);
    return;
  }
  maybe_evict(run_id);
}

// ---- recovery --------------------------------------------------------------------------------

void Engine::Impl::recover() {
  auto due = store.due_timers(std::numeric_limits<store::Millis>::max(), 0);
  auto ids = store.unfinished_runs();
  if (!due || !ids) {
    std::lock_guard lock(mu);
    last_store_error = (!due ? due.status() : ids.status()).to_string();
    store_failing = true;
    std::fprintf(stderr, "cairn: recovery failed (retrying in 1 s): %s\n", last_store_error.c_str());
    timers.add(now() + 1000, [this] { recover(); });
    return;
  }
  for (const auto& t : *due) arm_durable(t.run_id, t.cmd, t.due);
  std::size_t resumed = 0;
  for (const auto& id : *ids) {
    auto rec = store.get_run(id);
    // Waiting and stuck runs stay on disk: their timers are armed, and a signal or an admin
    // action brings them back. Running ones have work in flight: replay and re-issue it, and so
    // a run waiting until a time with no timer row armed (the table is a copy of what journals
    // hold, changed outside Cairn): its replay arms what its journal holds.
    if (!rec) continue;
    const bool timer_lost = rec->status == store::RunStatus::kWaiting && rec->waiting_on &&
                            rec->waiting_on->until > 0 && !has_durable_timer(id);
    if (rec->status != store::RunStatus::kRunning && !timer_lost) continue;
    if (ensure_live(id)) ++resumed;
  }
  if (!ids->empty())
    std::fprintf(stderr, "cairn: recovery: %zu unfinished run(s), %zu resumed, %zu timer(s) armed\n", ids->size(),
                 resumed, due->size());
  {
    std::lock_guard lock(mu);
    last_store_error.clear();
    store_failing = false;
  }
  ready = true;
}

// ---- Engine ------------------------------------------------------------------------------------

Engine::Engine(store::Store& store, const Registry& registry, EngineOptions options)
    : impl_(std::make_unique<Impl>(store, registry, options)) {}

Engine::~Engine() { stop(); }

void Engine::start() {
  auto* impl = impl_.get();
  impl->executor = std::make_unique<ActivityExecutor>(impl->options.activity_threads, [impl](AttemptResult r) {
    impl->hand_to_loop(impl->finished, std::move(r));
  });
  impl->clock->on_advance([impl] { impl->post([] {}, /*force=*/true); });
  std::promise<void> attempted;
  impl->post([impl, &attempted] {
    impl->recover();
    attempted.set_value();
  }, /*force=*/true);
  impl->thread = std::thread([impl] {
    pthread_setname_np(pthread_self(), "cairn-workflow");  // shown by top -H, perf, gdb
    impl->loop();
  });
  attempted.get_future().wait();
}

bool Engine::ready() const { return impl_->ready && !impl_->halted; }

std::string Engine::health() const {
  if (impl_->halted) return "halted";
  // A damaged database stays damaged: no later commit clears this one. A volume short of space
  // is reported before the write that would fail on it.
  if (Status store = impl_->store.health(); !store.is_ok()) return "store: " + store.to_string();
  if (!impl_->ready) {
    std::lock_guard lock(impl_->mu);
    return impl_->last_store_error.empty() ? "recovering" : "recovery failed: " + impl_->last_store_error;
  }
  std::lock_guard lock(impl_->mu);
  return impl_->last_store_error.empty() ? "" : "store: " + impl_->last_store_error;
}

void Engine::stop() {
  auto* impl = impl_.get();
  {
    std::lock_guard lock(impl->mu);
    impl->stopping = true;
  }
  impl->cv.notify_all();
  if (impl->executor) impl->executor->stop();
  if (impl->thread.joinable()) impl->thread.join();
  impl->clock->on_advance(nullptr);
  impl->runs.clear();  // the loop has ended: safe to destroy the frames here
}

const Registry& Engine::registry() const { return impl_->registry; }
Millis Engine::now() const { return impl_->now(); }
store::StoreStats Engine::store_stats() { return impl_->store.stats(); }

EngineMetrics Engine::metrics() const {
  EngineMetrics m;
  m.starts = impl_->m_starts;
  for (int i = 0; i < 7; ++i) m.completions[i] = impl_->m_completions[i];
  m.activity_attempts = impl_->m_attempts;
  m.activity_failures = impl_->m_failures;
  m.replays = impl_->m_replays;
  m.evictions = impl_->m_evictions;
  m.live_runs = impl_->m_live;
  m.activities_in_flight = impl_->m_executing;
  m.timers_armed = impl_->m_timers;
  std::lock_guard lock(impl_->mu);
  m.queued_requests = impl_->inbox.size();
  return m;
}

Result<store::RunRecord> Engine::get(const std::string& id) { return impl_->store.get_run(id); }
Result<std::vector<store::Event>> Engine::history(const std::string& id, std::int64_t after, std::size_t limit) {
  return impl_->store.load_history(id, after, limit);
}
Result<store::HistoryPage> Engine::history_page(const std::string& id, std::int64_t after, std::size_t limit,
                                                std::size_t max_bytes) {
  return impl_->store.history_page(id, after, limit, max_bytes);
}
Result<store::RunPage> Engine::search(const store::RunFilter& filter) { return impl_->store.search(filter); }
Result<store::AuditPage> Engine::audit(const std::string& cursor, std::size_t limit) {
  return impl_->store.audit(cursor, limit);
}

void Engine::TEST_wait_idle() {
  std::unique_lock lock(impl_->mu);
  impl_->idle_cv.wait(lock, [&] { return (impl_->idle && impl_->inbox.empty()) || impl_->loop_done || impl_->halted; });
}
void Engine::TEST_set_commit_filter(std::function<bool(const store::JournalBatch&)> filter) {
  std::lock_guard lock(impl_->mu);
  impl_->has_commit_filter = static_cast<bool>(filter);
  impl_->commit_filter = std::move(filter);
}
void Engine::TEST_on_activity_attempt(std::function<void(const std::string&, const std::string&)> fn) {
  impl_->on_attempt = std::move(fn);
}
std::size_t Engine::TEST_live_runs() const { return impl_->m_live; }
Millis Engine::TEST_next_due() const { return impl_->next_due; }

}  // namespace cairn::engine

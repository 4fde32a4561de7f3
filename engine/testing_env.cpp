// cairn::testing::TestEnv: a real engine on a temporary SQLite file with a manual clock.
#include "cairn/testing.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <stdexcept>

#include "engine/engine.h"
#include "store/store.h"

namespace cairn::testing {

namespace {

std::string temp_db_path() {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path();
  return (dir / fmt::format("cairn-test-{}-{}.db", ::getpid(), ++counter)).string();
}

// Calls an async engine method and waits for its answer; throws on an error.
template <class T, class F>
T wait_for(F&& call) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  call([&p](Result<T> r) { p.set_value(std::move(r)); });
  auto r = f.get();
  if (!r) throw std::runtime_error(r.status().to_string());
  return std::move(r).value();
}

void wait_status(const std::function<void(engine::DoneStatus)>& call) {
  std::promise<Status> p;
  auto f = p.get_future();
  call([&p](Status s) { p.set_value(std::move(s)); });
  if (auto s = f.get(); !s.is_ok()) throw std::runtime_error(s.to_string());
}

}  // namespace

struct TestEnv::Impl {
  const Registry& registry;
  TestEnvOptions options;
  std::string path;
  bool own_file = false;
  engine::ManualClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
  std::function<bool(const store::JournalBatch&)> filter;
  std::function<void(const std::string&, const std::string&)> on_attempt;

  Impl(const Registry& r, TestEnvOptions o) : registry(r), options(std::move(o)), clock(options.start_time_ms) {
    path = options.db_path.empty() ? temp_db_path() : options.db_path;
    own_file = options.db_path.empty();
    open_store();
    boot();
  }

  void open_store() {
    store::SqliteOptions so;
    so.path = path;
    so.synchronous_full = false;  // a test process crash loses nothing at NORMAL
    auto opened = store::open_sqlite_store(so);
    if (!opened) throw std::runtime_error(opened.status().to_string());
    store = std::move(opened).value();
  }

  ~Impl() {
    engine.reset();
    if (store) store->close();
    store.reset();
    if (own_file) store::remove_database_files(path);
  }

  void boot() {
    engine::EngineOptions eo;
    eo.activity_threads = options.activity_threads;
    eo.cache_size = options.cache_size;
    eo.clock = &clock;
    engine = std::make_unique<engine::Engine>(*store, registry, eo);
    if (on_attempt) engine->TEST_on_activity_attempt(on_attempt);
    engine->start();
    engine->TEST_wait_idle();
  }
};

TestEnv::TestEnv(const Registry& registry, TestEnvOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {}
TestEnv::~TestEnv() = default;

std::string TestEnv::start(const std::string& type, const Json& input, const std::string& id) {
  auto reply = wait_for<engine::StartReply>(
      [&](auto done) { impl_->engine->start_run({type, id, input, ""}, std::move(done)); });
  run_until_idle();
  return reply.id;
}

void TestEnv::run_until_idle() { impl_->engine->TEST_wait_idle(); }

void TestEnv::advance(std::chrono::milliseconds by) {
  const std::int64_t target = impl_->clock.now() + by.count();
  for (;;) {
    run_until_idle();
    std::int64_t due = impl_->engine->TEST_next_due();
    if (due < 0 || due > target) break;
    impl_->clock.advance(std::max<std::int64_t>(due - impl_->clock.now(), 0));
    run_until_idle();
    if (due <= impl_->clock.now() && impl_->engine->TEST_next_due() == due) break;  // halted engine
  }
  impl_->clock.advance(target - impl_->clock.now());
  run_until_idle();
}

Timestamp TestEnv::now() const { return Timestamp{std::chrono::milliseconds{impl_->clock.now()}}; }

std::int64_t TestEnv::signal(const std::string& id, const std::string& name, const Json& payload,
                             const std::string& key) {
  auto seq = wait_for<std::int64_t>([&](auto done) { impl_->engine->signal(id, name, payload, key, std::move(done)); });
  run_until_idle();
  return seq;
}

Json TestEnv::query(const std::string& id, const std::string& name) {
  return wait_for<Json>([&](auto done) { impl_->engine->query(id, name, std::move(done)); });
}

void TestEnv::cancel(const std::string& id) {
  wait_status([&](auto done) { impl_->engine->cancel(id, {"test", "admin"}, std::move(done)); });
  run_until_idle();
}

void TestEnv::terminate(const std::string& id, const std::string& reason) {
  wait_status([&](auto done) { impl_->engine->terminate(id, reason, {"test", "admin"}, std::move(done)); });
  run_until_idle();
}

void TestEnv::retry(const std::string& id) {
  wait_status([&](auto done) { impl_->engine->retry(id, {"test", "admin"}, std::move(done)); });
  run_until_idle();
}

void TestEnv::skip(const std::string& id, const Json& result) {
  wait_status([&](auto done) { impl_->engine->skip(id, result, {"test", "admin"}, std::move(done)); });
  run_until_idle();
}

RunSnapshot TestEnv::run(const std::string& id) const {
  auto rec = impl_->engine->get(id);
  if (!rec) throw std::runtime_error(rec.status().to_string());
  RunSnapshot s{rec->id, rec->type, std::string(store::run_status_name(rec->status))};
  s.result = rec->result.empty() ? Json() : Json::parse(rec->result, nullptr, false);
  s.error = rec->error;
  s.stuck_reason = rec->stuck_reason;
  if (rec->waiting_on)
    s.waiting_on = Json{{"kind", rec->waiting_on->kind}, {"name", rec->waiting_on->name},
                        {"until", rec->waiting_on->until}};
  return s;
}

std::vector<HistoryEvent> TestEnv::history(const std::string& id) const {
  auto events = impl_->engine->history(id, 0, 0);
  if (!events) throw std::runtime_error(events.status().to_string());
  std::vector<HistoryEvent> out;
  for (const auto& e : *events)
    out.push_back({e.seq, std::string(store::event_type_name(e.type)), e.cmd, Json::parse(e.data, nullptr, false)});
  return out;
}

std::size_t TestEnv::live_runs() const { return impl_->engine->TEST_live_runs(); }

void TestEnv::crash() {
  // Nothing more reaches the store, as after SIGKILL: an attempt that ends while the engine stops
  // (stop() waits for running activities) is not recorded, and re-runs after the restart.
  impl_->engine->TEST_set_commit_filter([](const store::JournalBatch&) { return true; });
  impl_->engine.reset();
  // The store too, as the process it lives in: what it kept in memory is lost, the file reopened.
  impl_->store.reset();
  impl_->open_store();
  impl_->boot();
}

void TestEnv::crash_before_commit_of(const std::string& event_type, const std::string& id) {
  auto type = store::parse_event_type(event_type);
  if (!type) throw std::invalid_argument("unknown event type " + event_type);
  impl_->engine->TEST_set_commit_filter([type = *type, id](const store::JournalBatch& b) {
    for (const auto& a : b.appends) {
      if (!id.empty() && a.run_id != id) continue;
      for (const auto& e : a.events)
        if (e.type == type) return true;
    }
    return false;
  });
}

void TestEnv::on_activity_attempt(std::function<void(const std::string&, const std::string&)> fn) {
  impl_->on_attempt = fn;
  impl_->engine->TEST_on_activity_attempt(std::move(fn));
}

const std::string& TestEnv::db_path() const { return impl_->path; }

}  // namespace cairn::testing

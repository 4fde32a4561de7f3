// Test support for the fault tests: a real Engine on a SQLite store opened through FaultyVfs, a
// Router to call the HTTP routes without sockets, and a capture of stderr.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "api/context.h"
#include "api/router.h"
#include "cairn/cairn.h"
#include "engine/engine.h"
#include "faults/faulty_vfs.h"
#include "store/sqlite_store.h"
#include "workflows/bench_steps.h"

namespace cairn::test {

// faults.wait: completes with the payload of its `go` signal.
inline Task<Json> wait_for_go(WorkflowContext& ctx, Json) { co_return co_await ctx.wait_signal("go"); }

// faults.twice: completes with the payloads of its first two `go` signals.
inline Task<Json> wait_for_two(WorkflowContext& ctx, Json) {
  Json first = co_await ctx.wait_signal("go");
  Json second = co_await ctx.wait_signal("go");
  co_return Json::array({first, second});
}

// faults.deadline: waits up to an hour (a durable timer) for its `go` signal; completes with it.
inline Task<Json> go_within_an_hour(WorkflowContext& ctx, Json) {
  auto go = co_await ctx.wait_signal<Json>("go", std::chrono::hours(1));
  co_return go ? *go : Json("timed out");
}

// Attempts of activity faults.stall still to fail; each failing one holds the next commit's fsync
// first (FaultyVfs::hold_next_sync), so the write that records its failure is held.
inline std::atomic<int> stall_failures_left{0};

// faults.stall: one attempt of faults.stall; if it fails the run is stuck (paused), or with
// input {"fail": true} the run fails.
inline Task<Json> stall_once(WorkflowContext& ctx, Json input) {
  RetryPolicy one{.maximum_attempts = 1};
  if (!input.value("fail", false)) one.on_exhausted = RetryPolicy::OnExhausted::kPause;
  co_await ctx.activity<void>("faults.stall", Json::object(), ActivityOptions{.retry = one});
  co_return "done";
}

inline Registry fault_registry() {
  Registry reg;
  register_bench_steps(reg);
  reg.workflow("faults.wait", wait_for_go, {.signals = {"go"}});
  reg.workflow("faults.twice", wait_for_two, {.signals = {"go"}});
  reg.workflow("faults.deadline", go_within_an_hour, {.signals = {"go"}});
  reg.workflow("faults.stall", stall_once);
  reg.activity("faults.stall", [](ActivityContext&, Json) {
    if (stall_failures_left.fetch_sub(1) <= 0) return;
    FaultyVfs::hold_next_sync();
    throw RetryableError("stall", "fails once");
  });
  return reg;
}

struct Answer {
  int status = 0;
  Json body;
  std::string code() const { return body.is_object() && body.contains("error") ? body["error"].value("code", "") : ""; }
  std::string message() const { return body.is_object() && body.contains("error") ? body["error"].value("message", "") : ""; }
};

// Redirects fd 2 into a file for its lifetime; text() reads what was written so far.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    std::fflush(stderr);
    saved_ = dup(2);
    std::FILE* f = std::fopen(path_.c_str(), "w");
    REQUIRE(f != nullptr);
    dup2(fileno(f), 2);
    std::fclose(f);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string text() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

class FaultFixture {
 public:
  // `min_free_bytes`: SqliteOptions::min_free_bytes (the free space below which the store is not ready).
  explicit FaultFixture(std::int64_t min_free_bytes = store::SqliteOptions{}.min_free_bytes)
      : registry_(fault_registry()), min_free_bytes_(min_free_bytes) {
    FaultyVfs::install();
    FaultyVfs::clear();
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-faults-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    open();
  }
  ~FaultFixture() {
    FaultyVfs::clear();
    shut();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FaultFixture(const FaultFixture&) = delete;
  FaultFixture& operator=(const FaultFixture&) = delete;

  // Stops everything and opens the same database again (a clean restart).
  void reopen() {
    shut();
    open();
  }

  Answer call(const std::string& method, const std::string& target, const std::string& body = "",
              std::map<std::string, std::string> headers = {}) {
    api::Request r;
    r.method = method;
    REQUIRE(api::parse_target(target, r));
    if (!body.empty()) headers["content-type"] = "application/json";
    r.headers = std::move(headers);
    r.body = body;
    auto promise = std::make_shared<std::promise<api::Response>>();
    auto future = promise->get_future();
    router_->dispatch(std::move(r), [promise](api::Response res) { promise->set_value(std::move(res)); });
    api::Response res = future.get();
    return Answer{res.status, Json::parse(res.body, nullptr, false)};
  }
  Answer start(const std::string& type, const std::string& id, const Json& input) {
    return call("POST", "/v1/workflows", Json{{"type", type}, {"id", id}, {"input", input}}.dump());
  }
  // Long-polls the run until it is terminal (at most `wait`, API.md's max is 60s).
  Answer await_end(const std::string& id, const char* wait = "30s") {
    return call("GET", "/v1/workflows/" + id + "?wait=" + wait);
  }

  // The run's history is seq 1..N, WorkflowStarted first; returns N.
  std::int64_t contiguous_history(const std::string& id) {
    auto h = engine_->history(id, 0, 0);
    REQUIRE(h.is_ok());
    std::int64_t seq = 0;
    for (const auto& e : h.value()) CHECK(e.seq == ++seq);
    REQUIRE(seq > 0);
    CHECK(h.value().front().type == store::EventType::kWorkflowStarted);
    return seq;
  }

  engine::Engine& engine() { return *engine_; }
  store::SqliteStore& store() { return *store_; }
  // Sends `go` to the waiting run `bystander` and returns once its write is queued for the writer:
  // every call the engine took before it has been handled. The future holds the signal's answer.
  std::future<Result<std::int64_t>> queued_marker(const std::string& bystander) {
    auto marker = std::make_shared<std::promise<Result<std::int64_t>>>();
    engine_->signal(bystander, "go", 0, "", [marker](Result<std::int64_t> r) { marker->set_value(std::move(r)); });
    while (store_->stats().queue_depth == 0) std::this_thread::yield();
    return marker->get_future();
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  void open() {
    store::SqliteOptions o;
    o.path = file("faults.db");
    o.min_free_bytes = min_free_bytes_;
    auto s = store::SqliteStore::open(o);
    REQUIRE_MESSAGE(s.is_ok(), s.status().to_string());
    store_ = std::move(s).value();
    engine_ = std::make_unique<engine::Engine>(*store_, registry_);
    engine_->start();
    engine_->TEST_wait_idle();
    ctx_ = std::make_unique<api::Context>(*engine_, api::Auth{}, nullptr);
    router_ = std::make_unique<api::Router>(*ctx_);
  }
  void shut() {
    if (!engine_) return;
    router_.reset();
    engine_->stop();
    ctx_.reset();
    engine_.reset();
    store_->close();
    store_.reset();
  }

  std::filesystem::path dir_;
  Registry registry_;
  std::int64_t min_free_bytes_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<api::Context> ctx_;
  std::unique_ptr<api::Router> router_;
};

}  // namespace cairn::test

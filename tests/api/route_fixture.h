// Test support: a real Engine on a temporary SQLite store with a tiny registry, and a Router to
// call routes without sockets.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "api/context.h"
#include "api/router.h"
#include "api/server_process.h"
#include "cairn/cairn.h"
#include "engine/engine.h"
#include "store/store.h"
#include "workflows/bench_steps.h"

namespace cairn::test {

// test.wait: waits for signal `go` and completes with its payload; answers query `state`.
inline Task<Json> wait_for_go(WorkflowContext& ctx, Json) {
  auto query = ctx.on_query("state", [] { return Json("waiting for go"); });
  Json payload = co_await ctx.wait_signal("go");
  co_return payload;
}

inline Registry test_registry() {
  Registry reg;
  register_bench_steps(reg);
  reg.workflow("test.wait", wait_for_go, {.signals = {"go"}, .queries = {"state"}});
  return reg;
}

struct Answer {
  int status = 0;
  Json body;
  api::Response raw;
  std::string header(const std::string& name) const {
    for (const auto& [n, v] : raw.headers)
      if (n == name) return v;
    return "";
  }
  std::string code() const { return body.contains("error") ? body["error"].value("code", "") : ""; }
  std::string message() const { return body.contains("error") ? body["error"].value("message", "") : ""; }
};

class RouteFixture {
 public:
  // `demo`: the demo routes are served, on tables of the same store.
  explicit RouteFixture(const std::string& tokens = "", bool demo = false) : registry_(test_registry()) {
    store::SqliteOptions o;
    o.path = db_path();
    store_ = std::move(store::open_sqlite_store(o)).value();
    engine_ = std::make_unique<engine::Engine>(*store_, registry_);
    engine_->start();
    engine_->TEST_wait_idle();
    ctx_ = std::make_unique<api::Context>(*engine_, std::move(api::Auth::parse(tokens)).value(),
                                          demo ? store_.get() : nullptr);
    router_ = std::make_unique<api::Router>(*ctx_);
  }
  ~RouteFixture() {
    router_.reset();
    engine_->stop();
    ctx_.reset();
    engine_.reset();
    store_->close();
  }

  std::string db_path() const { return dir_.file("routes.db"); }

  Answer call(const std::string& method, const std::string& target, const std::string& body = "",
              std::map<std::string, std::string> headers = {}) {
    api::Request r;
    r.method = method;
    REQUIRE(api::parse_target(target, r));
    if (!body.empty() && !headers.count("content-type")) headers["content-type"] = "application/json";
    r.headers = std::move(headers);
    r.body = body;
    auto promise = std::make_shared<std::promise<api::Response>>();
    auto future = promise->get_future();
    router_->dispatch(std::move(r), [promise](api::Response res) { promise->set_value(std::move(res)); });
    Answer a;
    a.raw = future.get();
    a.status = a.raw.status;
    a.body = Json::parse(a.raw.body, nullptr, false);
    return a;
  }
  Answer post(const std::string& target, const Json& body, std::map<std::string, std::string> headers = {}) {
    return call("POST", target, body.dump(), std::move(headers));
  }

  // Waits up to 10 s for every dispatched request to be answered; false if one is still held.
  bool all_answered() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ctx_->counters.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    return ctx_->counters.in_flight.load() == 0;
  }

  engine::Engine& engine() { return *engine_; }
  api::Context& ctx() { return *ctx_; }
  api::Router& router() { return *router_; }

 private:
  TempDir dir_;
  Registry registry_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<api::Context> ctx_;
  std::unique_ptr<api::Router> router_;
};

}  // namespace cairn::test

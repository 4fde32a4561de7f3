// A run that ended is reported once: bringing it back from the store for a caller (a signal
// retried with its key, a query) does not count it as completed again.
#include <doctest/doctest.h>

#include <chrono>
#include <future>

#include "cairn/cairn.h"
#include "engine/engine.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "start_future.h"

using namespace cairn;

namespace {

// Waits for `go` for at most an hour (a durable timer, disarmed when the signal comes).
Task<int> timed_wait(WorkflowContext& ctx, Json) {
  auto go = co_await ctx.wait_signal<int>("go", std::chrono::hours(1));
  co_return go.value_or(-1);
}

std::int64_t signal(engine::Engine& e, const std::string& id, const std::string& key) {
  std::promise<Result<std::int64_t>> p;
  e.signal(id, "go", 7, key, [&](Result<std::int64_t> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  REQUIRE(r.is_ok());
  return *r;
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a keyed signal retried after its run ended does not count the run as completed again") {
    store::test::TempDir dir;
    auto store = store::test::open_store(store::test::options_in(dir));
    Registry registry;
    registry.workflow("timed", timed_wait);
    engine::Engine engine(*store, registry);
    engine.start();
    REQUIRE(engine::testing::start_future(engine, {"timed", "t-1", Json::object(), ""}).get().is_ok());
    const std::int64_t seq = signal(engine, "t-1", "k-go");
    engine.TEST_wait_idle();
    auto completed = [&] { return engine.metrics().completions[static_cast<int>(store::RunStatus::kCompleted)]; };
    REQUIRE(completed() == 1);
    REQUIRE(engine.metrics().live_runs == 0);  // ended runs leave memory
    const auto updated_at = store->get_run("t-1")->updated_at;

    // Replayed from the store for the key, the run re-derived its timer's disarm as a write; the
    // batch that wrote it (a new updated_at) reported the run's end once more: 3 retries made 4
    // completions (found by an outside crash audit, in /metrics).
    for (int i = 0; i < 3; ++i) CHECK(signal(engine, "t-1", "k-go") == seq);
    engine.TEST_wait_idle();
    CHECK(completed() == 1);
    CHECK(store->get_run("t-1")->updated_at == updated_at);  // nothing was written
    CHECK(engine.metrics().live_runs == 0);
    engine.stop();
  }
}

// Start-to-close timeouts: an attempt that outlives its timeout fails with "timeout" and is retried
// by the policy; its late result is ignored. Real activity threads, a manual engine clock.
#include <doctest/doctest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "cairn/cairn.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "store/store.h"
#include "store/store_test_util.h"

using namespace cairn;
using namespace std::chrono_literals;

namespace {

// An activity that hangs until released, and counts the attempts that started.
struct Hang {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool released = false;

  int run() {
    std::unique_lock lock(mu);
    ++started;
    cv.notify_all();
    cv.wait(lock, [this] { return released; });
    return 7;
  }
  // False if fewer than n attempts started within 10 s (a broken engine fails, not hangs).
  bool wait_started(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return started >= n; });
  }
  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
};

Hang hang;

Task<Json> impatient(WorkflowContext& ctx, Json) {
  try {
    int v = co_await ctx.activity<int>(
        "hang", 0, {.retry = RetryPolicy{.initial_interval = 1s, .maximum_attempts = 2}, .timeout = 5s});
    co_return Json(v);
  } catch (const ActivityFailed& e) {
    co_return Json{{"type", e.type()}, {"attempts", e.attempts()}};
  }
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("an attempt past its start-to-close timeout fails with 'timeout' and is retried") {
    store::test::TempDir dir;
    auto store = store::test::open_store(store::test::options_in(dir));
    Registry registry;
    registry.workflow("impatient", impatient);
    registry.activity("hang", [](ActivityContext&, int) { return hang.run(); });
    engine::ManualClock clock(1'767'225'600'000);
    engine::Engine engine(*store, registry, {.clock = &clock});
    struct ReleaseFirst {  // destroyed before the engine, which joins the activity threads
      ~ReleaseFirst() { hang.release(); }
    } release_first;
    engine.start();

    std::promise<Result<engine::StartReply>> started;
    engine.start_run({"impatient", "t-1", Json::object(), ""},
                     [&](Result<engine::StartReply> r) { started.set_value(std::move(r)); });
    REQUIRE(started.get_future().get());

    const std::int64_t t0 = clock.now();
    REQUIRE(hang.wait_started(1));
    clock.advance(5000);  // attempt 1 times out; the retry waits 1 s
    engine.TEST_wait_idle();
    clock.advance(1000);
    REQUIRE(hang.wait_started(2));
    clock.advance(5000);  // attempt 2 times out: attempts exhausted
    engine.TEST_wait_idle();

    auto run = engine.get("t-1");
    REQUIRE(run);
    CHECK(run->status == store::RunStatus::kCompleted);
    CHECK(Json::parse(run->result) == Json{{"type", "timeout"}, {"attempts", 2}});
    auto history = store->load_history("t-1", 0, 0);
    REQUIRE(history);
    std::vector<std::int64_t> failed_at;
    for (const auto& e : *history) {
      if (e.type != store::EventType::kActivityFailed) continue;
      failed_at.push_back(e.at - t0);
      CHECK(Json::parse(e.data)["error"]["type"] == "timeout");
    }
    CHECK(failed_at == std::vector<std::int64_t>{5000, 11000});
    hang.release();  // the late results of both attempts change nothing
    engine.stop();
    CHECK(store->get_run("t-1")->result == run->result);
  }
}

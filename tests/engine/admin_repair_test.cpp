// Admin repairs and timers on runs in unusual states: a cancel of a run stuck on a paused step,
// the retry of a failed run, a durable timer whose run cannot be brought back for a while, an
// activity that ends after its run was terminated. Each once went wrong (an outside review).
#include <doctest/doctest.h>

#include <atomic>

#include "cairn/cairn.h"
#include "cairn/testing.h"
#include "store/store_test_util.h"

using namespace cairn;
using namespace std::chrono_literals;
using cairn::testing::TestEnv;

namespace {

std::atomic<int> undo_calls{0};
std::atomic<int> charge_calls{0};
std::atomic<int> charge_failures_left{0};  // "charge" fails while > 0

const ActivityOptions kPauseAfterOne{
    .retry = RetryPolicy{.initial_interval = 1s, .maximum_attempts = 1, .on_exhausted = RetryPolicy::OnExhausted::kPause}};
const ActivityOptions kThreeAttempts{
    .retry = RetryPolicy{.initial_interval = 1s, .backoff_coefficient = 1, .maximum_attempts = 3}};

void charge(ActivityContext&, Json) {
  ++charge_calls;
  if (charge_failures_left.fetch_sub(1) > 0) throw RetryableError("gateway", "down");
}

// A compensated step, then a charge that pauses the run (stuck) once its one attempt fails.
Task<Json> pausing_saga(WorkflowContext& ctx, Json) {
  Saga saga{ctx};
  co_await ctx.activity<void>("reserve", Json::object());
  saga.compensate("undo", Json::object());
  co_await ctx.activity<void>("charge", Json::object(), kPauseAfterOne);
  co_return "charged";
}

Task<Json> charge_three_times(WorkflowContext& ctx, Json) {
  co_await ctx.activity<void>("charge", Json::object(), kThreeAttempts);
  co_return "charged";
}

Task<Json> nap(WorkflowContext& ctx, Json) {
  co_await ctx.sleep(1h);
  co_return "woke";
}

Task<Json> nap_v2(WorkflowContext&, Json) { co_return "v2"; }

// A nap that answers the query "phase" while it sleeps.
Task<Json> queried_nap(WorkflowContext& ctx, Json) {
  auto query = ctx.on_query("phase", [] { return std::string("napping"); });
  co_await ctx.sleep(1h);
  co_return "woke";
}

Registry repair_registry() {
  Registry r;
  r.workflow("pausing_saga", pausing_saga);
  r.workflow("charge_three_times", charge_three_times);
  r.activity("reserve", [](ActivityContext&, Json) {});
  r.activity("undo", [](ActivityContext&, Json) { ++undo_calls; });
  r.activity("charge", charge);
  return r;
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a cancel of a run stuck on a paused step ends that step and unwinds the saga") {
    Registry reg = repair_registry();
    TestEnv env{reg};
    undo_calls = 0;
    charge_failures_left = 1;
    auto id = env.start("pausing_saga", Json::object());
    REQUIRE(env.run(id).status == "stuck");
    env.cancel(id);
    env.advance(10s);
    auto run = env.run(id);
    // It stayed stuck, naming the step the cancel had ended, and the compensation never ran.
    CHECK(run.status == "cancelled");
    CHECK(run.stuck_reason.empty());
    CHECK(undo_calls == 1);
  }

  TEST_CASE("an admin retry of a failed run gives its failed step all its attempts again") {
    Registry reg = repair_registry();
    TestEnv env{reg};
    charge_calls = 0;
    charge_failures_left = 5;  // three attempts fail the run; after the retry two fail, the third succeeds
    auto id = env.start("charge_three_times", Json::object());
    env.advance(1min);
    REQUIRE(env.run(id).status == "failed");
    REQUIRE(charge_calls == 3);
    env.retry(id);
    env.advance(1min);
    CHECK(charge_calls == 6);  // was 4: the retried step had only its last attempt left
    CHECK(env.run(id).status == "completed");
  }

  TEST_CASE("a timer that fires while its run's version is not registered keeps its row and fires later") {
    store::test::TempDir dir;
    const std::string path = dir.file("timers.db");
    std::string id;
    {
      Registry reg;
      reg.workflow("nap", nap);
      TestEnv env{reg, {.db_path = path}};
      id = env.start("nap", Json::object());
      REQUIRE(env.run(id).status == "waiting");
    }
    {
      Registry reg;  // a deploy that dropped version 1
      reg.workflow("nap", nap_v2, {.version = 2});
      TestEnv env{reg, {.db_path = path}};
      env.advance(2h);
      CHECK(env.run(id).status == "waiting");
    }
    Registry reg;  // version 1 is back
    reg.workflow("nap", nap);
    TestEnv env{reg, {.db_path = path}};
    env.advance(2h);
    CHECK(env.run(id).status == "completed");  // it stayed waiting: the timer's row had been deleted
  }

  TEST_CASE("a terminated run read again (a query, a repeated signal) does not arm its timer again") {
    store::test::TempDir dir;
    const std::string path = dir.file("terminated.db");
    Registry reg;
    reg.workflow("queried_nap", queried_nap);
    TestEnv env{reg, {.db_path = path}};
    const std::string id = env.start("queried_nap", Json::object());
    const char* timer_rows = "SELECT count(*) FROM timers";
    REQUIRE(store::test::query_one(path, timer_rows) == "1");
    const std::int64_t poked = env.signal(id, "poke", Json(1), "poke-1");  // buffered: nobody waits for it
    env.terminate(id, "operator says so");
    REQUIRE(store::test::query_one(path, timer_rows) == "0");
    for (int restart = 0; restart < 2; ++restart) {
      CAPTURE(restart);
      if (restart == 1) env.crash();
      CHECK(env.query(id, "phase") == "napping");  // replays the run: it knows its timer
      CHECK(store::test::query_one(path, timer_rows) == "0");
      CHECK(env.signal(id, "poke", Json(1), "poke-1") == poked);  // answered from the key: replays it again
      CHECK(store::test::query_one(path, timer_rows) == "0");
    }
    const auto events = env.history(id).size();
    env.advance(2h);
    CHECK(env.history(id).size() == events);
    CHECK(env.run(id).status == "terminated");
  }
}

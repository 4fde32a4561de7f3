// Which frame's exception hands a Saga's compensations to the engine: only one leaving the saga's
// own frame. A losing any() branch destroyed while the winner's error is in flight drops its
// compensations (docs/engine.md, "Sagas outside the workflow's own frame").
#include <doctest/doctest.h>

#include <atomic>

#include "cairn/cairn.h"
#include "cairn/testing.h"

using namespace cairn;
using namespace std::chrono_literals;
using cairn::testing::TestEnv;

namespace {

std::atomic<int> releases{0};

const ActivityOptions kOneAttempt{.retry = RetryPolicy{.maximum_attempts = 1}};

// Holds stock, registers its release, then waits: it loses the race below.
Task<void> hold_then_wait(WorkflowContext& ctx) {
  Saga saga{ctx};
  co_await ctx.activity<void>("hold", Json::object());
  saga.compensate("release", Json::object());
  co_await ctx.sleep(1h);
}

// Fails a second later, after the other branch registered its compensation.
Task<void> fail_soon(WorkflowContext& ctx) {
  co_await ctx.sleep(1s);
  co_await ctx.activity<void>("boom", Json::object(), kOneAttempt);
}

Task<Json> race_caught_then_fail(WorkflowContext& ctx, Json) {
  try {
    std::vector<Task<void>> branches;
    branches.push_back(hold_then_wait(ctx));
    branches.push_back(fail_soon(ctx));
    co_await any(std::move(branches));
  } catch (const ActivityFailed&) {
    // the race is lost and handled here; the run goes on
  }
  co_await ctx.activity<void>("boom", Json::object(), kOneAttempt);  // and fails for another reason
  co_return "unreachable";
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a losing any() branch destroyed while the winner's error is in flight hands nothing over") {
    Registry reg;
    reg.workflow("race_caught_then_fail", race_caught_then_fail);
    reg.activity("hold", [](ActivityContext&, Json) {});
    reg.activity("release", [](ActivityContext&, Json) { ++releases; });
    reg.activity("boom", [](ActivityContext&, Json) -> void { throw RetryableError("boom", "always"); });
    TestEnv env{reg};
    auto id = env.start("race_caught_then_fail", Json::object());
    env.advance(10s);
    CHECK(env.run(id).status == "failed");
    // The loser's release was handed over and ran at the run's later, unrelated failure.
    CHECK(releases == 0);
  }
}

// Queries on runs whose workflow function has returned or thrown: the handlers read its locals,
// so the engine must answer from what they showed before those locals died, never read them after.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>

#include "cairn/cairn.h"
#include "cairn/testing.h"

using namespace cairn;
using cairn::testing::TestEnv;

namespace {

// A local of the workflow function that knows whether it is alive: a handler reading a destroyed
// one throws (and the query fails) even without a sanitizer. Workflow thread only.
struct Probe {
  static inline std::set<const Probe*> alive;
  std::string state = "started";
  Probe() { alive.insert(this); }
  ~Probe() { alive.erase(this); }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;
};

// Waits for `go`; completes with "got <payload>", or throws when the payload is "fail".
Task<std::string> probed(WorkflowContext& ctx, Json) {
  Probe probe;
  auto query = ctx.on_query("state", [&probe] {
    if (!Probe::alive.count(&probe)) throw std::logic_error("the query read a destroyed frame");
    return probe.state;
  });
  probe.state = "waiting";
  const std::string go = co_await ctx.wait_signal<std::string>("go");
  probe.state = "got " + go;
  if (go == "fail") throw std::runtime_error("asked to fail");
  co_return probe.state;
}

// Returns the local its query reads by name: `co_return state;` moves it (C++20) just before the
// query is sealed with what it then holds (examples/signals.cpp does this).
Task<std::string> returns_its_state(WorkflowContext& ctx, Json) {
  std::string state = "waiting";
  auto query = ctx.on_query("state", [&state] { return state; });
  state = "got " + co_await ctx.wait_signal<std::string>("go");
  co_return state;
}

// TestEnv keeps a reference to its registry.
const Registry& registry() {
  static const Registry reg = [] {
    Registry r;
    r.workflow("probed", probed);
    r.workflow("returns_its_state", returns_its_state);
    return r;
  }();
  return reg;
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a run that ended answers queries with the state its workflow last showed, also after a restart") {
    TestEnv env{registry()};
    const auto completed = env.start("probed", Json::object());
    env.signal(completed, "go", "yes");
    const auto failed = env.start("probed", Json::object());
    env.signal(failed, "go", "fail");
    const auto cancelled = env.start("probed", Json::object());
    env.cancel(cancelled);
    const auto terminated = env.start("probed", Json::object());
    env.terminate(terminated, "operator says so");
    REQUIRE(env.run(completed).status == "completed");
    REQUIRE(env.run(failed).status == "failed");
    REQUIRE(env.run(cancelled).status == "cancelled");
    REQUIRE(env.run(terminated).status == "terminated");

    const std::vector<std::pair<std::string, std::string>> expected{
        {completed, "got yes"}, {failed, "got fail"}, {cancelled, "waiting"}, {terminated, "waiting"}};
    for (int restart = 0; restart < 2; ++restart) {
      if (restart == 1) env.crash();
      for (const auto& [id, state] : expected) {
        CAPTURE(id);
        CAPTURE(restart);
        CHECK(env.query(id, "state") == state);  // the run is then dropped from memory...
        CHECK(env.query(id, "state") == state);  // ...and replayed from the store
      }
    }
  }

  TEST_CASE("a workflow that returns the local its query reads answers that value once it has ended") {
    TestEnv env{registry()};
    const auto id = env.start("returns_its_state", Json::object());
    env.signal(id, "go", "yes");
    REQUIRE(env.run(id).result == "got yes");
    CHECK(env.query(id, "state") == "got yes");  // it was "": the query read the moved-from local
    env.crash();
    CHECK(env.query(id, "state") == "got yes");  // and so does its replay
  }
}

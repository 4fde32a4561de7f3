// An event row changed outside Cairn (bytes that SQLite's checks cannot see) is named as damage
// when the run replays, not reported as a code change: by its checksum, or, in a row written
// before checksums, by data that is no JSON object.
#include <doctest/doctest.h>

#include <atomic>

#include "cairn/cairn.h"
#include "cairn/testing.h"
#include "store/store_test_util.h"

using namespace cairn;
using cairn::testing::TestEnv;

namespace {

Task<Json> wait_for_go(WorkflowContext& ctx, Json) {
  co_await ctx.activity<void>("step", Json::object());
  co_return co_await ctx.wait_signal("go");
}

Registry damage_registry() {
  Registry r;
  r.workflow("waits", wait_for_go);
  r.activity("step", [](ActivityContext&, Json) {});
  return r;
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a pre-checksum event whose data was cut outside Cairn leaves its run stuck with [CAIRN-CORRUPT], not NONDET") {
    Registry registry = damage_registry();
    TestEnv env(registry);
    const std::string id = env.start("waits", Json::object(), "cut");
    REQUIRE(env.run(id).status == "waiting");
    env.crash();  // the run is on disk only, replayed when the signal comes
    store::test::outside(env.db_path(),
                         "UPDATE events SET data = substr(data, 1, 12), crc = NULL "
                         "WHERE rk = (SELECT rk FROM runs WHERE id = 'cut') AND seq = 2");  // the step's result
    env.signal(id, "go", 1);  // accepted (a stuck run still takes signals); the replay stops
    const auto run = env.run(id);
    CHECK(run.status == "stuck");
    // It was "[CAIRN-NONDET] run cut at command 1: the code issued activity(step), the journal
    // holds ActivityCompleted", which sends an operator looking for a code change.
    CHECK(run.stuck_reason.find("[CAIRN-CORRUPT] run cut seq 2") != std::string::npos);
    CHECK(run.stuck_reason.find("changed outside Cairn") != std::string::npos);
  }

  TEST_CASE("an event changed outside Cairn into other valid JSON leaves its run stuck, its code not run") {
    std::atomic<int> steps = 0;
    Registry registry;
    registry.workflow("waits", wait_for_go);
    registry.activity("step", [&steps](ActivityContext&, Json) { ++steps; });
    TestEnv env(registry);
    const std::string id = env.start("waits", Json::object(), "edited");
    REQUIRE(env.run(id).status == "waiting");
    REQUIRE(steps == 1);
    env.crash();
    // The step's result, rewritten as a plausible other answer (its failure, a different value):
    // nothing a JSON check or the replay's command matching can see.
    store::test::outside(env.db_path(),
                         "UPDATE events SET data = json_set(data, '$.result', 99) "
                         "WHERE rk = (SELECT rk FROM runs WHERE id = 'edited') AND seq = 2");
    env.signal(id, "go", 1);
    const auto run = env.run(id);
    CHECK(run.status == "stuck");
    CHECK(run.stuck_reason.find("[CAIRN-CORRUPT] run edited seq 2") != std::string::npos);
    CHECK(run.stuck_reason.find("checksum") != std::string::npos);
    CHECK(steps == 1);  // the step was not run again
    // Its code never ran, so no query handler exists: said as the run being stuck, not as a
    // query it does not have (it was 404 "has no query").
    try {
      (void)env.query(id, "progress");
      FAIL("the query answered");
    } catch (const std::exception& e) {
      CHECK(std::string(e.what()).find("is stuck, its queries unavailable: [CAIRN-CORRUPT]") != std::string::npos);
    }
  }

  TEST_CASE("a run whose input, version or type was changed in its index row stops stuck on replay, its code not run") {
    std::atomic<int> steps = 0;
    Registry registry;
    registry.workflow("waits", wait_for_go);
    registry.activity("step", [&steps](ActivityContext&, Json) { ++steps; });
    TestEnv env(registry);
    const std::string id = env.start("waits", Json{{"amount", 100}}, "reinput");
    REQUIRE(env.run(id).status == "waiting");
    env.crash();
    // The row replay reads the input from; the journal's WorkflowStarted still holds 100.
    std::string field;
    SUBCASE("input") {
      store::test::outside(env.db_path(), R"(UPDATE runs SET input = '{"amount":999}' WHERE id = 'reinput')");
      field = "input";
    }
    SUBCASE("version, to one not registered") {
      // It used to leave the run unreachable: every signal, query and terminate answered 503
      // "version 2 is not registered".
      store::test::outside(env.db_path(), "UPDATE runs SET version = 2 WHERE id = 'reinput'");
      field = "version";
    }
    SUBCASE("type") {
      store::test::outside(env.db_path(), "UPDATE runs SET type = 'other' WHERE id = 'reinput'");
      field = "type";
    }
    env.signal(id, "go", 1);
    const auto run = env.run(id);
    CHECK(run.status == "stuck");
    CHECK(run.stuck_reason.find("[CAIRN-CORRUPT] run reinput seq 1: the run's " + field + " in its index row differs") !=
          std::string::npos);
    CHECK(steps == 1);
  }

  TEST_CASE("a journal with rows deleted outside Cairn stops its run stuck, and an admin can still end it") {
    std::atomic<int> steps = 0;
    Registry registry;
    registry.workflow("waits", wait_for_go);
    registry.activity("step", [&steps](ActivityContext&, Json) { ++steps; });
    TestEnv env(registry);
    const std::string id = env.start("waits", Json::object(), "cut");
    REQUIRE(env.run(id).status == "waiting");
    env.crash();
    std::string expected;
    SUBCASE("its last event") {
      // The run row still says seq 2: every write of the run used to be refused as stale, so the
      // run answered 503 to every signal, query and terminate, for good.
      store::test::outside(env.db_path(), "DELETE FROM events WHERE seq = 2");
      expected = "[CAIRN-CORRUPT] run cut seq 1: the journal ends there, its run row at seq 2";
    }
    SUBCASE("its first event") {
      store::test::outside(env.db_path(), "DELETE FROM events WHERE seq = 1");
      expected = "[CAIRN-CORRUPT] run cut seq 1: missing from the journal";
    }
    env.signal(id, "go", 1);
    const auto run = env.run(id);
    CHECK(run.status == "stuck");
    CHECK(run.stuck_reason.find(expected) != std::string::npos);
    CHECK(steps == 1);
    env.terminate(id, "journal damaged");
    CHECK(env.run(id).status == "terminated");
  }
}

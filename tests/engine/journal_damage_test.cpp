// A run's rows changed outside Cairn (bytes that SQLite's checks cannot see) are named as damage
// when the run replays, not reported as a code change: by the event checksums, the journal's
// shape against its run row, or, in rows written before checksums, by data that is no JSON
// object. A journal whose rows were changed is sealed: nothing more is appended to it.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "cairn/cairn.h"
#include "cairn/testing.h"
#include "engine/engine.h"
#include "start_future.h"
#include "store/store_test_util.h"

using namespace cairn;
using cairn::testing::TestEnv;

namespace {

Task<Json> wait_for_go(WorkflowContext& ctx, Json) {
  co_await ctx.activity<void>("step", Json::object());
  co_return co_await ctx.wait_signal("go");
}

Task<Json> timed_wait_for_go(WorkflowContext& ctx, Json) {
  auto go = co_await ctx.wait_signal<int>("go", std::chrono::hours(1));
  co_return go.value_or(-1);
}

// Run `id` of "waits" has run its step and waits for signal "go"; after a crash it is on disk
// only, so an edit of its rows is seen when something brings it back (a signal, an admin action).
struct CrashedWaitingRun {
  std::atomic<int> steps = 0;
  Registry registry;
  std::unique_ptr<TestEnv> env;
  std::string id;

  explicit CrashedWaitingRun(const std::string& run_id, const Json& input = Json::object()) {
    registry.workflow("waits", wait_for_go);
    registry.activity("step", [this](ActivityContext&, Json) { ++steps; });
    env = std::make_unique<TestEnv>(registry);
    id = env->start("waits", input, run_id);
    REQUIRE(env->run(id).status == "waiting");
    REQUIRE(steps == 1);
    env->crash();
  }
  void edit(const std::string& sql) const { store::test::outside(env->db_path(), sql.c_str()); }
  // Sends "go", which replays the run; returns the refusal's message, "" when it was accepted.
  std::string signal_go() const {
    std::string refusal;
    try {
      env->signal(id, "go", 1);
    } catch (const std::exception& e) {
      refusal = e.what();
    }
    return refusal;  // once the run's stuck status is durable (it was answered before)
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a pre-checksum event whose data was cut outside Cairn leaves its run stuck with [CAIRN-CORRUPT], not NONDET") {
    CrashedWaitingRun r("cut");
    // A journal from before checksums (none of its rows has one, its run older than the first run
    // created with them), the step's result cut short.
    r.edit("UPDATE events SET crc = NULL WHERE rk = (SELECT rk FROM runs WHERE id = 'cut')");
    r.edit("UPDATE meta SET v = v + 1 WHERE k = 'checksummed_from_rk'");
    r.env->crash();  // the store reads that when it opens the file
    r.edit("UPDATE events SET data = substr(data, 1, 12) WHERE rk = (SELECT rk FROM runs WHERE id = 'cut') AND seq = 2");
    CHECK(contains(r.signal_go(), "nothing more is appended to its journal"));
    const auto run = r.env->run(r.id);
    CHECK(run.status == "stuck");
    // It was "[CAIRN-NONDET] run cut at command 1: the code issued activity(step), the journal
    // holds ActivityCompleted", which sends an operator looking for a code change.
    CHECK(contains(run.stuck_reason, "[CAIRN-CORRUPT] run cut seq 2"));
    CHECK(contains(run.stuck_reason, "changed outside Cairn"));
    CHECK(r.steps == 1);
  }

  TEST_CASE("an event changed outside Cairn into other valid JSON leaves its run stuck, its code not run") {
    CrashedWaitingRun r("edited");
    const std::string step_result = store::test::query_one(
        r.env->db_path(), "SELECT data FROM events WHERE rk = (SELECT rk FROM runs WHERE id = 'edited') AND seq = 2");
    // The step's result, rewritten as a plausible other answer: nothing a JSON check or the
    // replay's command matching can see.
    r.edit("UPDATE events SET data = json_set(data, '$.result', 99) "
           "WHERE rk = (SELECT rk FROM runs WHERE id = 'edited') AND seq = 2");
    CHECK(contains(r.signal_go(), "is stuck, its rows changed outside Cairn, and nothing more is appended to its journal"));
    const auto run = r.env->run(r.id);
    CHECK(run.status == "stuck");
    CHECK(contains(run.stuck_reason, "[CAIRN-CORRUPT] run edited seq 2"));
    CHECK(contains(run.stuck_reason, "checksum"));
    CHECK(r.steps == 1);  // the step was not run again
    // Its code never ran, so no query handler exists: said as the run being stuck, not as a
    // query it does not have (it was 404 "has no query").
    try {
      (void)r.env->query(r.id, "progress");
      FAIL("the query answered");
    } catch (const std::exception& e) {
      CHECK(contains(e.what(), "is stuck, its queries unavailable: [CAIRN-CORRUPT]"));
    }
    CHECK_THROWS(r.env->retry(r.id));  // read again, still damaged

    // The row restored (from a backup), a retry reads the journal again and the run goes on.
    r.edit("UPDATE events SET data = '" + step_result + "' WHERE rk = (SELECT rk FROM runs WHERE id = 'edited') AND seq = 2");
    r.env->retry(r.id);
    CHECK(r.env->run(r.id).status == "waiting");
    CHECK(r.signal_go() == "");
    CHECK(r.env->run(r.id).status == "completed");
    CHECK(r.steps == 1);
  }

  TEST_CASE("a row added under the running engine where a live run's next event goes fails that write, not the engine") {
    store::test::TempDir dir;
    const auto opts = store::test::options_in(dir);
    auto store = store::test::open_store(opts);
    Registry registry;
    registry.workflow("timed", timed_wait_for_go);
    engine::Engine engine(*store, registry);
    engine.start();
    REQUIRE(engine::testing::start_future(engine, {"timed", "live", Json::object(), ""}).get().is_ok());
    engine.TEST_wait_idle();
    REQUIRE(store->get_run("live")->status == store::RunStatus::kWaiting);
    store::test::outside(opts.path, "INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, seq + 1, type, cmd, at, "
                                    "data FROM events WHERE seq = (SELECT max(seq) FROM events)");
    std::promise<Result<std::int64_t>> answer;
    engine.signal("live", "go", 1, "", [&](Result<std::int64_t> r) { answer.set_value(std::move(r)); });
    const auto signalled = answer.get_future().get();
    CHECK(signalled.status().code() == Errc::kCorruption);
    CHECK(signalled.status().message().find("its journal already holds seq") != std::string::npos);
    // Neither the store nor the other runs are in trouble: ready, and a start goes through.
    CHECK(engine.health().empty());
    engine.TEST_wait_idle();  // the run is read again at once, and sealed (it waited 1 s, shown waiting)
    CHECK(store->get_run("live")->status == store::RunStatus::kStuck);
    CHECK(engine::testing::start_future(engine, {"timed", "other", Json::object(), ""}).get().is_ok());
    std::promise<Status> terminated;
    engine.terminate("live", "damaged", {"admin#1", "admin"}, [&](Status st) { terminated.set_value(st); });
    CHECK(terminated.get_future().get().is_ok());
    engine.TEST_wait_idle();
    // Sealed in memory, its replay never reached its timer: the row stayed, armed at every start.
    CHECK(store::test::query_one(opts.path, "SELECT count(*) FROM timers WHERE run_id = 'live'") == "0");
    CHECK(store::test::query_one(opts.path, "SELECT count(*) FROM timers WHERE run_id = 'other'") == "1");
    engine.stop();
  }

  TEST_CASE("a sealed run's timer, armed before the damaged row, fires without writing to its journal") {
    Registry registry;
    registry.workflow("timed", timed_wait_for_go);
    TestEnv env(registry);
    const std::string id = env.start("timed", Json::object(), "timed");
    env.signal(id, "noise", 1);  // journaled after the timer's start, and buffered
    env.crash();
    // A run from before checksums whose last row (the noise) was cut: replay runs the code up to
    // it, so the run is sealed with its timer pending.
    store::test::outside(env.db_path(), "UPDATE events SET crc = NULL");
    store::test::outside(env.db_path(), "UPDATE meta SET v = v + 1 WHERE k = 'checksummed_from_rk'");
    store::test::outside(env.db_path(), "UPDATE events SET data = '{' WHERE seq = (SELECT max(seq) FROM events)");
    env.crash();
    const auto journal = env.history(id);
    env.advance(std::chrono::hours(2));  // the timer fires: it replays the run, which is sealed
    const auto run = env.run(id);
    CHECK(run.status == "stuck");
    CHECK(contains(run.stuck_reason, "holds no JSON object"));
    CHECK(env.history(id).size() == journal.size());  // a TimerFired was appended to it
  }

  TEST_CASE("a timer row changed outside Cairn: the run wakes at the time its journal holds, not earlier, not never") {
    Registry registry;
    registry.workflow("timed", timed_wait_for_go);  // waits an hour for "go", then ends with -1
    TestEnv env(registry);
    const std::string id = env.start("timed", Json::object(), "timed");
    env.crash();
    SUBCASE("its time moved earlier") {  // it fired at once: the run went on an hour early
      store::test::outside(env.db_path(), "UPDATE timers SET due = 1");
    }
    SUBCASE("its time made text") {  // the rest, below: the run waited forever, shown waiting
      store::test::outside(env.db_path(), "UPDATE timers SET due = 'abc'");
    }
    SUBCASE("its run renamed") { store::test::outside(env.db_path(), "UPDATE timers SET run_id = 'zzz'"); }
    SUBCASE("deleted") { store::test::outside(env.db_path(), "DELETE FROM timers"); }
    env.crash();
    env.advance(std::chrono::minutes(1));
    CHECK(env.run(id).status == "waiting");
    // The row is written again from the journal (at the start plus an hour), so the next start
    // arms it without replaying the run.
    const std::string due_sql = "SELECT due - (SELECT at FROM events WHERE seq = 1 AND rk = (SELECT rk FROM runs "
                                "WHERE id = 'timed')) FROM timers WHERE run_id = 'timed' AND typeof(due) = 'integer'";
    CHECK(store::test::query_one(env.db_path(), due_sql.c_str()) == "3600000");
    env.advance(std::chrono::hours(2));
    const auto run = env.run(id);
    CHECK(run.status == "completed");
    CHECK(run.result == -1);
  }

  TEST_CASE("terminating a sealed run removes its timers, which its replay never reached") {
    Registry registry;
    registry.workflow("timed", timed_wait_for_go);
    TestEnv env(registry);
    const std::string id = env.start("timed", Json::object(), "timed");
    env.crash();
    store::test::outside(env.db_path(), "UPDATE events SET data = json_set(data, '$.input.x', 1) WHERE seq = 1");
    env.terminate(id, "damaged");
    CHECK(env.run(id).status == "terminated");
    // Its timer's row stayed, re-armed at every start, firing for a run that had ended.
    CHECK(store::test::query_one(env.db_path(), "SELECT count(*) FROM timers") == "0");
  }

  TEST_CASE("a waiting run whose row was edited to ended is replayed when a signal comes, and its row written again") {
    CrashedWaitingRun r("reended");
    std::string status;
    SUBCASE("completed") { status = "3"; }
    SUBCASE("failed") { status = "4"; }
    SUBCASE("cancelled") { status = "5"; }
    r.edit("UPDATE runs SET status = " + status + " WHERE id = 'reended'");
    CHECK(r.signal_go() == "");  // it answered 409 "run reended is completed", for every signal: the order lost
    const auto run = r.env->run(r.id);
    CHECK(run.status == "completed");
    CHECK(run.result == 1);
    CHECK(r.steps == 1);
    CHECK(r.env->history(r.id).back().type == "WorkflowCompleted");
  }

  TEST_CASE("a run that had ended stays ended when a query finds its journal changed") {
    CrashedWaitingRun r("ended");
    CHECK(r.signal_go() == "");
    REQUIRE(r.env->run(r.id).status == "completed");
    r.edit("UPDATE events SET data = json_set(data, '$.result', 99) "
           "WHERE rk = (SELECT rk FROM runs WHERE id = 'ended') AND seq = 2");
    r.env->crash();
    try {
      (void)r.env->query(r.id, "progress");  // replays it
      FAIL("the query answered");
    } catch (const std::exception& e) {
      CHECK(contains(e.what(), "run ended is completed, its queries unavailable: [CAIRN-CORRUPT] run ended seq 2"));
    }
    r.env->run_until_idle();
    const auto run = r.env->run(r.id);
    CHECK(run.status == "completed");  // it was rewritten stuck
    CHECK(run.result == 1);
  }

  TEST_CASE("a run whose input, version or type was changed in its index row stops stuck on replay, its code not run") {
    CrashedWaitingRun r("reinput", Json{{"amount", 100}});
    // The row replay reads the input from; the journal's WorkflowStarted still holds 100.
    std::string field;
    SUBCASE("input") {
      r.edit(R"(UPDATE runs SET input = '{"amount":999}' WHERE id = 'reinput')");
      field = "input";
    }
    SUBCASE("input, to text that is no JSON") {  // compared unequal to nothing: replayed, NONDET, not sealed
      r.edit("UPDATE runs SET input = 'abc' WHERE id = 'reinput'");
      field = "input";
    }
    SUBCASE("version, to one not registered") {
      // It used to leave the run unreachable: every signal, query and terminate answered 503
      // "version 2 is not registered".
      r.edit("UPDATE runs SET version = 2 WHERE id = 'reinput'");
      field = "version";
    }
    SUBCASE("type") {
      r.edit("UPDATE runs SET type = 'other' WHERE id = 'reinput'");
      field = "type";
    }
    // Its journal is sound, but a run row that differs from it was changed too: sealed all the same.
    CHECK(contains(r.signal_go(), "nothing more is appended to its journal"));
    const auto run = r.env->run(r.id);
    CHECK(run.status == "stuck");
    CHECK(contains(run.stuck_reason, "[CAIRN-CORRUPT] run reinput seq 1: the run's " + field + " in its index row differs"));
    CHECK(r.steps == 1);
  }

  TEST_CASE("a run row input edited to a number equal to its own only as a double is found on replay") {
    CrashedWaitingRun r("rebig", Json{{"amount", 9007199254740993}});  // 2^53 + 1
    r.edit(R"(UPDATE runs SET input = '{"amount":9007199254740992.0}' WHERE id = 'rebig')");
    CHECK(contains(r.signal_go(), "nothing more is appended to its journal"));  // it was taken: Json's == said equal
    CHECK(contains(r.env->run(r.id).stuck_reason, "the run's input in its index row differs"));
    CHECK(r.steps == 1);
  }

  TEST_CASE("an admin retrying a damaged waiting run is told it is damaged, not that it is waiting") {
    CrashedWaitingRun r("cut");
    r.edit("DELETE FROM events WHERE seq = 2");
    std::string refusal;
    try {
      r.env->retry(r.id);  // answered "is waiting; only stuck or failed runs can be retried"
    } catch (const std::exception& e) {
      refusal = e.what();
    }
    CHECK_MESSAGE(contains(refusal, "is stuck, its rows changed outside Cairn"), refusal);
    CHECK(contains(r.env->run(r.id).stuck_reason, "seq 2: missing from the journal"));
    CHECK(r.steps == 1);
  }

  TEST_CASE("a journal with rows deleted or added outside Cairn is sealed: the run stops stuck, and an admin can end it") {
    CrashedWaitingRun r("cut");
    std::string expected;
    SUBCASE("its last event deleted") {
      // The run row still says seq 2: every write of the run used to be refused as stale, so the
      // run answered 503 to every signal, query and terminate, for good.
      r.edit("DELETE FROM events WHERE seq = 2");
      expected = "[CAIRN-CORRUPT] run cut seq 2: missing from the journal, which ends at seq 1 where its run row says 2";
    }
    SUBCASE("its run row's last seq set below 1") {  // -1 was read as "unknown": 503 for good, shown waiting
      r.edit("UPDATE runs SET last_seq = -1");
      expected = "[CAIRN-CORRUPT] run cut seq 1: the journal ends at seq 2, its run row at seq -1";
    }
    SUBCASE("its first event deleted") {
      r.edit("DELETE FROM events WHERE seq = 1");
      expected = "[CAIRN-CORRUPT] run cut seq 1: missing from the journal";
    }
    SUBCASE("a row added after its last") {
      // The run row still says seq 2. This answered 503 "an earlier write of this run failed" to
      // every request, for good: its writes expected seq 3, the store found 2.
      r.edit("INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, 3, type, cmd, at, data FROM events WHERE seq = 2");
      // (A copy of seq 2 without a checksum, which replay sees first. It said "no longer matches".)
      expected = "[CAIRN-CORRUPT] run cut seq 3: the journal's ActivityCompleted event has no checksum";
    }
    const auto journal = r.env->history(r.id);
    CHECK(contains(r.signal_go(), "nothing more is appended to its journal; restore the database from a backup"));
    auto run = r.env->run(r.id);
    CHECK(run.status == "stuck");
    CHECK_MESSAGE(contains(run.stuck_reason, expected), run.stuck_reason);
    CHECK(r.steps == 1);

    r.env->terminate(r.id, "journal damaged");
    CHECK(r.env->run(r.id).status == "terminated");
    CHECK(r.env->run(r.id).stuck_reason.empty());
    CHECK(r.env->history(r.id).size() == journal.size());  // the terminate is in the audit log only
    r.env->crash();
    CHECK_THROWS(r.env->query(r.id, "progress"));  // replays it: the run stays terminated
    CHECK(r.env->run(r.id).status == "terminated");
  }
}

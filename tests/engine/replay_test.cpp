// Replayer tests: feed events to a Run and assert what it emits. No SQLite, no threads, no sleeps.
#include <doctest/doctest.h>

#include "cairn/cairn.h"
#include "engine/run.h"
#include "engine/run_driver.h"

using namespace cairn;
using namespace cairn::engine;
using engine::testing::JournalDriver;
using store::EventType;

namespace {

Task<Json> two_steps(WorkflowContext& ctx, Json) {
  int a = co_await ctx.activity<int>("a", 1);
  int b = co_await ctx.activity<int>("b", a);
  co_return Json{{"sum", a + b}};
}

Task<Json> two_steps_changed(WorkflowContext& ctx, Json) {
  int a = co_await ctx.activity<int>("a", 1);
  int c = co_await ctx.activity<int>("c", a);
  co_return Json{{"sum", a + c}};
}

WorkflowDef def_of(std::function<Task<Json>(WorkflowContext&, Json)> fn) {
  WorkflowDef d;
  d.name = "t";
  d.run = std::move(fn);
  return d;
}

RunIdentity ident(const std::string& id = "run-1") { return RunIdentity{id, "t", 1, Json::object(), ""}; }

}  // namespace

TEST_SUITE("replayer") {
  TEST_CASE("a live run emits one command at a time and completes with the journal it wrote") {
    auto def = def_of(two_steps);
    Run run(ident(), def);
    JournalDriver d;
    CHECK(d.start(run).activities == std::vector<std::int64_t>{1});
    CHECK(d.complete(run, 1, "a", 2).activities == std::vector<std::int64_t>{2});
    auto fx = d.complete(run, 2, "b", 3);
    CHECK(fx.activities.empty());
    CHECK(run.status() == store::RunStatus::kCompleted);
    CHECK(Json::parse(run.result_json()) == Json{{"sum", 5}});
    CHECK(engine::testing::event_names(d.journal) ==
          std::vector<std::string>{"WorkflowStarted", "ActivityCompleted", "ActivityCompleted", "WorkflowCompleted"});
  }

  TEST_CASE("a terminated run has no activity in flight: an attempt that ends later finds none to record") {
    auto def = def_of(two_steps);
    Run run(ident(), def);
    JournalDriver d;
    d.start(run);
    REQUIRE(run.activity(1) != nullptr);  // executing when the admin terminates
    d.record(run, store::EventType::kWorkflowTerminated, 0, Json{{"reason", "stop"}});
    CHECK(run.status() == store::RunStatus::kTerminated);
    // The engine asks for the call when the attempt ends; it was found, and the outcome was
    // journaled after WorkflowTerminated.
    CHECK(run.activity(1) == nullptr);
  }

  TEST_CASE("the same history replays to the same state without emitting anything") {
    auto def = def_of(two_steps);
    Run live(ident(), def);
    JournalDriver d;
    d.start(live);
    d.complete(live, 1, "a", 2);
    d.complete(live, 2, "b", 3);

    Run replayed(ident(), def);
    replayed.replay(d.journal);
    CHECK(replayed.broken().is_ok());
    CHECK(replayed.status() == store::RunStatus::kCompleted);
    CHECK(replayed.result_json() == live.result_json());
    CHECK(replayed.take_effects().empty());
  }

  TEST_CASE("a replay that stops mid-way re-issues the pending activity with the same command number") {
    auto def = def_of(two_steps);
    Run live(ident(), def);
    JournalDriver d;
    d.start(live);
    d.complete(live, 1, "a", 2);

    Run replayed(ident(), def);
    replayed.replay(d.journal);
    auto fx = replayed.take_effects();
    CHECK(fx.activities == std::vector<std::int64_t>{2});
    CHECK(fx.events.empty());
    REQUIRE(replayed.activity(2));
    CHECK(replayed.activity(2)->name == "b");
    CHECK(replayed.activity(2)->input == 2);
  }

  TEST_CASE("a sealed journal takes no event, whoever records it") {
    auto def = def_of(two_steps);
    Run live(ident(), def);
    JournalDriver d;
    d.start(live);
    d.complete(live, 1, "a", 2);
    d.journal.erase(d.journal.begin() + 1);  // seq 2 deleted outside Cairn

    Run sealed(ident(), def);
    sealed.replay(d.journal, 2);
    REQUIRE(sealed.journal_sealed());
    (void)sealed.take_effects();
    const std::int64_t seq = sealed.last_seq();
    // An activity result, a signal, a timer: any caller, checked or not.
    CHECK_FALSE(sealed.record(EventType::kActivityCompleted, 1, Json{{"name", "a"}, {"result", 2}}, 2000));
    CHECK_FALSE(sealed.record(EventType::kSignalReceived, 0, Json{{"name", "go"}}, 2000));
    CHECK(sealed.last_seq() == seq);
    CHECK(sealed.take_effects().events.empty());
    CHECK(sealed.status() == store::RunStatus::kStuck);
    CHECK(live.record(EventType::kActivityCompleted, 2, Json{{"name", "b"}, {"result", 3}}, 2000));
  }

  TEST_CASE("a changed workflow is caught as stuck with a diagnostic naming both commands") {
    auto old_def = def_of(two_steps);
    Run live(ident(), old_def);
    JournalDriver d;
    d.start(live);
    d.complete(live, 1, "a", 2);
    d.complete(live, 2, "b", 3);

    auto new_def = def_of(two_steps_changed);
    Run replayed(ident(), new_def);
    replayed.replay(d.journal);
    CHECK(replayed.broken().code() == Errc::kNondeterminism);
    CHECK(replayed.status() == store::RunStatus::kStuck);
    const std::string& why = replayed.stuck_reason();
    CHECK(why.find("[CAIRN-NONDET]") != std::string::npos);
    CHECK(why.find("ActivityCompleted(b)") != std::string::npos);
    CHECK(why.find("activity(c)") != std::string::npos);
    CHECK(why.find("command 2") != std::string::npos);
  }

  TEST_CASE("a timer where the journal holds an activity is non-determinism") {
    auto def = def_of(two_steps);
    Run live(ident(), def);
    JournalDriver d;
    d.start(live);
    d.complete(live, 1, "a", 2);
    auto timer_first = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      co_await ctx.sleep(std::chrono::seconds(5));
      co_return Json();
    });
    Run replayed(ident(), timer_first);
    replayed.replay(d.journal);
    CHECK(replayed.broken().code() == Errc::kNondeterminism);
    CHECK(replayed.stuck_reason().find("timer") != std::string::npos);
  }

  TEST_CASE("signal received before the wait is buffered and delivered once") {
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      (void)co_await ctx.activity<int>("a", 1);
      auto first = co_await ctx.wait_signal<int>("go");
      auto second = co_await ctx.wait_signal<int>("go", std::chrono::hours(1));
      co_return Json{{"first", first}, {"second", second ? *second : -1}};
    });
    Run run(ident(), def);
    JournalDriver d;
    d.start(run);
    // The signal arrives while the activity runs: nobody waits yet, so it is buffered.
    CHECK(run.signal_consumer("go") == 0);
    d.record(run, EventType::kSignalReceived, 0, Json{{"name", "go"}, {"payload", 7}});
    auto fx = d.complete(run, 1, "a", 0);
    // The first wait took the buffered signal at once; the second waits with a timeout timer.
    REQUIRE(fx.arm.size() == 1);
    CHECK(run.status() == store::RunStatus::kWaiting);
    CHECK(run.waiting_on()->kind == "signal");
    std::int64_t timer_cmd = fx.arm[0].cmd;
    CHECK(run.signal_consumer("go") == timer_cmd);
    fx = d.record(run, EventType::kTimerFired, timer_cmd, Json::object());
    CHECK(run.status() == store::RunStatus::kCompleted);
    CHECK(Json::parse(run.result_json()) == Json{{"first", 7}, {"second", -1}});

    Run replayed(ident(), def);
    replayed.replay(d.journal);
    CHECK(replayed.broken().is_ok());
    CHECK(replayed.result_json() == run.result_json());
  }

  TEST_CASE("all() returns results in argument order whatever order they arrive in") {
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      std::vector<Task<int>> tasks;
      for (int i = 0; i < 3; ++i) tasks.push_back(ctx.activity<int>("step", i));
      auto results = co_await all(std::move(tasks));
      co_return Json(results);
    });
    Run run(ident(), def);
    JournalDriver d;
    CHECK(d.start(run).activities == std::vector<std::int64_t>{1, 2, 3});
    d.complete(run, 3, "step", 30);
    d.complete(run, 1, "step", 10);
    CHECK(run.status() == store::RunStatus::kRunning);
    d.complete(run, 2, "step", 20);
    CHECK(Json::parse(run.result_json()) == Json::array({10, 20, 30}));

    Run replayed(ident(), def);
    replayed.replay(d.journal);
    CHECK(replayed.result_json() == run.result_json());
  }

  TEST_CASE("all() of several void tasks waits for each of them") {
    // all(Task<void>, Task<void>) did not compile (an outside author): only the vector form did.
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      co_await all(ctx.activity<void>("email", 1), ctx.activity<void>("sms", 2), ctx.sleep(std::chrono::seconds(5)));
      co_return Json("sent");
    });
    Run run(ident(), def);
    JournalDriver d;
    auto fx = d.start(run);
    CHECK(fx.activities == std::vector<std::int64_t>{1, 2});
    REQUIRE(fx.arm.size() == 1);
    d.complete(run, 2, "sms", nullptr);
    d.record(run, EventType::kTimerFired, fx.arm[0].cmd, Json::object());
    CHECK(run.status() == store::RunStatus::kRunning);
    d.complete(run, 1, "email", nullptr);
    CHECK(Json::parse(run.result_json()) == "sent");
  }

  TEST_CASE("any() takes the first result and abandons the losers deterministically") {
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      std::vector<Task<void>> tasks;
      tasks.push_back([](WorkflowContext& c) -> Task<void> { (void)co_await c.activity<int>("slow", 0); }(ctx));
      tasks.push_back(ctx.sleep(std::chrono::seconds(10)));
      std::size_t won = co_await any(std::move(tasks));
      // The losing activity's late result must not be mistaken for this one.
      int next = co_await ctx.activity<int>("after", 0);
      co_return Json{{"won", won}, {"next", next}};
    });
    Run run(ident(), def);
    JournalDriver d;
    auto fx = d.start(run);
    CHECK(fx.activities == std::vector<std::int64_t>{1});
    REQUIRE(fx.arm.size() == 1);
    fx = d.record(run, EventType::kTimerFired, fx.arm[0].cmd, Json::object());
    CHECK(fx.activities == std::vector<std::int64_t>{3});
    CHECK_FALSE(run.is_pending(1));  // abandoned
    // A late result of the abandoned activity is ignored, on replay too.
    d.complete(run, 1, "slow", 99);
    d.complete(run, 3, "after", 5);
    CHECK(Json::parse(run.result_json()) == Json{{"won", 1}, {"next", 5}});
    Run replayed(ident(), def);
    replayed.replay(d.journal);
    CHECK(replayed.broken().is_ok());
    CHECK(replayed.result_json() == run.result_json());
  }

  TEST_CASE("patched() is false for runs journaled before the change and true for new runs") {
    auto old_code = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      (void)co_await ctx.activity<int>("a", 0);
      co_await ctx.sleep(std::chrono::seconds(1));
      co_return Json("old");
    });
    auto new_code = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      (void)co_await ctx.activity<int>("a", 0);
      if (ctx.patched("skip-sleep")) co_return Json("new");
      co_await ctx.sleep(std::chrono::seconds(1));
      co_return Json("old");
    });
    Run old_run(ident(), old_code);
    JournalDriver d;
    d.start(old_run);
    d.complete(old_run, 1, "a", 0);  // now sleeping: TimerStarted is in the journal

    Run upgraded(ident(), new_code);
    upgraded.replay(d.journal);
    CHECK(upgraded.broken().is_ok());
    CHECK(upgraded.status() == store::RunStatus::kWaiting);  // kept the old path

    Run fresh(ident("run-2"), new_code);
    JournalDriver d2;
    d2.start(fresh);
    d2.complete(fresh, 1, "a", 0);
    CHECK(Json::parse(fresh.result_json()) == "new");
    CHECK(engine::testing::event_names(d2.journal)[2] == "VersionMarker");
    Run fresh_replayed(ident("run-2"), new_code);
    fresh_replayed.replay(d2.journal);
    CHECK(fresh_replayed.result_json() == fresh.result_json());
  }

  TEST_CASE("patched() is false for an old run that had reached a wait the journal does not show") {
    // An untimed signal wait writes nothing until the signal comes, so the journal of a run
    // parked there ends before the patch point. The code ran past that point all the same (every
    // commit follows the code to its next wait): replaying it must not take the new path. It did,
    // and the old run sent the new SMS after the signal (an outside author's audit).
    auto old_code = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      (void)co_await ctx.activity<int>("email", 0);
      co_return co_await ctx.wait_signal("paid");
    });
    auto new_code = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      (void)co_await ctx.activity<int>("email", 0);
      if (ctx.patched("sms-too")) (void)co_await ctx.activity<int>("sms", 0);
      co_return co_await ctx.wait_signal("paid");
    });
    Run old_run(ident(), old_code);
    JournalDriver d;
    d.start(old_run);
    d.complete(old_run, 1, "email", 0);  // now waiting for `paid`: nothing journaled for it

    Run upgraded(ident(), new_code);
    upgraded.replay(d.journal);
    CHECK(upgraded.broken().is_ok());
    RunEffects fx = upgraded.take_effects();
    CHECK(fx.activities.empty());  // no sms
    CHECK(fx.events.empty());      // no VersionMarker
    fx = d.record(upgraded, EventType::kSignalReceived, 2, Json{{"name", "paid"}, {"payload", 7}});
    CHECK(Json::parse(upgraded.result_json()) == 7);

    Run fresh(ident("run-2"), new_code);  // a new run takes the new path
    JournalDriver d2;
    d2.start(fresh);
    fx = d2.complete(fresh, 1, "email", 0);
    REQUIRE(fx.activities.size() == 1);
    CHECK(fresh.activity(fx.activities[0])->name == "sms");
  }

  TEST_CASE("a failure unwinds the saga's compensations newest first before the run fails") {
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      Saga saga{ctx};
      (void)co_await ctx.activity<int>("reserve", 0);
      saga.compensate("release", 1);
      (void)co_await ctx.activity<int>("charge", 0);
      saga.compensate("refund", 2);
      (void)co_await ctx.activity<int>("ship", 0);
      co_return Json();
    });
    Run run(ident(), def);
    JournalDriver d;
    d.start(run);
    d.complete(run, 1, "reserve", 0);
    d.complete(run, 2, "charge", 0);
    auto fx = d.record(run, EventType::kActivityFailed, 3,
                       Json{{"name", "ship"}, {"attempt", 3}, {"final", true},
                            {"error", {{"type", "boom"}, {"message", "no truck"}}}});
    // CompensationStarted, then "refund" before "release".
    REQUIRE(fx.activities.size() == 1);
    CHECK(run.activity(fx.activities[0])->name == "refund");
    CHECK(run.activity(fx.activities[0])->compensation);
    std::int64_t refund = fx.activities[0];
    fx = d.complete(run, refund, "refund", nullptr);
    REQUIRE(fx.activities.size() == 1);
    CHECK(run.activity(fx.activities[0])->name == "release");
    fx = d.complete(run, fx.activities[0], "release", nullptr);
    CHECK(run.status() == store::RunStatus::kFailed);
    CHECK(run.error().find("ship") != std::string::npos);
    auto names = engine::testing::event_names(d.journal);
    CHECK(std::find(names.begin(), names.end(), "CompensationStarted") != names.end());
    CHECK(names.back() == "WorkflowFailed");
  }

  TEST_CASE("a compensation that exhausts its retries leaves the run stuck, not failed") {
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      Saga saga{ctx};
      (void)co_await ctx.activity<int>("charge", 0);
      saga.compensate("refund", 1);
      (void)co_await ctx.activity<int>("ship", 0);
      co_return Json();
    });
    Run run(ident(), def);
    JournalDriver d;
    d.start(run);
    d.complete(run, 1, "charge", 0);
    auto fx = d.record(run, EventType::kActivityFailed, 2,
                       Json{{"name", "ship"}, {"attempt", 1}, {"final", true}, {"error", {{"type", "x"}}}});
    std::int64_t refund = fx.activities.at(0);
    d.record(run, EventType::kActivityFailed, refund,
             Json{{"name", "refund"}, {"attempt", 5}, {"final", true}, {"paused", true},
                  {"error", {{"type", "gateway"}, {"message", "down"}}}});
    CHECK(run.status() == store::RunStatus::kStuck);
    CHECK(run.stuck_reason().find("compensation refund") != std::string::npos);
    // An admin retry resumes the compensation; once it succeeds the run ends failed.
    fx = d.record(run, EventType::kAdminAction, 0, Json{{"action", "retry"}});
    CHECK(fx.activities == std::vector<std::int64_t>{refund});
    d.complete(run, refund, "refund", nullptr);
    CHECK(run.status() == store::RunStatus::kFailed);
  }

  TEST_CASE("a cancel request wakes a signal wait with CancelledError and the run ends cancelled") {
    auto def = def_of([](WorkflowContext& ctx, Json) -> Task<Json> {
      Saga saga{ctx};
      (void)co_await ctx.activity<int>("charge", 0);
      saga.compensate("refund", 1);
      (void)co_await ctx.wait_signal<Json>("shipped");
      co_return Json();
    });
    Run run(ident(), def);
    JournalDriver d;
    d.start(run);
    d.complete(run, 1, "charge", 0);
    CHECK(run.status() == store::RunStatus::kWaiting);
    auto fx = d.record(run, EventType::kCancelRequested, 0, Json::object());
    REQUIRE(fx.activities.size() == 1);
    CHECK(run.activity(fx.activities[0])->name == "refund");
    d.complete(run, fx.activities[0], "refund", nullptr);
    CHECK(run.status() == store::RunStatus::kCancelled);
  }

  TEST_CASE("side effects and randomness replay to the journaled values") {
    int calls = 0;
    auto def = def_of([&calls](WorkflowContext& ctx, Json) -> Task<Json> {
      int v = ctx.side_effect<int>([&] { return ++calls * 100; });
      auto id = ctx.uuid();
      (void)co_await ctx.activity<int>("a", 0);
      co_return Json{{"v", v}, {"uuid", id}};
    });
    Run run(ident(), def);
    JournalDriver d;
    d.start(run);
    d.complete(run, 2, "a", 0);
    Run replayed(ident(), def);
    replayed.replay(d.journal);
    CHECK(calls == 1);
    CHECK(replayed.result_json() == run.result_json());
    CHECK(Json::parse(run.result_json())["uuid"].get<std::string>().size() == 36);
  }
}

// Engine tests through the public test kit: a real SQLite store, a manual clock, crashes.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "cairn/cairn.h"
#include "cairn/testing.h"

using namespace cairn;
using namespace std::chrono_literals;
using cairn::testing::TestEnv;

namespace {

// Counts activity executions per idempotency key (what a service would see).
struct Ledger {
  std::mutex mu;
  std::map<std::string, int> executions;
  void add(const std::string& key) {
    std::lock_guard lock(mu);
    ++executions[key];
  }
  int count(const std::string& key) {
    std::lock_guard lock(mu);
    return executions[key];
  }
};

Ledger ledger;
std::atomic<int> failures_left{0};    // "flaky" fails while > 0
std::atomic<bool> refund_works{true};  // "refund" fails while false
std::atomic<int> code_version{1};      // "versioned" workflow's deployed code

int add_one(ActivityContext& ctx, int x) {
  ledger.add(ctx.idempotency_key());
  return x + 1;
}

int flaky(ActivityContext& ctx, int x) {
  ledger.add(ctx.idempotency_key());
  if (failures_left.fetch_sub(1) > 0) throw RetryableError("flaky", "try again");
  return x;
}

Json refund(ActivityContext& ctx, Json) {
  ledger.add(ctx.idempotency_key());
  if (!refund_works) throw RetryableError("gateway", "refund service down");
  return "refunded";
}

const RetryPolicy kBackoff{.initial_interval = 1s, .backoff_coefficient = 2, .maximum_interval = 16s,
                          .maximum_attempts = 6};

Task<Json> steps(WorkflowContext& ctx, int n) {
  int x = 0;
  for (int i = 0; i < n; ++i) x = co_await ctx.activity<int>("add_one", x);
  co_return Json{{"x", x}};
}

Task<Json> retrying(WorkflowContext& ctx, Json) {
  try {
    int value = co_await ctx.activity<int>("flaky", 7, {.retry = kBackoff});
    co_return Json{{"value", value}};
  } catch (const ActivityFailed& e) {
    co_return Json{{"gave_up_after", e.attempts()}};
  }
}

// Every kind of await, for the crash-at-every-step test.
Task<Json> tour(WorkflowContext& ctx, Json) {
  int a = co_await ctx.activity<int>("add_one", 1);
  co_await ctx.sleep(10s);
  auto go = co_await ctx.wait_signal<int>("go");
  auto child = co_await ctx.child<Json>("steps", 2);
  std::vector<Task<int>> fan;
  fan.push_back(ctx.activity<int>("add_one", 10));
  fan.push_back(ctx.activity<int>("add_one", 20));
  auto both = co_await all(std::move(fan));
  std::string uuid = ctx.uuid();
  co_return Json{{"a", a}, {"go", go}, {"child", child}, {"fan", both}, {"uuid", uuid}};
}

Task<Json> saga_with_backoff(WorkflowContext& ctx, Json) {
  Saga saga{ctx};
  (void)co_await ctx.activity<int>("add_one", 0);
  saga.compensate("refund", Json("charge-1"));
  (void)co_await ctx.activity<int>("flaky", 1, {.retry = kBackoff});
  co_return Json("done");
}

// A step compensated by `refund`, then one that fails at once: the saga unwinds.
Task<Json> saga_failing_after(WorkflowContext& ctx, std::string refund) {
  Saga saga{ctx};
  (void)co_await ctx.activity<int>("add_one", 0);
  saga.compensate(std::move(refund), Json("charge-1"));
  (void)co_await ctx.activity<int>("flaky", 1, {.retry = RetryPolicy{.maximum_attempts = 1}});
  co_return Json("done");
}

Task<Json> saga_then_fail(WorkflowContext& ctx, Json) { return saga_failing_after(ctx, "refund"); }
// With a compensation an admin may skip (refund_by_hand is skippable).
Task<Json> saga_skippable(WorkflowContext& ctx, Json) { return saga_failing_after(ctx, "refund_by_hand"); }

Task<Json> sleeper(WorkflowContext& ctx, Json) {
  co_await ctx.sleep(1h);
  co_return Json(ctx.now().time_since_epoch().count());
}

Task<Json> versioned(WorkflowContext& ctx, Json) {
  // A code change deployed while runs are waiting: version 2 calls another activity first.
  (void)co_await ctx.activity<int>(code_version == 1 ? "add_one" : "flaky", 0);
  auto v = co_await ctx.wait_signal<int>("go");
  co_return Json(v);
}

struct Card {
  std::string number;
};
void from_json(const Json& j, Card& c) { c.number = j.at("number").get<std::string>(); }

// Waits for a `card` signal of the right shape, for at most a day.
Task<Json> card_wait(WorkflowContext& ctx, Json) {
  auto card = co_await ctx.wait_signal<Card>("card", 24h);
  co_return card ? Json(card->number) : Json("timeout");
}

// Waits on a child that waits for a `card` signal.
Task<Json> card_parent(WorkflowContext& ctx, Json) {
  co_return co_await ctx.child<Json>("card_wait", Json::object());
}

const std::vector<std::string> kCounterSignals{"add", "stop"};

Task<Json> counter(WorkflowContext& ctx, Json) {
  int total = 0;
  auto query = ctx.on_query("total", [&total] { return total; });
  for (;;) {
    auto s = co_await ctx.wait_any_signal(kCounterSignals);
    if (s->name == "stop") co_return Json(total);
    total += s->payload.get<int>();
  }
}

// Starts `type` (a saga_failing_after) with its compensation refusing every attempt, and lets
// the attempts run out: the run is left stuck on the compensation.
std::string start_stuck_saga(TestEnv& env, const std::string& type) {
  failures_left = 1;
  refund_works = false;
  auto id = env.start(type, Json::object());
  env.advance(1min);
  return id;
}

Registry& registry() {
  static Registry r = [] {
    Registry reg;
    reg.workflow("steps", steps);
    reg.workflow("retrying", retrying);
    reg.workflow("tour", tour);
    reg.workflow("saga_with_backoff", saga_with_backoff);
    reg.workflow("saga_then_fail", saga_then_fail);
    reg.workflow("saga_skippable", saga_skippable);
    reg.workflow("sleeper", sleeper);
    reg.workflow("versioned", versioned);
    reg.workflow("counter", counter);
    reg.workflow("card_wait", card_wait);
    reg.workflow("card_parent", card_parent);
    reg.activity("add_one", add_one);
    reg.activity("flaky", flaky);
    reg.activity("refund", refund, {.retry = RetryPolicy{.initial_interval = 1s, .maximum_attempts = 3}});
    reg.activity("refund_by_hand", refund,
                 {.retry = RetryPolicy{.initial_interval = 1s, .maximum_attempts = 2}, .skippable = true});
    return reg;
  }();
  return r;
}

std::vector<std::string> types_of(const std::vector<cairn::testing::HistoryEvent>& h) {
  std::vector<std::string> out;
  for (const auto& e : h) out.push_back(e.type);
  return out;
}

int count_of(const std::vector<cairn::testing::HistoryEvent>& h, const std::string& type) {
  return static_cast<int>(std::count_if(h.begin(), h.end(), [&](const auto& e) { return e.type == type; }));
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a run completes and its journal holds only one outcome per step") {
    TestEnv env{registry()};
    auto id = env.start("steps", 3);
    auto run = env.run(id);
    CHECK(run.status == "completed");
    CHECK(run.result == Json{{"x", 3}});
    CHECK(types_of(env.history(id)) == std::vector<std::string>{"WorkflowStarted", "ActivityCompleted",
                                                                 "ActivityCompleted", "ActivityCompleted",
                                                                 "WorkflowCompleted"});
  }

  TEST_CASE("retries back off 1-2-4-8-16 s on durable timers of the manual clock") {
    TestEnv env{registry()};
    failures_left = 5;
    auto id = env.start("retrying", Json::object());
    CHECK(env.run(id).status == "running");
    CHECK(env.run(id).waiting_on["kind"] == "activity");
    env.advance(999ms);
    CHECK(count_of(env.history(id), "ActivityFailed") == 1);
    env.advance(1ms);
    CHECK(count_of(env.history(id), "ActivityFailed") == 2);
    env.advance(30s);
    auto h = env.history(id);
    CHECK(env.run(id).status == "completed");
    CHECK(env.run(id).result == Json{{"value", 7}});
    std::vector<std::int64_t> waits;
    for (const auto& e : h)
      if (e.type == "ActivityFailed") waits.push_back(e.data["retry_at"].get<std::int64_t>());
    REQUIRE(waits.size() == 5);
    // Each retry_at is measured from the failure that set it: the gaps grow 1, 2, 4, 8, 16 s.
    for (std::size_t i = 1; i < waits.size(); ++i) CHECK(waits[i] - waits[i - 1] == (1000ll << i));
  }

  TEST_CASE("exhausted retries reach the workflow code as ActivityFailed") {
    TestEnv env{registry()};
    failures_left = 100;
    auto id = env.start("retrying", Json::object());
    env.advance(1min);
    CHECK(env.run(id).status == "completed");
    CHECK(env.run(id).result == Json{{"gave_up_after", 6}});
    failures_left = 0;
  }

  TEST_CASE("a crash between an activity's completion and its commit re-runs it with the same key") {
    TestEnv env{registry()};
    std::vector<std::string> attempts;
    std::mutex mu;
    env.on_activity_attempt([&](const std::string& key, const std::string&) {
      std::lock_guard lock(mu);
      attempts.push_back(key);
    });
    env.crash_before_commit_of("ActivityCompleted");
    auto id = env.start("steps", 2);
    CHECK(env.run(id).status == "running");  // the completion was never committed
    env.crash();
    env.run_until_idle();
    CHECK(env.run(id).status == "completed");
    CHECK(env.run(id).result == Json{{"x", 2}});
    std::string first_key = id + "/1";
    CHECK(std::count(attempts.begin(), attempts.end(), first_key) == 2);  // same key both times
    auto h = env.history(id);
    CHECK(count_of(h, "ActivityCompleted") == 2);  // exactly one outcome per step in the journal
  }

  TEST_CASE("a run killed after any step resumes to the same result") {
    // Reference result without a crash.
    Json expected;
    {
      TestEnv env{registry()};
      auto id = env.start("tour", Json::object(), "tour-ref");
      env.advance(10s);
      env.signal(id, "go", 5);
      expected = env.run(id).result;
      REQUIRE(env.run(id).status == "completed");
    }
    for (int crash_at = 0; crash_at < 4; ++crash_at) {
      CAPTURE(crash_at);
      TestEnv env{registry()};
      auto id = env.start("tour", Json::object(), "tour-ref");
      if (crash_at == 0) env.crash();
      env.advance(10s);
      if (crash_at == 1) env.crash();
      CHECK(env.run(id).status == "waiting");
      env.signal(id, "go", 5);
      if (crash_at == 2) env.crash();
      env.run_until_idle();
      if (crash_at == 3) env.crash();
      env.run_until_idle();
      CHECK(env.run(id).status == "completed");
      CHECK(env.run(id).result == expected);
    }
  }

  TEST_CASE("waiting runs are evicted from memory and rehydrated when their timer fires") {
    TestEnv env{registry(), {.cache_size = 10}};
    std::vector<std::string> ids;
    for (int i = 0; i < 200; ++i) ids.push_back(env.start("sleeper", Json::object()));
    CHECK(env.live_runs() <= 10);
    CHECK(env.run(ids[0]).status == "waiting");
    CHECK(env.run(ids[0]).waiting_on["kind"] == "timer");
    auto before = env.now();
    env.advance(1h);
    for (const auto& id : ids) {
      REQUIRE(env.run(id).status == "completed");
      CHECK(env.run(id).result.get<std::int64_t>() == (before + 1h).time_since_epoch().count());
    }
  }

  TEST_CASE("cancellation during a retry backoff compensates and ends the run cancelled") {
    TestEnv env{registry()};
    failures_left = 100;
    auto id = env.start("saga_with_backoff", Json::object());
    CHECK(env.run(id).status == "running");  // first attempt failed, backing off
    env.cancel(id);
    auto h = env.history(id);
    CHECK(env.run(id).status == "cancelled");
    auto types = types_of(h);
    auto pos = [&](const std::string& t) { return std::find(types.begin(), types.end(), t) - types.begin(); };
    CHECK(pos("CancelRequested") < pos("CompensationStarted"));
    CHECK(pos("CompensationCompleted") < pos("WorkflowCancelled"));
    auto refunds = std::count_if(h.begin(), h.end(), [](const auto& e) {
      return e.type == "ActivityCompleted" && e.data["name"] == "refund";
    });
    CHECK(refunds == 1);
    failures_left = 0;
  }

  TEST_CASE("a compensation that keeps failing leaves the run stuck until an admin retry") {
    TestEnv env{registry()};
    auto id = start_stuck_saga(env, "saga_then_fail");
    auto run = env.run(id);
    CHECK(run.status == "stuck");
    CHECK(run.stuck_reason.find("compensation refund") != std::string::npos);
    CHECK(count_of(env.history(id), "WorkflowFailed") == 0);  // never half-compensated and "failed"
    refund_works = true;
    env.retry(id);
    CHECK(env.run(id).status == "failed");
    auto types = types_of(env.history(id));
    CHECK(std::count(types.begin(), types.end(), "AdminAction") == 1);
    CHECK(types.back() == "WorkflowFailed");
  }

  TEST_CASE("an admin skips a skippable step a stuck run is paused on, with a result; other steps refuse") {
    TestEnv env{registry()};
    auto id = start_stuck_saga(env, "saga_skippable");
    REQUIRE(env.run(id).status == "stuck");
    env.skip(id, Json{{"refunded_by", "ops"}});  // refunded by hand; the saga carries on
    auto run = env.run(id);
    CHECK(run.status == "failed");  // the forward step's failure, now fully compensated
    auto history = env.history(id);
    bool skipped = false;
    for (const auto& e : history)
      if (e.type == "ActivityCompleted" && e.data.value("skipped", false)) {
        skipped = true;
        CHECK(e.data["name"] == "refund_by_hand");
        CHECK(e.data["result"] == Json{{"refunded_by", "ops"}});
      }
    CHECK(skipped);
    CHECK(count_of(history, "AdminAction") == 1);
    CHECK_THROWS_WITH_AS(env.skip(id, 1), doctest::Contains("is failed"), std::runtime_error);  // ended

    auto strict = start_stuck_saga(env, "saga_then_fail");  // its refund is not skippable
    REQUIRE(env.run(strict).status == "stuck");
    CHECK_THROWS_WITH_AS(env.skip(strict, 1), doctest::Contains("does not let an admin skip"), std::runtime_error);
    CHECK(env.run(strict).status == "stuck");
    auto sleeping = env.start("sleeper", Json::object());
    CHECK_THROWS_WITH_AS(env.skip(sleeping, 1), doctest::Contains("nothing to skip"), std::runtime_error);
    refund_works = true;
  }

  TEST_CASE("terminate stops a waiting run at once, without compensation") {
    TestEnv env{registry()};
    auto id = env.start("sleeper", Json::object());
    env.terminate(id, "operator says so");
    auto run = env.run(id);
    CHECK(run.status == "terminated");
    CHECK(run.error == "operator says so");
    CHECK(types_of(env.history(id)).back() == "WorkflowTerminated");
    env.advance(2h);  // the disarmed timer never fires
    CHECK(count_of(env.history(id), "TimerFired") == 0);
    CHECK_THROWS(env.cancel(id));
  }

  TEST_CASE("changed code marks a waiting run stuck; an admin retry after the fix resumes it") {
    TestEnv env{registry()};
    code_version = 1;
    auto id = env.start("versioned", Json::object());
    CHECK(env.run(id).status == "waiting");
    code_version = 2;  // a bad deploy
    env.crash();
    env.signal(id, "go", 9);  // wakes the run: replay meets the change
    auto run = env.run(id);
    CHECK(run.status == "stuck");
    CHECK(run.stuck_reason.find("[CAIRN-NONDET]") != std::string::npos);
    CHECK(run.stuck_reason.find("activity(flaky)") != std::string::npos);
    code_version = 1;  // the fix
    env.retry(id);
    CHECK(env.run(id).status == "completed");
    CHECK(env.run(id).result == 9);  // the signal sent while stuck was kept
  }

  TEST_CASE("changed code does not un-end a completed run: a query that replays it is refused, the run stays completed") {
    TestEnv env{registry()};
    code_version = 1;
    auto id = env.start("versioned", Json::object());
    env.signal(id, "go", 9);
    REQUIRE(env.run(id).status == "completed");
    code_version = 2;  // a deploy that changed the code under ended runs
    env.crash();
    try {
      (void)env.query(id, "anything");  // replays it: the replay meets the change
      FAIL("the query answered");
    } catch (const std::exception& e) {
      CHECK(std::string(e.what()).find("is completed, its queries unavailable: [CAIRN-NONDET]") != std::string::npos);
    }
    env.run_until_idle();
    CHECK(env.run(id).status == "completed");  // it was rewritten stuck
    CHECK(env.run(id).result == 9);
    code_version = 1;
  }

  TEST_CASE("a failed run retried by an admin resumes at its failed step") {
    TestEnv env{registry()};
    failures_left = 1;
    Registry reg;
    reg.workflow("fragile", [](WorkflowContext& ctx, int x) -> Task<int> {
      co_return co_await ctx.activity<int>("flaky", x, {.retry = RetryPolicy{.maximum_attempts = 1}});
    });
    reg.activity("flaky", flaky);
    TestEnv env2{reg};
    auto id = env2.start("fragile", 4);
    CHECK(env2.run(id).status == "failed");
    CHECK(env2.run(id).error.find("flaky") != std::string::npos);
    env2.retry(id);
    CHECK(env2.run(id).status == "completed");
    CHECK(env2.run(id).result == 4);
    CHECK(ledger.count(id + "/1") == 2);  // the failed step ran again, with its key
  }

  TEST_CASE("signals with a repeated idempotency key are delivered once; queries read live state") {
    TestEnv env{registry(), {.cache_size = 0}};  // every idle run is evicted: queries must replay
    auto id = env.start("counter", Json::object());
    auto s1 = env.signal(id, "add", 5, "k1");
    auto s2 = env.signal(id, "add", 5, "k1");
    CHECK(s1 == s2);
    env.signal(id, "add", 2);
    CHECK(env.query(id, "total") == 7);
    CHECK_THROWS(env.query(id, "nope"));
    env.signal(id, "stop", nullptr);
    CHECK(env.run(id).result == 7);
    CHECK_THROWS(env.signal(id, "add", 1));  // terminal: conflict
  }

  TEST_CASE("a signal whose payload does not fit the awaited type is skipped; the wait and its deadline go on") {
    TestEnv env{registry(), {.cache_size = 0}};  // replayed from the journal after each signal
    auto id = env.start("card_wait", Json::object());
    // It failed the run (and ran its compensations) with "[json.exception.out_of_range.403] key
    // 'number' not found": one malformed client signal ended an order (an outside author's audit).
    env.signal(id, "card", Json{{"kard", "4111"}});
    env.signal(id, "card", "4111");
    CHECK(env.run(id).status == "waiting");
    env.signal(id, "card", Json{{"number", "4111"}});
    CHECK(env.run(id).status == "completed");
    CHECK(env.run(id).result == "4111");
    int received = 0;
    for (const auto& e : env.history(id)) received += e.type == "SignalReceived";
    CHECK(received == 3);  // the skipped ones stay in the history

    auto late = env.start("card_wait", Json::object());
    env.signal(late, "card", Json{{"kard", "1"}});
    env.advance(24h);  // the deadline of the first wait, not a fresh day after the skip
    CHECK(env.run(late).result == "timeout");
  }

  TEST_CASE("a child follows its parent: cancelled with it, terminated with it") {
    TestEnv env{registry()};
    // The child kept waiting (and later completed) after its parent was cancelled or terminated,
    // and the cancelled parent went on waiting for it (an outside author's audit).
    auto parent = env.start("card_parent", Json::object());
    const std::string child = parent + ":1";
    REQUIRE(env.run(child).status == "waiting");
    env.cancel(parent);
    CHECK(env.run(child).status == "cancelled");
    CHECK(env.run(parent).status == "cancelled");

    auto doomed = env.start("card_parent", Json::object());
    env.terminate(doomed, "test");
    CHECK(env.run(doomed).status == "terminated");
    CHECK(env.run(doomed + ":1").status == "terminated");
    CHECK(env.run(doomed + ":1").error == "its parent " + doomed + " was terminated");
    env.advance(48h);  // the child's timer was disarmed with it
    CHECK(env.run(doomed + ":1").status == "terminated");
  }

  TEST_CASE("a crash armed on the event a call writes: the call throws, and after the crash the call is lost") {
    TestEnv env{registry()};
    auto id = env.start("card_wait", Json::object());
    // env.signal() and env.cancel() waited forever for the lost commit (an outside author could
    // not test a crash while a signal arrives).
    env.crash_before_commit_of("SignalReceived", id);
    CHECK_THROWS_AS(env.signal(id, "card", Json{{"number", "1"}}), std::runtime_error);
    env.crash();
    CHECK(env.run(id).status == "waiting");  // never delivered: the client's to retry
    env.signal(id, "card", Json{{"number", "2"}});
    CHECK(env.run(id).result == "2");

    auto other = env.start("card_wait", Json::object());
    env.crash_before_commit_of("CancelRequested", other);
    CHECK_THROWS_AS(env.cancel(other), std::runtime_error);
    env.crash();
    CHECK(env.run(other).status == "waiting");
  }

  TEST_CASE("a keyed signal that ended its run answers its seq again when retried; other signals conflict") {
    TestEnv env{registry()};
    auto id = env.start("counter", Json::object());
    env.signal(id, "add", 3, "k-add");
    const auto stop_seq = env.signal(id, "stop", nullptr, "k-stop");
    REQUIRE(env.run(id).status == "completed");
    const std::size_t events = env.history(id).size();
    CHECK(env.signal(id, "stop", nullptr, "k-stop") == stop_seq);  // the client lost the first answer
    CHECK_THROWS_WITH(env.signal(id, "add", 1, "k-new"), doctest::Contains("CONFLICT"));
    CHECK_THROWS_WITH(env.signal(id, "add", 1), doctest::Contains("CONFLICT"));
    env.crash();  // from the store: the keys come back with the journal
    CHECK(env.signal(id, "stop", nullptr, "k-stop") == stop_seq);
    CHECK_THROWS_WITH(env.signal(id, "add", 1, "k-new"), doctest::Contains("CONFLICT"));
    CHECK(env.history(id).size() == events);  // nothing was delivered
    CHECK(env.live_runs() == 0);              // nor kept in memory after answering
  }

  TEST_CASE("a typed input that does not convert is refused without the JSON library's prefix") {
    Registry reg;
    reg.workflow("sum", [](WorkflowContext&, std::vector<int>) -> Task<int> { co_return 0; });
    // It was "[json.exception.type_error.302] type must be array, but is object" in the 400.
    CHECK(reg.find_workflow("sum")->validate(Json::object()) == "type must be array, but is object");
    CHECK(reg.find_workflow("sum")->validate(Json::array({1, 2})) == "");
  }

  TEST_CASE("starts are idempotent on id and on equal input, and conflict on other input") {
    TestEnv env{registry()};
    auto id = env.start("steps", 1, "order-1");
    CHECK(env.start("steps", 1, "order-1") == id);
    CHECK_THROWS_WITH(env.start("steps", 2, "order-1"), doctest::Contains("CONFLICT"));
    // Completed, it leaves memory: the answers now come from the store.
    env.run_until_idle();
    REQUIRE(env.run(id).status == "completed");
    CHECK(env.live_runs() == 0);
    const std::size_t events = env.history(id).size();
    CHECK(env.start("steps", 1, "order-1") == id);
    CHECK_THROWS_WITH(env.start("steps", 2, "order-1"), doctest::Contains("CONFLICT"));
    CHECK(env.run(id).status == "completed");
    CHECK(env.history(id).size() == events);  // neither start wrote anything
    CHECK_THROWS_WITH(env.start("nope", 1), doctest::Contains("unknown workflow type"));
    CHECK_THROWS_WITH(env.start("steps", "not a number"), doctest::Contains("INVALID"));
  }

  TEST_CASE("a repeated start of an existing run is answered by the run, though its input checks have changed since") {
    // The checks a newer binary makes: this one's start refuses inputs above 10.
    auto limit = std::make_shared<std::atomic<int>>(100);
    Registry reg;
    reg.workflow("capped", [](WorkflowContext& ctx, int n) -> Task<int> {
                   co_await ctx.sleep(1h);
                   co_return n;
                 },
                 {.validate = [limit](const Json& input) -> std::string {
                   return input.get<int>() > *limit ? "too large" : "";
                 }});
    TestEnv env(reg);
    const auto id = env.start("capped", 50, "cap-1");
    *limit = 10;
    for (int pass = 0; pass < 2; ++pass) {
      CAPTURE(pass);  // 0: the run is live; 1: after a crash, it is read from the store
      REQUIRE(env.live_runs() == 1 - pass);
      CHECK(env.start("capped", 50, "cap-1") == id);  // it answered 400: the client retried forever
      CHECK_THROWS_WITH(env.start("capped", 40, "cap-1"), doctest::Contains("CONFLICT"));
      CHECK_THROWS_WITH(env.start("capped", 50, "cap-2"), doctest::Contains("too large"));
      CHECK(env.run(id).status == "waiting");
      env.crash();
    }
    env.advance(1h);
    CHECK(env.run(id).status == "completed");
  }

  TEST_CASE("a repeated start compares the numbers of its input exactly, live and from the store") {
    TestEnv env{registry()};
    const Json big = Json::parse(R"({"n": 9007199254740993, "m": [-1]})");  // 2^53 + 1
    auto id = env.start("sleeper", big, "exact-1");
    for (int pass = 0; pass < 2; ++pass) {
      CAPTURE(pass);  // 0: compared with the live run; 1: the run completed, compared with its row
      REQUIRE(env.live_runs() == 1 - pass);
      CHECK(env.start("sleeper", big, "exact-1") == id);
      // -1 is -1.0: equal numbers of either kind are equal.
      CHECK(env.start("sleeper", Json::parse(R"({"n": 9007199254740993, "m": [-1.0]})"), "exact-1") == id);
      // Json's == took each of these for the stored input: as doubles, or -1 cast to uint64.
      CHECK_THROWS_WITH(env.start("sleeper", Json::parse(R"({"n": 9007199254740992.0, "m": [-1]})"), "exact-1"),
                        doctest::Contains("CONFLICT"));
      CHECK_THROWS_WITH(env.start("sleeper", Json::parse(R"({"n": 9007199254740993, "m": [18446744073709551615]})"),
                                  "exact-1"),
                        doctest::Contains("CONFLICT"));
      env.advance(1h);
      REQUIRE(env.run(id).status == "completed");
    }
  }
}

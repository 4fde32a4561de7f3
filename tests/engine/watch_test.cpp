// Long-poll answers (Engine::watch) carry the run's index row exactly as the store holds it, also
// when the engine builds it from memory instead of reading the store.
#include <doctest/doctest.h>

#include <future>

#include "cairn/cairn.h"
#include "engine/engine.h"
#include "store/store.h"
#include "store/store_test_util.h"

using namespace cairn;

namespace {

Task<Json> approve_then_ship(WorkflowContext& ctx, Json in) {
  int n = co_await ctx.activity<int>("double", in.value("n", 1));
  Json approval = co_await ctx.wait_signal<Json>("approve");
  co_return Json{{"n", n}, {"by", approval.value("by", "")}};
}

template <class T>
T await_result(const std::function<void(engine::Done<T>)>& call) {
  std::promise<Result<T>> p;
  call([&p](Result<T> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  REQUIRE_MESSAGE(r, r.status().to_string());
  return std::move(r).value();
}

void check_same_row(const store::RunRecord& answered, const store::RunRecord& stored) {
  CHECK(answered.id == stored.id);
  CHECK(answered.type == stored.type);
  CHECK(answered.version == stored.version);
  CHECK(answered.status == stored.status);
  CHECK(Json::parse(answered.input) == Json::parse(stored.input));
  CHECK(answered.result == stored.result);
  CHECK(answered.error == stored.error);
  CHECK(answered.stuck_reason == stored.stuck_reason);
  CHECK(answered.waiting_on.has_value() == stored.waiting_on.has_value());
  if (answered.waiting_on && stored.waiting_on) {
    CHECK(answered.waiting_on->kind == stored.waiting_on->kind);
    CHECK(answered.waiting_on->name == stored.waiting_on->name);
    CHECK(answered.waiting_on->until == stored.waiting_on->until);
  }
  CHECK(answered.created_at == stored.created_at);
  CHECK(answered.updated_at == stored.updated_at);
  CHECK(answered.parent_id == stored.parent_id);
  CHECK(answered.idempotency_key == stored.idempotency_key);
  CHECK(answered.last_seq == stored.last_seq);
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("a long-poll answers with the index row the store holds, waiting and completed") {
    store::test::TempDir dir;
    auto store = store::test::open_store(store::test::options_in(dir));
    Registry registry;
    registry.workflow("approve_then_ship", approve_then_ship);
    registry.activity("double", [](ActivityContext&, int x) { return 2 * x; });
    engine::Engine engine(*store, registry);
    engine.start();

    auto started = await_result<engine::StartReply>([&](auto done) {
      engine.start_run({"approve_then_ship", "w-1", Json{{"n", 21}}, "key-w-1"}, done);
    });
    CHECK(started.created);
    const auto far = engine.now() + 60000;
    auto waiting = await_result<store::RunRecord>([&](auto done) { engine.watch("w-1", far, true, done); });
    CHECK(waiting.status == store::RunStatus::kWaiting);
    auto stored = engine.get("w-1");
    REQUIRE(stored);
    check_same_row(waiting, *stored);

    (void)await_result<std::int64_t>([&](auto done) { engine.signal("w-1", "approve", Json{{"by", "ann"}}, "", done); });
    auto completed = await_result<store::RunRecord>([&](auto done) { engine.watch("w-1", far, false, done); });
    CHECK(completed.status == store::RunStatus::kCompleted);
    CHECK(Json::parse(completed.result) == Json{{"n", 42}, {"by", "ann"}});
    stored = engine.get("w-1");
    REQUIRE(stored);
    check_same_row(completed, *stored);
    engine.stop();
    store->close();
  }
}

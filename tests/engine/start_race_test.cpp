// Two starts with the same idempotency key and no id, sent together (a client retrying a start
// whose answer it has not seen yet): both are answered with the one run the key created.
#include <doctest/doctest.h>

#include "cairn/cairn.h"
#include "engine/engine.h"
#include "store/store.h"
#include "start_future.h"
#include "store/store_test_util.h"

using namespace cairn;
using engine::testing::start_future;

namespace {

Task<Json> wait_for_go(WorkflowContext& ctx, Json) {
  co_return co_await ctx.wait_signal<Json>("go");
}

// An engine running wait_for_go on a fresh store.
struct Started {
  Started() {
    registry.workflow("wait_for_go", wait_for_go);
    engine.start();
  }
  ~Started() { engine.stop(); }
  store::test::TempDir dir;
  std::unique_ptr<store::Store> store = store::test::open_store(store::test::options_in(dir));
  Registry registry;
  engine::Engine engine{*store, registry};
};

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("equal starts racing on one idempotency key get the run it created; other input conflicts") {
    Started f;
    auto& engine = f.engine;

    // Both look the key up before either is committed, so the second is created speculatively
    // and the store's unique key reports the first.
    auto first = start_future(engine, {"wait_for_go", "", Json{{"n", 1}}, "key-1"});
    auto second = start_future(engine, {"wait_for_go", "", Json{{"n", 1}}, "key-1"});
    auto a = first.get();
    auto b = second.get();
    REQUIRE_MESSAGE(a, a.status().to_string());
    REQUIRE_MESSAGE(b, b.status().to_string());
    CHECK(a->id == b->id);
    CHECK(a->created != b->created);  // exactly one of them created it

    auto other = start_future(engine, {"wait_for_go", "", Json{{"n", 2}}, "key-1"}).get();
    REQUIRE_FALSE(other);
    CHECK(other.status().code() == Errc::kConflict);

    auto listed = f.store->search({.limit = 10});
    REQUIRE(listed);
    CHECK(listed->runs.size() == 1);  // the losing speculative create left nothing
  }

  TEST_CASE("starts with their own ids racing on one idempotency key: the losers hear whose key it is") {
    Started f;
    auto& engine = f.engine;
    // Both are created speculatively (neither key is in the store yet); the store refuses the
    // second create and reports the run holding the key. Equal input, so the conflict is the key:
    // it was answered "run k-1 exists with other input" (an outside audit, ten concurrent starts).
    auto first = start_future(engine, {"wait_for_go", "k-1", Json{{"n", 1}}, "key-2"});
    auto second = start_future(engine, {"wait_for_go", "k-2", Json{{"n", 1}}, "key-2"});
    auto a = first.get();
    auto b = second.get();
    REQUIRE_MESSAGE(a, a.status().to_string());
    REQUIRE_FALSE(b);
    CHECK(b.status().code() == Errc::kConflict);
    CHECK(b.status().message() == "idempotency key belongs to run k-1");
  }
}

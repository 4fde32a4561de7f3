// Server-generated run ids: 15 characters, unique, and in creation order (so the store's unique
// index on ids grows at its right edge), also when the clock stands still or steps back.
#include <doctest/doctest.h>

#include <future>
#include <string>
#include <vector>

#include "cairn/cairn.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "store/store.h"
#include "start_future.h"
#include "store/store_test_util.h"

using namespace cairn;

namespace {

Task<Json> echo(WorkflowContext&, Json input) { co_return input; }

// Starts `n` runs without an id, in this order, and returns their ids in the same order.
std::vector<std::string> start_many(engine::Engine& engine, int n) {
  std::vector<std::future<Result<engine::StartReply>>> answers;
  for (int i = 0; i < n; ++i) answers.push_back(engine::testing::start_future(engine, {"echo", "", Json{{"i", i}}, ""}));
  std::vector<std::string> ids;
  for (auto& a : answers) {
    auto r = a.get();
    REQUIRE_MESSAGE(r, r.status().to_string());
    CHECK(r->created);
    ids.push_back(r->id);
  }
  return ids;
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("generated ids are 15 characters and sort in creation order, whatever the clock does") {
    store::test::TempDir dir;
    auto store = store::test::open_store(store::test::options_in(dir));
    Registry registry;
    registry.workflow("echo", echo);
    engine::ManualClock clock(1'767'225'600'000);
    engine::Engine engine(*store, registry, {.clock = &clock});
    engine.start();

    std::vector<std::string> ids = start_many(engine, 500);  // all in one millisecond
    clock.advance(-60'000);                                  // the clock steps back a minute
    for (auto& id : start_many(engine, 500)) ids.push_back(std::move(id));
    clock.advance(120'000);  // and on past where it was
    for (auto& id : start_many(engine, 500)) ids.push_back(std::move(id));

    for (std::size_t i = 0; i < ids.size(); ++i) {
      CHECK(ids[i].size() == 15);
      CHECK(ids[i].starts_with("r-"));
      if (i > 0) CHECK_MESSAGE(ids[i - 1] < ids[i], "id ", i, " ", ids[i], " is not after ", ids[i - 1]);
    }
    auto stored = store->search({.limit = 1000});
    REQUIRE(stored);
    CHECK(stored->runs.size() == 1000);  // a page of them, each its own run
    engine.stop();
  }
}

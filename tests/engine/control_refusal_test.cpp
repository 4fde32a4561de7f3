// Control calls the workflow thread cannot take: a full queue answers kOverloaded at once, a
// stopped engine kUnavailable, and a queued call keeps its callback until it runs.
#include <doctest/doctest.h>

#include <optional>

#include "cairn/cairn.h"
#include "engine/engine.h"
#include "store/store.h"
#include "store/store_test_util.h"

using namespace cairn;

TEST_SUITE("engine") {
  TEST_CASE("a full queue refuses a call at once with kOverloaded; the queued call is answered when it runs") {
    store::test::TempDir dir;
    auto store = store::test::open_store(store::test::options_in(dir));
    Registry registry;
    // Not started yet: nothing takes calls off the queue, which holds one.
    engine::Engine engine(*store, registry, {.max_queued_requests = 1});

    std::optional<Result<std::int64_t>> queued, refused;
    engine.signal("no-such-run", "go", Json::object(), "", [&](Result<std::int64_t> r) { queued = std::move(r); });
    engine.signal("no-such-run", "go", Json::object(), "", [&](Result<std::int64_t> r) { refused = std::move(r); });
    CHECK_FALSE(queued.has_value());
    REQUIRE(refused.has_value());
    CHECK(refused->status().code() == Errc::kOverloaded);

    engine.start();  // the loop runs the queued call: the run does not exist
    engine.stop();   // waits for the loop, so the answer has been given
    REQUIRE(queued.has_value());
    CHECK(queued->status().code() == Errc::kNotFound);

    std::optional<Status> after_stop;
    engine.cancel("no-such-run", engine::Actor{"admin#1", "admin"}, [&](Status s) { after_stop = s; });
    REQUIRE(after_stop.has_value());
    CHECK(after_stop->code() == Errc::kUnavailable);
  }
}

// The demo service routes keep serving when what they read is damaged.
#include <doctest/doctest.h>

#include "activities/inventory.h"
#include "api/route_fixture.h"

namespace cairn::test {
namespace {

TEST_SUITE("api") {

TEST_CASE("a demo table row that is not JSON answers 500 internal; the server keeps serving") {
  RouteFixture f("", /*demo=*/true);
  REQUIRE(f.call("PUT", "/v1/demo/inventory/s-1/sku-a", R"({"available":3})").status == 200);
  // A damaged row (an outside write, a bug): reading it threw on the blocking pool's thread,
  // which ended the process (found by an outside crash audit).
  REQUIRE(f.ctx().demo->transact([](TableTx& tx) {
    tx.put(activities::SimulatedInventory::kTable, "s-1|sku-b", "{bad");
    return Status::ok();
  }).is_ok());
  for (int i = 0; i < 2; ++i) {
    Answer a = f.call("GET", "/v1/demo/inventory");
    CHECK(a.status == 500);
    CHECK(a.code() == "internal");
    CHECK(a.body["error"]["message"].get<std::string>().find("{bad") == std::string::npos);  // no internals
  }
  CHECK(f.call("GET", "/healthz").status == 200);
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::test

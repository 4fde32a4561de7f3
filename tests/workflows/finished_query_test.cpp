// The `status` query of finished order sagas: it answers the state the saga last exposed (the
// one its result names), from memory and after a restart, though the saga's frame is gone.
#include <doctest/doctest.h>

#include <map>

#include "workflows/shop.h"

using namespace cairn;
using test::sample_order;
using test::Shop;

namespace {

// Each run's status query, asked twice (the second time the finished run is replayed from the
// store), agrees with its result.
void check_status_queries(Shop& shop, const std::map<std::string, std::string>& states) {
  for (const auto& [id, state] : states) {
    CAPTURE(id);
    REQUIRE(shop.env.run(id).result["state"] == state);
    const Json status = shop.env.query(id, "status");
    CHECK(status["state"] == state);
    CHECK(shop.env.query(id, "status") == status);
  }
}

}  // namespace

TEST_SUITE("workflows") {

TEST_CASE("finished order.place runs answer their status query, also after a restart") {
  Shop shop;
  const auto delivered = shop.delivered_order("ord-q-delivered");
  const auto cancelled = shop.env.start("order.place", sample_order(), "ord-q-cancelled");
  shop.env.cancel(cancelled);
  REQUIRE(shop.env.run(cancelled).status == "cancelled");
  const auto rejected = shop.env.start("order.place", sample_order("c-fraud-7"), "ord-q-rejected");
  shop.env.signal(rejected, "fraud.review", Json{{"approved", false}, {"by", "admin-1"}});
  const auto declined = shop.env.start("order.place", sample_order("c-17", "tok_decline"), "ord-q-declined");

  // A cancelled run has no result: its query shows the compensated state.
  const Json cancelled_status = shop.env.query(cancelled, "status");
  CHECK(cancelled_status["state"] == "cancelled");
  const std::map<std::string, std::string> states{
      {delivered, "delivered"}, {rejected, "validation_failed"}, {declined, "payment_failed"}};
  check_status_queries(shop, states);
  CHECK(shop.env.query(delivered, "status")["sub_orders"][1]["state"] == "delivered");

  shop.env.crash();
  check_status_queries(shop, states);
  CHECK(shop.env.query(cancelled, "status") == cancelled_status);
}

TEST_CASE("a finished order.return answers its status query with nothing left to wait for, also after a restart") {
  Shop shop;
  const auto order = shop.delivered_order("ord-q-returned");
  const Json request{{"order_id", order},
                     {"items", {{{"sku", "sku-1"}, {"seller_id", "s-1"}, {"qty", 1}}}},
                     {"reason", "damaged"}};
  const auto ret = shop.env.start("order.return", request, "ret-q");
  const std::string rma = shop.env.query(ret, "status")["rma"];
  shop.env.signal(ret, "return.received", Json{{"seller_id", "s-1"}});

  const std::map<std::string, std::string> states{{ret, "returned"}};
  check_status_queries(shop, states);
  const Json expected{{"state", "returned"}, {"rma", rma}, {"waiting_for", Json::array()}};
  CHECK(shop.env.query(ret, "status") == expected);
  shop.env.crash();
  CHECK(shop.env.query(ret, "status") == expected);
}

}  // TEST_SUITE

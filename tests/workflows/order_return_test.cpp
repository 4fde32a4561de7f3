// order.return on the test kit (ORD-005) and the refund arithmetic behind it.
#include <doctest/doctest.h>

#include <algorithm>

#include "workflows/refunds.h"
#include "workflows/shop.h"

using namespace cairn;
using test::Shop;
using namespace std::chrono_literals;

namespace {

Json return_of(const std::string& order, const std::string& seller, const std::string& sku, int qty) {
  return Json{{"order_id", order},
              {"items", {{{"sku", sku}, {"seller_id", seller}, {"qty", qty}}}},
              {"reason", "damaged"}};
}

// The simulated gateway, but an order refund fails (retryably) while `refunds_fail` is set.
struct FlakyRefunds final : activities::PaymentGateway {
  activities::PaymentGateway* inner = nullptr;
  bool refunds_fail = true;
  Json authorize(const activities::AuthorizeRequest& r, const std::string& k) override { return inner->authorize(r, k); }
  Json capture(const activities::PaymentRef& r, const std::string& k) override { return inner->capture(r, k); }
  Json reverse(const activities::PaymentRef& r, const std::string& k) override { return inner->reverse(r, k); }
  Json refund(const activities::RefundRequest& r, const std::string& k) override { return inner->refund(r, k); }
  std::vector<activities::RefundPart> refund_order(const activities::OrderRefundRequest& r, const std::string& k) override {
    if (refunds_fail) throw RetryableError("gateway unreachable", "gateway_unavailable");
    return inner->refund_order(r, k);
  }
  std::vector<activities::PaymentRecord> payments(const std::string& id) override { return inner->payments(id); }
};

// The sample order delivered, a return of its sku-9 whose parcel is in, and its refund failing
// (retryably) until `gateway.refunds_fail` is cleared.
struct RefundingReturn {
  RefundingReturn(const std::string& order_id, const std::string& return_id) {
    gateway.inner = &shop.services.payments();
    order = shop.delivered_order(order_id);
    ret = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1), return_id);
    shop.env.signal(ret, "return.received", Json{{"seller_id", "s-2"}});
  }
  FlakyRefunds gateway;
  Shop shop{{}, &gateway};
  std::string order;
  std::string ret;
};

}  // namespace

TEST_SUITE("workflows") {

TEST_CASE("ORD-005: a return notifies the seller, labels the parcel, refunds with its shipping share and restocks") {
  Shop shop;
  auto order = shop.delivered_order("ord-5");
  auto ret = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1), "ret-5");
  CHECK(shop.env.run(ret).status == "waiting");
  auto status = shop.env.query(ret, "status");
  CHECK(status["state"] == "awaiting_return");
  CHECK(status["waiting_for"] == Json::array({"s-2"}));

  auto label = shop.note(order, "customer", "return_label");
  CHECK(label["data"]["rma"] == status["rma"]);
  CHECK(label["data"]["label"].get<std::string>().find(status["rma"].get<std::string>()) != std::string::npos);
  CHECK(shop.sent(order, "seller:s-2", "return_requested") == 1);
  CHECK(shop.sent(order, "seller:s-1", "return_requested") == 0);

  shop.env.signal(ret, "return.received", Json{{"seller_id", "s-1"}});  // not this return's seller
  CHECK(shop.env.run(ret).status == "waiting");
  shop.env.signal(ret, "return.received", Json{{"seller_id", "s-2"}});
  auto run = shop.env.run(ret);
  REQUIRE(run.status == "completed");
  // DOMAIN.md: received -> inspection -> refund. The seller's inspection precedes the refund.
  std::vector<std::string> steps;
  for (const auto& e : shop.env.history(ret))
    if (e.type == "ActivityCompleted") steps.push_back(e.data.value("name", ""));
  auto at = [&](const char* name) { return std::find(steps.begin(), steps.end(), name) - steps.begin(); };
  CHECK(std::count(steps.begin(), steps.end(), "returns.inspect") == 1);  // one returning seller
  CHECK(at("returns.inspect") < at("payment.refund_order"));
  CHECK(at("payment.refund_order") < static_cast<long>(steps.size()));
  // 5500 + floor(590 × 5500 / 14500) = 5500 + 223
  CHECK(run.result["state"] == "returned");
  CHECK(run.result["refund"] == 5723);
  CHECK(run.result["refunds"] == Json::array({{{"method", "card"}, {"amount", 5723}}}));
  CHECK(shop.net_charge(order) == 15090 - 5723);
  CHECK(shop.entries(order, "refund") == 1);
  CHECK(shop.note(order, "customer", "refund")["data"]["amount"] == 5723);
  CHECK(shop.level("s-2", "sku-9") == "5/0");
  CHECK(shop.level("s-1", "sku-1") == "8/0");
}

TEST_CASE("two returns of one order: the second refunds from what the first left of each capture") {
  Shop shop;
  auto order = shop.delivered_order("ord-2r");
  // Both start (and would plan) while the card still has its whole capture of 14090.
  auto ra = shop.env.start("order.return", return_of(order, "s-1", "sku-1", 2), "ret-a");
  auto rb = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1), "ret-b");
  shop.env.signal(ra, "return.received", Json{{"seller_id", "s-1"}});
  REQUIRE(shop.env.run(ra).status == "completed");
  CHECK(shop.env.run(ra).result["refunds"] == Json::array({{{"method", "card"}, {"amount", 9366}}}));

  shop.env.signal(rb, "return.received", Json{{"seller_id", "s-2"}});
  auto run = shop.env.run(rb);
  REQUIRE(run.status == "completed");
  // 5723 = the card's 14090 - 9366 = 4724 left, then 999 of the points (DOMAIN.md: in the order
  // listed, each up to what it has left).
  CHECK(run.result["refund"] == 5723);
  CHECK(run.result["refunds"] == Json::array({{{"method", "card"}, {"amount", 4724}}, {{"method", "points"}, {"amount", 999}}}));
  CHECK(shop.net_charge(order) == 15090 - 9366 - 5723);
  CHECK(shop.entries(order, "refund") == 3);
  CHECK(shop.level("s-1", "sku-1") == "10/0");
  CHECK(shop.level("s-2", "sku-9") == "5/0");
  CHECK(shop.sent(order, "customer", "refund") == 2);
}

TEST_CASE("a return cancelled before its refund releases the RMA and tells the customer and the seller") {
  Shop shop;
  auto order = shop.delivered_order("ord-cr");
  auto ret = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1), "ret-c");
  const auto rma = shop.env.query(ret, "status")["rma"];
  shop.env.cancel(ret);
  CHECK(shop.env.run(ret).status == "cancelled");
  CHECK(shop.env.query(ret, "status")["state"] == "cancelled");
  CHECK(shop.env.query(ret, "status")["waiting_for"] == Json::array());  // the parcel is no longer expected
  auto told = shop.note(order, "customer", "return_cancelled");
  CHECK(told["data"] == Json{{"rma", rma}, {"return_id", ret}, {"reason", "cancel_requested"}});
  CHECK(shop.sent(order, "seller:s-2", "return_cancelled") == 1);
  CHECK(shop.sent(order, "seller:s-1", "return_cancelled") == 0);  // not part of this return
  CHECK(shop.entries(order, "refund") == 0);
  CHECK(shop.level("s-2", "sku-9") == "4/0");

  // The unit can be returned again, and this time it is.
  auto again = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1), "ret-c2");
  CHECK(shop.env.query(again, "status")["state"] == "awaiting_return");
  shop.env.signal(again, "return.received", Json{{"seller_id", "s-2"}});
  CHECK(shop.env.run(again).result["refund"] == 5723);
  CHECK(shop.level("s-2", "sku-9") == "5/0");
}

TEST_CASE("a cancel once the refund started is refused: the return completes and the customer is told") {
  RefundingReturn r("ord-cr2", "ret-c3");
  auto& [gateway, shop, order, ret] = r;
  REQUIRE(shop.env.query(ret, "status")["state"] == "refunding");  // in the refund's retry backoff
  gateway.refunds_fail = false;
  shop.env.cancel(ret);  // ends that backoff: the refund is issued again and goes through
  auto run = shop.env.run(ret);
  REQUIRE(run.status == "completed");
  CHECK(run.result["state"] == "returned");
  CHECK(run.result["cancel_refused"] == true);
  CHECK(shop.net_charge(order) == 15090 - 5723);
  CHECK(shop.level("s-2", "sku-9") == "5/0");
  CHECK(shop.sent(order, "customer", "cancel_refused") == 1);
  CHECK(shop.sent(order, "customer", "return_cancelled") == 0);
  // The RMA stays taken: the unit cannot be returned twice.
  auto again = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1));
  CHECK(shop.env.run(again).result["reason"] == "not_returnable");
}

TEST_CASE("a refund the gateway keeps refusing leaves the return stuck, and an admin retry completes it") {
  RefundingReturn r("ord-nr", "ret-nr");
  auto& [gateway, shop, order, ret] = r;
  shop.env.advance(2min);  // past every retry of the refund
  REQUIRE(shop.env.run(ret).status == "stuck");  // not failed: the parcel is in, the money owed
  auto status = shop.env.query(ret, "status");
  CHECK(status["state"] == "refunding");
  CHECK(status["waiting_for"] == Json::array());
  CHECK(shop.entries(order, "refund") == 0);
  gateway.refunds_fail = false;
  shop.env.retry(ret);
  auto run = shop.env.run(ret);
  REQUIRE(run.status == "completed");
  CHECK(run.result["refund"] == 5723);
  CHECK(shop.entries(order, "refund") == 1);
}

TEST_CASE("a return of more than was ordered, or of an unknown order, is rejected") {
  Shop shop;
  auto order = shop.delivered_order("ord-5b");
  auto too_many = shop.env.start("order.return", return_of(order, "s-1", "sku-1", 3));
  CHECK(shop.env.run(too_many).result == Json{{"state", "rejected"}, {"reason", "not_returnable"}, {"order_id", order}});
  // No RMA was issued and no parcel is expected (the query said "" and the seller before).
  CHECK(shop.env.query(too_many, "status") == Json{{"state", "rejected"}, {"rma", nullptr}, {"waiting_for", Json::array()}});
  auto unknown = shop.env.start("order.return", return_of("nope", "s-1", "sku-1", 1));
  CHECK(shop.env.run(unknown).result["reason"] == "unknown_order");
  CHECK(shop.sent(order, "customer", "return_label") == 0);
}

TEST_CASE("only shipped units can be returned: not of a cancelled, rejected or unshipped order") {
  Shop shop;
  auto cancelled = shop.env.start("order.place", test::sample_order(), "ord-c");
  shop.env.cancel(cancelled);
  REQUIRE(shop.env.run(cancelled).status == "cancelled");
  auto rejected = shop.env.start("order.place", test::sample_order("c-block"), "ord-r");
  REQUIRE(shop.env.run(rejected).result["reason"] == "fraud_blocked");
  auto unshipped = shop.env.start("order.place", test::sample_order(), "ord-u");
  shop.ship(unshipped, "s-1", "TRK-1");  // s-2's part is not sent yet
  REQUIRE(shop.env.query(unshipped, "status")["state"] == "pending_fulfillment");
  const std::string before = shop.level("s-2", "sku-9");

  for (const auto& order : {cancelled, rejected, unshipped}) {
    // Approved, these refunded nothing (or a unit still on its way), said "refund" to the
    // customer and put units never sold back on the shelf.
    auto ret = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1));
    CHECK(shop.env.run(ret).result == Json{{"state", "rejected"}, {"reason", "not_returnable"}, {"order_id", order}});
    CHECK(shop.sent(order, "customer", "return_label") == 0);
    CHECK(shop.sent(order, "customer", "refund") == 0);
  }
  CHECK(shop.level("s-2", "sku-9") == before);
  // The shipped part of the same order can be returned.
  auto ret = shop.env.start("order.return", return_of(unshipped, "s-1", "sku-1", 1));
  CHECK(shop.env.query(ret, "status")["state"] == "awaiting_return");
}

TEST_CASE("a return is refused once 14 days have passed since its sub-order was delivered") {
  Shop shop;
  auto order = shop.env.start("order.place", test::sample_order(), "ord-14d");
  shop.ship(order, "s-1", "TRK-1");
  shop.ship(order, "s-2", "TRK-2");
  shop.deliver(order, "s-1");
  shop.env.advance(10 * 24h);
  shop.deliver(order, "s-2");  // delivered ten days after s-1
  REQUIRE(shop.env.run(order).result["state"] == "delivered");
  shop.env.advance(4 * 24h);  // s-1: exactly 14 days, still open

  auto in_time = shop.env.start("order.return", return_of(order, "s-1", "sku-1", 1));
  CHECK(shop.env.query(in_time, "status")["state"] == "awaiting_return");
  shop.env.advance(1min);
  auto late = shop.env.start("order.return", return_of(order, "s-1", "sku-1", 1));
  CHECK(shop.env.run(late).result ==
        Json{{"state", "rejected"}, {"reason", "return_window_closed"}, {"order_id", order}});
  auto other = shop.env.start("order.return", return_of(order, "s-2", "sku-9", 1));  // delivered later
  CHECK(shop.env.query(other, "status")["state"] == "awaiting_return");
  CHECK(shop.sent(order, "customer", "return_label") == 2);  // one per approved return, none for the late one
}

TEST_CASE("a refund is spread over the payment parts in order, each up to what it has left") {
  std::vector<activities::PaymentRecord> parts(3);
  parts[0] = {0, "points", "", 1000, 1000, 0, "captured"};
  parts[1] = {1, "card", "tok_ok", 5000, 5000, 4500, "captured"};
  parts[2] = {2, "deferred", "", 9000, 9000, 0, "captured"};
  auto split = activities::split_refund(2000, parts);
  REQUIRE(split.size() == 3);
  CHECK(split[0].amount == 1000);
  CHECK(split[1].amount == 500);
  CHECK(split[2].amount == 500);
  CHECK(split[2].method == "deferred");
  CHECK(activities::split_refund(0, parts).empty());

  activities::Order order;
  order.items = {{"a", "s-1", 2, 1000}, {"b", "s-2", 1, 1000}};
  order.shipping = 100;
  CHECK(workflows::refund_amount(order, {{"b", "s-2", 1}}) == 1033);  // 1000 + floor(100/3)
  CHECK(workflows::refund_amount(order, {{"a", "s-1", 2}, {"b", "s-2", 1}}) == 3100);

  // One SKU on two lines at different prices (it was priced at its first line's: 200, not 1000).
  activities::Order twice;
  twice.items = {{"v", "s-1", 1, 100}, {"v", "s-1", 1, 900}};
  CHECK(workflows::refund_amount(twice, {{"v", "s-1", 2}}) == 1000);
  CHECK(workflows::refund_amount(twice, {{"v", "s-1", 1}}) == 500);  // the average price

  // Every item free: shipping is shared by units (it refunded nothing: 0/0 by value).
  activities::Order free;
  free.items = {{"f", "s-1", 3, 0}, {"g", "s-2", 1, 0}};
  free.shipping = 500;
  CHECK(workflows::refund_amount(free, {{"f", "s-1", 1}}) == 125);
  CHECK(workflows::refund_amount(free, {{"f", "s-1", 3}, {"g", "s-2", 1}}) == 500);
}

}  // TEST_SUITE

// order.place end to end on the test kit: ORD-001..004 and the failure paths around them.
#include <doctest/doctest.h>

#include <chrono>

#include "workflows/shop.h"

using namespace cairn;
using namespace std::chrono_literals;
using test::sample_order;
using test::Shop;

TEST_SUITE("workflows") {

TEST_CASE("ORD-001/003: a multi-seller order notifies each seller once, moves stock exactly, ships and delivers") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-1");
  auto run = shop.env.run(id);
  CHECK(run.status == "waiting");
  auto status = shop.env.query(id, "status");
  CHECK(status["state"] == "pending_fulfillment");
  REQUIRE(status["sub_orders"].size() == 2);
  CHECK(status["sub_orders"][0] ==
        Json{{"seller_id", "s-1"}, {"state", "pending_fulfillment"}, {"accepted", false}, {"carrier", nullptr},
             {"tracking_number", nullptr}});

  CHECK(shop.sent(id, "seller:s-1", "new_order") == 1);
  CHECK(shop.sent(id, "seller:s-2", "new_order") == 1);
  CHECK(shop.sent(id, "customer", "order_confirmed") == 1);
  CHECK(shop.level("s-1", "sku-1") == "8/0");
  CHECK(shop.level("s-2", "sku-9") == "4/0");
  CHECK(shop.entries(id, "authorize") == 2);
  CHECK(shop.entries(id, "capture") == 2);
  CHECK(shop.net_charge(id) == 15090);

  shop.ship(id, "s-1", "TRK-1");
  auto shipment = shop.note(id, "customer", "shipment");
  CHECK(shipment["data"] == Json{{"seller_id", "s-1"}, {"carrier", "DHL"}, {"tracking_number", "TRK-1"}});
  status = shop.env.query(id, "status");
  CHECK(status["sub_orders"][0]["state"] == "shipped");
  CHECK(status["sub_orders"][0]["carrier"] == "DHL");
  CHECK(status["sub_orders"][0]["tracking_number"] == "TRK-1");
  CHECK(status["state"] == "pending_fulfillment");

  shop.ship(id, "s-1", "TRK-1");  // a repeat is ignored: one shipment notification per sub-order
  shop.ship(id, "s-404", "TRK-0");  // unknown seller: recorded and ignored
  shop.env.signal(id, "tracking", Json{{"seller_id", "s-1"}, {"event", "in_transit"}});
  shop.env.signal(id, "tracking", Json{{"seller_id", "s-1"}, {"event", "out_for_delivery"}});
  shop.ship(id, "s-2", "TRK-2");
  CHECK(shop.sent(id, "customer", "shipment") == 2);
  CHECK(shop.sent(id, "customer", "tracking") == 2);
  CHECK(shop.env.query(id, "status")["state"] == "shipped");

  shop.deliver(id, "s-1");
  CHECK(shop.env.run(id).status == "waiting");
  CHECK(shop.sent(id, "customer", "delivered") == 0);
  shop.deliver(id, "s-2");
  run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "delivered");
  CHECK(run.result["reason"].is_null());
  CHECK(run.result["ignored_signals"].size() == 2);
  CHECK(shop.sent(id, "customer", "delivered") == 1);
  CHECK(shop.sent(id, "customer", "feedback_invite") == 1);
  CHECK(shop.sent(id, "seller:s-1", "new_order") == 1);
  CHECK(shop.net_charge(id) == 15090);
}

TEST_CASE("ORD-003: a shipment confirmation without carrier or tracking number is ignored, the complete one taken") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-3");
  shop.env.signal(id, "shipment.confirmed", Json{{"seller_id", "s-1"}});
  shop.env.signal(id, "shipment.confirmed", Json{{"seller_id", "s-1"}, {"carrier", "DHL"}, {"tracking_number", ""}});
  shop.env.signal(id, "shipment.confirmed", Json{{"seller_id", "s-1"}, {"carrier", 7}, {"tracking_number", "TRK-1"}});
  CHECK(shop.sent(id, "customer", "shipment") == 0);
  CHECK(shop.env.query(id, "status")["sub_orders"][0]["state"] == "pending_fulfillment");
  shop.ship(id, "s-1", "TRK-1");  // was dropped as a repeat once the first had "shipped" it
  CHECK(shop.note(id, "customer", "shipment")["data"] ==
        Json{{"seller_id", "s-1"}, {"carrier", "DHL"}, {"tracking_number", "TRK-1"}});
  CHECK(shop.env.query(id, "status")["sub_orders"][0]["tracking_number"] == "TRK-1");
}

TEST_CASE("ORD-002: a high-fraud order alerts the admin, holds fulfillment, and the reject path reverses payment") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-fraud-7"), "ord-2");
  auto run = shop.env.run(id);
  CHECK(run.status == "waiting");
  CHECK(run.waiting_on["kind"] == "signal");
  CHECK(shop.env.query(id, "status")["state"] == "fraud_review");
  CHECK(shop.sent(id, "admin", "fraud_review") == 1);
  CHECK(shop.note(id, "admin", "fraud_review")["data"]["score"] == 60);
  // Fulfillment paused: nothing reserved, captured or announced to sellers.
  CHECK(shop.level("s-1", "sku-1") == "10/0");
  CHECK(shop.entries(id, "capture") == 0);
  CHECK(shop.sent(id, "seller:s-1", "new_order") == 0);
  CHECK(shop.entries(id, "authorize") == 2);

  shop.env.signal(id, "fraud.review", Json{{"approved", false}, {"by", "admin-1"}});
  run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "validation_failed");
  CHECK(run.result["reason"] == "fraud_rejected");
  CHECK(run.result["reviewed_by"] == "admin-1");
  CHECK(shop.entries(id, "void") == 2);
  CHECK(shop.net_charge(id) == 0);
  CHECK(shop.sent(id, "customer", "order_rejected") == 1);
  CHECK(shop.level("s-1", "sku-1") == "10/0");
}

TEST_CASE("an approved fraud review releases the order to fulfillment") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-fraud-8"), "ord-2b");
  shop.env.signal(id, "fraud.review", Json{{"approved", true}, {"by", "admin-1"}});
  CHECK(shop.env.query(id, "status")["state"] == "pending_fulfillment");
  CHECK(shop.sent(id, "seller:s-2", "new_order") == 1);
  CHECK(shop.net_charge(id) == 15090);
}

TEST_CASE("a fraud review without a boolean `approved` is recorded and ignored; the order waits for a valid one") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-fraud-9"), "ord-2c");
  shop.env.signal(id, "fraud.review", Json{{"by", "x"}});
  shop.env.signal(id, "fraud.review", Json{{"approved", "yes"}, {"by", "y"}});
  shop.env.signal(id, "fraud.review", Json::array({true}));
  CHECK(shop.env.run(id).status == "waiting");
  CHECK(shop.env.query(id, "status")["state"] == "fraud_review");
  CHECK(shop.entries(id, "void") == 0);
  CHECK(shop.sent(id, "customer", "order_rejected") == 0);

  // The 48 h review deadline still runs from the alert, not from the ignored signals.
  shop.env.advance(47h);
  shop.env.signal(id, "fraud.review", Json{{"approved", true}, {"by", "admin-1"}});
  CHECK(shop.env.query(id, "status")["state"] == "pending_fulfillment");
  CHECK(shop.net_charge(id) == 15090);
  shop.ship_and_deliver(id);
  auto run = shop.env.run(id);
  REQUIRE(run.status == "completed");
  CHECK(run.result["reviewed_by"] == "admin-1");
  CHECK(run.result["ignored_signals"] ==
        Json::array({{{"name", "fraud.review"}, {"payload", {{"by", "x"}}}},
                     {{"name", "fraud.review"}, {"payload", {{"approved", "yes"}, {"by", "y"}}}},
                     {{"name", "fraud.review"}, {"payload", Json::array({true})}}}));
}

TEST_CASE("a fraud review that never comes validly cancels the order 48 h after the alert") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-fraud-10"), "ord-2d");
  shop.env.advance(24h);
  shop.env.signal(id, "fraud.review", Json{{"by", "x"}});
  shop.env.advance(24h);
  auto run = shop.env.run(id);
  REQUIRE(run.status == "completed");
  CHECK(run.result["state"] == "cancelled");
  CHECK(run.result["reason"] == "pending_timeout");
  CHECK(run.result["ignored_signals"].size() == 1);
  CHECK(shop.net_charge(id) == 0);
}

TEST_CASE("a blocked customer is rejected at once and a c-verify customer passes one verification") {
  Shop shop;
  auto blocked = shop.env.start("order.place", sample_order("c-block-1"), "ord-block");
  auto run = shop.env.run(blocked);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "validation_failed");
  CHECK(run.result["reason"] == "fraud_blocked");
  CHECK(shop.sent(blocked, "customer", "order_rejected") == 1);
  CHECK(shop.sent(blocked, "admin", "fraud_review") == 0);
  CHECK(shop.net_charge(blocked) == 0);
  CHECK(shop.entries(blocked, "void") == 2);

  auto verify = shop.env.start("order.place", sample_order("c-verify-1"), "ord-verify");
  CHECK(shop.sent(verify, "customer", "verification_required") == 1);
  CHECK(shop.env.query(verify, "status")["state"] == "pending_fulfillment");
}

TEST_CASE("ORD-004: a cancel before shipment reverses payment, restores stock and notifies everyone") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-4");
  shop.env.cancel(id);
  auto run = shop.env.run(id);
  CHECK(run.status == "cancelled");
  CHECK(shop.net_charge(id) == 0);
  CHECK(shop.entries(id, "refund") == 2);
  CHECK(shop.level("s-1", "sku-1") == "10/0");
  CHECK(shop.level("s-2", "sku-9") == "5/0");
  CHECK(shop.sent(id, "customer", "order_cancelled") == 1);
  CHECK(shop.sent(id, "seller:s-1", "order_cancelled") == 1);
  CHECK(shop.sent(id, "seller:s-2", "order_cancelled") == 1);
}

TEST_CASE("a reversal the gateway keeps refusing leaves the cancel stuck; an admin who reversed it by hand skips it") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-17", "tok_noreverse"), "ord-stuck");
  shop.env.cancel(id);
  shop.env.advance(1min);  // the compensation's attempts run out (1-2-4-8-16 s apart)
  auto run = shop.env.run(id);
  REQUIRE(run.status == "stuck");
  CHECK(run.stuck_reason.find("compensation payment.reverse") != std::string::npos);
  CHECK(shop.level("s-1", "sku-1") == "10/0");  // the stock came back before the stuck step
  CHECK(shop.entries(id, "refund") == 1);       // the points part; the card part is stuck
  shop.env.skip(id, Json{{"reversed_by", "ops"}, {"ticket", 42}});
  run = shop.env.run(id);
  CHECK(run.status == "cancelled");
  CHECK(shop.entries(id, "refund") == 1);  // done by hand, outside the simulated gateway
  CHECK(shop.sent(id, "customer", "order_cancelled") == 1);
}

TEST_CASE("a cancel during admin review voids the authorizations") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-fraud-9"), "ord-4b");
  shop.env.cancel(id);
  CHECK(shop.env.run(id).status == "cancelled");
  CHECK(shop.entries(id, "void") == 2);
  CHECK(shop.sent(id, "customer", "order_cancelled") == 1);
  CHECK(shop.sent(id, "seller:s-1", "order_cancelled") == 0);  // never told of the order
}

TEST_CASE("a cancel after a shipment is refused once, with the customer told, and the order carries on") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-4c");
  shop.ship(id, "s-1", "TRK-1");
  shop.env.cancel(id);
  CHECK(shop.env.run(id).status == "waiting");
  shop.env.cancel(id);
  CHECK(shop.sent(id, "customer", "cancel_refused") == 1);
  shop.ship(id, "s-2", "TRK-2");
  shop.deliver(id, "s-1");
  shop.deliver(id, "s-2");
  auto run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "delivered");
  CHECK(shop.net_charge(id) == 15090);
}

TEST_CASE("a declined card fails the order and voids the parts already authorized") {
  Shop shop;
  Json order = sample_order("c-17", "tok_decline");
  std::swap(order["payments"][0], order["payments"][1]);  // points first, then the card
  auto id = shop.env.start("order.place", order, "ord-decline");
  auto run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "payment_failed");
  CHECK(run.result["reason"] == "payment_declined");
  CHECK(shop.entries(id, "decline") == 1);
  CHECK(shop.entries(id, "authorize") == 1);
  CHECK(shop.entries(id, "void") == 1);
  CHECK(shop.sent(id, "customer", "payment_failed") == 1);
  CHECK(shop.level("s-1", "sku-1") == "10/0");
  CHECK(shop.events(id, "ActivityFailed") == 1);  // no retries of a decline
}

TEST_CASE("a flaky card is retried with backoff, the failures visible in the history, and charged once") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-17", "tok_flaky"), "ord-flaky");
  CHECK(shop.env.run(id).status != "completed");
  shop.env.advance(1s);
  shop.env.advance(2s);
  CHECK(shop.env.query(id, "status")["state"] == "pending_fulfillment");
  CHECK(shop.events(id, "ActivityFailed") == 2);
  CHECK(shop.entries(id, "authorize") == 2);
  CHECK(shop.net_charge(id) == 15090);
}

TEST_CASE("a payment gateway down for 24 hours fails the order with payment_timeout") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order("c-17", "tok_unavailable"), "ord-timeout");
  for (int h = 0; h < 25; ++h) shop.env.advance(1h);
  auto run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "payment_failed");
  CHECK(run.result["reason"] == "payment_timeout");
  CHECK(shop.entries(id, "authorize") == 0);
  CHECK(shop.sent(id, "customer", "payment_failed") == 1);
}

TEST_CASE("a stock-out releases every reservation and reverses the payment") {
  Shop shop;
  shop.stock("s-2", "sku-9", 0);
  auto id = shop.env.start("order.place", sample_order(), "ord-stockout");
  auto run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "validation_failed");
  CHECK(run.result["reason"] == "stock_out");
  CHECK(shop.level("s-1", "sku-1") == "10/0");
  CHECK(shop.level("s-2", "sku-9") == "0/0");
  CHECK(shop.entries(id, "capture") == 0);
  CHECK(shop.entries(id, "void") == 2);
  CHECK(shop.sent(id, "customer", "order_rejected") == 1);
  CHECK(shop.sent(id, "seller:s-1", "new_order") == 0);
}

TEST_CASE("concurrent orders for the last unit: exactly one wins") {
  testing::TestEnvOptions options;
  options.activity_threads = 4;
  Shop shop(options);
  shop.stock("s-2", "sku-9", 1);
  Json order = sample_order("c-17", "tok_flaky");
  order["items"].erase(0);  // only the last unit of sku-9
  order["shipping"] = 0;
  order["payments"][0]["amount"] = 4500;
  std::vector<std::string> ids;
  // Each run waits in payment backoff; advancing fires them all at once, so they reserve together.
  for (int i = 0; i < 6; ++i) ids.push_back(shop.env.start("order.place", order, "race-" + std::to_string(i)));
  shop.env.advance(1s);
  shop.env.advance(2s);
  int won = 0, out = 0;
  for (const auto& id : ids) {
    auto run = shop.env.run(id);
    if (run.status == "waiting") ++won;
    if (run.status == "completed" && run.result["reason"] == "stock_out") ++out;
  }
  CHECK(won == 1);
  CHECK(out == 5);
  CHECK(shop.level("s-2", "sku-9") == "0/0");
}

TEST_CASE("no shipment for 48 hours cancels the order with compensation") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-48h");
  shop.env.advance(47h);
  CHECK(shop.env.run(id).status == "waiting");
  shop.env.advance(1h);
  auto run = shop.env.run(id);
  CHECK(run.status == "completed");
  CHECK(run.result["state"] == "cancelled");
  CHECK(run.result["reason"] == "pending_timeout");
  CHECK(shop.net_charge(id) == 0);
  CHECK(shop.level("s-1", "sku-1") == "10/0");
  CHECK(shop.sent(id, "customer", "order_cancelled") == 1);
  CHECK(shop.sent(id, "admin", "stuck") == 1);
}

TEST_CASE("a seller overdue after another shipped is escalated to the admin, not cancelled") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-sla");
  shop.ship(id, "s-1", "TRK-1");
  shop.env.advance(49h);
  CHECK(shop.env.run(id).status == "waiting");
  CHECK(shop.sent(id, "admin", "stuck") == 1);
  CHECK(shop.note(id, "admin", "stuck")["data"]["sellers"] == Json::array({"s-2"}));
}

TEST_CASE("a seller that has not accepted within 2 hours is escalated to the admin once; the order waits on") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-accept-late");
  shop.env.signal(id, "seller.accepted", Json{{"seller_id", "s-1"}});
  auto status = shop.env.query(id, "status");
  CHECK(status["sub_orders"][0]["accepted"] == true);
  CHECK(status["sub_orders"][1]["accepted"] == false);
  CHECK(status["state"] == "pending_fulfillment");  // s-2 has not accepted yet
  shop.env.advance(119min);
  CHECK(shop.sent(id, "admin", "seller_overdue") == 0);
  shop.env.advance(1min);
  CHECK(shop.sent(id, "admin", "seller_overdue") == 1);
  CHECK(shop.note(id, "admin", "seller_overdue")["data"] ==
        Json{{"reason", "seller_acceptance_overdue"}, {"sla_hours", 2}, {"sellers", Json::array({"s-2"})}});
  CHECK(shop.env.run(id).status == "waiting");

  shop.env.signal(id, "seller.accepted", Json{{"seller_id", "s-2"}});  // late, and still taken
  CHECK(shop.env.query(id, "status")["state"] == "vendor_accepted");
  shop.env.advance(10h);
  CHECK(shop.sent(id, "admin", "seller_overdue") == 1);
  shop.ship_and_deliver(id);
  CHECK(shop.env.run(id).result["state"] == "delivered");
  CHECK(shop.env.run(id).result["ignored_signals"].is_null());
}

TEST_CASE("sellers that accept or ship within 2 hours are not escalated; the 48-hour cancel still applies") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-accept");
  shop.env.signal(id, "seller.accepted", Json{{"seller_id", "s-2"}});
  shop.env.signal(id, "seller.accepted", Json{{"seller_id", "s-2"}});  // a repeat: recorded, ignored
  shop.env.signal(id, "seller.accepted", Json{{"seller_id", "s-404"}});  // unknown seller: the same
  CHECK(shop.env.query(id, "status")["state"] == "pending_fulfillment");
  shop.ship(id, "s-1", "TRK-1");  // shipping is accepting
  CHECK(shop.env.query(id, "status")["sub_orders"][0]["accepted"] == true);
  shop.env.advance(3h);
  CHECK(shop.sent(id, "admin", "seller_overdue") == 0);

  auto idle = shop.env.start("order.place", sample_order("c-18"), "ord-idle");
  shop.env.advance(48h);
  auto run = shop.env.run(idle);
  CHECK(run.result["state"] == "cancelled");
  CHECK(run.result["reason"] == "pending_timeout");
  CHECK(shop.sent(idle, "admin", "seller_overdue") == 1);
  CHECK(shop.note(idle, "admin", "seller_overdue")["data"]["sellers"] == Json::array({"s-1", "s-2"}));
  CHECK(shop.sent(idle, "admin", "stuck") == 1);
  CHECK(shop.env.run(id).status == "waiting");
}

TEST_CASE("an engine crash mid-order changes nothing: one charge, exact stock, each notification once") {
  Shop shop;
  auto id = shop.env.start("order.place", sample_order(), "ord-crash");
  shop.env.crash();
  shop.ship(id, "s-1", "TRK-1");
  shop.env.crash();
  shop.ship(id, "s-2", "TRK-2");
  shop.deliver(id, "s-1");
  shop.env.crash();
  shop.deliver(id, "s-2");
  shop.check_delivered_once(id);
}

TEST_CASE("a crash before each step's completion commits re-runs the step without a second effect") {
  Shop shop;
  const std::string id = "ord-lost";
  // Lose the first completion of the placement, of the approval's reservations, and of each
  // fulfillment signal's notification: every lost step runs again under the same key.
  shop.env.crash_before_commit_of("ActivityCompleted", id);
  shop.env.start("order.place", sample_order("c-fraud-2"), id);
  shop.env.crash();
  CHECK(shop.env.query(id, "status")["state"] == "fraud_review");
  shop.env.crash_before_commit_of("ActivityCompleted", id);
  shop.env.signal(id, "fraud.review", Json{{"approved", true}, {"by", "admin"}});
  shop.env.crash();
  CHECK(shop.env.query(id, "status")["state"] == "pending_fulfillment");
  for (const char* seller : {"s-1", "s-2"}) {
    shop.env.crash_before_commit_of("ActivityCompleted", id);
    shop.ship(id, seller, std::string("TRK-") + seller);
    shop.env.crash();
  }
  shop.deliver(id, "s-1");
  shop.env.crash_before_commit_of("ActivityCompleted", id);
  shop.deliver(id, "s-2");
  shop.env.crash();
  shop.check_delivered_once(id);
  CHECK(shop.net_charge(id) == 15090);
  CHECK(shop.level("s-2", "sku-9") == "4/0");
  CHECK(shop.notes(id).size() == 8);  // fraud_review, 2 new_order, confirmed, 2 shipment, delivered, feedback
}

TEST_CASE("bad starts are refused before any run exists") {
  Shop shop;
  Json order = sample_order();
  order["payments"][1]["amount"] = 1;
  CHECK_THROWS(shop.env.start("order.place", order));
  order = sample_order();
  order.erase("customer_id");
  CHECK_THROWS(shop.env.start("order.place", order));
  CHECK_THROWS(shop.env.start("order.return", Json{{"order_id", "x"}, {"items", Json::array()}}));
}

}  // TEST_SUITE

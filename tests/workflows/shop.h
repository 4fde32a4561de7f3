// Shop: the order sagas on a TestEnv with the simulated services, plus readers for what the
// acceptance scenarios check (ledger, notifications, stock).
#pragma once

#include <string>
#include <utility>

#include "activities/demo_views.h"
#include "activities/memory_tables.h"
#include "activities/simulated.h"
#include "cairn/testing.h"
#include "workflows/order_workflows.h"

namespace cairn::test {

// `payments` replaces the simulated gateway when given (a test's fault-injecting wrapper).
inline Registry order_registry(activities::SimulatedServices& services, activities::PaymentGateway* payments = nullptr) {
  Registry reg;
  activities::register_order_activities(
      reg, activities::OrderServices{payments ? payments : &services.payments(), &services.risk(),
                                     &services.inventory(), &services.notifier(), &services.orders()});
  workflows::register_order_workflows(reg);
  return reg;
}

// DOMAIN.md's sample: two sellers, card + points, 15090 in all.
inline Json sample_order(const std::string& customer = "c-17", const std::string& token = "tok_ok") {
  Json j = Json::parse(R"({"currency": "EUR",
    "items": [{"sku": "sku-1", "seller_id": "s-1", "qty": 2, "unit_price": 4500},
              {"sku": "sku-9", "seller_id": "s-2", "qty": 1, "unit_price": 5500}],
    "shipping": 590,
    "payments": [{"method": "card", "amount": 14090}, {"method": "points", "amount": 1000}],
    "shipping_address": {"country": "FR", "city": "Paris", "line1": "1 Rue de Rivoli"}})");
  j["customer_id"] = customer;
  j["payments"][0]["token"] = token;
  return j;
}

struct Shop {
  explicit Shop(testing::TestEnvOptions options = {}, activities::PaymentGateway* payments = nullptr)
      : registry(order_registry(services, payments)), env(registry, std::move(options)) {
    stock("s-1", "sku-1", 10);
    stock("s-2", "sku-9", 5);
  }

  void stock(const std::string& seller, const std::string& sku, std::int64_t available) {
    REQUIRE(activities::demo_set_stock(tables, seller, sku, available).is_ok());
  }
  // "<available>/<reserved>" of one SKU.
  std::string level(const std::string& seller, const std::string& sku) {
    const Json inventory = activities::demo_inventory(tables).value();
    for (const auto& i : inventory["items"])
      if (i["seller_id"] == seller && i["sku"] == sku) return i["available"].dump() + "/" + i["reserved"].dump();
    return "none";
  }
  Json ledger(const std::string& order) { return activities::demo_payments(tables, order).value()["entries"]; }
  int entries(const std::string& order, const std::string& kind) {
    int n = 0;
    for (const auto& e : ledger(order)) n += e["kind"] == kind;
    return n;
  }
  // Captures minus refunds.
  std::int64_t net_charge(const std::string& order) {
    std::int64_t net = 0;
    for (const auto& e : ledger(order)) {
      if (e["kind"] == "capture") net += e["amount"].get<std::int64_t>();
      if (e["kind"] == "refund") net -= e["amount"].get<std::int64_t>();
    }
    return net;
  }
  Json notes(const std::string& order) {
    return activities::demo_notifications(tables, order).value()["notifications"];
  }
  int sent(const std::string& order, const std::string& to, const std::string& kind) {
    int n = 0;
    for (const auto& note : notes(order)) n += note["to"] == to && note["kind"] == kind;
    return n;
  }
  Json note(const std::string& order, const std::string& to, const std::string& kind) {
    for (const auto& n : notes(order))
      if (n["to"] == to && n["kind"] == kind) return n;
    return nullptr;
  }
  int events(const std::string& id, const std::string& type) {
    int n = 0;
    for (const auto& e : env.history(id)) n += e.type == type;
    return n;
  }

  void ship(const std::string& id, const std::string& seller, const std::string& tracking) {
    env.signal(id, "shipment.confirmed",
               Json{{"seller_id", seller}, {"carrier", "DHL"}, {"tracking_number", tracking}});
  }
  void deliver(const std::string& id, const std::string& seller) {
    env.signal(id, "delivered", Json{{"seller_id", seller}});
  }
  // The sample order `id` delivered with each effect once, whatever crashes it went through: both
  // payments authorized and captured once, s-1's stock taken once, every notification sent once
  // (a shipment notice once per sub-order).
  void check_delivered_once(const std::string& id) {
    const auto run = env.run(id);
    CHECK(run.status == "completed");
    CHECK(run.result["state"] == "delivered");
    CHECK(entries(id, "authorize") == 2);
    CHECK(entries(id, "capture") == 2);
    CHECK(level("s-1", "sku-1") == "8/0");
    for (const auto& n : notes(id))
      CHECK_MESSAGE(sent(id, n["to"].get<std::string>(), n["kind"].get<std::string>()) ==
                        (n["kind"] == "shipment" ? 2 : 1),
                    n.dump());
  }
  // Ships and delivers both sub-orders of the sample order `id`.
  void ship_and_deliver(const std::string& id) {
    ship(id, "s-1", "TRK-1");
    ship(id, "s-2", "TRK-2");
    deliver(id, "s-1");
    deliver(id, "s-2");
  }
  // Places the sample order as `id` and ships and delivers both sub-orders.
  std::string delivered_order(const std::string& id) {
    env.start("order.place", sample_order(), id);
    ship_and_deliver(id);
    REQUIRE(env.run(id).result["state"] == "delivered");
    return id;
  }

  MemoryTables tables;
  activities::SimulatedServices services{tables};
  Registry registry;
  testing::TestEnv env;
};

}  // namespace cairn::test

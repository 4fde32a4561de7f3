// The simulated services: effects exactly once per idempotency key, demo knobs, no overselling.
#include <doctest/doctest.h>

#include <atomic>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "activities/demo_views.h"
#include "activities/simulated.h"
#include "cairn/errors.h"
#include "activities/memory_tables.h"
#include "store/store.h"

using namespace cairn;
using namespace cairn::activities;

namespace {

constexpr std::int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

struct Services {
  test::MemoryTables tables;
  SimulatedServices svc{tables, [] { return kT0; }};
};

Json ledger(Tables& t, const std::string& order) { return demo_payments(t, order).value()["entries"]; }

int count_kind(const Json& entries, const std::string& kind) {
  int n = 0;
  for (const auto& e : entries) n += e["kind"] == kind;
  return n;
}

std::string error_type(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ActivityError& e) {
    return e.type();
  }
  return "";
}

// Authorizes and captures order `id`'s two parts: a card of 1000 (`token`), then points of 500.
void pay_card_and_points(PaymentGateway& pay, const std::string& id, const std::string& token) {
  pay.authorize({id, 0, "card", 1000, token}, "a0");
  pay.authorize({id, 1, "points", 500, ""}, "a1");
  pay.capture({id, 0}, "c0");
  pay.capture({id, 1}, "c1");
}

}  // namespace

TEST_SUITE("activities") {

TEST_CASE("authorize, capture and reverse each take effect once per idempotency key") {
  Services s;
  auto& pay = s.svc.payments();
  AuthorizeRequest card{"o-1", 0, "card", 14090, "tok_ok"};
  auto first = pay.authorize(card, "o-1/2");
  CHECK(pay.authorize(card, "o-1/2") == first);
  CHECK(pay.authorize(card, "o-1/9")["state"] == "authorized");  // another key, same part: no second hold
  pay.capture({"o-1", 0}, "o-1/3");
  pay.capture({"o-1", 0}, "o-1/3");
  pay.reverse({"o-1", 0}, "o-1/4");
  pay.reverse({"o-1", 0}, "o-1/4");
  pay.reverse({"o-1", 0}, "o-1/5");  // nothing left to refund
  auto entries = ledger(s.tables, "o-1");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]["kind"] == "authorize");
  CHECK(entries[1]["kind"] == "capture");
  CHECK(entries[2]["kind"] == "refund");
  CHECK(entries[2]["amount"] == 14090);
  CHECK(entries[0]["idempotency_key"] == "o-1/2");
  CHECK(entries[0]["at"] == "2026-01-01T00:00:00.000Z");
  CHECK(entries[0]["method"] == "card");
}

TEST_CASE("reversing an authorization voids it and a part never authorized is left alone") {
  Services s;
  auto& pay = s.svc.payments();
  pay.authorize({"o-2", 0, "points", 1000, ""}, "k1");
  pay.reverse({"o-2", 0}, "k2");
  CHECK(pay.reverse({"o-2", 1}, "k3")["state"] == "none");
  auto entries = ledger(s.tables, "o-2");
  REQUIRE(entries.size() == 2);
  CHECK(entries[1]["kind"] == "void");
  CHECK(entries[1]["amount"] == 1000);
  CHECK(error_type([&] { pay.capture({"o-2", 0}, "k4"); }) == "not_authorized");
}

TEST_CASE("tok_decline is a terminal decline with one decline ledger entry") {
  Services s;
  AuthorizeRequest card{"o-3", 0, "card", 500, "tok_decline"};
  CHECK(error_type([&] { s.svc.payments().authorize(card, "o-3/2"); }) == "declined");
  CHECK(error_type([&] { s.svc.payments().authorize(card, "o-3/2"); }) == "declined");
  auto entries = ledger(s.tables, "o-3");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["kind"] == "decline");
  CHECK_THROWS_AS(s.svc.payments().authorize(card, "o-3/2"), TerminalError);
}

TEST_CASE("tok_flaky fails the first two attempts of each order, then authorizes once") {
  Services s;
  AuthorizeRequest card{"o-4", 0, "card", 500, "tok_flaky"};
  CHECK_THROWS_AS(s.svc.payments().authorize(card, "o-4/2"), RetryableError);
  CHECK_THROWS_AS(s.svc.payments().authorize(card, "o-4/2"), RetryableError);
  CHECK(s.svc.payments().authorize(card, "o-4/2")["state"] == "authorized");
  CHECK(s.svc.payments().authorize(card, "o-4/2")["state"] == "authorized");
  CHECK(count_kind(ledger(s.tables, "o-4"), "authorize") == 1);
  // Another order starts its own count.
  CHECK_THROWS_AS(s.svc.payments().authorize({"o-5", 0, "card", 1, "tok_flaky"}, "o-5/2"), RetryableError);
}

TEST_CASE("tok_slow takes two seconds a call and points and deferred always succeed") {
  Services s;
  auto t = std::chrono::steady_clock::now();
  s.svc.payments().authorize({"o-6", 0, "card", 100, "tok_slow"}, "k");
  CHECK(std::chrono::steady_clock::now() - t >= std::chrono::seconds(2));
  CHECK(s.svc.payments().authorize({"o-6", 1, "deferred", 100, ""}, "k2")["state"] == "authorized");
  CHECK(s.svc.payments().authorize({"o-6", 2, "points", 100, "tok_decline"}, "k3")["state"] == "authorized");
}

TEST_CASE("the gateway refuses every refund of tok_noreverse, and a refund of tok_slow takes two seconds") {
  Services s;
  auto& pay = s.svc.payments();
  pay_card_and_points(pay, "o-nr", "tok_noreverse");
  // The card comes first in the split: nothing is refunded, the points part neither.
  CHECK_THROWS_AS(pay.refund_order({"o-nr", "ret-1", 1200}, "r1"), RetryableError);
  CHECK_THROWS_AS(pay.refund({"o-nr", 0, 100}, "r2"), RetryableError);
  CHECK(count_kind(ledger(s.tables, "o-nr"), "refund") == 0);
  for (const auto& part : pay.payments("o-nr")) CHECK(part.refunded == 0);

  pay.authorize({"o-sl", 0, "card", 1000, "tok_slow"}, "a");
  pay.capture({"o-sl", 0}, "c");
  auto t = std::chrono::steady_clock::now();
  CHECK(pay.refund_order({"o-sl", "ret-1", 300}, "r").size() == 1);
  CHECK(std::chrono::steady_clock::now() - t >= std::chrono::seconds(2));
}

TEST_CASE("a refund never exceeds what a part captured") {
  Services s;
  auto& pay = s.svc.payments();
  pay.authorize({"o-7", 0, "card", 1000, "tok_ok"}, "a");
  pay.capture({"o-7", 0}, "c");
  pay.refund({"o-7", 0, 600}, "r1");
  pay.refund({"o-7", 0, 600}, "r1");
  CHECK(error_type([&] { pay.refund({"o-7", 0, 600}, "r2"); }) == "exceeds_capture");
  auto parts = pay.payments("o-7");
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].captured == 1000);
  CHECK(parts[0].refunded == 600);
}

TEST_CASE("an order's refund is split over what each capture has left when it is made, once per refund") {
  Services s;
  auto& pay = s.svc.payments();
  pay_card_and_points(pay, "o-8", "tok_ok");
  CHECK(pay.refund_order({"o-8", "ret-1", 700}, "r1").size() == 1);
  // The card has 300 left: the next refund takes it, then the points.
  auto parts = pay.refund_order({"o-8", "ret-2", 400}, "r2");
  REQUIRE(parts.size() == 2);
  CHECK((parts[0].index == 0 && parts[0].method == "card" && parts[0].amount == 300));
  CHECK((parts[1].index == 1 && parts[1].method == "points" && parts[1].amount == 100));
  // A retried activity (same key) or the same refund under another key: no second effect.
  CHECK(Json(pay.refund_order({"o-8", "ret-2", 400}, "r2")) == Json(parts));
  CHECK(Json(pay.refund_order({"o-8", "ret-2", 400}, "r2-again")) == Json(parts));
  // More than is left (400 of the points): all or nothing.
  CHECK(error_type([&] { pay.refund_order({"o-8", "ret-3", 401}, "r3"); }) == "exceeds_capture");
  CHECK(count_kind(ledger(s.tables, "o-8"), "refund") == 3);
  CHECK(ledger(s.tables, "o-8").back()["idempotency_key"] == "r2#1");  // one key per ledger entry
  auto left = pay.payments("o-8");
  CHECK(left[0].refunded == 1000);
  CHECK(left[1].refunded == 100);
}

TEST_CASE("risk: fixed demo customers, velocity over the hour and the day, bands") {
  Services s;
  auto& risk = s.svc.risk();
  CHECK(risk.score({"o", "c-fraud-1", 100, kT0}, "k1").score == 60);
  CHECK(risk.score({"o", "c-block", 100, kT0}, "k2").score == 90);
  CHECK(risk.score({"o", "c-verify-9", 100, kT0}, "k3").score == 30);
  for (int i = 0; i < 6; ++i) {
    auto r = RiskRequest{"h" + std::to_string(i), "c-17", 100, kT0 + i * 60'000};
    CHECK(risk.score(r, "h" + std::to_string(i)).score == 10);
    CHECK(risk.score(r, "h" + std::to_string(i)).score == 10);  // a repeat is not another order
  }
  CHECK(risk.score({"h6", "c-17", 100, kT0 + 6 * 60'000}, "h6").score == 50);
  CHECK(risk.score({"h7", "c-17", 100, kT0 + 2 * 3'600'000}, "h7").score == 10);  // hour passed

  for (int i = 0; i < 21; ++i)  // 65 min apart: never more than one in an hour, 21 in a day
    CHECK(risk.score({"d" + std::to_string(i), "c-18", 1, kT0 + i * 65 * 60'000}, "d" + std::to_string(i)).score == 10);
  CHECK(risk.score({"d21", "c-18", 1, kT0 + 21 * 65 * 60'000}, "d21").score == 50);

  CHECK(risk_band(0) == RiskBand::kApprove);
  CHECK(risk_band(20) == RiskBand::kApprove);
  CHECK(risk_band(21) == RiskBand::kVerify);
  CHECK(risk_band(50) == RiskBand::kVerify);
  CHECK(risk_band(51) == RiskBand::kReview);
  CHECK(risk_band(75) == RiskBand::kReview);
  CHECK(risk_band(76) == RiskBand::kReject);
  CHECK(risk.verify({"o", "c-verify", 1, kT0}));
}

TEST_CASE("inventory: reserve, capture, release and restock move stock exactly once per key") {
  Services s;
  auto& inv = s.svc.inventory();
  REQUIRE(inv.set_stock("s-1", "sku-1", 10).is_ok());
  REQUIRE(inv.set_stock("s-1", "sku-2", 3).is_ok());
  StockRequest req{"o-1", "s-1", {{"sku-1", 2}, {"sku-2", 1}}};
  inv.reserve(req, "o-1/5");
  inv.reserve(req, "o-1/5");
  inv.reserve(req, "o-1/6");  // the same order and seller: the first reservation
  auto levels = inv.levels();
  REQUIRE(levels.size() == 2);
  CHECK(levels[0].available == 8);
  CHECK(levels[0].reserved == 2);
  inv.capture({"o-1", "s-1"}, "o-1/7");
  inv.capture({"o-1", "s-1"}, "o-1/7");
  levels = inv.levels();
  CHECK(levels[0].available == 8);
  CHECK(levels[0].reserved == 0);
  CHECK(levels[1].available == 2);
  inv.release({"o-1", "s-1"}, "o-1/8");  // after capture: restocked
  inv.release({"o-1", "s-1"}, "o-1/9");
  levels = inv.levels();
  CHECK(levels[0].available == 10);
  CHECK(levels[1].available == 3);

  inv.reserve({"o-2", "s-1", {{"sku-1", 4}}}, "o-2/5");
  inv.release({"o-2", "s-1"}, "o-2/6");
  CHECK(inv.levels()[0].available == 10);
  CHECK(inv.levels()[0].reserved == 0);

  inv.restock({"o-1", "s-1", {{"sku-2", 1}}}, "r/1");
  inv.restock({"o-1", "s-1", {{"sku-2", 1}}}, "r/1");
  CHECK(inv.levels()[1].available == 4);
}

TEST_CASE("a stock-out reserves nothing of the seller's lines") {
  Services s;
  auto& inv = s.svc.inventory();
  REQUIRE(inv.set_stock("s-1", "sku-1", 5).is_ok());
  CHECK(error_type([&] { inv.reserve({"o", "s-1", {{"sku-1", 2}, {"nope", 1}}}, "k1"); }) == "stock_out");
  CHECK(error_type([&] { inv.reserve({"o", "s-1", {{"sku-1", 2}, {"sku-1", 4}}}, "k2"); }) == "stock_out");
  CHECK(error_type([&] { inv.reserve({"o", "s-1", {{"sku-1", 2}, {"nope", 1}}}, "k1"); }) == "stock_out");
  CHECK(inv.levels()[0].available == 5);
  CHECK(inv.levels()[0].reserved == 0);
  CHECK_FALSE(inv.set_stock("s-1", "sku-1", -1).is_ok());
}

TEST_CASE("many threads reserving the last unit: exactly one wins") {
  Services s;
  REQUIRE(s.svc.inventory().set_stock("s-1", "last", 1).is_ok());
  std::atomic<int> won{0}, out{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      try {
        s.svc.inventory().reserve({"o-" + std::to_string(i), "s-1", {{"last", 1}}}, "k" + std::to_string(i));
        ++won;
      } catch (const TerminalError&) {
        ++out;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(won == 1);
  CHECK(out == 15);
  CHECK(s.svc.inventory().levels()[0].available == 0);
  CHECK(s.svc.inventory().levels()[0].reserved == 1);
}

TEST_CASE("the last unit under concurrent orders, on the engine's SQLite store: exactly one wins") {
  store::SqliteOptions so;
  so.path = (std::filesystem::temp_directory_path() / ("cairn-services-" + std::to_string(::getpid()) + ".db")).string();
  auto opened = store::open_sqlite_store(so);
  REQUIRE(opened.is_ok());
  auto db = std::move(opened).value();
  {
    SimulatedInventory inv(*db);
    REQUIRE(inv.set_stock("s-1", "last", 1).is_ok());
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i)
      threads.emplace_back([&, i] {
        try {
          inv.reserve({"o-" + std::to_string(i), "s-1", {{"last", 1}}}, "k" + std::to_string(i));
          ++won;
        } catch (const TerminalError&) {
        }
      });
    for (auto& t : threads) t.join();
    CHECK(won == 1);
    CHECK(inv.levels()[0].available == 0);
    CHECK(inv.levels()[0].reserved == 1);
  }
  db->close();
  db.reset();
  store::remove_database_files(so.path);
}

TEST_CASE("a notification is delivered once per idempotency key and listed per order") {
  Services s;
  s.svc.notifier().send({"o-1", "seller:s-1", "new_order", {{"n", 1}}}, "o-1/9");
  s.svc.notifier().send({"o-1", "seller:s-1", "new_order", {{"n", 1}}}, "o-1/9");
  s.svc.notifier().send({"o-1", "customer", "order_confirmed", Json::object()}, "o-1/10");
  s.svc.notifier().send({"o-10", "customer", "order_confirmed", Json::object()}, "o-10/10");
  auto list = demo_notifications(s.tables, "o-1").value()["notifications"];
  REQUIRE(list.size() == 2);
  CHECK(list[0] == Json{{"to", "seller:s-1"}, {"kind", "new_order"}, {"data", {{"n", 1}}}, {"at", "2026-01-01T00:00:00.000Z"}});
  CHECK(list[1]["kind"] == "order_confirmed");
}

TEST_CASE("demo views answer API.md's bodies") {
  Services s;
  REQUIRE(demo_set_stock(s.tables, "s-2", "sku-9", 4).is_ok());
  CHECK(demo_inventory(s.tables).value() ==
        Json{{"items", {{{"seller_id", "s-2"}, {"sku", "sku-9"}, {"available", 4}, {"reserved", 0}}}}});
  CHECK(demo_payments(s.tables, "none").value() == Json{{"entries", Json::array()}});
  CHECK(demo_notifications(s.tables, "none").value() == Json{{"notifications", Json::array()}});
  CHECK_FALSE(demo_set_stock(s.tables, "", "sku", 1).is_ok());
}

TEST_CASE("orders: recorded once with their price version; RMAs only for shipped sub-orders, never more than ordered") {
  Services s;
  Order order;
  order.customer_id = "c-1";
  order.items = {{"sku-1", "s-1", 2, 4500}, {"sku-9", "s-2", 1, 5500}};
  auto rec = s.svc.orders().record({"o-1", order, kT0}, "o-1/1");
  CHECK(rec.price_version == "2026-01-01T00:00:00.000Z");
  order.items[0].unit_price = 1;
  CHECK(s.svc.orders().record({"o-1", order, kT0 + 5}, "o-1/x").order.items[0].unit_price == 4500);
  CHECK_FALSE(s.svc.orders().find("o-2"));
  REQUIRE(s.svc.orders().find("o-1"));

  // Nothing shipped yet (or ever, for a cancelled or rejected order): nothing to return.
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-1", "r-0", {{"sku-1", "s-1", 1}}, ""}, "r-0/2"); }) ==
        "not_returnable");
  s.svc.orders().mark_shipped({"o-1", "s-1"}, "o-1/20");
  s.svc.orders().mark_shipped({"o-1", "s-1"}, "o-1/20");  // a retried activity: the same key
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-1", "r-0", {{"sku-9", "s-2", 1}}, ""}, "r-0/3"); }) ==
        "not_returnable");  // s-2 has not shipped

  auto rma = s.svc.orders().open_rma({"o-1", "r-1", {{"sku-1", "s-1", 1}}, "damaged"}, "r-1/2");
  CHECK(rma.rma == "RMA-000001");
  CHECK(rma.label.find("RMA-000001") != std::string::npos);
  CHECK(s.svc.orders().open_rma({"o-1", "r-1", {{"sku-1", "s-1", 1}}, "damaged"}, "r-1/2").rma == "RMA-000001");
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-1", "r-2", {{"sku-1", "s-1", 2}}, ""}, "r-2/2"); }) ==
        "not_returnable");
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-1", "r-3", {{"sku-9", "s-1", 1}}, ""}, "r-3/2"); }) ==
        "not_returnable");
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-9", "r-4", {{"sku-1", "s-1", 1}}, ""}, "r-4/2"); }) ==
        "unknown_order");
  CHECK(s.svc.orders().open_rma({"o-1", "r-5", {{"sku-1", "s-1", 1}}, ""}, "r-5/2").rma == "RMA-000002");

  // A cancelled return's RMA is released: its units are returnable again, once.
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-1", "r-6", {{"sku-1", "s-1", 1}}, ""}, "r-6/2"); }) ==
        "not_returnable");
  s.svc.orders().release_rma({"o-1", "r-5"}, "r-5/9");
  s.svc.orders().release_rma({"o-1", "r-5"}, "r-5/10");  // a second release changes nothing
  s.svc.orders().release_rma({"o-1", "r-none"}, "r-none/9");  // a return that opened no RMA
  CHECK(s.svc.orders().open_rma({"o-1", "r-6b", {{"sku-1", "s-1", 1}}, ""}, "r-6b/2").rma == "RMA-000003");
  CHECK(error_type([&] { s.svc.orders().open_rma({"o-1", "r-7", {{"sku-1", "s-1", 1}}, ""}, "r-7/2"); }) ==
        "not_returnable");
}

TEST_CASE("order validation rejects DOMAIN.md's bad starts") {
  Json ok = Json::parse(R"({"customer_id": "c-17", "currency": "EUR",
    "items": [{"sku": "sku-1", "seller_id": "s-1", "qty": 2, "unit_price": 4500},
              {"sku": "sku-9", "seller_id": "s-2", "qty": 1, "unit_price": 5500}],
    "shipping": 590,
    "payments": [{"method": "card", "amount": 14090, "token": "tok_ok"}, {"method": "points", "amount": 1000}],
    "shipping_address": {"country": "FR"}})");
  CHECK(validate_order(ok) == "");
  auto bad = [&](auto edit) {
    Json j = ok;
    edit(j);
    return validate_order(j);
  };
  CHECK(bad([](Json& j) { j.erase("customer_id"); }) != "");
  CHECK(bad([](Json& j) { j["items"] = Json::array(); }) != "");
  CHECK(bad([](Json& j) { j["items"][0]["qty"] = 0; }) != "");
  CHECK(bad([](Json& j) { j["items"][0]["unit_price"] = -1; }) != "");
  CHECK(bad([](Json& j) { j["payments"][1]["method"] = "cash"; }) != "");
  CHECK(bad([](Json& j) { j["payments"][0].erase("token"); }) != "");
  CHECK(bad([](Json& j) { j["payments"][1]["amount"] = 999; }) != "");
  CHECK(bad([](Json& j) { j["items"] = "x"; }) != "");
  CHECK(bad([](Json& j) {
          j.erase("shipping");
          j["payments"][0]["amount"] = 13500;
        }) == "");
  CHECK(validate_return(Json{{"order_id", "o"}, {"items", {{{"sku", "a"}, {"seller_id", "s"}, {"qty", 1}}}}}) == "");
  CHECK(validate_return(Json{{"order_id", "o"}, {"items", Json::array()}}) != "");
  CHECK(validate_return(Json{{"items", {{{"sku", "a"}, {"seller_id", "s"}, {"qty", 1}}}}}) != "");

  // A field of the wrong type is named, with its place in a list; the JSON library's own text
  // ("[json.exception.type_error.302] type must be array, but is object") never reaches a client.
  CHECK(bad([](Json& j) { j["items"] = Json::object(); }) == "items must be an array");
  CHECK(bad([](Json& j) { j["customer_id"] = 5; }) == "customer_id must be a string");
  CHECK(bad([](Json& j) { j["items"] = Json::array({"x"}); }) == "items[0]: an item must be a JSON object");
  CHECK(bad([](Json& j) { j["items"][0]["qty"] = "2"; }) == "items[0]: qty must be an integer");
  CHECK(bad([](Json& j) { j["payments"][1]["amount"] = 1.5; }) == "payments[1]: amount must be an integer");
  CHECK(bad([](Json& j) { j["payments"][0]["token"] = 5; }) == "payments[0]: token must be a string");
  CHECK(validate_return(Json{{"order_id", 5}, {"items", Json::array()}}) == "order_id must be a string");
  CHECK(validate_return(Json{{"order_id", "o"}, {"items", {{{"sku", "a"}, {"seller_id", "s"}, {"qty", 1}}}}, {"reason", 5}}) ==
        "reason must be a string");
}

TEST_CASE("an order total past 10^12 is refused, also one that would wrap past 2^64") {
  // The audit's cart: 18 × (10^6 × 10^12) + 446744 × 10^12 + 73709551716 = 2^64 + 100, which
  // wrapped to 100 and was paid with 100 points.
  Json wrap = Json::parse(R"({"customer_id": "c-17", "currency": "EUR", "items": [],
    "payments": [{"method": "points", "amount": 100}]})");
  for (int i = 0; i < 18; ++i)
    wrap["items"].push_back({{"sku", "sku-" + std::to_string(i)}, {"seller_id", "s-1"}, {"qty", 1'000'000},
                             {"unit_price", 1'000'000'000'000}});
  wrap["items"].push_back({{"sku", "sku-a"}, {"seller_id", "s-1"}, {"qty", 446744}, {"unit_price", 1'000'000'000'000}});
  wrap["items"].push_back({{"sku", "sku-b"}, {"seller_id", "s-1"}, {"qty", 1}, {"unit_price", 73709551716}});
  CHECK(validate_order(wrap) == "the order total (items + shipping) exceeds 10^12");

  Json order = Json::parse(R"({"customer_id": "c-17", "currency": "EUR",
    "items": [{"sku": "a", "seller_id": "s-1", "qty": 1, "unit_price": 999999999999}], "shipping": 1,
    "payments": [{"method": "points", "amount": 1000000000000}]})");
  CHECK(validate_order(order) == "");  // exactly 10^12
  order["shipping"] = 2;
  CHECK(validate_order(order) == "the order total (items + shipping) exceeds 10^12");
  // Payments summing past the cap (and so never equal to a valid total).
  order["shipping"] = 1;
  order["payments"] = Json::array();
  for (int i = 0; i < 3; ++i) order["payments"].push_back({{"method", "points"}, {"amount", 1'000'000'000'000}});
  CHECK(validate_order(order) == "the payments sum to more than 10^12");
}

}  // TEST_SUITE

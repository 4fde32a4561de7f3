// Order plans: inputs per kind (DOMAIN.md's shapes and demo knobs) and their HTTP steps.
#include "tools/torture/plan.h"

#include <fmt/format.h>

#include <array>

namespace cairn::torture {

const std::vector<Sku>& skus() {
  static const std::vector<Sku> all = {{"s-1", "sku-a", 4500}, {"s-1", "sku-c", 1200}, {"s-2", "sku-b", 5500}};
  return all;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kHappy: return "happy";
    case Kind::kFlakyCard: return "flaky_card";
    case Kind::kDeclined: return "declined";
    case Kind::kFraudApprove: return "fraud_approve";
    case Kind::kFraudReject: return "fraud_reject";
    case Kind::kCancel: return "cancel";
    case Kind::kReturn: return "return";
  }
  return "?";
}

namespace {

constexpr std::array kKinds = {Kind::kHappy,       Kind::kFlakyCard, Kind::kDeclined, Kind::kFraudApprove,
                               Kind::kFraudReject, Kind::kCancel,    Kind::kReturn};

std::int64_t draw(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

// Items from both sellers (sku-c only sometimes), random quantities; points pay a random share
// and the card (token per kind) the rest, listed in a random order except for kDeclined, where
// points come first so that a decline has an authorization to void.
Json order_input(const std::string& customer, Kind kind, std::mt19937_64& rng) {
  Json items = Json::array();
  std::int64_t value = 0;
  for (const auto& s : skus()) {
    if (s.sku == "sku-c" && draw(rng, 0, 1) == 0) continue;
    const std::int64_t qty = draw(rng, 1, 3);
    items.push_back({{"sku", s.sku}, {"seller_id", s.seller_id}, {"qty", qty}, {"unit_price", s.unit_price}});
    value += qty * s.unit_price;
  }
  const std::int64_t shipping = draw(rng, 0, 1) * 590;
  const std::int64_t points = draw(rng, 1, 20) * 100;
  const char* token = kind == Kind::kFlakyCard ? "tok_flaky" : kind == Kind::kDeclined ? "tok_decline" : "tok_ok";
  Json card{{"method", "card"}, {"amount", value + shipping - points}, {"token", token}};
  Json other{{"method", draw(rng, 0, 1) ? "points" : "deferred"}, {"amount", points}};
  const bool card_first = kind != Kind::kDeclined && draw(rng, 0, 1) == 0;
  Json payments = card_first ? Json::array({card, other}) : Json::array({other, card});
  return {{"customer_id", customer}, {"currency", "EUR"}, {"items", std::move(items)}, {"shipping", shipping},
          {"payments", std::move(payments)},
          {"shipping_address", {{"country", "FR"}, {"city", "Paris"}, {"line1", "1 Rue de Rivoli"}}}};
}

Step signal(const std::string& run, const std::string& name, Json payload, int n) {
  return Step{Step::Op::kSignal, run, name, std::move(payload), fmt::format("{}-{}-{}", run, name, n)};
}

// Shipment, a tracking event and delivery for both sellers.
void fulfillment(OrderPlan& p) {
  int n = 0;
  for (const char* seller : {"s-1", "s-2"})
    p.steps.push_back(signal(p.id, "shipment.confirmed",
                             {{"seller_id", seller}, {"carrier", "ups"}, {"tracking_number", fmt::format("1Z{}{}", p.id, seller)}}, ++n));
  p.steps.push_back(signal(p.id, "tracking", {{"seller_id", "s-1"}, {"event", "in_transit"}}, ++n));
  p.steps.push_back(signal(p.id, "tracking", {{"seller_id", "s-2"}, {"event", "out_for_delivery"}}, ++n));
  for (const char* seller : {"s-1", "s-2"}) p.steps.push_back(signal(p.id, "delivered", {{"seller_id", seller}}, ++n));
}

void expect(OrderPlan& p, std::string status, std::string state, std::string reason) {
  p.status = std::move(status);
  p.state = std::move(state);
  p.reason = std::move(reason);
}

}  // namespace

OrderPlan plan_order(std::uint64_t n, std::mt19937_64& rng) {
  OrderPlan p;
  p.id = fmt::format("o-{}", n);
  p.kind = kKinds[static_cast<std::size_t>(draw(rng, 0, kKinds.size() - 1))];
  const bool fraud = p.kind == Kind::kFraudApprove || p.kind == Kind::kFraudReject;
  // One customer per order, so the velocity rule never raises a score.
  p.input = order_input(fmt::format("{}-{}", fraud ? "c-fraud" : "c", n), p.kind, rng);
  p.steps.push_back(Step{Step::Op::kStart, p.id, "", {{"type", "order.place"}, {"id", p.id}, {"input", p.input}}, ""});
  if (fraud) p.steps.push_back(signal(p.id, "fraud.review", {{"approved", p.kind == Kind::kFraudApprove}, {"by", "torture"}}, 0));
  switch (p.kind) {
    case Kind::kHappy:
    case Kind::kFlakyCard:
    case Kind::kFraudApprove:
    case Kind::kReturn:
      fulfillment(p);
      expect(p, "completed", "delivered", "");
      break;
    case Kind::kDeclined: expect(p, "completed", "payment_failed", "payment_declined"); break;
    case Kind::kFraudReject: expect(p, "completed", "validation_failed", "fraud_rejected"); break;
    case Kind::kCancel:
      p.steps.push_back(Step{Step::Op::kCancel, p.id, "", {}, ""});
      expect(p, "cancelled", "", "");
      break;
  }
  p.steps.push_back(Step{Step::Op::kAwaitEnd, p.id, "", {}, ""});
  if (p.kind == Kind::kReturn) {
    p.return_id = "ret-" + p.id;
    p.return_items = Json::array();
    for (const auto& item : p.input["items"])
      if (item["seller_id"] == "s-1")
        p.return_items.push_back({{"sku", item["sku"]}, {"seller_id", "s-1"}, {"qty", draw(rng, 1, item["qty"].get<std::int64_t>())}});
    Json input{{"order_id", p.id}, {"items", p.return_items}, {"reason", "damaged"}};
    p.steps.push_back(Step{Step::Op::kStart, p.return_id, "", {{"type", "order.return"}, {"id", p.return_id}, {"input", input}}, ""});
    p.steps.push_back(signal(p.return_id, "return.received", {{"seller_id", "s-1"}}, 0));
    p.steps.push_back(Step{Step::Op::kAwaitEnd, p.return_id, "", {}, ""});
  }
  return p;
}

std::int64_t expected_refund(const Json& input, const Json& returned) {
  std::int64_t items_value = 0, value = 0;
  for (const auto& item : input["items"]) {
    const std::int64_t line = item["qty"].get<std::int64_t>() * item["unit_price"].get<std::int64_t>();
    items_value += line;
    for (const auto& r : returned)
      if (r["sku"] == item["sku"] && r["seller_id"] == item["seller_id"])
        value += r["qty"].get<std::int64_t>() * item["unit_price"].get<std::int64_t>();
  }
  return value + input.value("shipping", std::int64_t{0}) * value / items_value;
}

}  // namespace cairn::torture

// The torture load: order sagas of every kind, each a list of idempotent HTTP steps (start,
// signals, cancel, return) and the outcome it must end with. A step can be repeated after a
// SIGKILL without changing the outcome: starts reuse the run id, signals carry an
// Idempotency-Key.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cairn/json.h"

namespace cairn::torture {

// The SKUs every order draws from, and how many units each starts with.
struct Sku {
  std::string seller_id;
  std::string sku;
  std::int64_t unit_price = 0;
};
const std::vector<Sku>& skus();
constexpr std::int64_t kInitialStock = 1'000'000;

enum class Kind {
  kHappy,         // two sellers, card + points, shipped, tracked, delivered
  kFlakyCard,     // tok_flaky: two retried authorizations, then as kHappy
  kDeclined,      // points then tok_decline: points voided, payment_failed
  kFraudApprove,  // c-fraud: admin review approves, then as kHappy
  kFraudReject,   // c-fraud: admin review rejects: validation_failed, nothing charged
  kCancel,        // cancel request before any shipment: run cancelled, everything reversed
  kReturn,        // delivered, then an order.return for seller s-1's lines, refunded
};
const char* kind_name(Kind kind);

struct Step {
  enum class Op {
    kStart,        // POST /v1/workflows (the order or, with `body.type`, its return)
    kSignal,       // POST /v1/workflows/{run}/signals/{name} with Idempotency-Key `key`
    kCancel,       // POST /v1/workflows/{run}/cancel
    kAwaitEnd,     // long-poll GET /v1/workflows/{run}?wait= until it is terminal
  };
  Op op = Op::kStart;
  std::string run;   // the run the step addresses
  std::string name;  // signal name
  Json body;         // start request or signal payload
  std::string key;   // signal idempotency key
};

struct OrderPlan {
  std::string id;
  Kind kind = Kind::kHappy;
  Json input;                  // the order.place input
  std::vector<Step> steps;
  std::string return_id;       // the order.return run, for kReturn
  Json return_items;           // its items
  // Expected end: the run's status and result.state (result.reason when not empty).
  std::string status;
  std::string state;
  std::string reason;
  // Progress, owned by the worker running the plan: the next step, whether it was already tried
  // (a lost answer: 409 then means it took effect), and which starts were acknowledged.
  std::size_t next = 0;
  bool retried = false;
  bool order_acknowledged = false;
  bool return_acknowledged = false;
};

// Plans order number `n` (ids "o-<n>"), its kind and quantities drawn from `rng`.
OrderPlan plan_order(std::uint64_t n, std::mt19937_64& rng);

// Refund DOMAIN.md gives for returning `returned` out of the order `input`: the items' value plus
// their share of shipping, rounded down.
std::int64_t expected_refund(const Json& input, const Json& returned);

}  // namespace cairn::torture

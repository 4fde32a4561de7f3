// The order domain's activities, registered by name over a set of service interfaces, and the
// simulated services (state in the engine's database) that `cairn serve` and the tests use.
#pragma once

#include <memory>

#include "cairn/options.h"
#include "cairn/registry.h"
#include "cairn/tables.h"
#include "activities/inventory.h"
#include "activities/notifications.h"
#include "activities/orders.h"
#include "activities/payments.h"
#include "activities/risk.h"
#include "activities/service_tables.h"

namespace cairn::activities {

// Payment attempts: 1 s, 2 s, 4 s, 8 s, 16 s between them (5 retries), then the saga decides.
RetryPolicy payment_retry();

// The services the activities call; each must outlive the registry's use (the engine).
struct OrderServices {
  PaymentGateway* payments = nullptr;
  RiskScorer* risk = nullptr;
  Inventory* inventory = nullptr;
  Notifier* notifier = nullptr;
  OrderDesk* orders = nullptr;
};

// Registers payment.{authorize,capture,reverse,refund,refund_order}, risk.{score,verify},
// inventory.{reserve,capture,release,restock}, notify.send, orders.{record,get,shipped,delivered}
// and returns.{open_rma,inspect,release_rma}. Each passes its activity's idempotency key to the
// service.
void register_order_activities(Registry& registry, const OrderServices& services);

// Every simulated service over one Tables (DOMAIN.md "Demo knobs"). Keep it alive as long as the
// engine whose registry it filled.
class SimulatedServices {
 public:
  explicit SimulatedServices(Tables& tables, NowFn now = wall_clock_ms);
  void register_activities(Registry& registry);

  SimulatedPaymentGateway& payments() { return payments_; }
  SimulatedRiskScorer& risk() { return risk_; }
  SimulatedInventory& inventory() { return inventory_; }
  SimulatedNotifier& notifier() { return notifier_; }
  SimulatedOrderDesk& orders() { return orders_; }

 private:
  SimulatedPaymentGateway payments_;
  SimulatedRiskScorer risk_;
  SimulatedInventory inventory_;
  SimulatedNotifier notifier_;
  SimulatedOrderDesk orders_;
};

}  // namespace cairn::activities

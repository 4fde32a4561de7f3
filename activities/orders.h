// Order records and returns: what an order was (for returns, which run after the placement
// finished) and the RMAs opened against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/tables.h"
#include "activities/order_types.h"

namespace cairn::activities {

struct OrderRecordRequest {
  std::string order_id;
  Order order;
  std::int64_t at = 0;  // the order's time (ctx.now()), ms since the epoch
};
// An order as placed: the prices in `order.items` are the locked ones, valid as of price_version.
struct OrderRecord {
  std::string order_id;
  Order order;
  std::string price_version;
};
struct RmaRequest {
  std::string order_id;
  std::string return_id;  // the order.return run
  std::vector<ReturnLine> items;
  std::string reason;
  std::int64_t at = 0;  // when the return was asked for (ctx.now()), ms since the epoch
};
// A seller's sub-order reached the customer at `at` (ctx.now(), ms since the epoch).
struct DeliveryNote {
  std::string order_id;
  std::string seller_id;
  std::int64_t at = 0;
};
// The return period after delivery (the seeds' Consumer Rights Directive: 14 days).
constexpr std::int64_t kReturnWindowMs = 14LL * 24 * 3600 * 1000;
// A returned parcel at its seller, to inspect before the refund.
struct ReturnParcel {
  std::string order_id;
  std::string rma;
  std::string seller_id;
};
struct Rma {
  std::string rma;
  std::string label;  // URL of the printable return label
};
// One return (the order.return run `return_id`) of an order.
struct ReturnRef {
  std::string order_id;
  std::string return_id;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OrderRecordRequest, order_id, order, at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OrderRecord, order_id, order, price_version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RmaRequest, order_id, return_id, items, reason, at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeliveryNote, order_id, seller_id, at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReturnParcel, order_id, rma, seller_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Rma, rma, label)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReturnRef, order_id, return_id)

// Any thread; mutating calls honour the caller's idempotency key.
class OrderDesk {
 public:
  virtual ~OrderDesk() = default;
  // Locks the order's prices: stores it once (a second record of the same order returns the first).
  virtual OrderRecord record(const OrderRecordRequest& request, const std::string& key) = 0;
  virtual std::optional<OrderRecord> find(const std::string& order_id) = 0;
  // Notes that the seller shipped its sub-order: only shipped units can be returned.
  virtual void mark_shipped(const SubOrderRef& sub_order, const std::string& key) = 0;
  // Notes when the seller's sub-order was delivered: its return window starts then.
  virtual void mark_delivered(const DeliveryNote& delivery, const std::string& key) = 0;
  // Approves a return: TerminalError "unknown_order", "not_returnable" (a line not in the order,
  // of a sub-order that never shipped — the order was cancelled, rejected or is not sent yet — or
  // more units than the order had left to return) or "return_window_closed" (asked for more than
  // kReturnWindowMs after the line's sub-order was delivered).
  virtual Rma open_rma(const RmaRequest& request, const std::string& key) = 0;
  // Records the seller's inspection of a returned parcel (the simulated desk accepts each one).
  virtual void inspect(const ReturnParcel& parcel, const std::string& key) = 0;
  // A cancelled return: every RMA it opened is released, its units returnable again. Releasing
  // twice, or for a return that opened none, does nothing.
  virtual void release_rma(const ReturnRef& ret, const std::string& key) = 0;
};

class SimulatedOrderDesk final : public OrderDesk {
 public:
  explicit SimulatedOrderDesk(Tables& tables) : tables_(tables) {}
  OrderRecord record(const OrderRecordRequest& request, const std::string& key) override;
  std::optional<OrderRecord> find(const std::string& order_id) override;
  void mark_shipped(const SubOrderRef& sub_order, const std::string& key) override;
  void mark_delivered(const DeliveryNote& delivery, const std::string& key) override;
  Rma open_rma(const RmaRequest& request, const std::string& key) override;
  void inspect(const ReturnParcel& parcel, const std::string& key) override;
  void release_rma(const ReturnRef& ret, const std::string& key) override;

 private:
  Tables& tables_;
};

}  // namespace cairn::activities

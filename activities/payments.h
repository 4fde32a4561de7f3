// Payment gateway: authorize, capture, reverse and refund one payment part of an order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/tables.h"
#include "activities/service_tables.h"

namespace cairn::activities {

// Names one payment part: the order and the part's position in the order's `payments`.
struct PaymentRef {
  std::string order_id;
  int index = 0;
};
struct AuthorizeRequest {
  std::string order_id;
  int index = 0;
  std::string method;
  std::int64_t amount = 0;
  std::string token;
};
struct RefundRequest {
  std::string order_id;
  int index = 0;
  std::int64_t amount = 0;
};
// What the gateway holds for one payment part.
struct PaymentRecord {
  int index = 0;
  std::string method;
  std::string token;
  std::int64_t authorized = 0;
  std::int64_t captured = 0;
  std::int64_t refunded = 0;
  std::string state;  // authorized, voided, captured
};
// One refund of an order, spread over its payment parts by the gateway when it is made.
// `refund_id` names the refund (a return's run id): the order has at most one refund under it.
struct OrderRefundRequest {
  std::string order_id;
  std::string refund_id;
  std::int64_t amount = 0;
};
// What one payment part gives back of a refund.
struct RefundPart {
  int index = 0;  // the payment part, as listed in the order's `payments`
  std::string method;
  std::int64_t amount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PaymentRef, order_id, index)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AuthorizeRequest, order_id, index, method, amount, token)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RefundRequest, order_id, index, amount)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PaymentRecord, index, method, token, authorized, captured,
                                                refunded, state)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OrderRefundRequest, order_id, refund_id, amount)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RefundPart, index, method, amount)

// DOMAIN.md "Return": spreads `amount` over the payment parts in the order they were listed, each
// up to what it captured and has not refunded yet. Parts that get nothing are left out; the parts
// sum to less than `amount` when the captures have not that much left.
std::vector<RefundPart> split_refund(std::int64_t amount, const std::vector<PaymentRecord>& parts);

// Every mutating call takes the caller's idempotency key: the same key twice has its effect once
// and returns the first answer. Results are the part's PaymentRecord as JSON. Calls may block
// (a slow gateway) and may be made from any thread.
class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  // Throws TerminalError of type "declined" when the method is refused, RetryableError when the
  // gateway is unreachable.
  virtual Json authorize(const AuthorizeRequest& request, const std::string& key) = 0;
  // Captures the whole authorized amount.
  virtual Json capture(const PaymentRef& ref, const std::string& key) = 0;
  // Undoes the part whatever its stage: voids an authorization, refunds a capture's unrefunded
  // remainder; a part never authorized is left alone.
  virtual Json reverse(const PaymentRef& ref, const std::string& key) = 0;
  // Refunds part of a capture; TerminalError "exceeds_capture" beyond what is left to refund.
  virtual Json refund(const RefundRequest& request, const std::string& key) = 0;
  // Refunds `amount` of the order, split with split_refund() over what is left of each capture
  // when the refund is made, all parts at once or none: TerminalError "exceeds_capture" when the
  // captures have less left. Returns the parts; a second call with the same refund_id (whatever
  // its key) returns the first answer. Each part's ledger entry has the key "<key>#<part index>".
  virtual std::vector<RefundPart> refund_order(const OrderRefundRequest& request, const std::string& key) = 0;
  // Every part the gateway knows for an order, by index.
  virtual std::vector<PaymentRecord> payments(const std::string& order_id) = 0;
};

// The demo gateway (DOMAIN.md "Demo knobs"): card tokens tok_ok, tok_decline (declined, with a
// `decline` ledger entry), tok_flaky (unreachable on the first two authorize attempts of each
// order), tok_slow (2 s per call) and tok_unavailable (always unreachable: drives the 24 h
// payment timeout); points and deferred always succeed. State and ledger live in `tables`.
class SimulatedPaymentGateway final : public PaymentGateway {
 public:
  SimulatedPaymentGateway(Tables& tables, NowFn now);
  Json authorize(const AuthorizeRequest& request, const std::string& key) override;
  Json capture(const PaymentRef& ref, const std::string& key) override;
  Json reverse(const PaymentRef& ref, const std::string& key) override;
  Json refund(const RefundRequest& request, const std::string& key) override;
  std::vector<RefundPart> refund_order(const OrderRefundRequest& request, const std::string& key) override;
  std::vector<PaymentRecord> payments(const std::string& order_id) override;

  static constexpr const char* kLedgerTable = "payment_ledger";

 private:
  // tok_slow: every call on the part takes 2 s.
  static Json slow_down(Json part);

  Tables& tables_;
  NowFn now_;
};

}  // namespace cairn::activities

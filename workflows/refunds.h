// Refund arithmetic of a return (DOMAIN.md "Return"): pure functions, replay-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "activities/order_types.h"
#include "activities/payments.h"

namespace cairn::workflows {

// The returned lines' value at the order's locked prices (a SKU ordered on several lines at
// different prices: at its average price), plus shipping × (returned value / order items'
// value), each rounded down.
std::int64_t refund_amount(const activities::Order& order, const std::vector<activities::ReturnLine>& lines);

struct RefundPart {
  int index = 0;  // the payment part, as listed in the order's `payments`
  std::string method;
  std::int64_t amount = 0;
};
// Spreads `amount` over the payment parts in order, each up to what it captured and has not
// refunded yet. Parts that get nothing are left out.
std::vector<RefundPart> split_refund(std::int64_t amount, const std::vector<activities::PaymentRecord>& parts);

}  // namespace cairn::workflows

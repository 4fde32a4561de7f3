// Refund arithmetic of a return (DOMAIN.md "Return"): pure functions, replay-safe. How a refund is
// spread over the payment parts is activities::split_refund(), which the gateway applies.
#pragma once

#include <cstdint>
#include <vector>

#include "activities/order_types.h"

namespace cairn::workflows {

// The returned lines' value at the order's locked prices (a SKU ordered on several lines at
// different prices: at its average price), plus shipping × (returned value / order items'
// value), each rounded down.
std::int64_t refund_amount(const activities::Order& order, const std::vector<activities::ReturnLine>& lines);

}  // namespace cairn::workflows

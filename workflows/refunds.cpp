// Refund arithmetic of a return.
#include "workflows/refunds.h"

namespace cairn::workflows {

std::int64_t refund_amount(const activities::Order& order, const std::vector<activities::ReturnLine>& lines) {
  // NOTE: 128-bit products: a price or shipping times a value may exceed 64 bits before the division.
  __extension__ using Wide = __int128;
  std::int64_t returned = 0;
  for (const auto& line : lines) {
    // One SKU of one seller may sit on several lines at different prices: its units are
    // refunded at their average price, so any split into returns refunds what was paid.
    std::int64_t units = 0, paid = 0;
    for (const auto& item : order.items)
      if (item.seller_id == line.seller_id && item.sku == line.sku) {
        units += item.qty;
        paid += item.qty * item.unit_price;
      }
    if (units > 0) returned += static_cast<std::int64_t>(Wide{line.qty} * paid / units);
  }
  const std::int64_t value = activities::items_value(order.items);
  if (value > 0) return returned + static_cast<std::int64_t>(Wide{order.shipping} * returned / value);
  // Every item free: the value share is 0/0, so shipping is shared by units (all of it comes back
  // with the last unit, as it does for a paid order).
  std::int64_t units = 0, back = 0;
  for (const auto& item : order.items) units += item.qty;
  for (const auto& line : lines) back += line.qty;
  return units > 0 ? returned + static_cast<std::int64_t>(Wide{order.shipping} * back / units) : returned;
}

}  // namespace cairn::workflows

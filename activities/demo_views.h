// The bodies of API.md's demo endpoints, read from the simulated services' tables.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/json.h"
#include "cairn/status.h"
#include "cairn/tables.h"

namespace cairn::activities {

// {"items": [{"seller_id","sku","available","reserved"}]}
Result<Json> demo_inventory(Tables& tables);
// Sets available stock; kInvalidArgument for an empty seller or SKU or a negative quantity.
Status demo_set_stock(Tables& tables, const std::string& seller_id, const std::string& sku, std::int64_t available);
// {"entries": [{"order_id","method","kind","amount","idempotency_key","at"}]}, oldest first.
Result<Json> demo_payments(Tables& tables, const std::string& order_id);
// {"notifications": [{"to","kind","data","at"}]}, oldest first.
Result<Json> demo_notifications(Tables& tables, const std::string& order_id);

}  // namespace cairn::activities

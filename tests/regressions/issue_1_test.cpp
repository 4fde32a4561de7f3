// Bug: a JSON number too large for int64 (1.5e64) as a payment amount made validate_order convert a double out of range (undefined behaviour, found by fuzz_workflow_input); it must be rejected.
#include <doctest/doctest.h>

#include "activities/order_types.h"

namespace cairn::activities {
namespace {

TEST_SUITE("regressions") {

TEST_CASE("issue 1: an order amount beyond int64 is rejected without undefined behaviour") {
  // The fuzzer's input, reduced: the amount is a double far beyond any int64.
  const Json order = Json::parse(R"({"customer_id": "c-17", "currency": "EUR",
      "items": [{"sku": "sku-9", "seller_id": "s-2", "qty": 1, "unit_price": 5500}],
      "payments": [{"method": "deferred", "amount": 15090000000000000000000000000000000000000000000000000000000000000}]})");
  CHECK_FALSE(validate_order(order).empty());
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::activities

// Fuzz target: bytes as JSON into the start-time validation of workflow inputs: the order
// validators of activities/ and each registered type's Registry validate (order.place,
// order.return, bench.steps). A validator must answer, not crash or overflow, and what it accepts
// must convert to the typed input with payments summing to the order total (DOMAIN.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "activities/order_types.h"
#include "cairn/registry.h"
#include "workflows/bench_steps.h"
#include "workflows/order_workflows.h"

namespace {

const cairn::Registry& registry() {
  static const cairn::Registry* reg = [] {
    auto* r = new cairn::Registry();
    cairn::register_bench_steps(*r);
    cairn::workflows::register_order_workflows(*r);
    return r;
  }();
  return *reg;
}

[[noreturn]] void fail(const char* what, const cairn::Json& input) {
  std::fprintf(stderr, "%s: %s\n", what, input.dump().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = cairn::Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return 0;
  for (const char* type : {"order.place", "order.return", "bench.steps"}) {
    const cairn::WorkflowDef* def = registry().find_workflow(type);
    if (!def) fail("type not registered", cairn::Json(type));
    (void)def->validate(input);
  }
  if (cairn::activities::validate_order(input).empty()) {
    cairn::activities::Order order;
    try {
      order = input.get<cairn::activities::Order>();
    } catch (const std::exception&) {
      fail("validate_order accepted an order that does not convert", input);
    }
    std::int64_t paid = 0;
    for (const auto& p : order.payments) paid += p.amount;
    if (paid != cairn::activities::order_total(order)) fail("validate_order accepted payments that do not sum to the total", input);
  }
  (void)cairn::activities::validate_return(input);
  return 0;
}

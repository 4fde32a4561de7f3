// The order sagas: `order.place` (placement, with cancellation as a cancel request into it) and
// `order.return`. Written against include/cairn/ alone; see docs/orders.md.
#pragma once

#include "cairn/json.h"
#include "cairn/registry.h"
#include "cairn/task.h"
#include "cairn/workflow.h"
#include "activities/order_types.h"

namespace cairn::workflows {

// Registers both sagas with their signals, the `status` query and start-time validation. The
// activities they call are registered by activities::register_order_activities().
void register_order_workflows(Registry& registry);

// order.place: DOMAIN.md "Order placement" and "Cancellation".
Task<Json> place_order(WorkflowContext& ctx, activities::Order order);
// order.return: DOMAIN.md "Return".
Task<Json> return_order(WorkflowContext& ctx, activities::ReturnRequest request);

}  // namespace cairn::workflows

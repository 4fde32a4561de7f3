// Registration of the order sagas.
#include "workflows/order_workflows.h"

namespace cairn::workflows {

void register_order_workflows(Registry& registry) {
  WorkflowOptions place;
  place.signals = {"fraud.review", "seller.accepted", "shipment.confirmed", "tracking", "delivered"};
  place.queries = {"status"};
  place.validate = activities::validate_order;
  registry.workflow("order.place", place_order, std::move(place));

  WorkflowOptions ret;
  ret.signals = {"return.received"};
  ret.queries = {"status"};
  ret.validate = activities::validate_return;
  registry.workflow("order.return", return_order, std::move(ret));
}

}  // namespace cairn::workflows

// The invariants checked once every order has run its last step, through the HTTP API and the
// demo endpoints only (what a client can see).
#pragma once

#include <vector>

#include "api/http_client.h"
#include "tools/torture/plan.h"
#include "tools/torture/report.h"

namespace cairn::torture {

// Per order: the run exists and ended as planned; its history is seq 1..N without gaps from
// WorkflowStarted to a terminal event; the payment ledger has unique idempotency keys, at most one
// authorization and one capture per method, the planned amounts captured, and nets to the total
// (delivered), the total minus the refund (returned) or zero (declined, rejected, cancelled, with
// every authorization voided or refunded); notifications at most once per recipient and kind
// (shipment once per seller, tracking once per event) and the ones each outcome must send.
// Overall: stock conserved per SKU with nothing left reserved, and no run left unfinished.
void check_all(api::HttpClient& client, const std::vector<OrderPlan>& plans, Report& report);

}  // namespace cairn::torture

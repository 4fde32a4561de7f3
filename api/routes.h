// Route handlers, one per API.md endpoint (see router.cpp for the method/path table).
// Each validates first, then calls the engine, and calls `done` exactly once.
#pragma once

#include "api/context.h"
#include "api/http_types.h"

namespace cairn::api {

// Workflows (routes_runs.cpp).
void handle_start(const Request& request, Context& ctx, Reply done);
void handle_get(const Request& request, Context& ctx, Reply done);
void handle_history(const Request& request, Context& ctx, Reply done);
void handle_search(const Request& request, Context& ctx, Reply done);

// Control (routes_control.cpp).
void handle_signal(const Request& request, Context& ctx, Reply done);
void handle_query(const Request& request, Context& ctx, Reply done);
void handle_cancel(const Request& request, Context& ctx, Reply done);
void handle_terminate(const Request& request, Context& ctx, Reply done);
void handle_retry(const Request& request, Context& ctx, Reply done);
void handle_skip(const Request& request, Context& ctx, Reply done);

// Operations (routes_ops.cpp).
void handle_workflow_types(const Request& request, Context& ctx, Reply done);
void handle_audit(const Request& request, Context& ctx, Reply done);
void handle_healthz(const Request& request, Context& ctx, Reply done);
void handle_readyz(const Request& request, Context& ctx, Reply done);
void handle_metrics(const Request& request, Context& ctx, Reply done);
void handle_ui(const Request& request, Context& ctx, Reply done);
void handle_ui_redirect(const Request& request, Context& ctx, Reply done);

// Demo services (routes_demo.cpp).
void handle_demo_set_stock(const Request& request, Context& ctx, Reply done);
void handle_demo_inventory(const Request& request, Context& ctx, Reply done);
void handle_demo_payments(const Request& request, Context& ctx, Reply done);
void handle_demo_notifications(const Request& request, Context& ctx, Reply done);

}  // namespace cairn::api

// Prometheus text exposition of engine, store and HTTP counters for GET /metrics.
#pragma once

#include <string>

#include "api/context.h"

namespace cairn::api {

std::string prometheus_text(Context& ctx);

}  // namespace cairn::api

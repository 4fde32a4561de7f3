// bench.steps: the built-in benchmark workflow (API.md "Built-in workflow types"): N sequential
// no-op activities, each returning B bytes; completes with {"steps": N}. The workload Cairn is
// compared against other engines with.
#pragma once

#include "cairn/registry.h"

namespace cairn {

// Registers the `bench.steps` workflow and its `bench.noop` activity.
void register_bench_steps(Registry& registry);

}  // namespace cairn

// bench.steps: N sequential no-op activities of B bytes each.
#include "workflows/bench_steps.h"

#include <string>

#include "cairn/cairn.h"

namespace cairn {

namespace {

struct StepsInput {
  int steps = 1;
  int payload_bytes = 100;
};

void from_json(const Json& j, StepsInput& in) {
  if (!j.is_object()) throw std::invalid_argument("input must be an object");
  in.steps = j.value("steps", 1);
  in.payload_bytes = j.value("payload_bytes", 100);
}

std::string validate(const Json& j) {
  StepsInput in;
  from_json(j, in);
  if (in.steps < 1 || in.steps > 100) return "steps must be between 1 and 100";
  if (in.payload_bytes < 0 || in.payload_bytes > 65536) return "payload_bytes must be between 0 and 65536";
  return "";
}

Task<Json> bench_steps(WorkflowContext& ctx, StepsInput in) {
  for (int i = 0; i < in.steps; ++i) (void)co_await ctx.activity<Json>("bench.noop", in.payload_bytes);
  co_return Json{{"steps", in.steps}};
}

std::string noop(ActivityContext&, int bytes) { return std::string(static_cast<std::size_t>(bytes), 'x'); }

}  // namespace

void register_bench_steps(Registry& registry) {
  registry.workflow("bench.steps", bench_steps, {.version = 1, .validate = validate});
  registry.activity("bench.noop", noop, {.timeout = std::chrono::seconds(10)});
}

}  // namespace cairn

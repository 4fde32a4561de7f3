// bench.steps: N sequential no-op activities of B bytes each (N = 0: a run that ends at its start).
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
  in.steps = static_cast<int>(int_field(j, "steps", 1, 0, 100));
  in.payload_bytes = static_cast<int>(int_field(j, "payload_bytes", 100, 0, 65536));
}

std::string validate(const Json& j) {
  try {
    StepsInput in;
    from_json(j, in);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
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

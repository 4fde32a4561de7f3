// saga_compensation: undo completed steps, newest first, when a later step fails.
#include <cstdio>

#include "cairn/cairn.h"
#include "cairn/testing.h"

int reserve(cairn::ActivityContext&, int qty) { return qty; }
void release(cairn::ActivityContext&, int qty) { std::printf("  compensation: release %d\n", qty); }
std::string charge(cairn::ActivityContext&, int) { return "auth-1"; }
void refund(cairn::ActivityContext&, std::string auth) { std::printf("  compensation: refund %s\n", auth.c_str()); }
void ship(cairn::ActivityContext&, int) { throw cairn::TerminalError("no carrier for this address"); }

cairn::Task<std::string> order(cairn::WorkflowContext& ctx, int qty) {
  cairn::Saga saga{ctx};
  int reserved = co_await ctx.activity<int>("reserve", qty);
  saga.compensate("release", reserved);  // registered only after the step succeeded
  std::string auth = co_await ctx.activity<std::string>("charge", qty);
  saga.compensate("refund", auth);
  try {
    co_await ctx.activity<void>("ship", qty);
  } catch (const cairn::ActivityFailed& e) {
    // A business failure: undo now (refund, then release) and finish normally. Letting the
    // exception escape instead would make the engine run the same compensations and fail the run.
    std::printf("  ship failed: %s\n", e.what());
  }
  if (saga.size() == 0) co_return "shipped";
  co_await saga.unwind();
  co_return "cancelled: not shippable";
}

int main() {
  cairn::Registry registry;
  registry.workflow("order", order);
  registry.activity("reserve", reserve).activity("release", release).activity("charge", charge);
  registry.activity("refund", refund).activity("ship", ship);
  cairn::testing::TestEnv env{registry};
  auto id = env.start("order", 2);
  auto run = env.run(id);
  std::printf("run %s: %s, result %s\n", id.c_str(), run.status.c_str(), run.result.dump().c_str());
  return run.result == "cancelled: not shippable" ? 0 : 1;
}

// hello_workflow: the smallest durable workflow. Copy this file to start your own.
//
// A workflow is a coroutine returning cairn::Task<T>; every side effect happens in an activity.
// The engine journals each activity's result, so a crash never repeats a finished step.
#include <cstdio>

#include "cairn/cairn.h"
#include "cairn/testing.h"

// 1. An activity: a plain function. It may do I/O; it may run more than once (at least once),
//    so it passes ctx.idempotency_key() to anything it changes.
std::string greet(cairn::ActivityContext& ctx, std::string name) {
  std::printf("  activity greet(%s), idempotency key %s\n", name.c_str(), ctx.idempotency_key().c_str());
  return "Hello, " + name + "!";
}

// 2. A workflow: deterministic code that calls activities through the context.
cairn::Task<std::string> hello(cairn::WorkflowContext& ctx, std::string name) {
  std::string greeting = co_await ctx.activity<std::string>("greet", name);
  co_return greeting;
}

int main() {
  // 3. Register both under names (a server does the same before it starts).
  cairn::Registry registry;
  registry.workflow("hello", hello);
  registry.activity("greet", greet);

  // 4. Run it. The test kit is a real engine on a temporary SQLite file.
  cairn::testing::TestEnv env{registry};
  std::string id = env.start("hello", "world");
  auto run = env.run(id);
  std::printf("run %s: %s, result %s\n", id.c_str(), run.status.c_str(), run.result.dump().c_str());
  return run.status == "completed" && run.result == "Hello, world!" ? 0 : 1;
}

// retries: a RetryPolicy with exponential backoff. Waits are durable timers, so the test kit's
// manual clock skips them; in production no thread sleeps during a backoff.
#include <atomic>
#include <cstdio>

#include "cairn/cairn.h"
#include "cairn/testing.h"

using namespace std::chrono_literals;

std::atomic<int> calls{0};

int flaky_quote(cairn::ActivityContext& ctx, int base) {
  ++calls;
  std::printf("  attempt %d\n", ctx.attempt());
  if (ctx.attempt() < 4) throw cairn::RetryableError("upstream_busy", "try later");
  return base * 2;
}

// The options are a named object, never a braced `{.retry = ...}` inside the co_await: GCC 12
// destroys such a temporary twice (a crash once the policy holds a non_retryable list).
const cairn::ActivityOptions kQuoteOptions{.retry = cairn::RetryPolicy{
    .initial_interval = 1s, .backoff_coefficient = 2, .maximum_attempts = 5, .non_retryable = {"bad_base"}}};

cairn::Task<int> quote(cairn::WorkflowContext& ctx, int base) {
  co_return co_await ctx.activity<int>("flaky_quote", base, kQuoteOptions);
}

int main() {
  cairn::Registry registry;
  registry.workflow("quote", quote);
  registry.activity("flaky_quote", flaky_quote);
  cairn::testing::TestEnv env{registry};
  auto id = env.start("quote", 21);
  env.advance(1s + 2s + 4s);  // the three backoffs
  auto run = env.run(id);
  std::printf("run %s: %s after %d attempts, result %s\n", id.c_str(), run.status.c_str(), calls.load(),
              run.result.dump().c_str());
  return run.result == 42 && calls == 4 ? 0 : 1;
}

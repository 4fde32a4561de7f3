// timers: durable sleep. A sleeping run is only a row: it is evicted from memory and replayed
// when its timer fires, even after a restart.
#include <cstdio>

#include "cairn/cairn.h"
#include "cairn/testing.h"

using namespace std::chrono_literals;

void remind(cairn::ActivityContext&, std::string who) { std::printf("  reminder sent to %s\n", who.c_str()); }

cairn::Task<void> reminder(cairn::WorkflowContext& ctx, std::string who) {
  co_await ctx.sleep(48h);  // ctx.now() moves with the journal, never with the wall clock
  co_await ctx.activity<void>("remind", who);
}

int main() {
  cairn::Registry registry;
  registry.workflow("reminder", reminder);
  registry.activity("remind", remind);
  cairn::testing::TestEnv env{registry};
  auto id = env.start("reminder", "ada");
  std::printf("after start: %s, waiting on %s\n", env.run(id).status.c_str(), env.run(id).waiting_on.dump().c_str());
  env.crash();  // a restart in the middle of the wait changes nothing
  env.advance(48h);
  std::printf("after 48 h: %s\n", env.run(id).status.c_str());
  return env.run(id).status == "completed" ? 0 : 1;
}

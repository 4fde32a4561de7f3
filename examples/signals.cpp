// signals: wait for events from outside (buffered if they arrive first), with a timeout, and
// answer queries from live state.
#include <cstdio>

#include "cairn/cairn.h"
#include "cairn/testing.h"

using namespace std::chrono_literals;

struct Approval {
  bool approved = false;
  std::string by;
};
void from_json(const cairn::Json& j, Approval& a) {
  a.approved = j.at("approved").get<bool>();
  a.by = j.value("by", "");
}

cairn::Task<std::string> review(cairn::WorkflowContext& ctx, cairn::Json) {
  std::string state = "waiting for review";
  auto query = ctx.on_query("state", [&state] { return state; });  // before the first co_await, after `state`
  std::optional<Approval> decision = co_await ctx.wait_signal<Approval>("review", 24h);
  if (!decision) co_return state = "expired";
  state = decision->approved ? "approved by " + decision->by : "rejected by " + decision->by;
  co_return state;
}

int main() {
  cairn::Registry registry;
  registry.workflow("review", review);
  cairn::testing::TestEnv env{registry};
  auto id = env.start("review", cairn::Json::object());
  std::printf("query while waiting: %s\n", env.query(id, "state").dump().c_str());
  env.signal(id, "review", {{"approved", true}, {"by", "grace"}});
  std::printf("run %s: %s, result %s\n", id.c_str(), env.run(id).status.c_str(), env.run(id).result.dump().c_str());
  const cairn::Json ended = env.query(id, "state");  // an ended run answers what it last showed
  std::printf("query once ended: %s\n", ended.dump().c_str());

  auto late = env.start("review", cairn::Json::object());
  env.advance(24h);
  std::printf("run %s: result %s\n", late.c_str(), env.run(late).result.dump().c_str());
  return env.run(id).result == "approved by grace" && ended == "approved by grace" && env.run(late).result == "expired"
             ? 0
             : 1;
}

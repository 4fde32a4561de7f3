// ActivityExecutor: every attempt submitted runs once, whether attempts come alone or in bursts
// while the workers sleep (one worker is woken per burst and wakes the next).
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "cairn/activity.h"
#include "engine/activity_executor.h"

namespace cairn::engine {
namespace {

TEST_CASE("bursts of attempts from one thread all run exactly once") {
  ActivityDef echo{"echo", [](ActivityContext&, const Json& in) { return in; }, {}};
  std::mutex mu;
  std::condition_variable done;
  std::vector<int> runs_of(3000, 0);
  std::size_t results = 0;
  ActivityExecutor executor(4, [&](AttemptResult r) {
    std::lock_guard lock(mu);
    CHECK(r.ok);
    ++runs_of[static_cast<std::size_t>(r.cmd)];
    ++results;
    done.notify_all();
  });
  std::int64_t cmd = 0;
  for (int burst = 0; cmd + 20 < static_cast<std::int64_t>(runs_of.size()); ++burst) {
    const int size = 1 + burst % 19;  // 1..19: fewer, as many and more attempts than workers
    for (int i = 0; i < size; ++i) executor.submit(AttemptRequest{"run", 1, cmd++, 1, 0, &echo, Json(i)});
    // Let the workers drain and fall asleep before the next burst: a lost wake-up hangs here.
    std::unique_lock lock(mu);
    REQUIRE(done.wait_for(lock, std::chrono::seconds(20), [&] { return results == static_cast<std::size_t>(cmd); }));
  }
  executor.stop();
  for (std::int64_t i = 0; i < cmd; ++i) CHECK(runs_of[static_cast<std::size_t>(i)] == 1);
}

}  // namespace
}  // namespace cairn::engine

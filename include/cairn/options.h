// RetryPolicy and ActivityOptions: how an activity is retried and bounded in time.
// Backoff waits are durable timers: a run in backoff holds no thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cairn {

using std::chrono::milliseconds;

struct RetryPolicy {
  // What happens when the last attempt fails.
  enum class OnExhausted {
    kFail,   // the awaiting workflow code gets ActivityFailed (it may compensate)
    kPause,  // the run turns `stuck` until an admin retries it (compensations use this)
  };

  milliseconds initial_interval{1000};  // wait before the 2nd attempt
  double backoff_coefficient = 2.0;     // each wait is the previous times this
  milliseconds maximum_interval{60000};  // cap on one wait
  int maximum_attempts = 5;              // total attempts including the first; 0 = unlimited
  std::vector<std::string> non_retryable;  // ActivityError::type() values never retried
  OnExhausted on_exhausted = OnExhausted::kFail;

  // Wait before attempt `next_attempt` (2 for the first retry).
  milliseconds delay_before(int next_attempt) const {
    double d = static_cast<double>(initial_interval.count());
    for (int i = 2; i < next_attempt; ++i) d *= backoff_coefficient;
    auto capped = std::min<double>(d, static_cast<double>(maximum_interval.count()));
    return milliseconds{static_cast<long long>(capped)};
  }
};

// Per-call options; unset fields fall back to what the activity was registered with, then to
// the defaults above (5 attempts, 1 s doubling, 30 s start-to-close).
struct ActivityOptions {
  std::optional<RetryPolicy> retry;
  std::optional<milliseconds> timeout;  // start-to-close timeout of one attempt
  // Journal an ActivityScheduled event before dispatch, so admins see the step while it runs.
  // Costs one row; worth it for slow steps only.
  bool journal_schedule = false;
  // Once this activity's attempts have run out under a pause policy (a compensation always pauses)
  // and the run is `stuck` on it, an admin may end it with a result of their choosing
  // (POST /v1/workflows/{id}/skip), e.g. after doing by hand what it could not. Off by default:
  // only a step whose outcome an admin can stand in for should allow it.
  bool skippable = false;
};

}  // namespace cairn

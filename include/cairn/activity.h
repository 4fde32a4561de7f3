// ActivityContext: what an activity function receives besides its input. Activities are plain
// synchronous functions run on the engine's thread pool, at least once per command; they are the
// only place side effects happen. Pass idempotency_key() to the service you call so that a
// re-execution after a crash or a retry has its effect exactly once.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace cairn {

class ActivityContext {
 public:
  ActivityContext(std::string run_id, std::string activity, std::int64_t command, int attempt,
                  std::int64_t deadline_ms)
      : run_id_(std::move(run_id)),
        activity_(std::move(activity)),
        command_(command),
        attempt_(attempt),
        deadline_ms_(deadline_ms),
        key_(run_id_ + "/" + std::to_string(command)) {}

  // "<workflow id>/<command number>": the same for every attempt and after any crash.
  const std::string& idempotency_key() const { return key_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& activity() const { return activity_; }
  std::int64_t command() const { return command_; }
  int attempt() const { return attempt_; }  // 1 for the first attempt
  // When this attempt's start-to-close timeout expires (ms since the epoch, engine clock); a
  // result delivered later is discarded and the attempt counts as timed out.
  std::int64_t deadline_ms() const { return deadline_ms_; }

 private:
  std::string run_id_;
  std::string activity_;
  std::int64_t command_;
  int attempt_;
  std::int64_t deadline_ms_;
  std::string key_;
};

}  // namespace cairn

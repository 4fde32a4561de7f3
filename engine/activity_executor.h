// ActivityExecutor: the thread pool activities run on. Activities are plain synchronous
// functions; their outcome goes back through the engine's queue (never straight into a
// coroutine frame), via the callback given at construction, called on a pool thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cairn/json.h"
#include "cairn/registry.h"

namespace cairn::engine {

struct AttemptRequest {
  std::string run_id;
  std::uint64_t incarnation = 0;  // which in-memory life of the run issued it
  std::int64_t cmd = 0;
  int attempt = 1;
  std::int64_t deadline_ms = 0;
  const ActivityDef* def = nullptr;
  Json input;
};

struct AttemptResult {
  std::string run_id;
  std::uint64_t incarnation = 0;
  std::int64_t cmd = 0;
  int attempt = 1;
  bool ok = false;
  Json value;
  bool terminal = false;  // TerminalError: no retry
  std::string error_type;
  std::string error_message;
};

class ActivityExecutor {
 public:
  ActivityExecutor(std::size_t threads, std::function<void(AttemptResult)> on_result);
  ~ActivityExecutor();
  ActivityExecutor(const ActivityExecutor&) = delete;
  ActivityExecutor& operator=(const ActivityExecutor&) = delete;

  void submit(AttemptRequest request);
  // Drops queued attempts and joins the threads (running attempts finish; their results are
  // still delivered to the callback). Idempotent.
  void stop();

  // Runs one attempt on the calling thread, turning exceptions into a failed result.
  static AttemptResult run(AttemptRequest& request);

 private:
  void work();

  std::function<void(AttemptResult)> on_result_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AttemptRequest> queue_;  // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::size_t idle_ = 0;              // guarded by mu_: workers blocked on cv_
  bool wake_pending_ = false;         // guarded by mu_: notified, and no worker has woken yet
  std::vector<std::thread> threads_;
};

}  // namespace cairn::engine

// The load: worker threads that take orders from a queue and run each order's next step against
// whichever server is up. A step that gets no answer (the server was killed) is retried on the
// next server; one that gets an answer the plan forbids is a violation.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/torture/plan.h"
#include "tools/torture/report.h"
#include "tools/torture/server.h"

namespace cairn::torture {

struct DriverCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> no_answer{0};    // connection refused/reset: the server was down
  std::atomic<std::uint64_t> unavailable{0};  // 503 (recovering) or 429
  std::atomic<std::uint64_t> acknowledged_starts{0};
};

class Driver {
 public:
  Driver(const Server& server, Report& report, std::size_t workers);
  ~Driver();  // stop()
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Queues `plan`, which must stay alive (and unmoved) until stop().
  void add(OrderPlan& plan);
  // Waits until every queued plan has run its last step, at most `timeout`; true when all did.
  bool wait_finished(std::chrono::milliseconds timeout);
  void stop();
  const DriverCounters& counters() const { return counters_; }

 private:
  enum class Outcome { kDone, kRetry, kDown };
  struct Worker;
  void work();
  Outcome execute(Worker& w, OrderPlan& plan);

  const Server& server_;
  Report& report_;
  DriverCounters counters_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable finished_;
  std::deque<OrderPlan*> queue_;  // guarded by mu_
  std::size_t unfinished_ = 0;    // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace cairn::torture
